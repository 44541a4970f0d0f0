/**
 * Allocation of RTP/RTCP UDP port pairs from a configured range: RTP on an even port, RTCP on the
 * next (odd) one (RFC 3550 §11), or the even port alone with rtcp-mux. Ports are handed out
 * round-robin so that a port released by one call is not reused at once (late packets of the old
 * call would land in the new one), and a port some other process holds (EADDRINUSE) is skipped.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { isIP } from 'node:net';
import { SipprobeError } from '../errors';

/** Error codes of {@link RtpPortPoolError}. */
export type RtpPortPoolErrorCode = 'RTP_PORT_RANGE_INVALID' | 'RTP_PORTS_EXHAUSTED' | 'RTP_BIND_FAILED';

/** Bad range options, no free port pair left, or a bind failure other than EADDRINUSE. */
export class RtpPortPoolError extends SipprobeError {
  declare readonly code: RtpPortPoolErrorCode;

  constructor(code: RtpPortPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Options of an {@link RtpPortPool}. */
export interface RtpPortPoolOptions {
  /** Lowest port of the range (rounded up to even). Default 10000. */
  readonly min?: number;
  /** Highest port of the range, inclusive. Default 20000. */
  readonly max?: number;
}

/** Options of one {@link RtpPortPool.allocate} call. */
export interface RtpPortAllocateOptions {
  /** Local address to bind; default `127.0.0.1`. */
  readonly address?: string;
  /** Also bind port + 1 for RTCP (false with rtcp-mux). Default true. */
  readonly rtcp?: boolean;
}

/** A bound port pair. Release it exactly once when the media stream ends. */
export interface RtpPortAllocation {
  /** Local address the sockets are bound to. */
  readonly address: string;
  /** The even RTP port. */
  readonly port: number;
  /** RTP socket, bound and listening. */
  readonly rtpSocket: dgram.Socket;
  /** RTCP socket on `port + 1`, or null when allocated for rtcp-mux. */
  readonly rtcpSocket: dgram.Socket | null;
  /** Closes the sockets and returns the ports to the pool; idempotent. */
  release(): Promise<void>;
}

/**
 * A range of even RTP ports shared by every media stream of a process (or of one Caller).
 * Allocation binds real sockets, so a port taken elsewhere is found out and skipped.
 */
export class RtpPortPool {
  /** First even port of the range. */
  readonly min: number;
  /** Last even port that can be handed out (its RTCP port + 1 is still ≤ `max` of the options). */
  readonly maxEven: number;
  private readonly inUse = new Set<number>();
  private cursor: number;

  constructor(options: RtpPortPoolOptions = {}) {
    const min = options.min ?? 10000;
    const max = options.max ?? 20000;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535 || min > max) {
      throw new RtpPortPoolError('RTP_PORT_RANGE_INVALID', `RTP port range ${min}-${max} is not within 1024-65535`);
    }
    this.min = min + (min & 1);
    // The top even port must leave room for its RTCP port inside the range.
    this.maxEven = (max & 1) === 1 ? max - 1 : max - 2;
    if (this.maxEven < this.min) throw new RtpPortPoolError('RTP_PORT_RANGE_INVALID', `RTP port range ${min}-${max} holds no even/odd port pair`);
    this.cursor = this.min;
  }

  /** Number of even ports in the range. */
  get capacity(): number {
    return (this.maxEven - this.min) / 2 + 1;
  }

  /** Port pairs currently allocated from this pool. */
  get allocated(): number {
    return this.inUse.size;
  }

  /**
   * Binds the next free even port (and port + 1 for RTCP). Ports held by other processes
   * (EADDRINUSE, EACCES) are skipped.
   * @throws {@link RtpPortPoolError} `RTP_PORTS_EXHAUSTED` when every pair of the range was
   *   tried, `RTP_BIND_FAILED` for any other bind error (e.g. an address not on this host).
   */
  async allocate(options: RtpPortAllocateOptions = {}): Promise<RtpPortAllocation> {
    const address = options.address ?? '127.0.0.1';
    const withRtcp = options.rtcp ?? true;
    // an IPv6 literal is the only address form with a colon (net.isIPv6's regex cost at every call set-up)
    const type = address.includes(':') ? 'udp6' : 'udp4';
    for (let tried = 0; tried < this.capacity; tried++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.maxEven ? this.min : port + 2;
      if (this.inUse.has(port)) continue;
      // Reserve before awaiting, so that concurrent allocations never race for one port.
      this.inUse.add(port);
      let rtpSocket: dgram.Socket | null = null;
      try {
        rtpSocket = await bindSocket(type, address, port);
        const rtcpSocket = withRtcp ? await bindSocket(type, address, port + 1) : null;
        return this.allocation(address, port, rtpSocket, rtcpSocket);
      } catch (err) {
        this.inUse.delete(port);
        if (rtpSocket) await closeSocket(rtpSocket);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') continue;
        throw new RtpPortPoolError('RTP_BIND_FAILED', `cannot bind UDP ${address}:${port}: ${code ?? 'error'}`, { cause: err });
      }
    }
    throw new RtpPortPoolError('RTP_PORTS_EXHAUSTED', `no free RTP port pair in ${this.min}-${this.maxEven + 1} on ${address}`);
  }

  private allocation(address: string, port: number, rtpSocket: dgram.Socket, rtcpSocket: dgram.Socket | null): RtpPortAllocation {
    let released: Promise<void> | null = null;
    return {
      address,
      port,
      rtpSocket,
      rtcpSocket,
      release: () => {
        released ??= Promise.all([closeSocket(rtpSocket), rtcpSocket ? closeSocket(rtcpSocket) : undefined]).then(() => {
          this.inUse.delete(port);
        });
        return released;
      },
    };
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** The literal {@link ipLiteralLookup} checked last (RTP sockets send to few addresses). */
let lastLiteral = '';
let lastFamily = 0;

/**
 * @internal dgram's address lookup for RTP sockets. They only send to IP literals (a session
 * refuses any other remote), which the default lookup answers on the next tick: every packet of a
 * pacer pass would leave only after the whole pass, later than the pacer records. Answered at
 * once, each packet goes to the socket inside its own tick. Anything else still goes to
 * `dns.lookup`.
 */
export function ipLiteralLookup(hostname: string, family: dns.LookupOneOptions | number, callback: LookupCallback): void {
  if (hostname !== lastLiteral) {
    const f = isIP(hostname);
    if (f === 0) {
      dns.lookup(hostname, typeof family === 'number' ? { family } : family, callback);
      return;
    }
    lastLiteral = hostname;
    lastFamily = f;
  }
  callback(null, hostname, lastFamily);
}

function bindSocket(type: 'udp4' | 'udp6', address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type, reuseAddr: false, lookup: ipLiteralLookup });
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      // Already closed (ERR_SOCKET_DGRAM_NOT_RUNNING): nothing left to release.
      resolve();
    }
  });
}

let sharedPool: RtpPortPool | undefined;

/** The process-wide pool (ports 10000–20000), created on first use. */
export function sharedRtpPortPool(): RtpPortPool {
  sharedPool ??= new RtpPortPool();
  return sharedPool;
}
