import { randomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';

/**
 * Random bytes are drawn from `crypto` a pool at a time and handed out once each, as Node's
 * `randomUUID` does: a call sets up a handful of tags, branches and IDs, and one `crypto` request
 * per value was a measurable share of a load run's CPU.
 */
const POOL_BYTES = 4096;
const MAX_TAKE = 256;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

/** Offset of `bytes` fresh pool bytes (refilled when fewer remain); `bytes` ≤ MAX_TAKE. */
function take(bytes: number): number {
  if (poolAt + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += bytes;
  return at;
}

/** `bytes` random bytes from `crypto`, hex encoded (tags, branches, Call-IDs, cnonces). */
export function randomHex(bytes: number): string {
  // large (or invalid, for crypto's own range check) requests bypass the pool
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_TAKE) return randomBytes(bytes).toString('hex');
  const at = take(bytes);
  return pool.toString('hex', at, at + bytes);
}

/** A uniformly random unsigned 32-bit integer from `crypto` (SSRCs, initial timestamps). */
export function randomUint32(): number {
  return pool.readUInt32BE(take(4));
}

/** A uniformly random integer in [min, max) from `crypto`. */
export function randomIntBetween(min: number, max: number): number {
  return randomInt(min, max);
}

/** RFC 4122 version 4 UUID from `crypto`. */
export function uuidV4(): string {
  return randomUUID();
}
