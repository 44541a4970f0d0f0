import { SipprobeError } from '../errors';

/** Why an RTP datagram was rejected; also the `code` of the {@link RtpPacketError} thrown for it. */
export type RtpPacketErrorCode =
  | 'RTP_TRUNCATED'
  | 'RTP_BAD_VERSION'
  | 'RTP_BAD_PADDING'
  | 'RTP_CSRC_OVERRUN'
  | 'RTP_EXTENSION_OVERRUN'
  | 'RTP_EXTENSION_MALFORMED';

/** A received RTP datagram that is not a valid RFC 3550 packet. */
export class RtpPacketError extends SipprobeError {
  declare readonly code: RtpPacketErrorCode;

  constructor(code: RtpPacketErrorCode, message: string) {
    super(code, message);
  }
}

/** Why an RTCP datagram was rejected; also the `code` of the {@link RtcpPacketError} thrown for it. */
export type RtcpPacketErrorCode =
  | 'RTCP_TRUNCATED'
  | 'RTCP_BAD_VERSION'
  | 'RTCP_BAD_LENGTH'
  | 'RTCP_BAD_PADDING'
  | 'RTCP_MALFORMED';

/** A received RTCP datagram (or one packet of a compound) that is not valid per RFC 3550 §6. */
export class RtcpPacketError extends SipprobeError {
  declare readonly code: RtcpPacketErrorCode;

  constructor(code: RtcpPacketErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * A value handed to a serializer or builder that cannot be put on the wire (`RTP_INVALID_FIELD`),
 * or an output buffer too small for the result (`RTP_BUFFER_TOO_SMALL`).
 */
export class RtpEncodeError extends SipprobeError {
  declare readonly code: 'RTP_INVALID_FIELD' | 'RTP_BUFFER_TOO_SMALL';

  constructor(code: 'RTP_INVALID_FIELD' | 'RTP_BUFFER_TOO_SMALL', message: string) {
    super(code, message);
  }
}

/**
 * Codec misuse: an unknown codec name (`CODEC_UNKNOWN`), an output buffer too small for the
 * frame (`CODEC_BUFFER_TOO_SMALL`), invalid options (`CODEC_INVALID_OPTION`), or a codec whose
 * optional dependency is not installed (`CODEC_UNAVAILABLE`).
 */
export class CodecError extends SipprobeError {
  declare readonly code: 'CODEC_UNKNOWN' | 'CODEC_BUFFER_TOO_SMALL' | 'CODEC_INVALID_OPTION' | 'CODEC_UNAVAILABLE';

  constructor(
    code: 'CODEC_UNKNOWN' | 'CODEC_BUFFER_TOO_SMALL' | 'CODEC_INVALID_OPTION' | 'CODEC_UNAVAILABLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A DTMF digit string or option that RFC 4733 cannot carry (`DTMF_INVALID`). */
export class DtmfError extends SipprobeError {
  declare readonly code: 'DTMF_INVALID';

  constructor(message: string) {
    super('DTMF_INVALID', message);
  }
}
