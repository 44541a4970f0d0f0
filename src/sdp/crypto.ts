/**
 * RFC 4568 SDES `a=crypto` attributes for SRTP: parse and write `<tag> <suite> inline:<key||salt>[|lifetime][|MKI:len]`.
 * Carries only suite names and key bytes; the SRTP transform itself lives in the media layer.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { SipprobeError } from '../errors';
import type { SdpMedia } from './model';

/** The SDES crypto suites sipprobe can use (RFC 4568 §6.2). */
export type SdpSrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

/** Supported suites, preferred first. */
export const SDP_SRTP_SUITES: readonly SdpSrtpSuite[] = Object.freeze(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']);

/** Octets of master key || master salt for the AES_CM_128 suites. */
export const SDP_SRTP_KEY_LENGTH = 30;

/** True for a suite name in {@link SDP_SRTP_SUITES}. */
export function isSdpSrtpSuite(name: string): name is SdpSrtpSuite {
  return name === 'AES_CM_128_HMAC_SHA1_80' || name === 'AES_CM_128_HMAC_SHA1_32';
}

/** Codes of {@link SdpCryptoError}. */
export type SdpCryptoErrorCode =
  /** The line does not follow the RFC 4568 grammar (tag, suite, key-params, lifetime, MKI). */
  | 'SDP_CRYPTO_MALFORMED'
  /** A supported suite whose inline key is not strict base64 of exactly 30 octets. */
  | 'SDP_CRYPTO_BAD_KEY';

/** An `a=crypto` line of a supported suite that cannot be used. The message never contains key material. */
export class SdpCryptoError extends SipprobeError {
  declare readonly code: SdpCryptoErrorCode;

  constructor(code: SdpCryptoErrorCode, message: string) {
    super(code, message);
  }
}

/** An MKI as signalled in SDP (RFC 4568 §6.1): value and its length in octets (1–128). */
export interface SdpSrtpMki {
  value: number;
  length: number;
}

/** Input of {@link formatSdpSrtpCrypto} and {@link SdpSrtpCrypto}. */
export interface SdpSrtpCryptoInit {
  /** 1–9 digit tag. */
  tag: number;
  suite: SdpSrtpSuite;
  /** Master key || master salt, 30 octets. Secret. */
  key: Uint8Array;
  /** Master key lifetime in packets (a power of two is written as `2^n`). */
  lifetime?: number;
  mki?: SdpSrtpMki;
  /** Session parameters, kept as written (e.g. `WSH=64`). */
  sessionParams?: readonly string[];
}

/**
 * One parsed `a=crypto` line of a supported suite. The key is readable through {@link key} and
 * never appears in `JSON.stringify` or `util.inspect`.
 */
export class SdpSrtpCrypto {
  readonly tag: number;
  readonly suite: SdpSrtpSuite;
  readonly lifetime?: number;
  readonly mki?: Readonly<SdpSrtpMki>;
  readonly sessionParams: readonly string[];
  readonly #key: Buffer;

  constructor(init: SdpSrtpCryptoInit) {
    if (!Number.isInteger(init.tag) || init.tag < 0 || init.tag > 999999999) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'crypto tag must be 0–999999999');
    if (!isSdpSrtpSuite(init.suite)) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'unsupported crypto suite');
    if (init.key.length !== SDP_SRTP_KEY_LENGTH) throw new SdpCryptoError('SDP_CRYPTO_BAD_KEY', `key||salt must be ${SDP_SRTP_KEY_LENGTH} octets`);
    if (init.lifetime !== undefined && !(Number.isInteger(init.lifetime) && init.lifetime >= 1 && init.lifetime <= 2 ** 48)) {
      throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'lifetime must be 1–2^48 packets');
    }
    if (init.mki !== undefined) checkMki(init.mki.value, init.mki.length);
    for (const p of init.sessionParams ?? []) {
      if (!/^[\x21-\x7e]+$/.test(p)) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'session parameter must be visible ASCII');
    }
    this.tag = init.tag;
    this.suite = init.suite;
    if (init.lifetime !== undefined) this.lifetime = init.lifetime;
    if (init.mki !== undefined) this.mki = Object.freeze({ value: init.mki.value, length: init.mki.length });
    this.sessionParams = Object.freeze([...(init.sessionParams ?? [])]);
    this.#key = Buffer.from(init.key);
  }

  /** Master key || master salt (a copy). Secret. */
  get key(): Buffer {
    return Buffer.from(this.#key);
  }

  /**
   * True when plain RFC 3711 defaults apply: no MKI and no session parameter that changes the
   * transform (KDR, UNENCRYPTED_SRTP/SRTCP, UNAUTHENTICATED_SRTP). WSH and FEC_ORDER are harmless.
   */
  get usableWithDefaults(): boolean {
    return this.mki === undefined && this.sessionParams.every((p) => /^(WSH=\d{1,9}|FEC_ORDER=(FEC_SRTP|SRTP_FEC))$/.test(p));
  }

  toJSON(): object {
    return { tag: this.tag, suite: this.suite, key: '[redacted]', lifetime: this.lifetime, mki: this.mki, sessionParams: this.sessionParams };
  }

  [inspect.custom](): string {
    return `SdpSrtpCrypto { tag: ${this.tag}, suite: ${this.suite}, key: [redacted] }`;
  }
}

function checkMki(value: number, length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > 128) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'MKI length must be 1–128');
  if (!Number.isSafeInteger(value) || value < 0) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'MKI value out of range');
  if (length < 7 && value >= 2 ** (8 * length)) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'MKI value does not fit its length');
}

const DIGITS = /^\d{1,9}$/;
const BASE64_30 = /^[A-Za-z0-9+/]{40}$/;

function parseLifetime(s: string): number {
  const m = /^(2\^)?(\d{1,15})$/.exec(s);
  if (!m) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'bad key lifetime');
  const n = Number(m[2]);
  const v = m[1] !== undefined ? (n <= 48 ? 2 ** n : Infinity) : n;
  if (!(v >= 1 && v <= 2 ** 48)) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'key lifetime out of range (1–2^48)');
  return v;
}

function parseMki(s: string): SdpSrtpMki {
  const m = /^(\d{1,15}):(\d{1,3})$/.exec(s);
  if (!m) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'bad MKI');
  const mki = { value: Number(m[1]), length: Number(m[2]) };
  checkMki(mki.value, mki.length);
  return mki;
}

/**
 * Parses the value of an `a=crypto` attribute (the text after `crypto:`). Returns undefined for a
 * suite we do not implement (the line is to be ignored, RFC 4568 §7.1.2); throws
 * {@link SdpCryptoError} for a supported suite that is malformed: bad tag, more than one key,
 * a method other than `inline`, a key that is not strict base64 of 30 octets, bad lifetime/MKI.
 */
export function parseSdpSrtpCrypto(value: string): SdpSrtpCrypto | undefined {
  const t = value.split(/[ \t]+/);
  if (t.length > 0 && t[0] === '') t.shift();
  if (t.length > 0 && t[t.length - 1] === '') t.pop();
  if (t.length < 3) {
    if (t.length >= 2 && !isSdpSrtpSuite(t[1])) return undefined;
    throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'a=crypto needs <tag> <suite> <key-params>');
  }
  if (!isSdpSrtpSuite(t[1])) return undefined;
  if (!DIGITS.test(t[0])) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'crypto tag must be 1–9 digits');
  const keyParams = t[2];
  if (keyParams.includes(';')) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'more than one key per crypto line is not supported');
  if (!keyParams.startsWith('inline:')) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'key method must be inline');
  const parts = keyParams.slice(7).split('|');
  if (parts.length > 3) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'too many key-info fields');
  if (!BASE64_30.test(parts[0])) throw new SdpCryptoError('SDP_CRYPTO_BAD_KEY', `${t[1]} needs a base64 key of exactly ${SDP_SRTP_KEY_LENGTH} octets`);
  const key = Buffer.from(parts[0], 'base64');
  if (key.length !== SDP_SRTP_KEY_LENGTH) throw new SdpCryptoError('SDP_CRYPTO_BAD_KEY', `${t[1]} needs a base64 key of exactly ${SDP_SRTP_KEY_LENGTH} octets`);
  let lifetime: number | undefined;
  let mki: SdpSrtpMki | undefined;
  for (const p of parts.slice(1)) {
    if (p.includes(':')) {
      if (mki !== undefined) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'MKI given twice');
      mki = parseMki(p);
    } else {
      // RFC 4568 §9.2: lifetime comes before the MKI
      if (lifetime !== undefined || mki !== undefined) throw new SdpCryptoError('SDP_CRYPTO_MALFORMED', 'lifetime misplaced or given twice');
      lifetime = parseLifetime(p);
    }
  }
  const init: SdpSrtpCryptoInit = { tag: Number(t[0]), suite: t[1], key, sessionParams: t.slice(3) };
  if (lifetime !== undefined) init.lifetime = lifetime;
  if (mki !== undefined) init.mki = mki;
  const c = new SdpSrtpCrypto(init);
  key.fill(0);
  return c;
}

/** Writes the value of an `a=crypto` attribute (without `crypto:`). Validates like the parser. */
export function formatSdpSrtpCrypto(c: SdpSrtpCryptoInit | SdpSrtpCrypto): string {
  const v = c instanceof SdpSrtpCrypto ? c : new SdpSrtpCrypto(c);
  let s = `${v.tag} ${v.suite} inline:${v.key.toString('base64')}`;
  if (v.lifetime !== undefined) {
    const e = Math.log2(v.lifetime);
    s += Number.isInteger(e) ? `|2^${e}` : `|${v.lifetime}`;
  }
  if (v.mki !== undefined) s += `|${v.mki.value}:${v.mki.length}`;
  for (const p of v.sessionParams) s += ` ${p}`;
  return s;
}

/** A crypto line for `suite` with a fresh 30-octet key from `crypto` randomness. */
export function createSdpSrtpCrypto(tag: number, suite: SdpSrtpSuite): SdpSrtpCrypto {
  const key = randomBytes(SDP_SRTP_KEY_LENGTH);
  const c = new SdpSrtpCrypto({ tag, suite, key });
  key.fill(0);
  return c;
}

/**
 * The `a=crypto` lines of a media section with a supported suite, in order. Lines of other suites
 * are skipped; a malformed line of a supported suite throws {@link SdpCryptoError}.
 */
export function getSdpSrtpCryptos(media: SdpMedia): SdpSrtpCrypto[] {
  const out: SdpSrtpCrypto[] = [];
  for (const a of media.attributes) {
    if (a.name !== 'crypto') continue;
    const c = parseSdpSrtpCrypto(a.value ?? '');
    if (c !== undefined) out.push(c);
  }
  return out;
}

/** True for the SRTP profiles `RTP/SAVP` and `RTP/SAVPF` (RFC 3711 §12, RFC 5124). */
export function isSdpSecureRtpProfile(proto: string): boolean {
  const p = proto.toUpperCase();
  return p === 'RTP/SAVP' || p === 'RTP/SAVPF';
}

/**
 * The SRTP keys negotiated for a stream: ours (protects what we send) and the peer's (unprotects what
 * we receive). Keys never appear in `JSON.stringify` or `util.inspect`.
 */
export class SdpSrtpNegotiated {
  /** Tag of the accepted crypto line. */
  readonly tag: number;
  readonly suite: SdpSrtpSuite;
  readonly #local: Buffer;
  readonly #remote: Buffer;

  constructor(tag: number, suite: SdpSrtpSuite, localKey: Uint8Array, remoteKey: Uint8Array) {
    this.tag = tag;
    this.suite = suite;
    this.#local = Buffer.from(localKey);
    this.#remote = Buffer.from(remoteKey);
  }

  /** Our master key||salt (a copy): protect what we send with it. Secret. */
  get localKey(): Buffer {
    return Buffer.from(this.#local);
  }

  /** The peer's master key||salt (a copy): unprotect what we receive with it. Secret. */
  get remoteKey(): Buffer {
    return Buffer.from(this.#remote);
  }

  toJSON(): object {
    return { tag: this.tag, suite: this.suite, localKey: '[redacted]', remoteKey: '[redacted]' };
  }

  [inspect.custom](): string {
    return `SdpSrtpNegotiated { tag: ${this.tag}, suite: ${this.suite}, keys: [redacted] }`;
  }
}
