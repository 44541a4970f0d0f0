/**
 * Self-verifying server nonces: issue time + random + HMAC-SHA-256 (per-server secret) over both and
 * the realm, base64url. The server needs no table to check a nonce it issued, and can tell its own
 * expired nonces (stale) from forged or foreign ones.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TS_BYTES = 8;
const RAND_BYTES = 8;
const MAC_BYTES = 16;
const TOTAL = TS_BYTES + RAND_BYTES + MAC_BYTES;
const NONCE_RE = /^[A-Za-z0-9_-]{43}$/;

function mac(secret: Uint8Array, realm: string, head: Buffer): Buffer {
  return createHmac('sha256', secret).update('sipprobe-digest-nonce\0').update(realm).update('\0').update(head).digest().subarray(0, MAC_BYTES);
}

/** @internal New nonce stamped with `nowMs` (floored, clamped at 0). */
export function issueNonce(secret: Uint8Array, realm: string, nowMs: number): string {
  const head = Buffer.alloc(TS_BYTES + RAND_BYTES);
  head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(nowMs))), 0);
  randomBytes(RAND_BYTES).copy(head, TS_BYTES);
  return Buffer.concat([head, mac(secret, realm, head)]).toString('base64url');
}

/** @internal Issue time of a nonce this secret/realm produced, or undefined if it is not one. */
export function nonceIssuedAt(secret: Uint8Array, realm: string, nonce: string): number | undefined {
  if (!NONCE_RE.test(nonce)) return undefined;
  const raw = Buffer.from(nonce, 'base64url');
  if (raw.length !== TOTAL) return undefined;
  const head = raw.subarray(0, TS_BYTES + RAND_BYTES);
  if (!timingSafeEqual(mac(secret, realm, head), raw.subarray(TS_BYTES + RAND_BYTES))) return undefined;
  const ts = head.readBigUInt64BE(0);
  return ts > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(ts);
}
