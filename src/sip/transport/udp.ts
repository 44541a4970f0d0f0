/** SIP over UDP (RFC 3261 §18) on `node:dgram`. */
import * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import { parseMessage, type SipParseLimits } from '../parser';
import { SipTransportBase } from './base';
import { describeSocketError, SipTransportError } from './errors';
import type { SipAddress, SipTransportTarget } from './types';
import { UdpSocketThread } from './udp-thread';

/** Options of {@link SipUdpTransport}. */
export interface SipUdpTransportOptions {
  /** Local address to bind (default `127.0.0.1`). */
  address?: string;
  /** Local port; 0 (default) picks an ephemeral port. */
  port?: number;
  /** Parser limits applied to each datagram. */
  limits?: SipParseLimits;
  /**
   * Own the socket on a worker thread of its own (default false). For a process whose event loop
   * is busy with other sockets (hundreds of RTP streams in a load run): libuv reads at most 32
   * datagrams per socket per loop turn, so there the SIP socket falls behind under load and
   * responses wait unread until requests are retransmitted. Costs a thread (a few MB) and a
   * thread hop per datagram.
   */
  thread?: boolean;
}

/** Largest UDP payload over IPv4. */
const MAX_DATAGRAM = 65507;

/**
 * Receive buffer asked for (the kernel caps it at net.core.rmem_max). The default (~208 KiB, about
 * 150 SIP datagrams) overflows when a busy event loop pauses for tens of ms under load, and a
 * lost response costs a T1 retransmission — which some peers (SIPp) treat as a new error.
 */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

function isKeepAlive(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 13 && buf[i] !== 10 && buf[i] !== 0) return false;
  return true;
}

/** UDP transport: one socket, unreliable (transactions retransmit). */
export class SipUdpTransport extends SipTransportBase {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private socket: dgram.Socket | undefined;
  private thread: UdpSocketThread | undefined;
  /** The thread being started (a second `listen()` meanwhile waits for the same one). */
  private threadStart: Promise<void> | undefined;
  private readonly options: SipUdpTransportOptions;

  constructor(options: SipUdpTransportOptions = {}) {
    super();
    this.options = options;
    this.bound = { address: options.address ?? '127.0.0.1', port: options.port ?? 0 };
  }

  listen(): Promise<void> {
    if (this.socket || this.thread) return Promise.resolve();
    if (this.closed) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'transport is closed'));
    const address = this.options.address ?? '127.0.0.1';
    const type = isIP(address) === 6 ? 'udp6' : 'udp4';
    if (this.options.thread === true) return (this.threadStart ??= this.listenOnThread(type, address));
    const sock = dgram.createSocket({ type });
    this.socket = sock;
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        this.socket = undefined;
        sock.close();
        reject(new SipTransportError('SIP_TRANSPORT_BIND', `cannot bind UDP ${address}:${this.options.port ?? 0}: ${describeSocketError(e)}`, { cause: e }));
      };
      sock.once('error', onError);
      sock.bind(this.options.port ?? 0, address, () => {
        sock.off('error', onError);
        // a socket error after bind (e.g. ICMP-induced) must not crash the process
        sock.on('error', () => undefined);
        try {
          if (sock.getRecvBufferSize() < RECV_BUFFER_BYTES) sock.setRecvBufferSize(RECV_BUFFER_BYTES);
        } catch {
          // not permitted here: the default buffer still works, only bursts suffer
        }
        const a = sock.address();
        this.bound = { address: a.address, port: a.port };
        sock.on('message', (buf, rinfo) => this.onDatagram(buf, { address: rinfo.address, port: rinfo.port }));
        resolve();
      });
    });
  }

  private async listenOnThread(type: 'udp4' | 'udp6', address: string): Promise<void> {
    const port = this.options.port ?? 0;
    let thread: UdpSocketThread;
    try {
      thread = await UdpSocketThread.open({ type, address, port, recvBufferBytes: RECV_BUFFER_BYTES }, (buf, remote) => this.onDatagram(buf, remote));
    } catch (e) {
      throw new SipTransportError('SIP_TRANSPORT_BIND', `cannot bind UDP ${address}:${port}: ${describeSocketError(e)}`, { cause: e });
    }
    if (this.closed) {
      await thread.close();
      throw new SipTransportError('SIP_TRANSPORT_CLOSED', 'transport is closed');
    }
    this.thread = thread;
    this.bound = thread.local;
  }

  private onDatagram(buf: Buffer, remote: SipAddress): void {
    if (isKeepAlive(buf)) {
      this.stats.keepAlivesIn++;
      return;
    }
    let msg;
    try {
      msg = parseMessage(buf, { ...this.options.limits, mode: 'datagram' });
    } catch (e) {
      this.malformed(e, buf, this.bound, remote);
      return;
    }
    this.stats.bytesIn += buf.length;
    // the datagram is its own raw bytes: no copy (Node allocates a fresh buffer per datagram)
    this.deliver(msg, this.bound, remote, buf);
  }

  send(data: Buffer, target: SipTransportTarget): Promise<void> {
    if (!this.listening) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'UDP transport is not listening'));
    const sock = this.socket;
    const thread = this.thread;
    if (data.length > MAX_DATAGRAM) return Promise.reject(new SipTransportError('SIP_TRANSPORT_TOO_LARGE', `datagram of ${data.length} bytes`));
    const sent = (): void => {
      this.stats.messagesOut++;
      this.stats.bytesOut += data.length;
    };
    const failed = (e: unknown): SipTransportError => new SipTransportError('SIP_TRANSPORT_SEND', `UDP send failed: ${describeSocketError(e)}`, { cause: e });
    if (thread) {
      return thread.send(data, target.port, target.address).then(sent, (e: unknown) => {
        throw failed(e);
      });
    }
    return new Promise((resolve, reject) => {
      sock!.send(data, target.port, target.address, (e) => {
        if (e) reject(failed(e));
        else {
          sent();
          resolve();
        }
      });
    });
  }

  /** Bound, in this loop or on the socket thread, and not closed. */
  private get listening(): boolean {
    return (this.socket !== undefined || this.thread !== undefined) && !this.closed;
  }

  hasFlow(): boolean {
    return this.listening;
  }

  flowLocal(): SipAddress {
    return this.bound;
  }

  openFlow(): Promise<SipAddress> {
    if (!this.listening) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'UDP transport is not listening'));
    return Promise.resolve(this.bound);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const sock = this.socket;
    const thread = this.thread;
    this.socket = undefined;
    this.thread = undefined;
    if (thread) return thread.close();
    if (!sock) return Promise.resolve();
    return new Promise((resolve) => sock.close(() => resolve()));
  }
}
