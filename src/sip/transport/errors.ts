import { SipprobeError } from '../../errors';

/** Stable codes of {@link SipTransportError}. */
export type SipTransportErrorCode =
  /** The socket could not be bound / listened on. */
  | 'SIP_TRANSPORT_BIND'
  /** A TCP/TLS connection could not be established (refused, reset, unreachable). */
  | 'SIP_TRANSPORT_CONNECT'
  /** TLS handshake or certificate verification failed. */
  | 'SIP_TRANSPORT_TLS'
  /** Writing to the socket failed. */
  | 'SIP_TRANSPORT_SEND'
  /** The transport (or the connection) is closed. */
  | 'SIP_TRANSPORT_CLOSED'
  /** The message does not fit the transport (e.g. a datagram over 65507 bytes). */
  | 'SIP_TRANSPORT_TOO_LARGE'
  /** A hostname could not be resolved. */
  | 'SIP_TRANSPORT_DNS'
  /** No transport of the protocol a destination needs is configured. */
  | 'SIP_TRANSPORT_UNAVAILABLE'
  /** A target or Via could not be used to route a message. */
  | 'SIP_TRANSPORT_ROUTE';

/** Raised (or used to reject a send) for every transport failure. The cause keeps the OS error. */
export class SipTransportError extends SipprobeError {
  declare readonly code: SipTransportErrorCode;

  constructor(code: SipTransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Short, non-sensitive description of an OS/socket error for messages. */
export function describeSocketError(e: unknown): string {
  if (e && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string') return m.slice(0, 120);
  }
  return 'unknown error';
}
