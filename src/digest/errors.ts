import { SipprobeError } from '../errors';

/**
 * A challenge or credentials header value that does not follow the RFC 7235 / RFC 7616 grammar,
 * or lacks a required directive. `position` is the character offset where parsing stopped, if known.
 */
export class DigestParseError extends SipprobeError {
  /** Character offset in the header value where the problem was found, or -1. */
  readonly position: number;

  constructor(message: string, position = -1) {
    super('DIGEST_PARSE', message);
    this.position = position;
  }
}

/**
 * An input that would produce an unsafe or invalid header: a CR, LF or other control character in
 * a username, URI, method, realm, nonce, opaque or cnonce (header injection), or a malformed value
 * such as a negative nonce count. The message names the field, never its value.
 */
export class DigestInvalidInputError extends SipprobeError {
  /** Name of the offending field, e.g. `uri`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super('DIGEST_INVALID_INPUT', `Digest: invalid ${field}: ${problem}`);
    this.field = field;
  }
}

/** Every algorithm the server offered (for one realm) is one sipprobe does not implement or is not allowed to use. */
export class DigestUnsupportedAlgorithmError extends SipprobeError {
  /** The realm whose challenges could not be answered. */
  readonly realm: string;
  /** The algorithm names exactly as the server sent them. */
  readonly algorithms: readonly string[];

  constructor(realm: string, algorithms: readonly string[]) {
    super(
      'DIGEST_UNSUPPORTED_ALGORITHM',
      `Digest: no supported algorithm offered for realm ${JSON.stringify(realm)} (offered: ${algorithms.join(', ') || 'none'})`,
    );
    this.realm = realm;
    this.algorithms = algorithms;
  }
}

/** The server requires a quality of protection sipprobe does not implement (only `auth` and `auth-int` exist). */
export class DigestUnsupportedQopError extends SipprobeError {
  /** The realm whose challenge could not be answered. */
  readonly realm: string;
  /** The qop options exactly as the server sent them. */
  readonly qops: readonly string[];

  constructor(realm: string, qops: readonly string[]) {
    super('DIGEST_UNSUPPORTED_QOP', `Digest: no supported qop offered for realm ${JSON.stringify(realm)} (offered: ${qops.join(', ')})`);
    this.realm = realm;
    this.qops = qops;
  }
}

/** Why a {@link DigestAuthFailedError} was raised. */
export type DigestAuthFailureReason =
  /** Credentials were sent and the server challenged again without `stale=true`: wrong username or password. */
  | 'rejected'
  /** The server kept answering with `stale=true` (or otherwise re-challenging) beyond the retry cap. */
  | 'retry-limit';

/**
 * The server did not accept the credentials: challenged again (not stale) after they were sent, or
 * the retry cap was reached. Names the realm and algorithm; never contains the password.
 */
export class DigestAuthFailedError extends SipprobeError {
  readonly realm: string;
  /** Canonical algorithm name used in the rejected attempt, e.g. `SHA-256`. */
  readonly algorithm: string;
  /** Which header carried the rejected credentials. */
  readonly header: 'Authorization' | 'Proxy-Authorization';
  readonly reason: DigestAuthFailureReason;
  /** Number of credentialed attempts made for this realm in this request chain. */
  readonly attempts: number;

  constructor(
    realm: string,
    algorithm: string,
    header: 'Authorization' | 'Proxy-Authorization',
    reason: DigestAuthFailureReason,
    attempts: number,
  ) {
    const why = reason === 'rejected' ? 'credentials rejected' : `gave up after ${attempts} attempts`;
    super('DIGEST_AUTH_FAILED', `Digest authentication failed for realm ${JSON.stringify(realm)} (${algorithm}, ${header}): ${why}`);
    this.realm = realm;
    this.algorithm = algorithm;
    this.header = header;
    this.reason = reason;
    this.attempts = attempts;
  }
}
