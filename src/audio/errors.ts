import { SipprobeError } from '../errors';

/**
 * A WAV file that cannot be read. Codes: `WAV_NOT_RIFF`, `WAV_TRUNCATED`, `WAV_NO_FMT`,
 * `WAV_NO_DATA`, `WAV_BAD_FMT`, `WAV_UNSUPPORTED`, `WAV_TOO_LARGE`.
 */
export class WavFormatError extends SipprobeError {}

/**
 * A WAV file that cannot be written. Codes: `WAV_WRITE_FAILED`, `WAV_WRITER_CLOSED`,
 * `WAV_TOO_LARGE`, `WAV_BAD_ARGUMENT`.
 */
export class WavWriteError extends SipprobeError {}

/** Invalid arguments to the resampler or the stereo recorder (`AUDIO_BAD_ARGUMENT`, `AUDIO_UNSUPPORTED_RATE`). */
export class AudioArgumentError extends SipprobeError {}
