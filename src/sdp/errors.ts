import { SipprobeError } from '../errors';

/** Input that cannot be understood as SDP. `line` is 1-based (0 when the whole input is at fault). */
export class SdpParseError extends SipprobeError {
  /** 1-based line number of the offending line, 0 for whole-input problems (size, missing lines). */
  readonly line: number;

  constructor(code: string, message: string, line: number) {
    super(code, line > 0 ? `${message} (line ${line})` : message);
    this.line = line;
  }
}

/** A model or option that cannot be written as SDP (e.g. a value containing CR/LF, a bad port). */
export class SdpSerializeError extends SipprobeError {
  constructor(message: string) {
    super('SDP_INVALID_VALUE', message);
  }
}

/**
 * Offer/answer failed. Codes: `SDP_ANSWER_MISMATCH` (answer does not line up with the offer),
 * `SDP_NO_AUDIO_STREAM` (no audio stream offered), and those of the subclasses.
 */
export class SdpNegotiationError extends SipprobeError {}

/** The answerer rejected our audio stream(s) with port 0. Code `SDP_STREAM_REJECTED`; a Caller reports it as a codec mismatch. */
export class SdpStreamRejectedError extends SdpNegotiationError {
  constructor(message: string) {
    super('SDP_STREAM_REJECTED', message);
  }
}

/** The answer accepted the stream but names only codecs we never offered. Code `SDP_CODEC_NOT_OFFERED`. */
export class SdpCodecMismatchError extends SdpNegotiationError {
  constructor(message: string) {
    super('SDP_CODEC_NOT_OFFERED', message);
  }
}
