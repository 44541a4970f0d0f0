import { SipprobeError } from '../errors';

/** Stable codes of {@link MediaLegError}. */
export type MediaLegErrorCode =
  /** An operation that needs RTP running before the remote description is known. */
  | 'MEDIA_NOT_STARTED'
  /** The leg was closed. */
  | 'MEDIA_CLOSED'
  /** Offer/answer found no codec both sides (and sipprobe) can use. */
  | 'MEDIA_NO_COMMON_CODEC'
  /** A bad argument (sample rate, duration, options). */
  | 'MEDIA_BAD_ARGUMENT'
  /** The operation was aborted (signal, hang-up). */
  | 'MEDIA_ABORTED'
  /** We offered SRTP and the answer rejected the stream or did not key it (never a silent fall-back to RTP). */
  | 'MEDIA_SRTP_REFUSED'
  /** The leg requires SRTP and the offer is plain RTP. */
  | 'MEDIA_SRTP_REQUIRED';

/** Errors of the media leg. */
export class MediaLegError extends SipprobeError {
  declare readonly code: MediaLegErrorCode;

  constructor(code: MediaLegErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
