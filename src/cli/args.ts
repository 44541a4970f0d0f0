import { parseArgs } from 'node:util';
import { SipprobeError } from '../errors';

/** A command line that cannot be understood; the CLI exits with status 2. */
export class UsageError extends SipprobeError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

export type TransportName = 'udp' | 'tcp' | 'tls';

/** RTP source latching of `--latch`. */
export type LatchMode = 'sdp' | 'first-source';

/** Answering-machine detection of `--voicemail`. */
export type VoicemailMode = 'detect' | 'hangup' | 'off';

/** Options shared by `call` and `load`. */
export interface CallCommandOptions {
  target: string;
  runId?: string;
  scenarioId?: string;
  resultId?: string;
  profilePath?: string;
  headers: string[];
  username?: string;
  /** From `-p` or `SIPPROBE_PASSWORD`; never printed. */
  password?: string;
  /** True when the password came from `-p` (visible in the process list), not the environment. */
  passwordOnCommandLine?: boolean;
  transport: TransportName;
  codecs?: string[];
  play?: string;
  record?: string;
  durationMs?: number;
  ringTimeoutMs?: number;
  /** `--silence-timeout`: hang up once neither side made a sound for this long (ms). */
  silenceTimeoutMs?: number;
  dtmf?: string;
  json?: string;
  report?: string;
  junit?: string;
  pcap?: string;
  expect?: string;
  /** `--allow-voicemail`: a call that reached an answering machine still counts as completed. */
  allowVoicemail?: boolean;
  maxLatencyP90Ms?: number;
  minMos?: number;
  maxLossPercent?: number;
  transcribe?: string;
  insecure: boolean;
  bind?: string;
  /** `--latch sdp|first-source`: where the agent's RTP may come from (default sdp). */
  latch?: LatchMode;
  /** `--voicemail detect|hangup|off`: answering-machine beep detection (the Caller's `voicemail`). */
  voicemail?: VoicemailMode;
  /** `--advertise ADDRESS`: our address in Via, Contact, From and SDP (public address behind NAT). */
  advertise?: string;
  /** `--srtp`: offer SDES-SRTP (RTP/SAVP); a call whose answer refuses it fails. */
  srtp?: boolean;
}

export interface LoadCommandOptions extends CallCommandOptions {
  calls: number;
  concurrency: number;
  rate?: number;
  rampMs?: number;
  /** JSON-lines file for the per-call results. */
  results?: string;
  /** Worker threads, each with its own Caller. */
  workers?: number;
  /** `--no-media`: signalling only (SDP offer/answer, no RTP), for call-rate tests. */
  media?: boolean;
  /** `--no-evaluate`: no per-call audio evaluation (no turn metrics or MOS, less memory per call). */
  evaluate?: boolean;
}

export interface AgentCommandOptions {
  port: number;
  address: string;
  transport: TransportName;
  username?: string;
  password?: string;
  play?: string;
  record?: string;
  ringDelayMs?: number;
  hangupAfterMs?: number;
  reject?: number;
  echo: boolean;
}

export interface DemoCommandOptions {
  json?: string;
  record?: string;
  report?: string;
}

export type CliCommand =
  | { command: 'call'; options: CallCommandOptions }
  | { command: 'load'; options: LoadCommandOptions }
  | { command: 'agent'; options: AgentCommandOptions }
  | { command: 'demo'; options: DemoCommandOptions }
  | { command: 'report'; input: string; html?: string; junit?: string }
  | { command: 'help'; topic?: string }
  | { command: 'version' };

/**
 * Parses a duration: `10s`, `500ms`, `2m`, `1.5s`; a bare number means seconds.
 * @throws UsageError for anything else, or a negative value.
 */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: not a duration: ${JSON.stringify(text)} (use e.g. 10s, 500ms, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}

function parseNumber(text: string | undefined, flag: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: not ${opts.integer ? 'an integer' : 'a number'}: ${JSON.stringify(text)}`);
  }
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`${flag}: must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`${flag}: must be at most ${opts.max}`);
  return n;
}

function parseTransport(text: string | undefined): TransportName {
  const t = (text ?? 'udp').toLowerCase();
  if (t !== 'udp' && t !== 'tcp' && t !== 'tls') throw new UsageError(`--transport: expected udp, tcp or tls, got ${JSON.stringify(text)}`);
  return t;
}

function parseVoicemail(text: string | undefined): VoicemailMode | undefined {
  if (text === undefined) return undefined;
  if (text !== 'detect' && text !== 'hangup' && text !== 'off') throw new UsageError(`--voicemail: expected detect, hangup or off, got ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

function parseLatch(text: string | undefined): LatchMode | undefined {
  if (text === undefined) return undefined;
  if (text !== 'sdp' && text !== 'first-source') throw new UsageError(`--latch: expected sdp or first-source, got ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

function optDuration(v: string | undefined, flag: string): number | undefined {
  return v === undefined ? undefined : parseDuration(v, flag);
}

const CALL_OPTIONS = {
  'run-id': { type: 'string' },
  'scenario-id': { type: 'string' },
  'result-id': { type: 'string' },
  profile: { type: 'string' },
  header: { type: 'string', short: 'H', multiple: true },
  user: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'p' },
  transport: { type: 'string' },
  codecs: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  duration: { type: 'string' },
  'ring-timeout': { type: 'string' },
  'silence-timeout': { type: 'string' },
  dtmf: { type: 'string' },
  json: { type: 'string' },
  report: { type: 'string' },
  junit: { type: 'string' },
  pcap: { type: 'string' },
  expect: { type: 'string' },
  'max-latency-p90': { type: 'string' },
  'min-mos': { type: 'string' },
  'max-loss': { type: 'string' },
  transcribe: { type: 'string' },
  insecure: { type: 'boolean' },
  'allow-voicemail': { type: 'boolean' },
  bind: { type: 'string' },
  latch: { type: 'string' },
  voicemail: { type: 'string' },
  advertise: { type: 'string' },
  srtp: { type: 'boolean' },
} as const;

const LOAD_OPTIONS = {
  ...CALL_OPTIONS,
  calls: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  ramp: { type: 'string' },
  results: { type: 'string' },
  workers: { type: 'string' },
  'no-media': { type: 'boolean' },
  'no-evaluate': { type: 'boolean' },
} as const;

const AGENT_OPTIONS = {
  port: { type: 'string' },
  address: { type: 'string' },
  transport: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  'ring-delay': { type: 'string' },
  'hangup-after': { type: 'string' },
  reject: { type: 'string' },
  echo: { type: 'boolean' },
} as const;

const DEMO_OPTIONS = { json: { type: 'string' }, record: { type: 'string' }, report: { type: 'string' } } as const;
const REPORT_OPTIONS = { html: { type: 'string' }, junit: { type: 'string' } } as const;

type ParseConfig = Parameters<typeof parseArgs>[0];

function parse<T extends NonNullable<ParseConfig>['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // node's messages name the offending flag; keep them, typed.
    throw new UsageError((err as Error).message);
  }
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? `missing ${what}` : `unexpected arguments: ${positionals.slice(1).join(' ')}`);
  }
  return positionals[0];
}

function callOptions(values: Record<string, string | boolean | string[] | undefined>, target: string, env: NodeJS.ProcessEnv): CallCommandOptions {
  const s = (k: string) => values[k] as string | undefined;
  const codecs = s('codecs')?.split(',').map((c) => c.trim()).filter(Boolean);
  if (codecs && codecs.length === 0) throw new UsageError('--codecs: empty list');
  return {
    target,
    runId: s('run-id'),
    scenarioId: s('scenario-id'),
    resultId: s('result-id'),
    profilePath: s('profile'),
    headers: (values.header as string[] | undefined) ?? [],
    username: s('user'),
    password: s('password') ?? env.SIPPROBE_PASSWORD,
    ...(s('password') !== undefined ? { passwordOnCommandLine: true } : {}),
    transport: parseTransport(s('transport')),
    codecs,
    play: s('play'),
    record: s('record'),
    durationMs: optDuration(s('duration'), '--duration'),
    ringTimeoutMs: optDuration(s('ring-timeout'), '--ring-timeout'),
    silenceTimeoutMs: optDuration(s('silence-timeout'), '--silence-timeout'),
    dtmf: s('dtmf'),
    json: s('json'),
    report: s('report'),
    junit: s('junit'),
    pcap: s('pcap'),
    expect: s('expect'),
    maxLatencyP90Ms: parseNumber(s('max-latency-p90'), '--max-latency-p90', { min: 0 }),
    minMos: parseNumber(s('min-mos'), '--min-mos', { min: 1, max: 5 }),
    maxLossPercent: parseNumber(s('max-loss'), '--max-loss', { min: 0, max: 100 }),
    transcribe: s('transcribe'),
    insecure: values.insecure === true,
    ...(values['allow-voicemail'] === true ? { allowVoicemail: true } : {}),
    bind: s('bind'),
    latch: parseLatch(s('latch')),
    voicemail: parseVoicemail(s('voicemail')),
    advertise: s('advertise'),
    ...(values.srtp === true ? { srtp: true } : {}),
  };
}

/**
 * Parses `sipprobe <command> …` (argv without node and script).
 * @throws UsageError on unknown commands or flags and bad values.
 */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help', topic: rest[0] };
    case 'version':
    case '--version':
    case '-V':
      return { command: 'version' };
    case 'call': {
      const { values, positionals } = parse(rest, CALL_OPTIONS);
      return { command: 'call', options: callOptions(values, one(positionals, 'target SIP URI'), env) };
    }
    case 'load': {
      const { values, positionals } = parse(rest, LOAD_OPTIONS);
      const base = callOptions(values, one(positionals, 'target SIP URI'), env);
      const calls = parseNumber(values.calls, '--calls', { integer: true, min: 1 });
      const concurrency = parseNumber(values.concurrency, '--concurrency', { integer: true, min: 1 });
      if (calls === undefined) throw new UsageError('load: --calls N is required');
      return {
        command: 'load',
        options: {
          ...base,
          calls,
          concurrency: concurrency ?? 1,
          rate: parseNumber(values.rate?.replace(/\/s$/, ''), '--rate', { min: 0 }),
          rampMs: optDuration(values.ramp, '--ramp'),
          results: values.results,
          workers: parseNumber(values.workers, '--workers', { integer: true, min: 1, max: 64 }),
          ...(values['no-media'] ? { media: false } : {}),
          ...(values['no-evaluate'] ? { evaluate: false } : {}),
        },
      };
    }
    case 'agent': {
      const { values, positionals } = parse(rest, AGENT_OPTIONS);
      if (positionals.length) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
      return {
        command: 'agent',
        options: {
          port: parseNumber(values.port, '--port', { integer: true, min: 0, max: 65535 }) ?? 5080,
          address: values.address ?? '127.0.0.1',
          transport: parseTransport(values.transport),
          username: values.username,
          password: values.password ?? (values.username ? env.SIPPROBE_PASSWORD : undefined),
          play: values.play,
          record: values.record,
          ringDelayMs: optDuration(values['ring-delay'], '--ring-delay'),
          hangupAfterMs: optDuration(values['hangup-after'], '--hangup-after'),
          reject: parseNumber(values.reject, '--reject', { integer: true, min: 300, max: 699 }),
          echo: values.echo === true,
        },
      };
    }
    case 'demo': {
      const { values, positionals } = parse(rest, DEMO_OPTIONS);
      if (positionals.length) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
      return { command: 'demo', options: { json: values.json, record: values.record, report: values.report } };
    }
    case 'report': {
      const { values, positionals } = parse(rest, REPORT_OPTIONS);
      const input = one(positionals, 'result JSON file');
      if (!values.html && !values.junit) throw new UsageError('report: give --html FILE and/or --junit FILE');
      return { command: 'report', input, html: values.html, junit: values.junit };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)} (try: call, agent, demo, load, report, help)`);
  }
}
