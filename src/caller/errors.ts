import { SipprobeError } from '../errors';

/** Stable codes of {@link CallerError}. */
export type CallerErrorCode =
  /** Unusable options (target, auth, script step …): nothing was sent. */
  | 'CALLER_BAD_OPTION'
  /** The Caller was closed. */
  | 'CALLER_CLOSED'
  /** Media operations before the call has media. */
  | 'CALLER_NOT_ANSWERED'
  /** The 2xx had no SDP and none came earlier. */
  | 'CALLER_NO_ANSWER_SDP'
  /** The call was aborted through its AbortSignal (reported in `result.error`). */
  | 'CALL_ABORTED';

/** Errors of the Caller API (thrown for bad input; reported in `result.error` otherwise). */
export class CallerError extends SipprobeError {
  declare readonly code: CallerErrorCode;

  constructor(code: CallerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
