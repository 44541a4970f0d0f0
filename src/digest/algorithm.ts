import { createHash } from 'node:crypto';

/** Digest algorithms sipprobe implements (RFC 7616 §6.1 registry names, canonical spelling). */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

/** Every supported algorithm, strongest first. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [
  'SHA-512-256',
  'SHA-512-256-sess',
  'SHA-256',
  'SHA-256-sess',
  'MD5',
  'MD5-sess',
];

interface AlgorithmInfo {
  readonly name: DigestAlgorithm;
  /** node:crypto hash name; SHA-512-256 is FIPS 180-4 SHA-512/256 (not truncated SHA-512, RFC 7616 erratum 4897). */
  readonly nodeHash: string;
  readonly sess: boolean;
  /** Higher is stronger; -sess variants rank with their hash. */
  readonly strength: number;
}

const INFO = new Map<string, AlgorithmInfo>();
for (const [name, nodeHash, strength] of [
  ['MD5', 'md5', 1],
  ['SHA-256', 'sha256', 2],
  ['SHA-512-256', 'sha512-256', 3],
] as const) {
  INFO.set(name.toLowerCase(), { name, nodeHash, sess: false, strength });
  const sessName = `${name}-sess` as DigestAlgorithm;
  INFO.set(sessName.toLowerCase(), { name: sessName, nodeHash, sess: true, strength });
}

/** Canonical name for an algorithm token compared case-insensitively, or undefined if unsupported. */
export function normalizeDigestAlgorithm(token: string): DigestAlgorithm | undefined {
  return INFO.get(token.toLowerCase())?.name;
}

/** @internal */
export function algorithmInfo(alg: DigestAlgorithm): AlgorithmInfo {
  const info = INFO.get(alg.toLowerCase());
  if (!info) throw new TypeError(`unknown digest algorithm ${alg}`);
  return info;
}

/** @internal Lower-case hex digest of UTF-8 strings / bytes joined by nothing (callers add ':' themselves). */
export function hashHex(alg: DigestAlgorithm, ...parts: (string | Uint8Array)[]): string {
  const h = createHash(algorithmInfo(alg).nodeHash);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** @internal Length in hex digits of a digest for `alg`. */
export function hexLength(alg: DigestAlgorithm): number {
  return algorithmInfo(alg).nodeHash === 'md5' ? 32 : 64;
}
