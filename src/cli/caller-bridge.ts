/**
 * How the CLI reaches the Caller (src/caller). Typed structurally on the ARCHITECTURE.md API so
 * that the CLI depends only on that contract.
 */
import type { CallResult } from '../caller/result';
import { SipprobeError } from '../errors';
import type { ExtraTestHeaders, TestProfile } from '../headers';

/** The options the CLI passes to `caller.call()`. */
export interface CliCallOptions {
  target: string;
  auth?: { username: string; password: string };
  run: { runId?: string; scenarioId?: string; resultId?: string };
  profile?: TestProfile;
  headers?: ExtraTestHeaders;
  codecs?: string[];
  play?: string;
  record?: string;
  dtmf?: string;
  timeouts?: { ringMs?: number; callMs?: number };
  signal?: AbortSignal;
}

/** What the CLI uses of a Caller. */
export interface CliCaller {
  call(options: CliCallOptions): { result: Promise<CallResult> };
  close(): Promise<void>;
}

/** Creates a Caller bound to `address` (port 0) for `transport`. */
export function createCliCaller(options: { address: string; transport: 'udp' | 'tcp' | 'tls'; insecure: boolean }): CliCaller {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../caller') as { Caller?: new (o: unknown) => CliCaller };
  if (typeof mod.Caller !== 'function') throw new SipprobeError('CLI_NO_CALLER', 'the Caller is not available in this build');
  return new mod.Caller({
    bind: { address: options.address, port: 0 },
    transport: options.transport,
    ...(options.insecure ? { tls: { rejectUnauthorized: false } } : {}),
  });
}
