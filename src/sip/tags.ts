/**
 * Identifiers a user agent mints (RFC 3261 §19.3): From/To tags and Call-IDs (Via branches come
 * from `branch.ts`, shared with the transaction layer).
 * All of them come from `crypto` so that they are globally unique and unguessable: a guessable
 * tag or Call-ID lets a third party inject a BYE into someone else's call.
 */
import { randomHex } from '../random';

/** A new From/To tag: 64 random bits (RFC 3261 §19.3 asks for at least 32), hex. */
export function newSipTag(): string {
  return randomHex(8);
}

/**
 * A new Call-ID: 128 random bits, hex. `host` (optional, e.g. the local address) is appended as
 * `@host` when it is a plain token; anything else is ignored so that it cannot inject.
 */
export function newSipCallId(host?: string): string {
  const id = randomHex(16);
  if (host === undefined || !/^[A-Za-z0-9.\-_:[\]]{1,255}$/.test(host)) return id;
  return `${id}@${host}`;
}
