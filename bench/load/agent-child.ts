/**
 * A sipprobe TestAgent that answers every call and echoes its RTP, run as a separate process so
 * that the load benchmark's caller and agent do not share an event loop. Prints its URI on the
 * first stdout line; stops on SIGTERM/SIGINT.
 */
import { TestAgent } from '../../src/agent';

async function main(): Promise<void> {
  const agent = new TestAgent({ behaviour: { echo: true, play: null }, maxCalls: 100, maxRequests: 100 });
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
