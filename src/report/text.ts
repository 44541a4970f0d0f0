// Terminal-safe text: network-supplied strings (reason phrases, header values) must not carry
// ANSI escape sequences or line breaks into a human summary on stderr.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Replaces control characters (C0, DEL, C1, line/paragraph separators) by a visible \uXXXX spelling. */
export function safeLine(value: string): string {
  return value.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `12.3 ms`, `1.23 s`, or `—` for null. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms * 10) / 10} ms`;
}

/** Fixed decimals, or `—` for null/non-finite. */
export function formatNum(n: number | null | undefined, decimals = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(decimals);
}
