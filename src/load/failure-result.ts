import { buildCallResult } from '../caller/result-shell';
import type { CallResult } from '../caller/result';
import { uuidV4 } from '../random';

/**
 * The record of a call whose start itself threw (a bug or a resource limit such as no free RTP
 * port): outcome `error` with the code and message, so the call still appears in the results.
 */
export function startFailureResult(target: string, transport: CallResult['transport'], error: unknown): CallResult {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'LOAD_START_FAILED';
  const message = error instanceof Error ? error.message : String(error);
  return buildCallResult({
    outcome: 'error',
    endReason: 'call failed to start',
    endedBy: 'error',
    target,
    transport,
    ids: { runId: '', scenarioId: '', resultId: uuidV4(), generated: ['resultId'] },
    error: { code, message },
  });
}
