import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** `bytes` random bytes from `crypto`, hex encoded (tags, branches, Call-IDs, cnonces). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A uniformly random unsigned 32-bit integer from `crypto` (SSRCs, initial timestamps). */
export function randomUint32(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** A uniformly random integer in [min, max) from `crypto`. */
export function randomIntBetween(min: number, max: number): number {
  return randomInt(min, max);
}

/** RFC 4122 version 4 UUID from `crypto`. */
export function uuidV4(): string {
  return randomUUID();
}
