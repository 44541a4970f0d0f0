/**
 * Free ports on 127.0.0.1 for peers, and "is it bound yet" checks from /proc/net (no bind
 * attempt that could steal the port from the peer while it starts).
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { randomIntBetween } from '../../../src/random';

const handedOut = new Set<number>();

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Options of {@link findFreePorts}. */
export interface FreePortOptions {
  /** Consecutive ports needed (e.g. 4 for RTP+RTCP of echo on +2). Default 1. */
  span?: number;
  /** First port even (RTP). */
  even?: boolean;
  /** Also require TCP free (baresip binds TCP PORT and PORT+1). */
  tcp?: boolean;
}

/**
 * A port P on 127.0.0.1 with P..P+span-1 free on UDP (and TCP when asked), never handed out
 * before by this process. Random in 20000-59999 so parallel runs rarely collide.
 */
export async function findFreePorts(opts: FreePortOptions = {}): Promise<number> {
  const span = opts.span ?? 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    let p = randomIntBetween(20000, 60000 - span);
    if (opts.even && p % 2) p--;
    let ok = true;
    for (let i = 0; i < span && ok; i++) {
      const q = p + i;
      ok = !handedOut.has(q) && (await udpFree(q)) && (!opts.tcp || (await tcpFree(q)));
    }
    if (!ok) continue;
    for (let i = 0; i < span; i++) handedOut.add(p + i);
    return p;
  }
  throw new Error('no free port block found on 127.0.0.1');
}

/** One free port on 127.0.0.1 (UDP, and TCP if asked). */
export function findFreePort(tcp = false): Promise<number> {
  return findFreePorts({ tcp });
}

function boundIn(file: string, port: number, listenOnly: boolean): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return false;
  }
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    // local_address is "ADDR:PORT" in hex; st 0A = LISTEN for TCP.
    if (f[1].endsWith(hex) && (!listenOnly || f[3] === '0A')) return true;
  }
  return false;
}

/** True when some socket is bound to UDP `port` (any address), per /proc/net/udp{,6}. */
export function isUdpBound(port: number): boolean {
  return boundIn('/proc/net/udp', port, false) || boundIn('/proc/net/udp6', port, false);
}

/** True when some socket listens on TCP `port`. */
export function isTcpListening(port: number): boolean {
  return boundIn('/proc/net/tcp', port, true) || boundIn('/proc/net/tcp6', port, true);
}
