import { SipTransactionError } from './errors';

/** RFC 3261 §17 / Table 4 timer values, derived from T1, T2 and T4 (RFC 6026 adds L and M). */

/** Base timer values in milliseconds. */
export interface SipTimerConfig {
  /** RTT estimate (default 500). */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4000). */
  T2: number;
  /** Maximum time a message stays in the network (default 5000). */
  T4: number;
  /** Timer D on unreliable transports: wait for response retransmissions (default 32000, "at least 32 s"). */
  D: number;
}

/** Defaults of RFC 3261 Table 4. */
export const SIP_DEFAULT_TIMERS: Readonly<SipTimerConfig> = Object.freeze({ T1: 500, T2: 4000, T4: 5000, D: 32000 });

/** Fills and validates a partial config (finite, positive values; T2 ≥ T1). */
export function resolveSipTimers(partial: Partial<SipTimerConfig> | undefined): SipTimerConfig {
  const t = { ...SIP_DEFAULT_TIMERS, ...partial };
  for (const k of ['T1', 'T2', 'T4', 'D'] as const) {
    if (!Number.isFinite(t[k]) || t[k] <= 0) throw new SipTransactionError('SIP_TRANSACTION_CONFIG', `SIP timer ${k} must be a positive number`);
  }
  if (t.T2 < t.T1) throw new SipTransactionError('SIP_TRANSACTION_CONFIG', 'SIP timer T2 must not be below T1');
  return t;
}
