/**
 * A sipprobe TestAgent that answers every call and echoes its RTP, run as a separate process so
 * that the load benchmark's caller and agent do not share an event loop. Prints its URI on the
 * first stdout line; stops on SIGTERM/SIGINT. Its RTP ports (30000–39999) stay clear of the
 * caller's (10000–20000, split between worker threads), so neither side probes the other's ports.
 */
import { TestAgent } from '../../src/agent';
import { RtpPortPool } from '../../src/rtp';

async function main(): Promise<void> {
  const agent = new TestAgent({ behaviour: { echo: true, play: null }, maxCalls: 100, maxRequests: 100, media: { portPool: new RtpPortPool({ min: 30000, max: 39999 }) } });
  const uri = await agent.start();
  process.stdout.write(`${uri}\n`);
  const stop = (): void => {
    void agent.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
