/** `Authorization` / `Proxy-Authorization` Digest credentials (RFC 7616 §3.4): parsing. */
import { decodeExtValue, scanAuthElements } from './auth-params';
import { DigestParseError } from './errors';

/** One parsed set of Digest credentials. */
export interface DigestCredentials {
  readonly scheme: 'Digest';
  /**
   * The user name: from `username`, or decoded from `username*` (RFC 8187). When `userhash` is true
   * this is the hash H(username ":" realm), not the name.
   */
  readonly username: string;
  /** True when the name came from `username*`. */
  readonly usernameExtended: boolean;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  /** Lower-cased hex response as sent. */
  readonly response: string;
  /** The algorithm token as sent; `MD5` when absent. */
  readonly algorithm: string;
  readonly algorithmGiven: boolean;
  /** `auth`, `auth-int`, or undefined for the RFC 2069 form. */
  readonly qop?: string;
  /** Nonce count as sent (8 hex digits) when qop is present. */
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
  readonly userhash: boolean;
  /** Every parameter, names lower-cased, unknown ones included. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses the Digest credentials in one or several `Authorization` / `Proxy-Authorization` values.
 * Other schemes are skipped.
 *
 * @throws DigestParseError for malformed syntax or missing/contradictory directives
 * (username and username* together, qop without nc/cnonce, nc not 8 hex digits, …).
 */
export function parseAuthorization(headerValue: string | readonly string[]): DigestCredentials[] {
  const out: DigestCredentials[] = [];
  for (const el of scanAuthElements(headerValue)) {
    if (el.scheme.toLowerCase() !== 'digest') continue;
    if (el.token68 !== undefined) throw new DigestParseError('Digest credentials with a token68 instead of parameters');
    const params: Record<string, string> = Object.create(null);
    for (const p of el.params) params[p.name] = p.value;
    const need = (name: string): string => {
      const v = params[name];
      if (v === undefined) throw new DigestParseError(`Digest credentials without ${name}`);
      return v;
    };
    let username: string;
    let usernameExtended = false;
    if (params['username*'] !== undefined) {
      if (params.username !== undefined) throw new DigestParseError('Digest credentials with both username and username*');
      username = decodeExtValue(params['username*']);
      usernameExtended = true;
    } else {
      username = need('username');
    }
    const userhash = (params.userhash ?? 'false').toLowerCase() === 'true';
    if (userhash && usernameExtended) throw new DigestParseError('username* cannot be combined with userhash=true');
    const qop = params.qop?.toLowerCase();
    let nc: string | undefined;
    let cnonce: string | undefined;
    if (qop !== undefined) {
      nc = need('nc');
      cnonce = need('cnonce');
      if (!/^[0-9a-fA-F]{8}$/.test(nc)) throw new DigestParseError('nc is not 8 hex digits');
    } else {
      cnonce = params.cnonce;
    }
    out.push({
      scheme: 'Digest',
      username,
      usernameExtended,
      realm: need('realm'),
      nonce: need('nonce'),
      uri: need('uri'),
      response: need('response').toLowerCase(),
      algorithm: params.algorithm ?? 'MD5',
      algorithmGiven: params.algorithm !== undefined,
      ...(qop !== undefined ? { qop, nc } : {}),
      ...(cnonce !== undefined ? { cnonce } : {}),
      ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
      userhash,
      params: Object.freeze(params),
    });
  }
  return out;
}
