/**
 * Connection-oriented SIP (RFC 3261 §18.3): TCP and TLS share connection reuse per peer,
 * accepting inbound connections, Content-Length framing, idle close and CRLF keep-alives.
 */
import * as net from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../../clock';
import { SipStreamFramer } from '../framer';
import type { SipParseLimits } from '../parser';
import { SipTransportBase } from './base';
import { describeSocketError, SipTransportError } from './errors';
import { addressKey, type SipAddress, type SipTransportTarget } from './types';

/** Options shared by {@link SipTcpTransport} and {@link SipTlsTransport}. */
export interface SipStreamTransportOptions {
  /** Local address to bind and connect from (default `127.0.0.1`). */
  address?: string;
  /** Listening port; 0 (default) picks an ephemeral port. */
  port?: number;
  /** Accept inbound connections (default true). Outbound connections work either way. */
  accept?: boolean;
  /** Close a connection after this long without traffic (default 120 000 ms; 0 = never). */
  idleTimeoutMs?: number;
  /** Give up connecting after this long (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Time source for the idle/connect timers. */
  clock?: Clock;
  /** Parser limits per message. */
  limits?: SipParseLimits;
}

/** One open connection. @internal */
interface Conn {
  readonly key: string;
  readonly socket: net.Socket;
  readonly framer: SipStreamFramer;
  readonly local: SipAddress;
  readonly remote: SipAddress;
  idle: TimerHandle | undefined;
  /** LFs of keep-alive CRLFs seen since the last message (a ping is two CRLFs). */
  pendingLf: number;
  /** The framer's raw bytes of the messages of one chunk (reused from chunk to chunk). */
  readonly raws: Buffer[];
}

function unref(h: TimerHandle): TimerHandle {
  (h as { unref?: () => void }).unref?.();
  return h;
}

/** @internal Base of TCP and TLS: subclasses supply the server and the client socket. */
export abstract class SipStreamTransport extends SipTransportBase {
  readonly reliable = true;
  protected readonly opts: SipStreamTransportOptions;
  protected readonly clock: Clock;
  private server: net.Server | undefined;
  private readonly conns = new Map<string, Conn>();
  private readonly connecting = new Map<string, Promise<Conn>>();
  private readonly sockets = new Set<net.Socket>();

  constructor(options: SipStreamTransportOptions) {
    super();
    this.opts = options;
    this.clock = options.clock ?? systemClock;
    this.bound = { address: options.address ?? '127.0.0.1', port: options.port ?? 0 };
  }

  /** Creates the listening server; `onSocket` must be called for each ready inbound socket. */
  protected abstract createServer(onSocket: (s: net.Socket) => void): net.Server;
  /** Starts an outbound connection; `ready` fires once it can carry data. */
  protected abstract connectSocket(target: SipTransportTarget, localAddress: string): { socket: net.Socket; readyEvent: string };
  /** Maps a connection failure to a typed error. */
  protected abstract connectError(e: unknown, target: SipTransportTarget): SipTransportError;

  /** Number of open connections. */
  get connectionCount(): number {
    return this.conns.size;
  }

  listen(): Promise<void> {
    if (this.closed) return Promise.reject(new SipTransportError('SIP_TRANSPORT_CLOSED', 'transport is closed'));
    if (this.server || this.opts.accept === false) return Promise.resolve();
    const server = this.createServer((s) => {
      if (this.closed) s.destroy();
      else this.adopt(s);
    });
    this.server = server;
    const address = this.bound.address;
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        this.server = undefined;
        reject(new SipTransportError('SIP_TRANSPORT_BIND', `cannot listen on ${this.protocol.toUpperCase()} ${address}:${this.opts.port ?? 0}: ${describeSocketError(e)}`, { cause: e }));
      };
      server.once('error', onError);
      server.listen(this.opts.port ?? 0, address, () => {
        server.off('error', onError);
        server.on('error', () => undefined);
        const a = server.address() as net.AddressInfo;
        this.bound = { address: a.address, port: a.port };
        resolve();
      });
    });
  }

  hasFlow(remote: SipAddress): boolean {
    return this.conns.has(addressKey(remote));
  }

  flowLocal(remote: SipAddress): SipAddress | undefined {
    return this.conns.get(addressKey(remote))?.local;
  }

  async openFlow(target: SipTransportTarget): Promise<SipAddress> {
    if (this.closed) throw new SipTransportError('SIP_TRANSPORT_CLOSED', 'transport is closed');
    return (this.conns.get(addressKey(target)) ?? (await this.connect(target))).local;
  }

  async send(data: Buffer, target: SipTransportTarget): Promise<void> {
    if (this.closed) throw new SipTransportError('SIP_TRANSPORT_CLOSED', 'transport is closed');
    const conn = this.conns.get(addressKey(target)) ?? (await this.connect(target));
    await this.write(conn, data);
    this.stats.messagesOut++;
    this.stats.bytesOut += data.length;
  }

  /** Sends a CRLF CRLF keep-alive ping (RFC 5626 §4.4.1) on the connection to `target`. */
  async ping(target: SipTransportTarget): Promise<void> {
    const conn = this.conns.get(addressKey(target)) ?? (await this.connect(target));
    await this.write(conn, Buffer.from('\r\n\r\n'));
  }

  private write(conn: Conn, data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (conn.socket.destroyed || !conn.socket.writable) {
        reject(new SipTransportError('SIP_TRANSPORT_CLOSED', `connection to ${conn.key} is closed`));
        return;
      }
      this.touch(conn);
      conn.socket.write(data, (e) => {
        if (e) reject(new SipTransportError('SIP_TRANSPORT_SEND', `write to ${conn.key} failed: ${describeSocketError(e)}`, { cause: e }));
        else resolve();
      });
    });
  }

  private connect(target: SipTransportTarget): Promise<Conn> {
    const key = addressKey(target);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const p = new Promise<Conn>((resolve, reject) => {
      const { socket, readyEvent } = this.connectSocket(target, this.bound.address);
      this.sockets.add(socket);
      let timer: TimerHandle | undefined = unref(
        this.clock.setTimeout(() => {
          timer = undefined;
          fail(new SipTransportError('SIP_TRANSPORT_CONNECT', `connect to ${key} timed out`));
        }, this.opts.connectTimeoutMs ?? 10_000),
      );
      const cleanup = (): void => {
        if (timer) this.clock.clearTimeout(timer);
        timer = undefined;
        socket.off('error', onError);
        socket.off(readyEvent, onReady);
      };
      const fail = (err: SipTransportError): void => {
        cleanup();
        socket.destroy();
        this.sockets.delete(socket);
        reject(err);
      };
      const onError = (e: unknown): void => fail(this.connectError(e, target));
      const onReady = (): void => {
        cleanup();
        if (this.closed) {
          fail(new SipTransportError('SIP_TRANSPORT_CLOSED', 'transport is closed'));
          return;
        }
        resolve(this.adopt(socket, { address: target.address, port: target.port }));
      };
      socket.once('error', onError);
      socket.once(readyEvent, onReady);
    });
    this.connecting.set(key, p);
    const done = (): void => {
      this.connecting.delete(key);
    };
    p.then(done, done);
    return p;
  }

  /** Registers a ready socket (inbound or outbound) and wires framing. */
  private adopt(socket: net.Socket, remoteOverride?: SipAddress): Conn {
    this.sockets.add(socket);
    this.stats.connections++;
    const remote: SipAddress = remoteOverride ?? { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const local: SipAddress = { address: socket.localAddress ?? this.bound.address, port: this.bound.port || (socket.localPort ?? 0) };
    const conn: Conn = { key: addressKey(remote), socket, framer: new SipStreamFramer(this.opts.limits), local, remote, idle: undefined, pendingLf: 0, raws: [] };
    socket.setNoDelay(true);
    const existing = this.conns.get(conn.key);
    if (!existing) this.conns.set(conn.key, conn);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', () => undefined); // 'close' follows; sends in flight reject on their own
    socket.on('close', () => this.drop(conn));
    this.touch(conn);
    return conn;
  }

  private onData(conn: Conn, chunk: Buffer): void {
    this.touch(conn);
    const before = conn.framer.keepAlives;
    let messages;
    const raws = conn.raws;
    raws.length = 0;
    try {
      messages = conn.framer.push(chunk, raws);
    } catch (e) {
      // a stream cannot be resynchronised after a framing error: report and close (§18.3)
      this.malformed(e, chunk, conn.local, conn.remote);
      conn.socket.destroy();
      return;
    }
    const lfs = conn.framer.keepAlives - before;
    if (lfs > 0) this.onKeepAlive(conn, lfs, messages.length > 0);
    this.stats.bytesIn += chunk.length;
    // the views stay valid (the framer never rewrites a buffer it returned bytes from)
    for (let i = 0; i < messages.length; i++) this.deliver(messages[i], conn.local, conn.remote, raws[i]);
    raws.length = 0;
  }

  private onKeepAlive(conn: Conn, lfs: number, sawMessage: boolean): void {
    conn.pendingLf += lfs;
    // "\r\n\r\n" is a ping to answer with "\r\n"; a lone "\r\n" is the peer's pong
    while (conn.pendingLf >= 2) {
      conn.pendingLf -= 2;
      this.stats.keepAlivesIn++;
      if (!conn.socket.destroyed && conn.socket.writable) conn.socket.write('\r\n');
    }
    if (conn.pendingLf === 1 && !sawMessage) {
      conn.pendingLf = 0;
      this.emit('pong', conn.remote);
    }
    if (sawMessage) conn.pendingLf = 0;
  }

  private touch(conn: Conn): void {
    const ms = this.opts.idleTimeoutMs ?? 120_000;
    if (ms <= 0) return;
    if (conn.idle) this.clock.clearTimeout(conn.idle);
    conn.idle = unref(this.clock.setTimeout(() => {
      conn.idle = undefined;
      conn.socket.destroy();
      this.drop(conn);
    }, ms));
  }

  private drop(conn: Conn): void {
    if (conn.idle) this.clock.clearTimeout(conn.idle);
    conn.idle = undefined;
    if (this.conns.get(conn.key) === conn) this.conns.delete(conn.key);
    this.sockets.delete(conn.socket);
    conn.framer.reset();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.conns.values()]) {
      c.socket.destroy();
      this.drop(c);
    }
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
