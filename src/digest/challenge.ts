/** `WWW-Authenticate` / `Proxy-Authenticate` Digest challenges (RFC 7616 §3.3): parsing and formatting. */
import { DigestAlgorithm } from './algorithm';
import { assertHeaderSafe, isToken, quote, RawAuthElement, scanAuthElements } from './auth-params';
import { DigestInvalidInputError, DigestParseError } from './errors';

/** One parsed Digest challenge. Values are unescaped; nothing here is trusted for output without re-checking. */
export interface DigestChallenge {
  readonly scheme: 'Digest';
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  /** The algorithm token exactly as sent; `MD5` when the challenge had none (RFC 7616 §3.3). */
  readonly algorithm: string;
  /** Whether the challenge carried an `algorithm` parameter (a response echoes it only then). */
  readonly algorithmGiven: boolean;
  /** qop options, lower-cased, in the server's order; empty means the RFC 2069 form (no qop). */
  readonly qop: readonly string[];
  readonly stale: boolean;
  /** Server supports username hashing (`userhash=true`). */
  readonly userhash: boolean;
  readonly charset?: string;
  readonly domain?: string;
  /** Every parameter, names lower-cased, unknown ones included. */
  readonly params: Readonly<Record<string, string>>;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && v.toLowerCase() === 'true';
}

/** @internal Turns one scanned Digest element into a typed challenge. */
function toChallenge(el: RawAuthElement): DigestChallenge {
  if (el.token68 !== undefined) throw new DigestParseError('Digest challenge with a token68 instead of parameters');
  const params: Record<string, string> = Object.create(null);
  for (const p of el.params) params[p.name] = p.value;
  const realm = params.realm;
  const nonce = params.nonce;
  if (realm === undefined) throw new DigestParseError('Digest challenge without realm');
  if (nonce === undefined || nonce === '') throw new DigestParseError('Digest challenge without nonce');
  const qop = params.qop === undefined ? [] : params.qop.split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== '');
  return {
    scheme: 'Digest',
    realm,
    nonce,
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    algorithm: params.algorithm ?? 'MD5',
    algorithmGiven: params.algorithm !== undefined,
    qop,
    stale: isTrue(params.stale),
    userhash: isTrue(params.userhash),
    ...(params.charset !== undefined ? { charset: params.charset } : {}),
    ...(params.domain !== undefined ? { domain: params.domain } : {}),
    params: Object.freeze(params),
  };
}

/**
 * Parses the Digest challenges in one `WWW-Authenticate` / `Proxy-Authenticate` value, or in
 * several header lines. Several challenges per value are allowed; challenges of other schemes
 * (Basic, Bearer, …) are skipped. Parameters may come in any order, quoted or as tokens, with
 * case-insensitive names; unknown parameters are kept in `params`.
 *
 * @throws DigestParseError for malformed syntax or a Digest challenge missing realm or nonce.
 */
export function parseChallenges(headerValue: string | readonly string[]): DigestChallenge[] {
  return scanAuthElements(headerValue)
    .filter((el) => el.scheme.toLowerCase() === 'digest')
    .map(toChallenge);
}

/** What a server puts into one Digest challenge. */
export interface DigestChallengeFields {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  qop?: readonly ('auth' | 'auth-int')[];
  opaque?: string;
  stale?: boolean;
  userhash?: boolean;
  /** Sent as `charset=UTF-8` when true (RFC 7616 §4). */
  charsetUtf8?: boolean;
  domain?: string;
}

/**
 * Formats one challenge value (`Digest realm="…", nonce="…", …`) quoting exactly what RFC 7616 §3.3
 * quotes (realm, domain, nonce, opaque, qop) and leaving algorithm, stale, charset and userhash bare.
 *
 * @throws DigestInvalidInputError if any field contains a control character.
 */
export function formatChallenge(f: DigestChallengeFields): string {
  assertHeaderSafe('realm', f.realm);
  assertHeaderSafe('nonce', f.nonce);
  if (f.opaque !== undefined) assertHeaderSafe('opaque', f.opaque);
  if (f.domain !== undefined) assertHeaderSafe('domain', f.domain);
  if (!isToken(f.algorithm)) throw new DigestInvalidInputError('algorithm', 'not a token');
  const parts = [`realm=${quote(f.realm)}`];
  if (f.domain !== undefined) parts.push(`domain=${quote(f.domain)}`);
  parts.push(`nonce=${quote(f.nonce)}`);
  if (f.opaque !== undefined) parts.push(`opaque=${quote(f.opaque)}`);
  if (f.stale) parts.push('stale=true');
  parts.push(`algorithm=${f.algorithm}`);
  if (f.qop && f.qop.length > 0) parts.push(`qop=${quote(f.qop.join(', '))}`);
  if (f.charsetUtf8) parts.push('charset=UTF-8');
  if (f.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}
