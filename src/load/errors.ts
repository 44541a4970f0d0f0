import { SipprobeError } from '../errors';

/**
 * A load run that cannot start or could not keep its promise (e.g. the results file could not be
 * written). Codes: `LOAD_BAD_OPTION`, `LOAD_RESULTS_WRITE`, `LOAD_RESULTS_READ`, `LOAD_WORKER`,
 * `LOAD_BAD_PACING` (a starter reported pacing data that is not valid).
 */
export class LoadError extends SipprobeError {
  constructor(code: 'LOAD_BAD_OPTION' | 'LOAD_RESULTS_WRITE' | 'LOAD_RESULTS_READ' | 'LOAD_WORKER' | 'LOAD_BAD_PACING', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
