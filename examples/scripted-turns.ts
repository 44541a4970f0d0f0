/**
 * A scripted conversation: wait for the agent's greeting, ask a question, wait for the answer,
 * press a key, hang up. The timeline shows each step and the agent's speech segments.
 * Run: `npx tsx examples/scripted-turns.ts [sip-uri]`
 */
import { join } from 'node:path';
import { TestAgent, Caller, type CallScriptStep } from '../src';

const question = join(__dirname, '../assets/question-8k.wav');

const script: CallScriptStep[] = [
  { waitForAgent: { thenSilenceMs: 800, timeoutMs: 15_000 } },
  { play: question },
  { waitForAgent: { thenSilenceMs: 800, timeoutMs: 15_000 } },
  { silence: 300 },
  { dtmf: '1#' },
  { hangup: true },
];

async function main(): Promise<void> {
  let agent: TestAgent | undefined;
  let target = process.argv[2];
  if (!target) {
    agent = new TestAgent({ behaviour: { turn: { afterSilenceMs: 600, greet: true } } });
    target = await agent.start();
  }
  const caller = new Caller();
  try {
    const call = caller.call({ target, script, record: 'scripted-turns.wav', timeouts: { callMs: 60_000 } });
    call.on('dtmf', (d) => console.error(`agent pressed ${d.digit}`));
    const result = await call.result;
    for (const e of result.timeline) console.error(`${e.t.toFixed(0).padStart(6)} ms  ${e.event}${e.detail ? '  ' + e.detail : ''}`);
    console.error(`${result.outcome}: ${result.endReason}; recording: ${result.audio?.recordingPath ?? '-'}`);
  } finally {
    await caller.close();
    await agent?.stop();
  }
}

void main();
