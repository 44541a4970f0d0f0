import type { CallOutcome } from './result';

/** Outcome and end reason of a final non-2xx response to our INVITE (RFC 3261 §21). */
export function classifyFinalStatus(status: number, reason: string, cancelledByRingTimeout: boolean): { outcome: CallOutcome; endReason: string } {
  if (status === 486 || status === 600) return { outcome: 'busy', endReason: 'busy' };
  if (status === 408 || status === 480) return { outcome: 'no-answer', endReason: 'did not answer' };
  if (status === 487 && cancelledByRingTimeout) return { outcome: 'no-answer', endReason: 'did not answer' };
  if (status === 401 || status === 407) return { outcome: 'auth-failed', endReason: `authentication required (${status} ${reason})` };
  if (status === 488 || status === 606) return { outcome: 'rejected', endReason: `codec mismatch (${status} ${reason})` };
  return { outcome: 'rejected', endReason: `rejected (${status} ${reason})` };
}

/** End reason text for outcomes that do not come from a status. */
export const END_REASONS = {
  callerHangup: 'caller hung up',
  agentHangup: 'agent hung up',
  exceededMaxDuration: 'exceeded max duration',
  silenceTimedOut: 'silence timed out',
  voicemail: 'voicemail',
  didNotAnswer: 'did not answer',
  authFailed: 'authentication failed',
  unreachable: 'call failed (unreachable)',
  aborted: 'call aborted',
  codecMismatch: 'codec mismatch',
  error: 'call failed (error)',
} as const;
