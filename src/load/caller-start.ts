import { join } from 'node:path';
import type { CallResult } from '../caller/result';
import type { TestProfile } from '../headers';
import type { LoadStarter } from './starter';

/**
 * The part of the Caller (src/caller, ARCHITECTURE.md) a load run uses: one `call()` per test
 * call, whose `result` never rejects, and `close()`.
 */
export interface LoadCaller {
  call(options: Record<string, unknown> & { target: string; signal?: AbortSignal }): { result: Promise<CallResult> };
  close(): Promise<void>;
}

/** Builds the run's Caller from its options. */
export type LoadCallerFactory = (options: { bind: { address: string; port: number }; transport: 'udp' | 'tcp' | 'tls'; tls?: { rejectUnauthorized: boolean } }) => LoadCaller;

// The Caller module is loaded on first use, so that load/ type-checks on its narrow interface.
const defaultCallerFactory: LoadCallerFactory = (options) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../caller') as { Caller: new (o: unknown) => LoadCaller };
  return new mod.Caller(options);
};

/**
 * What every call of a load run shares (structured-clone safe, so a worker can build its own
 * Caller from it). Per call, only the result id (and the recording file) differ.
 */
export interface LoadCallTemplate {
  target: string;
  transport: 'udp' | 'tcp' | 'tls';
  /** Local address[:port] to bind the SIP socket to. */
  bind?: string;
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
  /** Directory for one recording per call (`<resultId>.wav`). */
  recordDir?: string;
  durationMs?: number;
  ringTimeoutMs?: number;
  dtmf?: string;
}

function parseBind(bind: string | undefined): { address: string; port: number } {
  if (!bind) return { address: '127.0.0.1', port: 0 };
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(bind);
  return { address: m?.[1] ?? bind, port: m?.[2] ? Number(m[2]) : 0 };
}

/**
 * Opens one {@link Caller} (one SIP socket, its RTP port pool and pacer) for a whole load run and
 * returns a starter placing call `index` with the run's template. Aborting a call's signal makes
 * the Caller CANCEL or BYE it; its result still resolves.
 */
export async function openLoadCaller(template: LoadCallTemplate, createCaller: LoadCallerFactory = defaultCallerFactory): Promise<LoadStarter> {
  const caller = createCaller({ bind: parseBind(template.bind), transport: template.transport, tls: template.insecure ? { rejectUnauthorized: false } : undefined });
  return {
    startCall: (index, signal) => {
      const resultId = template.resultIdPrefix ? `${template.resultIdPrefix}-${index + 1}` : undefined;
      const call = caller.call({
        target: template.target,
        auth: template.auth,
        run: { runId: template.runId, scenarioId: template.scenarioId, resultId },
        profile: template.profile,
        headers: template.headers,
        codecs: template.codecs,
        play: template.play,
        record: template.recordDir ? join(template.recordDir, `call-${index + 1}.wav`) : undefined,
        durationMs: template.durationMs,
        dtmf: template.dtmf,
        timeouts: { ringMs: template.ringTimeoutMs },
        signal,
      });
      return call.result;
    },
    close: () => caller.close(),
  };
}

/** For load workers ({@link LoadStarterModule}). */
export function openLoadStarter(template: LoadCallTemplate): Promise<LoadStarter> {
  return openLoadCaller(template);
}
