import { SipprobeError } from '../errors';

/** Why an SRTP/SRTCP operation failed; also the `code` of the {@link SrtpError} thrown for it. */
export type SrtpErrorCode =
  /** The authentication tag does not match: forged, corrupted, or protected under another key. */
  | 'SRTP_AUTH_FAILED'
  /** The packet index was already seen or is older than the 64-packet replay window (RFC 3711 §3.3.2). */
  | 'SRTP_REPLAY'
  /** Shorter than header + tag (or its RTP header runs past the end). */
  | 'SRTP_TOO_SHORT'
  /** Not an RTP/RTCP version 2 packet. */
  | 'SRTP_BAD_PACKET'
  /** Unknown crypto suite or master key/salt of the wrong length. */
  | 'SRTP_BAD_KEY'
  /** ROC (2^32) or SRTCP index (2^31) exhausted: the master key must be replaced (RFC 3711 §9.2). */
  | 'SRTP_KEY_EXHAUSTED';

/** An SRTP/SRTCP packet or key was refused. Messages never contain key material. */
export class SrtpError extends SipprobeError {
  declare readonly code: SrtpErrorCode;

  constructor(code: SrtpErrorCode, message: string) {
    super(code, message);
  }
}
