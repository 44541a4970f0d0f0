import { join } from 'node:path';
import { Caller } from '../caller/caller';
import type { CallerOptions, CallOptions, CallScriptStep } from '../caller/options';
import type { CallResult } from '../caller/result';
import type { TestProfile } from '../headers';
import { Pacer } from '../rtp/pacer';
import { loadPacingOf } from './pacing';
import type { LoadShardContext, LoadStarter } from './starter';

/**
 * The part of the {@link Caller} a load run uses: one `call()` per test call, whose `result`
 * never rejects, and `close()`. Tests put a fake behind it.
 */
export interface LoadCaller {
  call(options: CallOptions): { result: Promise<CallResult> };
  close(): Promise<void>;
}

/** Builds the run's Caller from its options. */
export type LoadCallerFactory = (options: CallerOptions) => LoadCaller;

const defaultCallerFactory: LoadCallerFactory = (options) => new Caller(options);

/**
 * What every call of a load run shares (structured-clone safe, so a worker can build its own
 * Caller from it). Per call, only the result id (and the recording file) differ.
 */
export interface LoadCallTemplate {
  target: string;
  transport: 'udp' | 'tcp' | 'tls';
  /** Local address[:port] to bind the SIP socket to. */
  bind?: string;
  /**
   * Read and write the UDP SIP socket on a thread of its own (the Caller's `sipThread`), so
   * that responses do not wait behind the RTP of hundreds of calls. Default true.
   */
  sipThread?: boolean;
  /** Our address in Via, Contact, From and SDP instead of the bound/routed one (the Caller's `advertise`). */
  advertise?: string;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  auth?: { username: string; password: string };
  /** One run id for every call of the run. */
  runId: string;
  scenarioId?: string;
  /** When given, call i gets result id `<prefix>-<i+1>`; otherwise each call generates one. */
  resultIdPrefix?: string;
  profile?: TestProfile;
  headers?: Record<string, string>;
  codecs?: string[];
  play?: string;
  /** Directory for one recording per call (`call-<i+1>.wav`). */
  recordDir?: string;
  durationMs?: number;
  ringTimeoutMs?: number;
  /** Hang up once neither side made a sound for this long (the Caller's `timeouts.silenceMs`). */
  silenceTimeoutMs?: number;
  /** Digits sent after the prompt (then `durationMs`, default 2 s, of silence, then BYE). */
  dtmf?: string;
  /** RTP source latching of every call (the Caller's `latch`; default `sdp`). */
  latch?: 'sdp' | 'first-source';
  /** Answering-machine detection of every call (the Caller's `voicemail`; default `detect`, `off` with `evaluate: false`). */
  voicemail?: 'detect' | 'hangup' | 'off';
  /** Offer SDES-SRTP on every call (the Caller's `srtp`). */
  srtp?: boolean;
  /** False: signalling only, no RTP (the Caller's `media: false`; each result says `MEDIA_OFF`). */
  media?: boolean;
  /**
   * False: no per-call evaluation (turn metrics, MOS), so no call audio is kept in memory
   * (the Caller's `evaluate: false`; about 32 kB per second of call otherwise). Default true.
   */
  evaluate?: boolean;
  /**
   * RTP port range of this run's Caller (default 10000–20000). With workers it is the range
   * they split: each worker's Caller binds only in its own slice.
   */
  rtpPorts?: { min: number; max: number };
}

function parseBind(bind: string | undefined): { address: string; port: number } {
  if (!bind) return { address: '127.0.0.1', port: 0 };
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(bind);
  return { address: m?.[1] ?? bind, port: m?.[2] ? Number(m[2]) : 0 };
}

/**
 * What a call plays: `--dtmf` becomes a script (prompt, digits, `durationMs` of silence, BYE),
 * the same as `sipprobe call` does; otherwise play and/or stay `durationMs`.
 */
function callMedia(t: LoadCallTemplate): Pick<CallOptions, 'play' | 'script' | 'durationMs'> {
  if (!t.dtmf) return { ...(t.play ? { play: t.play } : {}), ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}) };
  const script: CallScriptStep[] = [];
  if (t.play) script.push({ play: t.play });
  script.push({ dtmf: t.dtmf }, { silence: t.durationMs ?? 2000 }, { hangup: true });
  return { script };
}

/** The Caller options of a run (one SIP socket for the transport, its own RTP port range). */
export function loadCallerOptions(template: LoadCallTemplate): CallerOptions {
  return {
    bind: parseBind(template.bind),
    ...(template.advertise !== undefined ? { advertise: { address: template.advertise } } : {}),
    transport: template.transport,
    ...(template.transport === 'udp' && template.sipThread !== false ? { sipThread: true } : {}),
    ...(template.insecure ? { tls: { rejectUnauthorized: false } } : {}),
    ...(template.rtpPorts ? { rtpPorts: template.rtpPorts } : {}),
  };
}

/** The options of call `index` of a run. */
export function loadCallOptions(template: LoadCallTemplate, index: number, signal?: AbortSignal): CallOptions {
  const resultId = template.resultIdPrefix ? `${template.resultIdPrefix}-${index + 1}` : undefined;
  return {
    target: template.target,
    ...(template.auth ? { auth: template.auth } : {}),
    run: { runId: template.runId, ...(template.scenarioId !== undefined ? { scenarioId: template.scenarioId } : {}), ...(resultId !== undefined ? { resultId } : {}) },
    ...(template.profile ? { profile: template.profile } : {}),
    ...(template.headers ? { headers: template.headers } : {}),
    ...(template.codecs ? { codecs: template.codecs } : {}),
    ...callMedia(template),
    ...(template.recordDir ? { record: join(template.recordDir, `call-${index + 1}.wav`) } : {}),
    ...(template.media === false ? { media: false } : {}),
    ...(template.evaluate === false ? { evaluate: false } : {}),
    ...(template.latch ? { latch: template.latch } : {}),
    ...(template.voicemail ? { voicemail: template.voicemail } : {}),
    ...(template.srtp ? { srtp: true } : {}),
    ...(template.ringTimeoutMs !== undefined || template.silenceTimeoutMs !== undefined
      ? {
          timeouts: {
            ...(template.ringTimeoutMs !== undefined ? { ringMs: template.ringTimeoutMs } : {}),
            ...(template.silenceTimeoutMs !== undefined ? { silenceMs: template.silenceTimeoutMs } : {}),
          },
        }
      : {}),
    ...(signal ? { signal } : {}),
  };
}

/**
 * Opens one {@link Caller} (one SIP socket, its RTP port pool and its own pacer) for a whole load
 * run and returns a starter placing call `index` with the run's template. Aborting a call's
 * signal makes the Caller CANCEL or BYE it; its result still resolves. The pacer is the run's
 * alone, so `pacing()` covers exactly the frames this run's calls sent.
 */
export async function openLoadCaller(template: LoadCallTemplate, createCaller: LoadCallerFactory = defaultCallerFactory): Promise<LoadStarter> {
  const pacer = new Pacer();
  const caller = createCaller({ ...loadCallerOptions(template), pacer });
  return {
    startCall: (index, signal) => caller.call(loadCallOptions(template, index, signal)).result,
    close: async () => {
      try {
        await caller.close();
      } finally {
        // The Caller does not close a pacer it was given; its counters stay readable.
        pacer.close();
      }
    },
    pacing: () => loadPacingOf(pacer),
  };
}

/** The template one worker of a sharded run uses: the run's, on the worker's own RTP slice. */
export function shardLoadTemplate(template: LoadCallTemplate, shard?: LoadShardContext): LoadCallTemplate {
  return shard?.rtpPorts ? { ...template, rtpPorts: { min: shard.rtpPorts.min, max: shard.rtpPorts.max } } : template;
}

/** For load workers ({@link LoadStarterModule}): the worker's Caller binds RTP only in its own slice. */
export function openLoadStarter(template: LoadCallTemplate, shard?: LoadShardContext): Promise<LoadStarter> {
  return openLoadCaller(shardLoadTemplate(template, shard));
}
