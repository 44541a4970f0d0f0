/**
 * `sipprobe call <uri>`: checks every input (exit 2 before any socket opens), places one call
 * with the Caller, prints the human summary on stderr and writes the requested artefacts.
 */
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { Caller, type CallOptions, type CallScriptStep } from '../caller';
import type { CallResult } from '../caller/result';
import type { TestHeaderSet, TestProfile } from '../headers';
import { PocketsphinxTranscriber, TranscriberError } from '../metrics';
import { judgeCall, renderSummary, type JUnitThresholds } from '../report';
import type { CallCommandOptions } from './args';
import { verdictOptions, writeArtefacts, type ArtefactTargets } from './artefacts';
import { CliInputError } from './input-error';
import { EXIT_COMPLETED, EXIT_NOT_COMPLETED, type CliIo } from './io';
import { checkAdvertise, checkCodecNames, checkInputFile, checkOutputPath, checkTargetUri, PASSWORD_ON_COMMAND_LINE_NOTE, prepareTestHeaders, readProfileFile } from './prepare';
import { safeCliText } from './text';

const OUTCOMES = ['completed', 'busy', 'rejected', 'no-answer', 'timeout', 'auth-failed', 'unreachable', 'error'];

/** Everything a call needs, checked. */
export interface PreparedCall {
  options: CallOptions;
  headers: TestHeaderSet;
  outputs: ArtefactTargets;
  transport: 'udp' | 'tcp' | 'tls';
  bind: string;
  /** `--advertise`, checked. */
  advertise?: string;
  insecure: boolean;
}

/** Checks a call's inputs without any network activity. @throws CliInputError */
export function prepareCall(o: CallCommandOptions, io: Pick<CliIo, 'cwd'> & Partial<Pick<CliIo, 'env'>>): PreparedCall {
  checkTargetUri(o.target);
  checkCodecNames(o.codecs);
  const advertise = checkAdvertise(o.advertise);
  const profile: TestProfile | undefined = o.profilePath ? readProfileFile(resolve(io.cwd, o.profilePath)) : undefined;
  const headers = prepareTestHeaders(o, profile);
  if (o.password !== undefined && o.username === undefined) throw new CliInputError('a password (-p or SIPPROBE_PASSWORD) needs a user name (-u)');
  if (o.expect !== undefined && !OUTCOMES.includes(o.expect)) throw new CliInputError(`--expect: one of ${OUTCOMES.join(', ')}`);
  if (o.dtmf !== undefined && !/^[0-9A-D*#]+$/i.test(o.dtmf)) throw new CliInputError('--dtmf: digits 0-9, A-D, * and # only');
  if (o.silenceTimeoutMs !== undefined && !(o.silenceTimeoutMs > 0)) throw new CliInputError('--silence-timeout: must be longer than 0');
  const at = (p: string | undefined): string | undefined => (p === undefined || p === '-' ? p : resolve(io.cwd, p));
  const play = checkInputFile(at(o.play), '--play');
  const outputs = {
    json: checkOutputPath(at(o.json), '--json'),
    report: checkOutputPath(at(o.report), '--report'),
    junit: checkOutputPath(at(o.junit), '--junit'),
    pcap: checkOutputPath(at(o.pcap), '--pcap'),
    expect: o.expect,
    ...(o.allowVoicemail ? { allowVoicemail: true } : {}),
  };
  const record = checkOutputPath(at(o.record), '--record');
  if (record === '-') throw new CliInputError('--record needs a file path');
  if (outputs.pcap === '-') throw new CliInputError('--pcap needs a file path');
  const thresholds = thresholdsOf(o);
  if (Object.keys(thresholds).length > 0) Object.assign(outputs, { thresholds });
  const transcriber = o.transcribe === undefined ? undefined : makeTranscriber(o.transcribe, io);
  return {
    options: {
      target: o.target,
      ...(o.username !== undefined ? { auth: { username: o.username, password: o.password ?? '' } } : {}),
      run: { runId: o.runId, scenarioId: o.scenarioId, resultId: o.resultId },
      ...(profile ? { profile } : {}),
      headers: o.headers,
      ...(o.codecs ? { codecs: o.codecs } : {}),
      ...callMedia(play, o.dtmf, o.durationMs),
      ...(record ? { record } : {}),
      ...(outputs.pcap ? { pcap: outputs.pcap } : {}),
      ...(transcriber ? { transcriber } : {}),
      ...callTimeouts(o.ringTimeoutMs, o.silenceTimeoutMs),
      ...(o.latch ? { latch: o.latch } : {}),
      ...(o.voicemail ? { voicemail: o.voicemail } : {}),
      ...(o.srtp ? { srtp: true } : {}),
    },
    headers,
    outputs,
    transport: o.transport,
    bind: o.bind ?? '127.0.0.1',
    ...(advertise !== undefined ? { advertise } : {}),
    insecure: o.insecure,
  };
}

/** `--ring-timeout` / `--silence-timeout` as the Caller's `timeouts` (absent when neither is given). */
export function callTimeouts(ringMs: number | undefined, silenceMs: number | undefined): Pick<CallOptions, 'timeouts'> {
  if (ringMs === undefined && silenceMs === undefined) return {};
  return { timeouts: { ...(ringMs !== undefined ? { ringMs } : {}), ...(silenceMs !== undefined ? { silenceMs } : {}) } };
}

function thresholdsOf(o: CallCommandOptions): JUnitThresholds {
  const t: JUnitThresholds = {};
  if (o.maxLatencyP90Ms !== undefined) t.maxLatencyP90Ms = o.maxLatencyP90Ms;
  if (o.minMos !== undefined) t.minMos = o.minMos;
  if (o.maxLossPercent !== undefined) t.maxLossPercent = o.maxLossPercent;
  return t;
}

function onPath(binary: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, binary)));
}

/** `--transcribe NAME`: the offline recogniser, checked now so that a missing one is exit 2, not a silent gap. */
function makeTranscriber(name: string, io: Partial<Pick<CliIo, 'env'>>): PocketsphinxTranscriber {
  if (name !== 'pocketsphinx') throw new CliInputError(`--transcribe: only "pocketsphinx" is built in (got ${JSON.stringify(name.slice(0, 40))})`);
  const t = new PocketsphinxTranscriber();
  if (!onPath('pocketsphinx_continuous', io.env ?? process.env)) {
    throw new CliInputError('--transcribe pocketsphinx: pocketsphinx_continuous is not on PATH (Debian: apt-get install pocketsphinx pocketsphinx-en-us)');
  }
  try {
    t.checkModel();
  } catch (e) {
    if (e instanceof TranscriberError) throw new CliInputError(`--transcribe pocketsphinx: ${e.message}`);
    throw e;
  }
  return t;
}

/**
 * What the call does once answered. `--duration` is how long to stay in the call (not a cap that
 * would turn the call into a `timeout`); with `--dtmf` the digits follow the prompt, then the
 * call stays for the rest of `--duration` (or 2 s) before hanging up.
 */
function callMedia(play: string | undefined, dtmf: string | undefined, durationMs: number | undefined): Pick<CallOptions, 'play' | 'script' | 'durationMs'> {
  if (!dtmf) return { ...(play ? { play } : {}), ...(durationMs !== undefined ? { durationMs } : {}) };
  const script: CallScriptStep[] = [];
  if (play) script.push({ play });
  script.push({ dtmf }, { silence: durationMs ?? 2000 }, { hangup: true });
  return { script };
}

/** Places a prepared call and reports it; resolves with the result. */
export async function placeCall(p: PreparedCall, io: CliIo): Promise<CallResult> {
  const caller = new Caller({
    bind: { address: p.bind, port: 0 },
    ...(p.advertise !== undefined ? { advertise: { address: p.advertise } } : {}),
    transport: p.transport,
    ...(p.insecure ? { tls: { rejectUnauthorized: false } } : {}),
  });
  try {
    return await caller.call({ ...p.options, signal: io.signal }).result;
  } finally {
    await caller.close();
  }
}

/**
 * Summary + artefacts + exit status for a finished call: 0 when the outcome is the expected one
 * (`--expect`, default completed) and every threshold holds; else 1 with the reasons on stderr.
 */
export function reportCall(result: CallResult, p: PreparedCall, io: CliIo): number {
  io.stderr.write(`${renderSummary(result)}\n`);
  const written = writeArtefacts(result, p.outputs, io);
  for (const w of written) io.stderr.write(`wrote ${w}\n`);
  const verdict = judgeCall(result, verdictOptions(p.outputs));
  const reasons = verdict.error ? [`${verdict.error.type}: ${verdict.error.message}`] : verdict.failures;
  for (const r of reasons) io.stderr.write(`FAILED: ${safeCliText(r, 500)}\n`);
  return reasons.length === 0 ? EXIT_COMPLETED : EXIT_NOT_COMPLETED;
}

/** `sipprobe call`. */
export async function runCallCommand(o: CallCommandOptions, io: CliIo): Promise<number> {
  const prepared = prepareCall(o, io);
  if (o.passwordOnCommandLine) io.stderr.write(PASSWORD_ON_COMMAND_LINE_NOTE);
  const result = await placeCall(prepared, io);
  return reportCall(result, prepared, io);
}
