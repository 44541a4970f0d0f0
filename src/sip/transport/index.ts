/**
 * SIP transport layer (RFC 3261 §18, RFC 3581, RFC 5626 §4.4.1 keep-alives).
 *
 * - {@link SipTransport}: one interface for {@link SipUdpTransport}, {@link SipTcpTransport} and
 *   {@link SipTlsTransport}: `listen()`, `send(bytes, { address, port, serverName? })`,
 *   `'message'` events carrying a {@link SipInbound} (message + local/remote address +
 *   protocol + transport), `'malformed'` events ({@link SipMalformedInbound}, with a request
 *   salvaged for a 400 when enough was readable), `close()`.
 * - {@link SipTransportManager} owns the transports of one UA: `start()`, `resolve(uri)` →
 *   destinations, `sendRequest(req, destination)` (stamps Via sent-by/rport, UDP→TCP above
 *   1300 bytes), `sendResponse(res, inbound)` (§18.2.2 routing), `contactUri(protocol)`,
 *   `close()`. It is the sender the transaction layer expects.
 */
export { SipTransportError, type SipTransportErrorCode } from './errors';
export {
  type SipTransportProtocol,
  type SipAddress,
  type SipTransportTarget,
  type SipDestination,
  type SipInbound,
  type SipMalformedInbound,
  type SipTransportStats,
  type SipTransportEvents,
  type SipTransport,
  type SipSent,
  defaultSipPort,
} from './types';
export { SipUdpTransport, type SipUdpTransportOptions } from './udp';
export { type SipStreamTransportOptions } from './stream';
export { SipTcpTransport, type SipTcpTransportOptions } from './tcp';
export { SipTlsTransport, type SipTlsTransportOptions } from './tls';
export { resolveSipDestinations, dnsSipHostResolver, createDnsSipHostResolver, orderSrvRecords, type SipHostResolver, type SipResolveOptions, type SipSrvRecord } from './resolve';
export { SipTransportManager, type SipTransportManagerOptions, type SipTransportManagerEvents, type SipUdpToTcpPolicy } from './manager';
export { salvageSipRequestHead } from './salvage';
export { stampSipVia, annotateSipReceivedVia } from './via-stamp';
