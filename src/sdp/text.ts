/** Small allocation-light text helpers shared by the SDP parser and the typed attribute views. */
const CH_SPACE = 32;
const CH_TAB = 9;

/** Splits on runs of spaces/tabs; leading and trailing blanks produce no empty tokens. */
export function tokens(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c === CH_SPACE || c === CH_TAB) {
      i++;
      continue;
    }
    const start = i;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c === CH_SPACE || c === CH_TAB) break;
      i++;
    }
    out.push(s.slice(start, i));
  }
  return out;
}

/** Non-negative decimal integer or -1; no regex, no Number() surprises ("1e3", " 1", "0x1"). */
export function parseUint(s: string, max: number): number {
  const n = s.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > max ? -1 : v;
}

export function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== CH_SPACE && c !== CH_TAB) break;
    e--;
  }
  return e === s.length ? s : s.slice(0, e);
}

