/**
 * Which of our addresses a peer can reach us on. A socket bound to a wildcard address (0.0.0.0,
 * ::) has no address of its own to write into SDP `c=`/`o=`, Via or Contact — `c=IN IP4 0.0.0.0`
 * even means "hold" (RFC 3264 §8.4). The address the OS would send from toward the peer is the
 * one to advertise: a UDP socket `connect()`ed to the peer learns it from the routing table
 * without sending a packet.
 */
import * as dgram from 'node:dgram';
import { isIP } from 'node:net';

/** True for the any-address of either family (`0.0.0.0`, `::`, `0:0:0:0:0:0:0:0`, …). */
export function isWildcardAddress(address: string): boolean {
  if (address === '0.0.0.0') return true;
  return isIP(address) === 6 && /^[0:]+$/.test(address);
}

/** Port given to `connect()`: routing does not depend on it and nothing is sent. */
const PROBE_PORT = 9;

/**
 * The local address the OS would use to send to `remote` (an IPv4/IPv6 literal), or null when
 * there is no route, `remote` is not an IP literal, or the answer is unusable (a wildcard, a
 * link-local address with a zone). No packet is sent.
 */
export function localAddressToward(remote: string): Promise<string | null> {
  const family = isIP(remote);
  if (family === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (address: string | null): void => {
      if (done) return;
      done = true;
      try {
        sock.close();
      } catch {
        // already closed by a failed connect
      }
      resolve(address !== null && !address.includes('%') && isIP(address) !== 0 && !isWildcardAddress(address) ? address : null);
    };
    sock.once('error', () => finish(null));
    // node passes the failure to the callback (typed without it)
    const onConnect = (err?: Error | null): void => {
      if (err) return finish(null);
      let address: string | null = null;
      try {
        address = sock.address().address;
      } catch {
        address = null;
      }
      finish(address);
    };
    try {
      sock.connect(PROBE_PORT, remote, onConnect as () => void);
    } catch {
      finish(null);
    }
  });
}

/** Options of {@link LocalAddressBook}. */
export interface LocalAddressBookOptions {
  /** Destinations remembered (oldest forgotten first). Default 256. */
  max?: number;
  /** The lookup (tests); default {@link localAddressToward}. */
  probe?: (remote: string) => Promise<string | null>;
}

/**
 * {@link localAddressToward} per destination, remembered: asked once per peer IP (concurrent
 * asks share one probe), then answered synchronously by {@link get} — what the SIP layer needs
 * when it stamps a Via. Failed probes are not remembered (the next ask tries again).
 */
export class LocalAddressBook {
  private readonly known = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string | null>>();
  private readonly max: number;
  private readonly probe: (remote: string) => Promise<string | null>;
  /** The address found by the most recent successful probe or hit. */
  latest: string | undefined;

  constructor(options: LocalAddressBookOptions = {}) {
    this.max = Math.max(1, options.max ?? 256);
    this.probe = options.probe ?? localAddressToward;
  }

  /** Destinations remembered now. */
  get size(): number {
    return this.known.size;
  }

  /** Our address toward `remote` if it was found before. */
  get(remote: string): string | undefined {
    return this.known.get(remote);
  }

  /** Our address toward `remote` (an IP literal), probing once; null when there is none. */
  lookup(remote: string): Promise<string | null> {
    const hit = this.known.get(remote);
    if (hit !== undefined) {
      this.latest = hit;
      return Promise.resolve(hit);
    }
    const inFlight = this.pending.get(remote);
    if (inFlight) return inFlight;
    const p = this.probe(remote).then(
      (address) => {
        this.pending.delete(remote);
        if (address !== null) {
          if (this.known.size >= this.max) this.known.delete(this.known.keys().next().value as string);
          this.known.set(remote, address);
          this.latest = address;
        }
        return address;
      },
      () => {
        this.pending.delete(remote);
        return null;
      },
    );
    this.pending.set(remote, p);
    return p;
  }
}

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Checks an address to advertise (public address behind NAT): an IPv4 literal, an IPv6 literal
 * (brackets optional, no zone), or a host name (RFC 1123 labels, at most 253 characters).
 * Anything else — whitespace, CR/LF, `;`, `@`, ports, wildcards — is refused, since the value
 * goes into Via, Contact and SDP verbatim. Returns the address without IPv6 brackets, or null.
 */
export function normalizeAdvertisedAddress(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return null;
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const family = isIP(bare);
  // brackets belong to IPv6 literals only
  if (family === 4 && bare !== value) return null;
  if (family !== 0) return bare.includes('%') || isWildcardAddress(bare) ? null : bare;
  if (bare !== value) return null;
  const labels = value.split('.');
  // a name whose labels are all digits would be a malformed IPv4 literal
  if (labels.every((l) => /^\d+$/.test(l))) return null;
  return labels.every((l) => HOST_LABEL.test(l)) ? value : null;
}
