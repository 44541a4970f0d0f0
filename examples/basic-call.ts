/**
 * The smallest useful test call: call a SIP agent, play a question, record both sides, print
 * the outcome. Run: `npx tsx examples/basic-call.ts sip:agent@127.0.0.1:5080`
 * (with no argument it starts a local TestAgent to call).
 */
import { join } from 'node:path';
import { TestAgent, Caller } from '../src';

async function main(): Promise<void> {
  let agent: TestAgent | undefined;
  let target = process.argv[2];
  if (!target) {
    agent = new TestAgent({ behaviour: { hangupAfterMs: 6000 } });
    target = await agent.start();
  }
  const caller = new Caller({ bind: { address: '127.0.0.1' }, transport: 'udp' });
  try {
    const call = caller.call({
      target,
      play: join(__dirname, '../assets/question-8k.wav'),
      durationMs: 5000,
      record: 'basic-call.wav',
      timeouts: { ringMs: 30_000 },
    });
    call.on('ringing', (r) => console.error(`ringing (${r.status}) at ${r.t.toFixed(0)} ms`));
    call.on('answered', (a) => console.error(`answered at ${a.t.toFixed(0)} ms, codec ${a.codec}`));
    const result = await call.result;
    console.error(`${result.outcome}: ${result.endReason} (SIP ${result.sip.finalStatus ?? '-'})`);
    console.log(JSON.stringify({ outcome: result.outcome, ids: result.ids, rtp: result.rtp }, null, 2));
  } finally {
    await caller.close();
    await agent?.stop();
  }
}

void main();
