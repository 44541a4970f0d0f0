/** Digest server side for the TestAgent and vendors' tests: challenges and verification. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { algorithmInfo, DigestAlgorithm, hexLength, normalizeDigestAlgorithm } from './algorithm';
import { assertHeaderSafe } from './auth-params';
import { formatChallenge } from './challenge';
import { DigestCredentials, parseAuthorization } from './credentials';
import { DigestInvalidInputError, DigestParseError } from './errors';
import { issuedNoLaterThan, issueNonce, nonceStamp, type NonceStamp } from './nonce';
import { computeDigestHa1, computeDigestResponse, computeDigestUserhash, DigestBody, DigestQop } from './response';
import { Clock, systemClock } from '../clock';
import { randomHex } from '../random';

/** The hash families a precomputed HA1 can be given for (-sess variants use the same HA1). */
export type DigestHashName = 'MD5' | 'SHA-256' | 'SHA-512-256';

/**
 * A user's secret: the password, or HA1 = H(username ":" realm ":" password) per hash family.
 */
export type DigestUserSecret = string | { readonly ha1: Partial<Readonly<Record<DigestHashName, string>>> };

/** Users by name. A lookup function cannot serve `userhash` (names cannot be enumerated). */
export type DigestUsers =
  | ReadonlyMap<string, DigestUserSecret>
  | Readonly<Record<string, DigestUserSecret>>
  | ((username: string) => DigestUserSecret | undefined);

/** Options of {@link DigestServer}. */
export interface DigestServerOptions {
  realm: string;
  /** Kept in a private field: never enumerable, never in `util.inspect` or JSON. */
  users: DigestUsers;
  /** Algorithms offered, one challenge header each, in this order; default `['MD5']`. */
  algorithms?: readonly DigestAlgorithm[];
  /** qop options offered; default `['auth']`; `[]` = RFC 2069 form (no qop). */
  qop?: readonly DigestQop[];
  /** Challenge with 407 Proxy-Authenticate instead of 401 WWW-Authenticate. */
  proxy?: boolean;
  /** `opaque` to send and require back; default random per server; `false` for none. */
  opaque?: string | false;
  /** Advertise `userhash=true`. */
  userhash?: boolean;
  /** Send `charset=UTF-8`. */
  charsetUtf8?: boolean;
  /** Nonce lifetime; older nonces are answered with `stale=true`. Default 300 000 ms. */
  nonceTtlMs?: number;
  /** Time source for nonce stamps and expiry (FakeClock in tests); default the system clock. */
  clock?: Pick<Clock, 'now'>;
  /** HMAC key for nonces (share it between processes that must accept each other's nonces); default 32 random bytes. */
  secret?: Uint8Array;
  /**
   * Whether the credentials' `uri` names the Request-URI. Default: exact string equality, the rule
   * strict SBCs apply (RFC 3261 §22.4 asks for URI equality; pass a comparator for that).
   */
  uriMatches?: (credentialsUri: string, requestUri: string) => boolean;
  /** Nonces whose nc is tracked for replay detection; oldest evicted (and then treated as stale). Default 10 000. */
  maxTrackedNonces?: number;
}

/** What to send: status line and one header value per offered algorithm. */
export interface DigestServerChallenge {
  readonly status: 401 | 407;
  readonly reason: 'Unauthorized' | 'Proxy Authentication Required';
  readonly header: 'WWW-Authenticate' | 'Proxy-Authenticate';
  readonly values: readonly string[];
  readonly nonce: string;
}

/** Why {@link DigestServer.verify} refused. */
export type DigestVerifyFailureReason =
  | 'no-credentials'
  | 'malformed'
  | 'algorithm-not-offered'
  | 'qop-not-offered'
  | 'opaque-mismatch'
  | 'invalid-nonce'
  | 'uri-mismatch'
  | 'unknown-user'
  | 'wrong-credentials'
  | 'stale'
  | 'nc-replay';

/** Accepted credentials. */
export interface DigestVerifySuccess {
  readonly ok: true;
  readonly username: string;
  readonly realm: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop?: DigestQop;
  readonly nc?: number;
}

/** Refused credentials; answer with `challenge({ stale: result.stale })`. */
export interface DigestVerifyFailure {
  readonly ok: false;
  readonly reason: DigestVerifyFailureReason;
  /** Human-readable; never contains a password or HA1. */
  readonly detail: string;
  /** True only for `stale`: the next challenge should carry `stale=true`. */
  readonly stale: boolean;
  /** The user name when one could be determined. */
  readonly username?: string;
  readonly algorithm?: string;
}

/** Result of {@link DigestServer.verify}. */
export type DigestVerifyResult = DigestVerifySuccess | DigestVerifyFailure;

/** The request the credentials came with. */
export interface DigestServerRequest {
  method: string;
  /** Request-URI exactly as received. */
  uri: string;
  body?: DigestBody;
}

function fail(reason: DigestVerifyFailureReason, detail: string, extra: { username?: string; algorithm?: string } = {}): DigestVerifyFailure {
  return { ok: false, reason, detail, stale: reason === 'stale', ...extra };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function hashName(alg: DigestAlgorithm): DigestHashName {
  return alg.replace(/-sess$/, '') as DigestHashName;
}

/**
 * Issues Digest challenges and verifies credentials (RFC 7616, RFC 8760 algorithms). Nonces are
 * self-verifying (HMAC over a timestamp with a per-server secret) and expire into `stale`; nc
 * replays are detected per nonce; digests are compared in constant time.
 */
export class DigestServer {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  readonly qop: readonly DigestQop[];
  readonly proxy: boolean;
  /** Header the client answers in: `Authorization` (401) or `Proxy-Authorization` (407). */
  readonly credentialsHeader: 'Authorization' | 'Proxy-Authorization';
  readonly #users: ReadonlyMap<string, DigestUserSecret> | ((username: string) => DigestUserSecret | undefined);
  readonly #secret: Uint8Array;
  readonly #opaque: string | undefined;
  readonly #userhash: boolean;
  readonly #charsetUtf8: boolean;
  readonly #ttl: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #uriMatches: (a: string, b: string) => boolean;
  readonly #maxTracked: number;
  /** nonce → { its stamp, highest nc accepted }. */
  readonly #seen = new Map<string, { stamp: NonceStamp; nc: number }>();
  /** Nonces issued no later than this one and no longer tracked are treated as stale. */
  #staleBefore: NonceStamp = { issuedAt: -1, seq: 0 };

  constructor(options: DigestServerOptions) {
    assertHeaderSafe('realm', options.realm);
    const algorithms = [...(options.algorithms ?? ['MD5'])];
    if (algorithms.length === 0) throw new DigestInvalidInputError('algorithms', 'empty');
    for (const a of algorithms) if (normalizeDigestAlgorithm(a) !== a) throw new DigestInvalidInputError('algorithms', `unsupported ${String(a)}`);
    const qop = [...(options.qop ?? ['auth'])];
    for (const q of qop) if (q !== 'auth' && q !== 'auth-int') throw new DigestInvalidInputError('qop', 'only auth and auth-int exist');
    if (options.opaque !== undefined && options.opaque !== false) assertHeaderSafe('opaque', options.opaque);
    const ttl = options.nonceTtlMs ?? 300_000;
    if (!(ttl > 0)) throw new DigestInvalidInputError('nonceTtlMs', 'not positive');
    this.realm = options.realm;
    this.algorithms = Object.freeze(algorithms);
    this.qop = Object.freeze(qop);
    this.proxy = options.proxy ?? false;
    this.credentialsHeader = this.proxy ? 'Proxy-Authorization' : 'Authorization';
    const users = options.users;
    this.#users =
      typeof users === 'function' ? users : users instanceof Map ? new Map(users) : new Map(Object.entries(users as Record<string, DigestUserSecret>));
    this.#secret = options.secret ? Uint8Array.from(options.secret) : randomBytes(32);
    this.#opaque = options.opaque === false ? undefined : (options.opaque ?? randomHex(16));
    this.#userhash = options.userhash ?? false;
    this.#charsetUtf8 = options.charsetUtf8 ?? false;
    this.#ttl = ttl;
    this.#clock = options.clock ?? systemClock;
    this.#uriMatches = options.uriMatches ?? ((a, b) => a === b);
    this.#maxTracked = options.maxTrackedNonces ?? 10_000;
  }

  /** A fresh challenge: one header value per offered algorithm, all with one new nonce. */
  challenge(options: { stale?: boolean } = {}): DigestServerChallenge {
    const nonce = issueNonce(this.#secret, this.realm, this.#clock.now());
    const values = this.algorithms.map((algorithm) =>
      formatChallenge({
        realm: this.realm,
        nonce,
        algorithm,
        qop: this.qop,
        ...(this.#opaque !== undefined ? { opaque: this.#opaque } : {}),
        stale: options.stale === true,
        userhash: this.#userhash,
        charsetUtf8: this.#charsetUtf8,
      }),
    );
    return this.proxy
      ? { status: 407, reason: 'Proxy Authentication Required', header: 'Proxy-Authenticate', values, nonce }
      : { status: 401, reason: 'Unauthorized', header: 'WWW-Authenticate', values, nonce };
  }

  /**
   * Checks the `Authorization` (or, in proxy mode, `Proxy-Authorization`) values of a request.
   * Never throws for bad input: every problem is a {@link DigestVerifyFailure} with a reason.
   */
  verify(headerValue: string | readonly string[] | undefined, request: DigestServerRequest): DigestVerifyResult {
    if (headerValue === undefined || (typeof headerValue !== 'string' && headerValue.length === 0)) {
      return fail('no-credentials', 'no credentials');
    }
    let creds: DigestCredentials | undefined;
    try {
      creds = parseAuthorization(headerValue).find((c) => c.realm === this.realm);
    } catch (e) {
      if (e instanceof DigestParseError) return fail('malformed', e.message);
      throw e;
    }
    if (!creds) return fail('no-credentials', `no Digest credentials for realm ${JSON.stringify(this.realm)}`);
    const named = creds.userhash ? {} : { username: creds.username };

    const algorithm = normalizeDigestAlgorithm(creds.algorithm);
    if (!algorithm || !this.algorithms.includes(algorithm)) {
      return fail('algorithm-not-offered', `algorithm ${creds.algorithm} was not offered`, { ...named, algorithm: creds.algorithm });
    }
    const tag = { ...named, algorithm };
    const qop = creds.qop as DigestQop | undefined;
    if (qop === undefined ? this.qop.length > 0 : !this.qop.includes(qop)) {
      return fail('qop-not-offered', `qop ${qop ?? '(none)'} was not offered`, tag);
    }
    if (algorithmInfo(algorithm).sess && !creds.cnonce) return fail('malformed', `${algorithm} without cnonce`, tag);
    if (!/^[0-9a-f]+$/.test(creds.response) || creds.response.length !== hexLength(algorithm)) {
      return fail('malformed', 'response is not a digest of the right length', tag);
    }
    if (this.#opaque !== undefined && (creds.opaque === undefined || !safeEqual(creds.opaque, this.#opaque))) {
      return fail('opaque-mismatch', 'opaque not echoed', tag);
    }
    const stamp = nonceStamp(this.#secret, this.realm, creds.nonce);
    const now = this.#clock.now();
    if (stamp === undefined || stamp.issuedAt > now + 1) return fail('invalid-nonce', 'nonce was not issued by this server', tag);
    if (!this.#uriMatches(creds.uri, request.uri)) return fail('uri-mismatch', 'uri does not match the Request-URI', tag);

    const user = this.#findUser(creds, algorithm);
    if (!user) return fail('unknown-user', 'unknown user', tag);
    const who = { username: user.name, algorithm };
    const ha1 = typeof user.secret === 'string' ? computeDigestHa1(algorithm, user.name, this.realm, user.secret) : user.secret.ha1[hashName(algorithm)];
    if (ha1 === undefined) return fail('algorithm-not-offered', `no HA1 for ${hashName(algorithm)} for this user`, who);

    let expected: string;
    try {
      expected = computeDigestResponse({
        algorithm,
        username: user.name,
        realm: this.realm,
        ha1,
        method: request.method,
        uri: creds.uri,
        nonce: creds.nonce,
        qop,
        nc: creds.nc,
        cnonce: creds.cnonce,
        body: request.body,
      }).response;
    } catch {
      return fail('malformed', 'request body or method unusable', who);
    }
    if (!safeEqual(expected, creds.response)) return fail('wrong-credentials', 'digest does not match', who);

    // Only now, with a correct digest, is the nonce's age or count worth reporting (RFC 7616 §3.3 stale).
    const tracked = this.#seen.get(creds.nonce);
    if (now - stamp.issuedAt > this.#ttl || (!tracked && issuedNoLaterThan(stamp, this.#staleBefore))) return fail('stale', 'nonce expired', who);
    const nc = creds.nc !== undefined ? parseInt(creds.nc, 16) : undefined;
    if (nc !== undefined) {
      if (tracked && nc <= tracked.nc) return fail('nc-replay', `nc ${creds.nc} already used with this nonce`, who);
      this.#track(creds.nonce, stamp, nc, now);
    }
    return { ok: true, username: user.name, realm: this.realm, algorithm, ...(qop ? { qop } : {}), ...(nc !== undefined ? { nc } : {}) };
  }

  #findUser(creds: DigestCredentials, algorithm: DigestAlgorithm): { name: string; secret: DigestUserSecret } | undefined {
    const users = this.#users;
    if (!creds.userhash) {
      const secret = typeof users === 'function' ? users(creds.username) : users.get(creds.username);
      return secret === undefined ? undefined : { name: creds.username, secret };
    }
    if (typeof users === 'function') return undefined;
    for (const [name, secret] of users) {
      if (safeEqual(computeDigestUserhash(algorithm, name, this.realm), creds.username.toLowerCase())) return { name, secret };
    }
    return undefined;
  }

  #track(nonce: string, stamp: NonceStamp, nc: number, now: number): void {
    const seen = this.#seen;
    seen.delete(nonce);
    seen.set(nonce, { stamp, nc });
    // Entries are in last-use order: drop expired ones from the front, then enforce the cap.
    for (const [k, v] of seen) {
      const live = now - v.stamp.issuedAt <= this.#ttl;
      if (live && seen.size <= this.#maxTracked) break;
      seen.delete(k);
      if (live && !issuedNoLaterThan(v.stamp, this.#staleBefore)) this.#staleBefore = v.stamp;
    }
  }

  /** Shows configuration only. */
  [inspect.custom](): string {
    return `DigestServer { realm: ${JSON.stringify(this.realm)}, algorithms: [${this.algorithms.join(', ')}], qop: [${this.qop.join(', ')}], ${this.proxy ? '407' : '401'} }`;
  }

  /** JSON form without secrets. */
  toJSON(): { realm: string; algorithms: readonly string[]; qop: readonly string[]; proxy: boolean } {
    return { realm: this.realm, algorithms: this.algorithms, qop: this.qop, proxy: this.proxy };
  }
}
