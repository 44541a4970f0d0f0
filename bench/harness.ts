/**
 * Tiny side-by-side benchmark harness: every contender runs in the same process, in alternating
 * rounds, and the table prints ops/s and the ratio of sipprobe to each peer.
 */
export interface Contender {
  name: string;
  /** Does `n` operations; returns something derived from the work so it cannot be optimised away. */
  run: (n: number) => unknown;
}

export interface Row {
  name: string;
  opsPerSec: number;
}

let sink: unknown;

function timeBatch(c: Contender, n: number): number {
  const t0 = process.hrtime.bigint();
  sink = c.run(n);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Calibrates a batch size of ~50 ms per contender, then runs `rounds` alternating rounds; best round wins. */
export function compare(title: string, unit: string, contenders: Contender[], rounds = 5): Row[] {
  const sizes = contenders.map((c) => {
    let n = 1;
    for (;;) {
      const s = timeBatch(c, n);
      if (s > 0.05 || n > 1e9) return Math.max(1, Math.round((n * 0.05) / Math.max(s, 1e-9)));
      n *= 4;
    }
  });
  const best = contenders.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach((c, i) => {
      const s = timeBatch(c, sizes[i]);
      best[i] = Math.max(best[i], sizes[i] / s);
    });
  }
  const rows = contenders.map((c, i) => ({ name: c.name, opsPerSec: best[i] }));
  printTable(title, unit, rows);
  void sink;
  return rows;
}

/** Prints rows; the first row is sipprobe and every ratio is first / row. */
export function printTable(title: string, unit: string, rows: Row[]): void {
  const base = rows[0].opsPerSec;
  console.log(`\n## ${title}`);
  console.log(`${'contender'.padEnd(34)} ${(unit + '/s').padStart(16)} ${'sipprobe ×'.padStart(12)}`);
  for (const r of rows) {
    const ratio = r === rows[0] ? '1.00' : (base / r.opsPerSec).toFixed(2);
    console.log(`${r.name.padEnd(34)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(16)} ${ratio.padStart(12)}`);
  }
}
