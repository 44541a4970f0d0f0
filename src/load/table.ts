import type { LoadDistribution } from './aggregate';
import { LOAD_OUTCOMES } from './aggregate';
import type { LoadSummary } from './summary';

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function fmt(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '-';
  if (unit === 'mos') return v.toFixed(2);
  if (unit === '%') return `${v < 10 ? v.toFixed(2) : v.toFixed(1)}%`;
  return v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(2)} s`;
}

function distRow(name: string, d: LoadDistribution | null, unit: string): string | null {
  if (!d) return null;
  const cells = [d.p50, d.p90, d.p95, d.p99, d.max].map((v) => lpad(fmt(v, unit), 10));
  return `  ${pad(name, 22)}${lpad(String(d.count), 8)}${cells.join('')}`;
}

// Strings that come from the network (status keys, error codes) are shown, so strip controls.
const safe = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** The human end-of-run table: calls, outcomes by count, statuses, percentiles, the tester's RTP pacing and event-loop delay. */
export function formatLoadSummary(s: LoadSummary): string {
  const out: string[] = [];
  const wall = (s.wallMs / 1000).toFixed(1);
  out.push(`load ${s.interrupted ? 'INTERRUPTED' : 'finished'}: ${safe(s.target)} — ${wall} s wall${s.workers > 1 ? `, ${s.workers} workers` : ''}`);
  out.push(
    `  calls       ${s.calls.started}/${s.calls.planned} started, ${s.calls.finished} finished, ${s.calls.ok} ${s.expect}, ${s.calls.failed} failed` +
      (s.calls.notStarted ? `, ${s.calls.notStarted} not started` : '') +
      `; peak ${s.calls.peakActive} at once`,
  );
  out.push(`  throughput  ${s.throughput.startedPerSec.toFixed(1)} calls/s started, ${s.throughput.okPerSec.toFixed(1)} calls/s ${s.expect}`);
  const outcomes = LOAD_OUTCOMES.filter((o) => s.outcomes[o] > 0).map((o) => `${o} ${s.outcomes[o]}`);
  out.push(`  outcomes    ${outcomes.length ? outcomes.join(', ') : '(none)'}`);
  const reasons = Object.entries(s.endReasons).map(([k, v]) => `${safe(k)} ${v}`);
  if (reasons.length) out.push(`  end reasons ${reasons.join(', ')}`);
  const statuses = Object.entries(s.statuses).map(([k, v]) => `${safe(k)} ${v}`);
  if (statuses.length) out.push(`  SIP final   ${statuses.join(', ')}`);
  const errors = Object.entries(s.errors).map(([k, v]) => `${safe(k)} ${v}`);
  if (errors.length) out.push(`  errors      ${errors.join(', ')}`);
  const rows = [
    distRow('setup (INVITE→200)', s.setupMs, 'ms'),
    distRow('ringing (INVITE→18x)', s.ringingMs, 'ms'),
    distRow('first word (ACK→)', s.firstWordMs, 'ms'),
    distRow('RTP loss', s.rtp.lossPercent, '%'),
    distRow('RTP jitter', s.rtp.jitterMs, 'ms'),
    distRow('MOS', s.rtp.mos, 'mos'),
  ].filter((r): r is string => r !== null);
  if (rows.length) {
    out.push(`  ${pad('', 22)}${lpad('n', 8)}${['p50', 'p90', 'p95', 'p99', 'max'].map((h) => lpad(h, 10)).join('')}`);
    out.push(...rows);
  }
  if (s.pacing) {
    const p = s.pacing;
    out.push(
      `  RTP pacing  ${p.frames} frames sent, ${p.skipped} skipped, ${p.late} late (> 2 ms); ` +
        `deviation p50 ${fmt(p.p50Ms, 'ms')}, p99 ${fmt(p.p99Ms, 'ms')}, max ${fmt(p.maxMs, 'ms')} (the tester's own send timing)`,
    );
  }
  if (s.eventLoop) {
    const e = s.eventLoop;
    out.push(
      `  event loop  delay p50 ${fmt(e.p50Ms, 'ms')}, p99 ${fmt(e.p99Ms, 'ms')}, max ${fmt(e.maxMs, 'ms')}` +
        `${e.loops > 1 ? ` (worst of ${e.loops} worker loops)` : ''} (the tester's own: high values mean sipprobe answered late)`,
    );
  }
  if (s.resultsFile) out.push(`  results     ${s.resultsWritten} lines in ${safe(s.resultsFile)}`);
  return out.join('\n') + '\n';
}
