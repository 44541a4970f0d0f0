/**
 * Owns the UDP/TCP/TLS transports of one user agent and does the transport-layer routing of
 * RFC 3261 §18: the Via sent-by/rport on requests, the UDP→TCP switch for large requests
 * (§18.1.1), and response routing by Via `received`/`rport` or the request's connection (§18.2.2).
 */
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { generateSipBranch } from '../branch';
import type { SipRequest, SipResponse } from '../message';
import { serializeMessage } from '../serializer';
import { formatSipUri, isSipUri, parseUri } from '../uri';
import type { SipVia } from '../via';
import { SipTransportError } from './errors';
import { resolveSipDestinations, type SipHostResolver } from './resolve';
import { SipTcpTransport, type SipTcpTransportOptions } from './tcp';
import { SipTlsTransport, type SipTlsTransportOptions } from './tls';
import {
  defaultSipPort,
  sentByNeedsFlow,
  type SipAddress,
  type SipDestination,
  type SipInbound,
  type SipMalformedInbound,
  type SipSent,
  type SipTransport,
  type SipTransportProtocol,
  type SipTransportTarget,
} from './types';
import { SipUdpTransport, type SipUdpTransportOptions } from './udp';
import { sentByHost, stampSipVia } from './via-stamp';

/** Options of {@link SipTransportManager}. `false` disables a protocol. */
export interface SipTransportManagerOptions {
  /** Default bind address for every transport (default `127.0.0.1`). */
  address?: string;
  udp?: SipUdpTransportOptions | false;
  tcp?: SipTcpTransportOptions | false;
  /** TLS is off unless given (accepting needs `cert`/`key`; `{ accept: false }` for outbound only). */
  tls?: SipTlsTransportOptions | false;
  /** §18.1.1 threshold: a UDP request larger than this goes over TCP when not pinned (default 1300). */
  udpMaxBytes?: number;
  /**
   * Move UDP requests over `udpMaxBytes` to TCP (RFC 3261 §18.1.1; default true, when a TCP
   * transport is configured). False keeps every request on the transport it was sent on.
   */
  largeUdpToTcp?: boolean;
  /** Add `rport` to our Via (RFC 3581; default true). */
  rport?: boolean;
  /** Host to put in Via sent-by and Contact instead of the bound address (e.g. behind NAT). */
  advertisedHost?: string;
  /** Hostname resolution (default `node:dns`). */
  resolver?: SipHostResolver;
  /**
   * Called before each received message is handed on. One event-loop turn may read dozens of
   * SIP messages back to back; a caller streaming media uses this to send the frames that fell
   * due meanwhile (its pacer's `poll`), so signalling bursts do not hold its RTP back.
   */
  beforeMessage?: () => void;
}

/**
 * What the manager reports for a send: {@link SipSent} plus the exact bytes written (for traces).
 * `data` is not enumerable, so it stays out of `util.inspect`, JSON and spreads.
 */
export interface SipSentMessage extends SipSent {
  readonly data: Buffer;
}

/** A connection a dialog runs over: the protocol and the peer's address of that connection. */
export interface SipFlow {
  readonly protocol: SipTransportProtocol;
  readonly remote: SipAddress;
}

/** The §18.1.1 switch as configured: large UDP requests go over TCP when `enabled`. */
export interface SipUdpToTcpPolicy {
  /** True when switching is on and a TCP transport is there to switch to. */
  readonly enabled: boolean;
  /** Requests larger than this (bytes) leave UDP. */
  readonly maxBytes: number;
}

/** Events of {@link SipTransportManager}: every transport's messages, re-emitted. */
export interface SipTransportManagerEvents {
  message: (inbound: SipInbound) => void;
  malformed: (info: SipMalformedInbound) => void;
}

function viaProtocol(v: SipVia): SipTransportProtocol | undefined {
  switch (v.transport) {
    case 'UDP':
      return 'udp';
    case 'TCP':
      return 'tcp';
    case 'TLS':
      return 'tls';
    default:
      return undefined;
  }
}

/** The UDP/TCP/TLS transports of one UA plus §18 routing. Implements the transaction layer's sender. */
export class SipTransportManager extends EventEmitter {
  private readonly transports = new Map<SipTransportProtocol, SipTransport>();
  private readonly options: SipTransportManagerOptions;
  private started = false;
  private closed = false;

  constructor(options: SipTransportManagerOptions = {}) {
    super();
    this.options = options;
    const address = options.address ?? '127.0.0.1';
    if (options.udp !== false) this.add(new SipUdpTransport({ address, ...options.udp }));
    if (options.tcp !== false) this.add(new SipTcpTransport({ address, ...options.tcp }));
    if (options.tls) this.add(new SipTlsTransport({ address, ...options.tls }));
  }

  override on<E extends keyof SipTransportManagerEvents>(event: E, listener: SipTransportManagerEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof SipTransportManagerEvents>(event: E, listener: SipTransportManagerEvents[E]): this {
    return super.off(event, listener);
  }

  private add(t: SipTransport): void {
    this.transports.set(t.protocol, t);
    const before = this.options.beforeMessage;
    t.on('message', (m) => {
      if (before) {
        try {
          before();
        } catch {
          // the hook is an optimisation of someone else's: its failure must not lose the message
        }
      }
      this.emit('message', m);
    });
    t.on('malformed', (m) => this.emit('malformed', m));
  }

  /** Binds every transport. On failure, whatever was bound is closed again. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      for (const t of this.transports.values()) await t.listen();
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** The transport for a protocol, if configured. */
  transport(protocol: SipTransportProtocol): SipTransport | undefined {
    return this.transports.get(protocol);
  }

  /**
   * What we write as Via sent-by / Contact host:port for a protocol: the bound socket or
   * listener, or — for a TCP/TLS transport that does not listen — our end of the open
   * connection to `flow` (the peer can reach us only over it; port 0 while none is open).
   */
  sentBy(protocol: SipTransportProtocol, flow?: SipAddress): SipAddress {
    const t = this.require(protocol);
    const local = flow !== undefined && sentByNeedsFlow(t) ? (t.flowLocal(flow) ?? t.local) : t.local;
    return { address: this.options.advertisedHost ?? local.address, port: local.port };
  }

  /**
   * A Contact URI on our address for `protocol` (`sip:user@host:port;transport=tcp`); `flow`
   * as in {@link sentBy}.
   */
  contactUri(protocol: SipTransportProtocol, user?: string, flow?: SipAddress): string {
    const s = this.sentBy(protocol, flow);
    return formatSipUri({
      user,
      host: sentByHost(s.address),
      port: s.port || undefined,
      params: protocol === 'udp' ? undefined : [['transport', protocol]],
    });
  }

  /** Resolves a URI to destinations (see {@link resolveSipDestinations}). */
  resolve(uri: string): Promise<SipDestination[]> {
    return resolveSipDestinations(uri, { resolver: this.options.resolver });
  }

  /**
   * The URI whose host is the next hop of `request` (RFC 3261 §8.1.2): the first Route if it
   * is a loose router (`;lr`), else the Request-URI (strict routing puts the route in it).
   */
  nextHopUri(request: SipRequest): string {
    const routes = request.routes;
    if (routes.length > 0) {
      try {
        const u = parseUri(routes[0].uri);
        if (isSipUri(u) && u.params.has('lr')) return routes[0].uri;
      } catch {
        // an unparsable Route cannot be the next hop; the Request-URI is tried instead
      }
    }
    return request.uri;
  }

  /**
   * Connection reuse for requests inside a dialog (RFC 3261 §18, RFC 5923/5626 style): over TCP
   * or TLS, a destination with no open connection of its own goes over `flow` — the connection
   * the dialog was established or last refreshed on — while that is open. A peer whose Contact
   * cannot be connected to (a UA that does not accept connections, one behind NAT) still gets
   * our requests; a destination we already have a connection to keeps it.
   */
  preferFlow(destination: SipDestination, flow: SipFlow | undefined): SipDestination {
    if (!flow || flow.protocol !== destination.protocol) return destination;
    const t = this.transports.get(flow.protocol);
    if (!t || !t.reliable || this.closed || t.hasFlow(destination) || !t.hasFlow(flow.remote)) return destination;
    return { protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port, serverName: destination.serverName, pinned: true };
  }

  /** The §18.1.1 switch in force (see {@link movesToTcp}). */
  get udpToTcp(): SipUdpToTcpPolicy {
    return { enabled: this.options.largeUdpToTcp !== false && this.transports.has('tcp') && !this.closed, maxBytes: this.options.udpMaxBytes ?? 1300 };
  }

  /**
   * RFC 3261 §18.1.1: a request of `size` bytes for a UDP `destination` that is not pinned
   * (no `;transport=udp`) must go over TCP when it is larger than `udpMaxBytes` — when the
   * switch is on and a TCP transport is configured.
   */
  movesToTcp(destination: SipDestination, size: number): boolean {
    if (destination.protocol !== 'udp' || destination.pinned) return false;
    const p = this.udpToTcp;
    return p.enabled && size > p.maxBytes;
  }

  private require(protocol: SipTransportProtocol): SipTransport {
    const t = this.transports.get(protocol);
    if (!t || this.closed) throw new SipTransportError('SIP_TRANSPORT_UNAVAILABLE', `no ${protocol.toUpperCase()} transport`);
    return t;
  }

  /**
   * Sends a request to a resolved destination. The top Via (added with a fresh branch if the
   * request has none) gets the protocol and sent-by actually used, plus `rport`. A UDP request
   * over `udpMaxBytes` goes over TCP unless the destination is pinned or `largeUdpToTcp` is
   * false, falling back to UDP if the TCP connection cannot be made (§18.1.1).
   */
  async sendRequest(request: SipRequest, destination: SipDestination): Promise<SipSentMessage> {
    if (!request.headers.has('Via')) request.headers.prepend('Via', `SIP/2.0/UDP 0.0.0.0;branch=${generateSipBranch()}`);
    const rport = this.options.rport !== false;
    const target: SipTransportTarget = { address: destination.address, port: destination.port, serverName: destination.serverName };
    const t = this.require(destination.protocol);
    // a transport without a listener is named by the connection itself: open it first
    if (sentByNeedsFlow(t)) await t.openFlow(target);
    stampSipVia(request, t.protocol, this.sentBy(t.protocol, target), rport);
    let data = serializeMessage(request);
    const tcp = this.transports.get('tcp');
    if (tcp && t.protocol === 'udp' && this.movesToTcp(destination, data.length)) {
      try {
        if (sentByNeedsFlow(tcp)) await tcp.openFlow(target);
        stampSipVia(request, 'tcp', this.sentBy('tcp', target), rport);
        const tcpData = serializeMessage(request);
        await tcp.send(tcpData, target);
        return this.sent(tcp, target, tcpData);
      } catch (e) {
        if (!(e instanceof SipTransportError) || e.code !== 'SIP_TRANSPORT_CONNECT') throw e;
        stampSipVia(request, 'udp', this.sentBy('udp'), rport);
        data = serializeMessage(request);
      }
    }
    await t.send(data, target);
    return this.sent(t, target, data);
  }

  /**
   * Sends a response per §18.2.2 / RFC 3581 §4: on a reliable transport over the request's
   * connection while it is open, else to Via `received` (or sent-by host) at `rport` (UDP)
   * or the sent-by port.
   */
  async sendResponse(response: SipResponse, inbound?: SipInbound): Promise<SipSentMessage> {
    let via: SipVia | undefined;
    try {
      via = response.topVia;
    } catch (e) {
      throw new SipTransportError('SIP_TRANSPORT_ROUTE', 'response has a malformed top Via', { cause: e });
    }
    if (!via) throw new SipTransportError('SIP_TRANSPORT_ROUTE', 'response has no Via');
    const protocol = viaProtocol(via);
    if (!protocol) throw new SipTransportError('SIP_TRANSPORT_UNAVAILABLE', `unsupported Via transport ${via.transport.slice(0, 16)}`);
    const data = serializeMessage(response);
    if (inbound && inbound.protocol === protocol && inbound.transport.reliable && inbound.transport.hasFlow(inbound.remote)) {
      await inbound.transport.send(data, inbound.remote);
      return this.sent(inbound.transport, inbound.remote, data);
    }
    const t = inbound && inbound.protocol === protocol ? inbound.transport : this.require(protocol);
    const maddr = via.params.get('maddr');
    const hostText = via.received ?? (typeof maddr === 'string' ? maddr : via.host);
    let address = hostText.startsWith('[') ? hostText.slice(1, -1) : hostText;
    if (isIP(address) === 0) {
      const [first] = await resolveSipDestinations(`sip:${address}`, { resolver: this.options.resolver });
      address = first.address;
    }
    const port = !t.reliable && typeof via.rport === 'number' ? via.rport : (via.port ?? defaultSipPort(protocol));
    const target: SipTransportTarget = { address, port, serverName: isIP(via.host) === 0 ? via.host : undefined };
    await t.send(data, target);
    return this.sent(t, target, data);
  }

  private sent(t: SipTransport, remote: SipTransportTarget, data: Buffer): SipSentMessage {
    const sent = {
      protocol: t.protocol,
      reliable: t.reliable,
      local: t.flowLocal?.(remote) ?? t.local,
      remote,
      size: data.length,
      retransmit: () => t.send(data, remote),
    };
    // not enumerable: the bytes may carry Authorization, and SipSent objects end up in inspect/JSON
    return Object.defineProperty(sent, 'data', { value: data, enumerable: false }) as SipSentMessage;
  }

  /** Closes every transport (sockets, connections, timers). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.transports.values()].map((t) => t.close()));
  }
}
