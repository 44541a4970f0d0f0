/**
 * `sipprobe demo`: the whole product on one machine, no network: a TestAgent on 127.0.0.1
 * (ephemeral port) answers, greets and records; the Caller calls it with the default ids and a
 * sample profile, plays the shipped question and records; the summary shows which profile
 * variables were sent (and which were not), as the agent received them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestAgent } from '../agent';
import { defaultGreetingPath, defaultQuestionPath } from '../agent/assets';
import type { TestProfile } from '../headers';
import type { DemoCommandOptions } from './args';
import { placeCall, prepareCall, reportCall } from './call-command';
import { CliInputError } from './input-error';
import type { CliIo } from './io';
import { checkInputFile, checkOutputPath, prepareTestHeaders } from './prepare';
import { safeCliText } from './text';

/** The profile the demo sends: X- keys become headers; everything else must stay home. */
export const DEMO_PROFILE: TestProfile = {
  name: 'demo: caller asks for opening hours',
  information: {
    main_agent_variables: {
      'X-Customer-Tier': 'gold',
      'X-Locale': 'en-US',
      'x-account-age-days': 412,
      customer_name: 'Ada Lovelace',
      system_prompt: 'You are a helpful receptionist.',
    },
    testing_agent_variables: {
      persona: 'polite caller in a hurry',
      'X-Testing-Only': 'never sent',
    },
  },
};

function keysOf(v: unknown): string[] {
  return typeof v === 'object' && v !== null ? Object.keys(v) : [];
}

/** Runs the demo; exit status as for `call`. */
export async function runDemoCommand(o: DemoCommandOptions, io: CliIo): Promise<number> {
  checkInputFile(defaultGreetingPath(), 'greeting asset');
  checkInputFile(defaultQuestionPath(), 'question asset');
  const record = o.record !== undefined ? checkOutputPath(resolve(io.cwd, o.record), '--record')! : join(mkdtempSync(join(tmpdir(), 'sipprobe-demo-')), 'demo-call.wav');
  if (record === '-') throw new CliInputError('--record needs a file path');
  const agent = new TestAgent({ behaviour: { ringMs: 300, greetingDelayMs: 200 } });
  const uri = await agent.start();
  try {
    io.stderr.write(`sipprobe demo: TestAgent listening on ${uri}; calling it with profile "${DEMO_PROFILE.name}"\n\n`);
    const prepared = prepareCall(
      {
        target: uri,
        headers: [],
        transport: 'udp',
        insecure: false,
        play: defaultQuestionPath(),
        record,
        durationMs: 6000,
        ringTimeoutMs: 10_000,
        ...(o.json !== undefined ? { json: o.json } : {}),
        ...(o.report !== undefined ? { report: o.report } : {}),
      },
      io,
    );
    prepared.options.profile = DEMO_PROFILE;
    prepared.headers = prepareTestHeaders({ headers: [] }, DEMO_PROFILE);
    const result = await placeCall(prepared, io);
    const code = reportCall(result, prepared, io);
    const info = DEMO_PROFILE.information!;
    const main = keysOf(info.main_agent_variables);
    const received = agent.calls[0]?.invite.headers.xHeaderNames() ?? [];
    io.stderr.write('\nprofile    main_agent_variables:\n');
    for (const k of main) {
      const sent = received.some((r) => r.toLowerCase() === k.toLowerCase());
      io.stderr.write(`             ${safeCliText(k)}: ${sent ? 'sent as a SIP header' : /^x-/i.test(k) ? 'NOT RECEIVED (expected!)' : 'not sent (no X- prefix)'}\n`);
    }
    io.stderr.write('           testing_agent_variables (never sent):\n');
    for (const k of keysOf(info.testing_agent_variables)) {
      const leaked = received.some((r) => r.toLowerCase() === k.toLowerCase());
      io.stderr.write(`             ${safeCliText(k)}: ${leaked ? 'LEAKED' : 'not sent'}\n`);
    }
    io.stderr.write(`agent got  ${received.map((n) => safeCliText(n)).join(', ') || 'no X- headers'}\n`);
    io.stderr.write(`\nrecording: ${result.audio?.recordingPath ?? record}\n`);
    return code;
  } finally {
    await agent.stop();
  }
}
