/** Stateful Digest client: answers 401/407 challenges for a Caller, per realm, with nc per nonce. */
import { inspect } from 'node:util';
import { algorithmInfo, DIGEST_ALGORITHMS, DigestAlgorithm, normalizeDigestAlgorithm } from './algorithm';
import { DigestChallenge, parseChallenges } from './challenge';
import { DigestCredentials, parseAuthorization } from './credentials';
import { DigestAuthFailedError, DigestInvalidInputError, DigestParseError, DigestUnsupportedAlgorithmError, DigestUnsupportedQopError } from './errors';
import { buildAuthorization, chooseQop, DigestBody, DigestQop } from './response';

/** Name of a header carrying Digest credentials. */
export type DigestAuthHeaderName = 'Authorization' | 'Proxy-Authorization';

/** One header to add to the re-sent request. */
export interface DigestAuthHeader {
  readonly header: DigestAuthHeaderName;
  readonly value: string;
  readonly realm: string;
  readonly algorithm: DigestAlgorithm;
}

/** The challenge headers of a 401 (`www`: WWW-Authenticate) and/or 407 (`proxy`: Proxy-Authenticate). */
export interface DigestChallengeHeaders {
  www?: string | readonly string[];
  proxy?: string | readonly string[];
}

/** The request being (re-)sent, and the credentials the challenged request carried. */
export interface DigestClientRequest {
  method: string;
  /** Request-URI exactly as it will be sent. */
  uri: string;
  body?: DigestBody;
  /**
   * `Authorization` values the challenged request carried (absent/empty: it had none). This is how
   * the client tells "credentials were rejected" from "first challenge".
   */
  authorization?: readonly string[];
  /** `Proxy-Authorization` values the challenged request carried. */
  proxyAuthorization?: readonly string[];
}

/** Options of {@link DigestClient}. */
export interface DigestClientOptions {
  username: string;
  /** Kept in a private field: never enumerable, never in `util.inspect` or JSON. */
  password: string;
  /** Algorithms the client may use; default all six. */
  algorithms?: readonly DigestAlgorithm[];
  /** Preferred qop when several are offered; default `auth`. */
  qop?: DigestQop;
  /** Use `userhash` when offered; default true. */
  userhash?: boolean;
  /**
   * Credentialed attempts per realm in one request chain (the first answer plus `stale=true`
   * retries); default 3. Beyond it: DigestAuthFailedError with reason `retry-limit`.
   */
  maxAttempts?: number;
}

interface RealmState {
  challenge: DigestChallenge;
  algorithm: DigestAlgorithm;
  header: DigestAuthHeaderName;
}

/** Cap on remembered nonces and realms so a hostile peer cannot grow memory without bound. */
const MAX_TRACKED = 256;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as K);
}

function toList(v: string | readonly string[] | undefined): readonly string[] {
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : v;
}

/**
 * Answers Digest challenges for one set of credentials. Per realm it picks the strongest supported
 * algorithm (SHA-512-256 > SHA-256 > MD5), answers every realm that challenged, counts `nc` per
 * nonce, retries on `stale=true` without counting it as a failure, and raises
 * {@link DigestAuthFailedError} when credentials were sent and the server challenges again.
 *
 * Caller flow: on 401/407 call {@link DigestClient.respond} with the challenge headers and the
 * request (including the credentials it carried); put the returned headers on the re-sent request
 * in place of its old Authorization / Proxy-Authorization headers.
 *
 * @example
 * ```ts
 * const auth = new DigestClient({ username: 'alice', password });
 * // 407 to an INVITE that carried no credentials:
 * const headers = auth.respond({ proxy: res.headers('Proxy-Authenticate') }, { method: 'INVITE', uri, body });
 * // 401 to the re-sent INVITE: pass what it carried, so a rejection is recognised.
 * auth.respond({ www: res2.headers('WWW-Authenticate') }, { method: 'INVITE', uri, body,
 *   proxyAuthorization: headers.filter((h) => h.header === 'Proxy-Authorization').map((h) => h.value) });
 * ```
 */
export class DigestClient {
  readonly username: string;
  readonly #password: string;
  readonly #algorithms: ReadonlySet<DigestAlgorithm>;
  readonly #qop: DigestQop | undefined;
  readonly #userhash: boolean;
  readonly #maxAttempts: number;
  /** header|realm → last challenge answered. */
  readonly #realms = new Map<string, RealmState>();
  /** header|realm|nonce → last nc used. */
  readonly #nc = new Map<string, number>();
  /** header|realm|nonce → credentialed attempts in the chain that led to this nonce. */
  readonly #attempts = new Map<string, number>();

  constructor(options: DigestClientOptions) {
    if (typeof options.username !== 'string') throw new DigestInvalidInputError('username', 'not a string');
    if (typeof options.password !== 'string') throw new DigestInvalidInputError('password', 'not a string');
    const max = options.maxAttempts ?? 3;
    if (!Number.isInteger(max) || max < 1) throw new DigestInvalidInputError('maxAttempts', 'not a positive integer');
    this.username = options.username;
    this.#password = options.password;
    this.#algorithms = new Set(options.algorithms ?? DIGEST_ALGORITHMS);
    this.#qop = options.qop;
    this.#userhash = options.userhash ?? true;
    this.#maxAttempts = max;
  }

  /**
   * Computes the headers for the re-sent request after a 401/407: one per challenging realm, plus
   * fresh credentials (next nc) for realms the challenged request already carried and that were
   * not challenged again.
   *
   * @throws DigestAuthFailedError credentials for a realm were sent and it challenged again without
   *   `stale=true` (reason `rejected`), or the attempt cap was reached (reason `retry-limit`).
   * @throws DigestUnsupportedAlgorithmError / DigestUnsupportedQopError nothing answerable for a realm.
   * @throws DigestParseError a malformed challenge; DigestInvalidInputError unsafe request fields.
   */
  respond(challenges: DigestChallengeHeaders, request: DigestClientRequest): DigestAuthHeader[] {
    const sent = this.#sentCredentials(request);
    const groups = new Map<string, { header: DigestAuthHeaderName; realm: string; list: DigestChallenge[] }>();
    const add = (header: DigestAuthHeaderName, values: readonly string[]): void => {
      for (const ch of values.length ? parseChallenges(values) : []) {
        const key = `${header}|${ch.realm}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { header, realm: ch.realm, list: [] }));
        g.list.push(ch);
      }
    };
    add('Proxy-Authorization', toList(challenges.proxy));
    add('Authorization', toList(challenges.www));
    if (groups.size === 0) throw new DigestParseError('no Digest challenge in the response');

    const out: DigestAuthHeader[] = [];
    for (const [key, g] of groups) {
      const chosen = this.#choose(g.realm, g.list);
      const stale = g.list.some((c) => c.stale);
      const prev = sent.get(key);
      let attempts = 1;
      if (prev) {
        const prevAlg = normalizeDigestAlgorithm(prev.algorithm) ?? prev.algorithm;
        const prevAttempts = this.#attempts.get(`${key}|${prev.nonce}`) ?? 1;
        if (!stale) throw new DigestAuthFailedError(g.realm, prevAlg, g.header, 'rejected', prevAttempts);
        attempts = prevAttempts + 1;
        if (attempts > this.#maxAttempts) throw new DigestAuthFailedError(g.realm, prevAlg, g.header, 'retry-limit', prevAttempts);
      }
      const state: RealmState = { challenge: chosen.challenge, algorithm: chosen.algorithm, header: g.header };
      remember(this.#realms, key, state);
      remember(this.#attempts, `${key}|${chosen.challenge.nonce}`, attempts);
      out.push(this.#answer(key, state, request));
    }
    // Realms the request already satisfied must keep their credentials on the re-sent request.
    for (const [key] of sent) {
      if (groups.has(key)) continue;
      const state = this.#realms.get(key);
      if (state) out.push(this.#answer(key, state, request));
    }
    return out;
  }

  /**
   * Credentials for a new request (e.g. a BYE or re-INVITE through the same proxy) from every
   * challenge answered so far, with the next nc for each nonce. Empty if never challenged.
   */
  authorize(request: Pick<DigestClientRequest, 'method' | 'uri' | 'body'>): DigestAuthHeader[] {
    return [...this.#realms].map(([key, state]) => this.#answer(key, state, request));
  }

  /** Forgets every challenge, nonce and count (a new call). */
  reset(): void {
    this.#realms.clear();
    this.#nc.clear();
    this.#attempts.clear();
  }

  #choose(realm: string, list: DigestChallenge[]): { challenge: DigestChallenge; algorithm: DigestAlgorithm } {
    let best: { challenge: DigestChallenge; algorithm: DigestAlgorithm; strength: number } | undefined;
    let qopProblem: DigestChallenge | undefined;
    for (const ch of list) {
      const alg = normalizeDigestAlgorithm(ch.algorithm);
      if (!alg || !this.#algorithms.has(alg)) continue;
      try {
        chooseQop(ch, this.#qop);
      } catch (e) {
        if (e instanceof DigestUnsupportedQopError) {
          qopProblem = ch;
          continue;
        }
        throw e;
      }
      const strength = algorithmInfo(alg).strength;
      if (!best || strength > best.strength) best = { challenge: ch, algorithm: alg, strength };
    }
    if (best) return best;
    if (qopProblem) throw new DigestUnsupportedQopError(realm, qopProblem.qop);
    throw new DigestUnsupportedAlgorithmError(realm, list.map((c) => c.algorithm));
  }

  #answer(key: string, state: RealmState, request: Pick<DigestClientRequest, 'method' | 'uri' | 'body'>): DigestAuthHeader {
    const ncKey = `${key}|${state.challenge.nonce}`;
    const nc = (this.#nc.get(ncKey) ?? 0) + 1;
    const built = buildAuthorization(state.challenge, {
      username: this.username,
      password: this.#password,
      method: request.method,
      uri: request.uri,
      body: request.body,
      nc,
      qop: this.#qop,
      userhash: this.#userhash,
    });
    remember(this.#nc, ncKey, nc);
    return { header: state.header, value: built.value, realm: state.challenge.realm, algorithm: built.algorithm };
  }

  #sentCredentials(request: DigestClientRequest): Map<string, DigestCredentials> {
    const sent = new Map<string, DigestCredentials>();
    const add = (header: DigestAuthHeaderName, values: readonly string[] | undefined): void => {
      if (!values || values.length === 0) return;
      for (const c of parseAuthorization(values)) sent.set(`${header}|${c.realm}`, c);
    };
    add('Authorization', request.authorization);
    add('Proxy-Authorization', request.proxyAuthorization);
    return sent;
  }

  /** Shows the user name and answered realms only. */
  [inspect.custom](): string {
    const realms = [...this.#realms.values()].map((s) => `${s.header} ${JSON.stringify(s.challenge.realm)} ${s.algorithm}`);
    return `DigestClient { username: ${JSON.stringify(this.username)}, realms: [${realms.join(', ')}] }`;
  }

  /** JSON form without secrets. */
  toJSON(): { username: string; realms: string[] } {
    return { username: this.username, realms: [...this.#realms.values()].map((s) => s.challenge.realm) };
  }
}
