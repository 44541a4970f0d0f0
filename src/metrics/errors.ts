import { SipprobeError } from '../errors';

/**
 * Invalid input to a metrics function. Codes: `METRICS_BAD_ARGUMENT` (a non-finite, negative or
 * out-of-range number, a wrong sample rate or option), `METRICS_BAD_SEGMENTS` (segments not
 * ordered, overlapping or with end < start).
 */
export class MetricsArgumentError extends SipprobeError {}

/**
 * A transcription that could not be made. Codes: `TRANSCRIBER_UNAVAILABLE` (the engine binary or
 * its model is not installed), `TRANSCRIBER_FAILED` (the engine exited with an error),
 * `TRANSCRIBER_TIMEOUT`, `TRANSCRIBER_ABORTED`, `TRANSCRIBER_BAD_ARGUMENT`.
 */
export class TranscriberError extends SipprobeError {}
