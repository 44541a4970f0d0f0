/** The transport-layer vocabulary shared by UDP, TCP and TLS and used by the transaction layer. */
import type { SipMessage, SipRequest } from '../message';
import type { SipParseError } from '../parse-error';

/** Transport protocols sipprobe speaks. */
export type SipTransportProtocol = 'udp' | 'tcp' | 'tls';

/** An IP address (literal, IPv6 without brackets) and port. */
export interface SipAddress {
  readonly address: string;
  readonly port: number;
}

/** Where to send bytes on one transport: an IP literal and port, plus the name TLS verifies. */
export interface SipTransportTarget extends SipAddress {
  /** Hostname for TLS SNI and certificate verification (defaults to the address). */
  readonly serverName?: string;
}

/** A resolved next hop: protocol + address + port (RFC 3263 result). */
export interface SipDestination extends SipTransportTarget {
  readonly protocol: SipTransportProtocol;
  /**
   * True when the protocol was chosen explicitly (`;transport=` in the URI, sips:, or a reply
   * on the same flow), so the §18.1.1 size rule must not switch UDP to TCP.
   */
  readonly pinned?: boolean;
}

/** A message as received, with where it came from and where it arrived (kept for responses and logs). */
export interface SipInbound {
  readonly message: SipMessage;
  readonly protocol: SipTransportProtocol;
  /**
   * Our end of the flow: UDP the socket; TCP/TLS the connection's local address, with the
   * listening port when the transport listens (the same address its sends report).
   */
  readonly local: SipAddress;
  /**
   * The message's exact bytes as received (UDP: the datagram itself; TCP/TLS: the framed
   * message, keep-alive CRLFs around it excluded). A view, not a copy: do not modify it.
   * `message` may differ from them: a request's Via gets `received`/`rport` (§18.2.1).
   * Undefined only for messages that did not come off a socket (stand-in transports).
   */
  readonly raw?: Buffer;
  /** The peer's source address and port (for TCP/TLS: of the connection). */
  readonly remote: SipAddress;
  /** The transport it arrived on (a response to a request goes back on it, §18.2.2). */
  readonly transport: SipTransport;
}

/** A message that could not be parsed. Counted; `request` is set when enough was read to answer 400. */
export interface SipMalformedInbound {
  readonly error: SipParseError;
  readonly protocol: SipTransportProtocol;
  readonly local: SipAddress;
  readonly remote: SipAddress;
  readonly transport: SipTransport;
  /**
   * A request rebuilt from what could be read (start line plus Via, From, To, Call-ID, CSeq),
   * enough for `createResponse(request, 400)`; undefined when that much was not readable or
   * the message was a response or an ACK (never answered).
   */
  readonly request?: SipRequest;
}

/** Counters of one transport. */
export interface SipTransportStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Datagrams / stream messages that failed to parse. */
  malformed: number;
  /** CRLF keep-alive pings received (and, on streams, answered with a pong). */
  keepAlivesIn: number;
  /** Stream transports: connections opened or accepted in total. */
  connections: number;
}

/** Events every transport emits. There is deliberately no `'error'` event: failures reject sends. */
export interface SipTransportEvents {
  /** A parsed message. */
  message: (inbound: SipInbound) => void;
  /** Input that did not parse (never thrown, never crashes the transport). */
  malformed: (info: SipMalformedInbound) => void;
  /** A CRLF pong (RFC 5626 §4.4.1) arrived on a stream connection. */
  pong: (remote: SipAddress) => void;
}

/**
 * One SIP transport bound to a local address. Created by `createSipTransport` / the concrete
 * classes; `listen()` must resolve before `local` is meaningful.
 */
export interface SipTransport {
  readonly protocol: SipTransportProtocol;
  /** Reliable transports (TCP/TLS) need no retransmissions (RFC 3261 §17). */
  readonly reliable: boolean;
  /** The bound address and port (after `listen()`). */
  readonly local: SipAddress;
  readonly stats: Readonly<SipTransportStats>;
  /** Binds (and for TCP/TLS starts accepting connections). */
  listen(): Promise<void>;
  /** Sends one serialized message. Rejects with {@link SipTransportError}. */
  send(data: Buffer, target: SipTransportTarget): Promise<void>;
  /** Stream transports: is a connection to this peer open (for §18.2.2 response routing)? UDP: always true. */
  hasFlow(remote: SipAddress): boolean;
  /**
   * Our end of the flow to `remote`: UDP the bound socket; TCP/TLS the open connection's local
   * address (the listening port when listening), undefined without an open connection.
   * (Optional so that stand-in transports need not have it; the built-in ones do.)
   */
  flowLocal?(remote: SipAddress): SipAddress | undefined;
  /**
   * Opens the flow to `target` if it is not open (TCP/TLS: connects, reusing an open or
   * pending connection) and resolves with our end of it. Rejects like {@link send}.
   * (Optional like {@link flowLocal}.)
   */
  openFlow?(target: SipTransportTarget): Promise<SipAddress>;
  /** Closes every socket and timer. Idempotent. */
  close(): Promise<void>;
  on<E extends keyof SipTransportEvents>(event: E, listener: SipTransportEvents[E]): this;
  off<E extends keyof SipTransportEvents>(event: E, listener: SipTransportEvents[E]): this;
}

/** Default port of a protocol (RFC 3261 §19.1.2). */
export function defaultSipPort(protocol: SipTransportProtocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}

/**
 * A connection-oriented transport that does not listen (TLS without a certificate, TCP with
 * `accept: false`): the far end can reach us only over the connection we opened, so our Via
 * sent-by and Contact must name that connection's local address and port (no listener port).
 */
export function sentByNeedsFlow(t: SipTransport): t is SipTransport & Required<Pick<SipTransport, 'flowLocal' | 'openFlow'>> {
  return t.reliable && t.local.port === 0 && typeof t.flowLocal === 'function' && typeof t.openFlow === 'function';
}

/** `addr:port` (IPv6 bracketed): a map key and a readable label. */
export function addressKey(a: SipAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Creates empty counters. */
export function emptySipTransportStats(): SipTransportStats {
  return { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, keepAlivesIn: 0, connections: 0 };
}

/** The outcome of sending one message: where it actually went, and how to send it again. */
export interface SipSent {
  /** Protocol actually used (a large request may have moved from UDP to TCP). */
  readonly protocol: SipTransportProtocol;
  readonly reliable: boolean;
  readonly local: SipAddress;
  readonly remote: SipTransportTarget;
  /** Bytes on the wire. */
  readonly size: number;
  /** Sends the same bytes again on the same transport to the same peer (retransmissions). */
  retransmit(): Promise<void>;
}
