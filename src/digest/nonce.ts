/**
 * Self-verifying server nonces: issue time + issue number + random + HMAC-SHA-256 (per-server
 * secret) over those and the realm, base64url. The server needs no table to check a nonce it issued, and can tell its own
 * expired nonces (stale) from forged or foreign ones.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TS_BYTES = 8;
// Many nonces share a millisecond; the issue number orders them strictly (see DigestServer's eviction).
const SEQ_BYTES = 4;
const RAND_BYTES = 8;
const HEAD_BYTES = TS_BYTES + SEQ_BYTES + RAND_BYTES;
const MAC_BYTES = 16;
const TOTAL = HEAD_BYTES + MAC_BYTES;
const NONCE_RE = /^[A-Za-z0-9_-]{48}$/;
let nextSeq = 0;

/** @internal Where a nonce stands in issue order: by time, then by issue number. */
export interface NonceStamp {
  issuedAt: number;
  seq: number;
}

/** @internal True when `a` was issued before `b`, or is `b`. */
export function issuedNoLaterThan(a: NonceStamp, b: NonceStamp): boolean {
  return a.issuedAt < b.issuedAt || (a.issuedAt === b.issuedAt && a.seq <= b.seq);
}

function mac(secret: Uint8Array, realm: string, head: Buffer): Buffer {
  return createHmac('sha256', secret).update('sipprobe-digest-nonce\0').update(realm).update('\0').update(head).digest().subarray(0, MAC_BYTES);
}

/** @internal New nonce stamped with `nowMs` (floored, clamped at 0). */
export function issueNonce(secret: Uint8Array, realm: string, nowMs: number): string {
  const head = Buffer.alloc(HEAD_BYTES);
  head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(nowMs))), 0);
  head.writeUInt32BE(nextSeq, TS_BYTES);
  nextSeq = (nextSeq + 1) >>> 0;
  randomBytes(RAND_BYTES).copy(head, TS_BYTES + SEQ_BYTES);
  return Buffer.concat([head, mac(secret, realm, head)]).toString('base64url');
}

/** @internal Issue time and number of a nonce this secret/realm produced, or undefined if it is not one. */
export function nonceStamp(secret: Uint8Array, realm: string, nonce: string): NonceStamp | undefined {
  if (!NONCE_RE.test(nonce)) return undefined;
  const raw = Buffer.from(nonce, 'base64url');
  if (raw.length !== TOTAL) return undefined;
  const head = raw.subarray(0, HEAD_BYTES);
  if (!timingSafeEqual(mac(secret, realm, head), raw.subarray(HEAD_BYTES))) return undefined;
  const ts = head.readBigUInt64BE(0);
  return ts > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : { issuedAt: Number(ts), seq: head.readUInt32BE(TS_BYTES) };
}
