/**
 * A sipprobe TestAgent that answers every call and echoes its RTP, run as a separate process so
 * that the load benchmark's caller and agent do not share an event loop. Prints its URI on the
 * first stdout line; stops on SIGTERM/SIGINT or when its stdin closes (the parent is gone). Its
 * RTP ports (30000–39999) stay clear of the caller's (10000–20000, split between worker
 * threads), so neither side probes the other's ports.
 */
import { TestAgent } from '../../src/agent';
import { RtpPortPool } from '../../src/rtp';

async function main(): Promise<void> {
  const agent = new TestAgent({
    behaviour: { echo: true, play: null },
    maxCalls: 100,
    maxRequests: 100,
    // its loop echoes every call's RTP: the SIP socket must not wait behind it (see SipUdpTransportOptions.thread)
    sipThread: true,
    media: { portPool: new RtpPortPool({ min: 30000, max: 39999 }) },
  });
  const uri = await agent.start();
  process.stdout.write(`${uri}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // hanging up calls whose caller is gone waits on SIP timers: the process ends regardless
    setTimeout(() => process.exit(0), 3000).unref();
    void agent.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // the parent holds our stdin open: when it dies without stopping us, so do we
  process.stdin.once('end', stop);
  process.stdin.resume();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
