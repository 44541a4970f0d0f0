/**
 * A call carrying a test profile: only the `X-` keys of `main_agent_variables` become SIP
 * headers; `testing_agent_variables` never leave the process. Shows the dry run first.
 * Run: `npx tsx examples/with-profile.ts [sip-uri]`
 */
import { TestAgent, Caller, renderInvite, type CallOptions } from '../src';

const profile = {
  name: 'refund request, gold customer',
  information: {
    main_agent_variables: { 'X-Customer-Tier': 'gold', 'X-Locale': 'en-GB', customer_name: 'Ada' },
    testing_agent_variables: { persona: 'impatient', goal: 'get a refund' },
  },
};

async function main(): Promise<void> {
  let agent: TestAgent | undefined;
  let target = process.argv[2];
  if (!target) {
    agent = new TestAgent({ behaviour: { hangupAfterMs: 3000 } });
    target = await agent.start();
  }
  const options: CallOptions = {
    target,
    run: { runId: 'nightly-2024-06-01', scenarioId: 'refund-gold' },
    profile,
    headers: { 'X-Build': 'abc123' },
    auth: process.env.SIPPROBE_PASSWORD ? { username: process.env.SIPPROBE_USER ?? 'test', password: process.env.SIPPROBE_PASSWORD } : undefined,
  };
  // exactly what would go on the wire (nothing is sent)
  const dry = renderInvite(options);
  console.error(dry.text.slice(0, dry.text.indexOf('\r\n\r\n')));
  for (const w of dry.warnings) console.error(`warning: ${w}`);

  const caller = new Caller();
  try {
    const result = await caller.call(options).result;
    console.error(`${result.outcome}: ${result.endReason}`);
    console.error('headers sent:', result.sip.headersSent.map((h) => `${h.name}: ${h.value}`).join(' | '));
  } finally {
    await caller.close();
    await agent?.stop();
  }
}

void main();
