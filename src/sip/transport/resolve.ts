/** Next-hop resolution (RFC 3263 SRV and A/AAAA; no NAPTR): URI → protocol, address, port. */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { randomUint32 } from '../../random';
import { SipParseError } from '../parse-error';
import { isSipUri, parseUri, type SipUri } from '../uri';
import { SipTransportError } from './errors';
import { defaultSipPort, type SipDestination, type SipTransportProtocol } from './types';

/** One DNS SRV record (RFC 2782). */
export interface SipSrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Turns a hostname into IP addresses (A and AAAA), and optionally looks up SRV records. Injectable for tests. */
export interface SipHostResolver {
  lookup(hostname: string): Promise<string[]>;
  /** SRV records of `name` (e.g. `_sip._udp.example.com`); absent: SRV is not consulted. Rejects or resolves [] when there are none. */
  srv?(name: string): Promise<SipSrvRecord[]>;
}

/** The system resolver through `node:dns`: getaddrinfo for A/AAAA (/etc/hosts honoured), the system's DNS servers for SRV. */
export const dnsSipHostResolver: SipHostResolver = {
  async lookup(hostname) {
    const all = await lookup(hostname, { all: true, verbatim: true });
    return all.map((a) => a.address);
  },
  srv: (name) => (systemSrvResolver ??= new Resolver()).resolveSrv(name),
};
let systemSrvResolver: Resolver | undefined;

/**
 * A resolver that asks the given DNS servers (`'127.0.0.1:5353'`, …) directly for SRV, A and
 * AAAA records, bypassing /etc/hosts and the system configuration.
 */
export function createDnsSipHostResolver(servers: string[]): SipHostResolver {
  const r = new Resolver();
  r.setServers(servers);
  return {
    async lookup(hostname) {
      const [v4, v6] = await Promise.allSettled([r.resolve4(hostname), r.resolve6(hostname)]);
      const out = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (out.length === 0) throw v4.status === 'rejected' ? v4.reason : new Error('no address');
      return out;
    },
    srv: (name) => r.resolveSrv(name),
  };
}

const SRV_SERVICE: Record<SipTransportProtocol, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };

/**
 * RFC 2782 order: ascending priority; within one priority a weighted random order (running sums
 * over the records, weight 0 first, against a random number in [0, total]). Randomness from `crypto`.
 */
export function orderSrvRecords(records: readonly SipSrvRecord[]): SipSrvRecord[] {
  const byPriority = new Map<number, SipSrvRecord[]>();
  for (const r of records) {
    const group = byPriority.get(r.priority);
    if (group) group.push(r);
    else byPriority.set(r.priority, [r]);
  }
  const out: SipSrvRecord[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const left = byPriority.get(priority)!.slice().sort((a, b) => a.weight - b.weight);
    while (left.length > 0) {
      const total = left.reduce((n, r) => n + r.weight, 0);
      const x = randomUint32() % (total + 1);
      let pick = left.length - 1;
      for (let i = 0, sum = 0; i < left.length; i++) {
        sum += left[i].weight;
        if (sum >= x) {
          pick = i;
          break;
        }
      }
      out.push(left.splice(pick, 1)[0]);
    }
  }
  return out;
}

/** Names never looked up in DNS (RFC 6761 §6.3). */
function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** Options of {@link resolveSipDestinations}. */
export interface SipResolveOptions {
  resolver?: SipHostResolver;
  /** Protocol when the URI does not say (default `udp`). */
  defaultProtocol?: SipTransportProtocol;
}

function protocolOf(u: SipUri, dflt: SipTransportProtocol): { protocol: SipTransportProtocol; pinned: boolean } {
  const t = u.params.get('transport');
  if (u.scheme === 'sips') {
    if (t !== undefined && t !== null && t.toLowerCase() !== 'tls' && t.toLowerCase() !== 'tcp') {
      throw new SipTransportError('SIP_TRANSPORT_ROUTE', 'sips: URI with a non-TLS transport');
    }
    return { protocol: 'tls', pinned: true };
  }
  if (t === undefined || t === null) return { protocol: dflt, pinned: false };
  const p = t.toLowerCase();
  if (p === 'udp' || p === 'tcp' || p === 'tls') return { protocol: p, pinned: true };
  throw new SipTransportError('SIP_TRANSPORT_UNAVAILABLE', `unsupported transport parameter`);
}

/**
 * Resolves a SIP URI (the Request-URI or the first Route) to destinations in preference
 * order: `maddr` over host, `;transport=` / `sips:` pin the protocol (else `defaultProtocol`), a
 * host name without a port is looked up as SRV (`_sip._udp.`, `_sip._tcp.`, `_sips._tcp.`; RFC
 * 3263 §4.2, records in RFC 2782 order, each target to its A/AAAA addresses), else — or without
 * SRV records — the port defaults to 5060/5061 and the name resolves to every A/AAAA address.
 * NAPTR is not consulted (the protocol is the URI's or the default, not the domain's choice).
 * The TLS server name stays the URI's host (RFC 5922).
 */
export async function resolveSipDestinations(target: string | SipUri, options: SipResolveOptions = {}): Promise<SipDestination[]> {
  let u: SipUri;
  if (typeof target === 'string') {
    let parsed;
    try {
      parsed = parseUri(target);
    } catch (e) {
      throw new SipTransportError('SIP_TRANSPORT_ROUTE', `unparsable target URI: ${(e as SipParseError).code}`, { cause: e });
    }
    if (!isSipUri(parsed)) throw new SipTransportError('SIP_TRANSPORT_ROUTE', 'target is not a sip: or sips: URI');
    u = parsed;
  } else u = target;
  const { protocol, pinned } = protocolOf(u, options.defaultProtocol ?? 'udp');
  const maddr = u.params.get('maddr');
  const hostText = typeof maddr === 'string' && maddr.length > 0 ? maddr : u.host;
  const host = hostText.startsWith('[') ? hostText.slice(1, -1) : hostText;
  const port = u.port ?? defaultSipPort(protocol);
  if (isIP(host) !== 0) return [{ protocol, address: host, port, pinned }];
  const resolver = options.resolver ?? dnsSipHostResolver;
  // RFC 3263 §4.2: a name without a port (and no maddr) is looked up as SRV first.
  if (u.port === undefined && maddr === undefined && resolver.srv && !isLocalhostName(host)) {
    const viaSrv = await srvDestinations(resolver, host, protocol, pinned);
    if (viaSrv) return viaSrv;
  }
  const addresses = await addressesOf(resolver, host);
  return addresses.map((address) => ({ protocol, address, port, serverName: host, pinned }));
}

async function addressesOf(resolver: SipHostResolver, host: string): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = await resolver.lookup(host);
  } catch (e) {
    throw new SipTransportError('SIP_TRANSPORT_DNS', `cannot resolve ${host}: ${(e as { code?: string }).code ?? 'error'}`, { cause: e });
  }
  if (addresses.length === 0) throw new SipTransportError('SIP_TRANSPORT_DNS', `no address for ${host}`);
  return addresses;
}

/** Destinations from the SRV records of `host`, in RFC 2782 order; undefined when it has none (then A/AAAA apply). */
async function srvDestinations(resolver: SipHostResolver, host: string, protocol: SipTransportProtocol, pinned: boolean): Promise<SipDestination[] | undefined> {
  let records: SipSrvRecord[];
  try {
    records = await resolver.srv!(SRV_SERVICE[protocol] + host);
  } catch {
    return undefined; // no SRV records (or no answer): fall back to A/AAAA with the default port
  }
  if (records.length === 0) return undefined;
  // RFC 2782: a single record with target "." says the service is decidedly not available there.
  if (records.length === 1 && (records[0].name === '.' || records[0].name === '')) {
    throw new SipTransportError('SIP_TRANSPORT_DNS', `${host} publishes no SIP service over ${protocol} (SRV target ".")`);
  }
  const out: SipDestination[] = [];
  let firstError: unknown;
  for (const r of orderSrvRecords(records)) {
    try {
      for (const address of await addressesOf(resolver, r.name)) out.push({ protocol, address, port: r.port, serverName: host, pinned });
    } catch (e) {
      firstError ??= e;
    }
  }
  if (out.length === 0) throw firstError;
  return out;
}
