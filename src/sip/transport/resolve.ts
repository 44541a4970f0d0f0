/** Next-hop resolution (RFC 3263, A/AAAA part): URI → protocol, address, port. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SipParseError } from '../parse-error';
import { isSipUri, parseUri, type SipUri } from '../uri';
import { SipTransportError } from './errors';
import { defaultSipPort, type SipDestination, type SipTransportProtocol } from './types';

/** Turns a hostname into IP addresses (A and AAAA). Injectable for tests. */
export interface SipHostResolver {
  lookup(hostname: string): Promise<string[]>;
}

/** The system resolver through `node:dns` (getaddrinfo: A/AAAA, /etc/hosts honoured). */
export const dnsSipHostResolver: SipHostResolver = {
  async lookup(hostname) {
    const all = await lookup(hostname, { all: true, verbatim: true });
    return all.map((a) => a.address);
  },
};

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
 * order: `maddr` over host, `;transport=` / `sips:` pin the protocol, the port defaults to
 * 5060/5061, hostnames resolve to every A/AAAA address. SRV/NAPTR are not consulted.
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
  let addresses: string[];
  try {
    addresses = await (options.resolver ?? dnsSipHostResolver).lookup(host);
  } catch (e) {
    throw new SipTransportError('SIP_TRANSPORT_DNS', `cannot resolve ${host}: ${(e as { code?: string }).code ?? 'error'}`, { cause: e });
  }
  if (addresses.length === 0) throw new SipTransportError('SIP_TRANSPORT_DNS', `no address for ${host}`);
  return addresses.map((address) => ({ protocol, address, port, serverName: host, pinned }));
}
