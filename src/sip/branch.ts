/** Via branch parameters (RFC 3261 §8.1.1.7): the magic cookie plus crypto randomness. */
import { randomHex } from '../random';

/** The RFC 3261 magic cookie every compliant branch starts with. */
export const SIP_BRANCH_COOKIE = 'z9hG4bK';

/** A new, globally unique branch: `z9hG4bK` + 96 random bits from `crypto` (hex). */
export function generateSipBranch(): string {
  return SIP_BRANCH_COOKIE + randomHex(12);
}

/** True when `branch` carries the RFC 3261 magic cookie (so it alone identifies a transaction). */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.length > SIP_BRANCH_COOKIE.length && branch.startsWith(SIP_BRANCH_COOKIE);
}
