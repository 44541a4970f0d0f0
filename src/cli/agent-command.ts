/** `sipprobe agent`: runs a TestAgent until SIGINT/SIGTERM, logging each call on stderr. */
import { TestAgent, type TestAgentBehaviour, type TestAgentCall } from '../agent';
import { safeCliText } from './text';
import type { AgentCommandOptions } from './args';
import { CliInputError } from './input-error';
import { EXIT_COMPLETED, type CliIo } from './io';
import { checkInputFile } from './prepare';

/** The TestAgent behaviour the `agent` flags describe. */
export function agentBehaviourFromOptions(o: AgentCommandOptions): TestAgentBehaviour {
  if ((o.username === undefined) !== (o.password === undefined)) {
    throw new CliInputError('--username and --password (or SIPPROBE_PASSWORD) go together');
  }
  return {
    ...(o.ringDelayMs !== undefined ? { ringMs: o.ringDelayMs } : {}),
    ...(o.reject !== undefined ? { reject: o.reject } : {}),
    ...(o.username !== undefined && o.password !== undefined ? { auth: { username: o.username, password: o.password } } : {}),
    ...(o.play !== undefined ? { play: checkInputFile(o.play, '--play')! } : {}),
    ...(o.record !== undefined ? { record: o.record } : {}),
    ...(o.hangupAfterMs !== undefined ? { hangupAfterMs: o.hangupAfterMs } : {}),
    echo: o.echo,
  };
}

function describe(call: TestAgentCall): string {
  const from = call.invite.headers.get('from') ?? '?';
  const x = call.invite.headers.xHeaderNames();
  return `call ${call.index + 1} ${safeCliText(call.callId)} from ${safeCliText(from)}${x.length ? ` [${x.map((n) => safeCliText(n)).join(', ')}]` : ''}`;
}

/** Runs the agent until `io.signal` aborts. */
export async function runAgentCommand(o: AgentCommandOptions, io: CliIo): Promise<number> {
  if (o.transport === 'tls') throw new CliInputError('sipprobe agent: --transport tls needs a certificate; use the TestAgent API');
  const behaviour = agentBehaviourFromOptions(o);
  const agent = new TestAgent({ bind: { address: o.address, port: o.port }, transport: o.transport, behaviour });
  const uri = await agent.start();
  io.stderr.write(`sipprobe agent listening on ${uri} (Ctrl-C to stop)\n`);
  agent.on('call', (call) => {
    io.stderr.write(`${describe(call)}\n`);
    void call.ended.then((end) => {
      const rec = call.recordingPath ? `, recorded ${call.recordingPath}` : '';
      io.stderr.write(`call ${call.index + 1} ${end.state} (${end.reason}${end.status ? ` ${end.status}` : ''})${call.codec ? ` codec ${call.codec}` : ''}${rec}\n`);
    });
  });
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  io.stderr.write('sipprobe agent stopping\n');
  await agent.stop();
  return EXIT_COMPLETED;
}
