/**
 * `sipprobe load`: many test calls from one Caller — progress on stderr, a final table, every
 * call's result as a JSON line on disk, the aggregate as JSON (`--json`), JUnit (`--junit`).
 * Ctrl-C stops starting calls, hangs up the active ones and still writes everything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CallOutcome, CallResult } from '../caller/result';
import { buildTestHeaders, parseTestHeaderLine, type TestProfile } from '../headers';
import { formatLoadSummary, readJsonLines, runLoad, runShardedLoad, type LoadSummary } from '../load';
import { openLoadCaller, type LoadCallerFactory, type LoadCallTemplate } from '../load/caller-start';
import { loadModuleFile } from '../load/module-files';
import type { LoadStarter } from '../load/starter';
import { uuidV4 } from '../random';
import { toJUnit } from '../report/junit';
import { SipprobeError } from '../errors';
import { UsageError, type LoadCommandOptions } from './args';
import { checkAdvertise, checkCodecNames, checkInputFile, checkTargetUri, PASSWORD_ON_COMMAND_LINE_NOTE } from './prepare';

/** `sipprobe load` options: the parsed flags plus where the per-call JSON lines go. */
export interface LoadCommandRunOptions extends LoadCommandOptions {
  /**
   * JSON-lines file for every call's result. Default: next to `--json FILE` as
   * `FILE-without-.json.calls.jsonl`, else `sipprobe-load-<runId>.calls.jsonl` in the cwd.
   */
  results?: string;
  /** Worker threads, one Caller each (default 1: everything on this event loop). */
  workers?: number;
  /**
   * False (`--no-media`): signalling only (SDP offer/answer, no RTP; every result says
   * `MEDIA_OFF`), for call-rate tests. Not with --play, --record or --dtmf. Default true.
   */
  media?: boolean;
  /** False (`--no-evaluate`): no per-call evaluation (no audio kept in memory, no turn metrics/MOS). Default true. */
  evaluate?: boolean;
}

/** Where `sipprobe load` writes and how it hears Ctrl-C. */
export interface LoadCommandIo {
  stdout: NodeJS.WritableStream;
  /** Progress and the table go here; a TTY gets a live line. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Subscribes to interrupts; returns the unsubscribe. Default: SIGINT and SIGTERM of this process. */
  onInterrupt?: (handler: () => void) => () => void;
  /** Base for relative paths. Default `process.cwd()`. */
  cwd?: string;
  /** Progress refresh periods (ms), for tests. */
  progressIntervals?: { tty?: number; plain?: number };
  /** Builds the Caller (default: src/caller's `Caller`); single-thread runs only. */
  createCaller?: LoadCallerFactory;
}

const CALLER_STARTER_MODULE = loadModuleFile('caller-start');

const OUTCOMES: readonly CallOutcome[] = ['completed', 'busy', 'rejected', 'no-answer', 'timeout', 'auth-failed', 'unreachable', 'error'];

function processInterrupts(handler: () => void): () => void {
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function readProfile(path: string): TestProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--profile: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as TestProfile;
  } catch (err) {
    throw new UsageError(`--profile: ${path} is not JSON: ${(err as Error).message}`);
  }
}

function resultsPathFor(o: LoadCommandRunOptions, cwd: string, runId: string): string {
  if (o.results) return resolve(cwd, o.results);
  if (o.json && o.json !== '-') {
    const p = resolve(cwd, o.json);
    return join(dirname(p), `${basename(p).replace(/\.json$/i, '')}.calls.jsonl`);
  }
  return resolve(cwd, `sipprobe-load-${runId}.calls.jsonl`);
}

/**
 * Checks the options and builds what every call shares. Throws {@link UsageError} or
 * `CliInputError` (both exit 2) before anything is sent: bad target, codecs, headers, profile or
 * WAV, options that make no sense for many calls.
 */
function prepare(o: LoadCommandRunOptions, cwd: string): { template: LoadCallTemplate; runId: string; expect: CallOutcome } {
  for (const [flag, v] of [['--report', o.report], ['--pcap', o.pcap], ['--transcribe', o.transcribe]] as const) {
    if (v !== undefined) throw new UsageError(`load: ${flag} is per call; run \`sipprobe report\` on a line of the results file instead`);
  }
  if (o.rate !== undefined && !(o.rate > 0)) throw new UsageError('--rate: must be greater than 0 calls/s');
  if (o.workers !== undefined && !(Number.isSafeInteger(o.workers) && o.workers >= 1)) throw new UsageError('--workers: an integer ≥ 1');
  if (o.media === false && (o.play !== undefined || o.record !== undefined || o.dtmf !== undefined)) {
    throw new UsageError('load: without media there is nothing to play, record or send as DTMF');
  }
  if (o.silenceTimeoutMs !== undefined && !(o.silenceTimeoutMs > 0)) throw new UsageError('--silence-timeout: must be longer than 0');
  if (o.media === false && o.silenceTimeoutMs !== undefined) throw new UsageError('load: --silence-timeout listens to the agent\'s audio: not with --no-media');
  checkTargetUri(o.target);
  checkCodecNames(o.codecs);
  const advertise = checkAdvertise(o.advertise);
  const play = checkInputFile(o.play === undefined ? undefined : resolve(cwd, o.play), '--play');
  const expect = (o.expect ?? 'completed') as CallOutcome;
  if (!OUTCOMES.includes(expect)) throw new UsageError(`--expect: one of ${OUTCOMES.join(', ')}`);
  const profile = o.profilePath ? readProfile(resolve(cwd, o.profilePath)) : undefined;
  const headers: Record<string, string> = {};
  // One run id for the whole load run (every call carries it); result ids are per call.
  const runId = o.runId ?? uuidV4();
  try {
    for (const line of o.headers) {
      const [name, value] = parseTestHeaderLine(line);
      if (Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase())) throw new UsageError(`-H: header ${name} given twice`);
      headers[name] = value;
    }
    buildTestHeaders({ runId, scenarioId: o.scenarioId, resultId: o.resultId ?? 'check' }, profile ?? null, headers);
  } catch (err) {
    if (err instanceof SipprobeError) throw new UsageError(err.message);
    throw err;
  }
  return {
    runId,
    expect,
    template: {
      target: o.target,
      transport: o.transport,
      bind: o.bind,
      ...(advertise !== undefined ? { advertise } : {}),
      insecure: o.insecure,
      auth: o.username ? { username: o.username, password: o.password ?? '' } : undefined,
      runId,
      scenarioId: o.scenarioId,
      resultIdPrefix: o.resultId,
      profile,
      headers,
      codecs: o.codecs,
      play,
      recordDir: o.record ? resolve(cwd, o.record) : undefined,
      durationMs: o.durationMs,
      ringTimeoutMs: o.ringTimeoutMs,
      ...(o.silenceTimeoutMs !== undefined ? { silenceTimeoutMs: o.silenceTimeoutMs } : {}),
      dtmf: o.dtmf,
      ...(o.latch ? { latch: o.latch } : {}),
      ...(o.voicemail ? { voicemail: o.voicemail } : {}),
      ...(o.srtp ? { srtp: true } : {}),
      ...(o.media === false ? { media: false } : {}),
      ...(o.evaluate === false ? { evaluate: false } : {}),
    },
  };
}

async function writeJUnit(path: string, resultsFile: string, o: LoadCommandRunOptions, expect: CallOutcome): Promise<void> {
  // toJUnit needs every result at once: they are read back from disk only now, after the run.
  const results: CallResult[] = [];
  for await (const doc of readJsonLines(resultsFile)) results.push(doc as CallResult);
  const xml = toJUnit(results, {
    expect,
    ...(o.allowVoicemail ? { allowVoicemail: true } : {}),
    suiteName: 'sipprobe-load',
    thresholds: { maxLatencyP90Ms: o.maxLatencyP90Ms, minMos: o.minMos, maxLossPercent: o.maxLossPercent },
  });
  writeFileSync(path, xml);
}

/**
 * Runs `sipprobe load`. Resolves with the exit status: 0 when every planned call ended with the
 * expected outcome, 1 otherwise (failures or Ctrl-C). Throws {@link UsageError} (status 2) for
 * bad options before any call is placed.
 */
export async function runLoadCommand(options: LoadCommandRunOptions, io: LoadCommandIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const { template, runId, expect } = prepare(options, cwd);
  if (options.passwordOnCommandLine) io.stderr.write(PASSWORD_ON_COMMAND_LINE_NOTE);
  const resultsFile = resultsPathFor(options, cwd, runId);
  const plan = { calls: options.calls, concurrency: Math.min(options.concurrency, options.calls), ratePerSec: options.rate, rampMs: options.rampMs };
  const workers = Math.min(options.workers ?? 1, options.calls);
  // With workers, each opens its own Caller; this thread only aggregates and writes.
  const caller: LoadStarter | null = workers > 1 ? null : await openLoadCaller(template, io.createCaller);
  const abort = new AbortController();
  let interrupts = 0;
  const unsubscribe = (io.onInterrupt ?? processInterrupts)(() => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write('\ninterrupted: starting no more calls, hanging up active ones (results are being written)…\n');
      abort.abort(new Error('interrupted'));
    } else {
      io.stderr.write('still hanging up active calls; every result will be written\n');
    }
  });
  let summary: LoadSummary;
  try {
    io.stderr.write(`load: ${options.calls} calls to ${template.target} at concurrency ${plan.concurrency}${plan.ratePerSec ? `, ${plan.ratePerSec} calls/s` : ''}; results → ${resultsFile}\n`);
    const common = {
      target: template.target,
      transport: template.transport,
      plan,
      resultsPath: resultsFile,
      expect,
      ...(options.allowVoicemail ? { allowVoicemail: true } : {}),
      signal: abort.signal,
      progress: { stream: io.stderr, ttyIntervalMs: io.progressIntervals?.tty, plainIntervalMs: io.progressIntervals?.plain },
    };
    summary = caller
      ? await runLoad({ ...common, startCall: caller.startCall, pacing: () => caller.pacing?.() ?? null })
      : await runShardedLoad({ ...common, workers, starterModule: CALLER_STARTER_MODULE, template });
  } finally {
    unsubscribe();
    await caller?.close();
  }
  io.stderr.write(formatLoadSummary(summary));
  const json = JSON.stringify(summary, null, 2) + '\n';
  if (options.json === '-') io.stdout.write(json);
  else if (options.json) writeFileSync(resolve(cwd, options.json), json);
  if (options.junit) await writeJUnit(resolve(cwd, options.junit), resultsFile, options, expect);
  return !summary.interrupted && summary.calls.failed === 0 && summary.calls.ok === options.calls ? 0 : 1;
}
