/**
 * Millisecond edges for VAD segments. The metrics VAD decides on a 10 ms hop grid with 30 ms
 * frames, so each edge is off by up to a hop and a turn latency (two edges) by up to ~20 ms —
 * most of the ±30 ms the measurement-truth tests allow. Near each edge this looks at 1 ms blocks
 * against the line's own noise (the quietest blocks before the segment) + 12 dB, the same margin
 * the VAD's energetic hops use, and moves the edge to the first/last block above it. An edge with
 * no such block nearby (noisy line, odd material) keeps the VAD's value.
 */
import type { SpeechSegment } from '../metrics/types';

const MARGIN_DB = 12;
/** Threshold never below this (digital silence has no floor), dBFS. */
const MIN_THRESHOLD_DB = -65;
/** How far an edge may move: outwards / inwards, ms. */
const OUT_MS = 15;
const IN_MS = 25;
const NOISE_MS = 200;

function blockDb(pcm: Int16Array, from: number, n: number): number {
  let sum = 0;
  const end = Math.min(pcm.length, from + n);
  for (let i = Math.max(0, from); i < end; i++) sum += pcm[i] * pcm[i];
  const count = end - Math.max(0, from);
  return count <= 0 ? -Infinity : 10 * Math.log10(sum / count / (32768 * 32768) + 1e-20);
}

/** Refines `segments` (ms from the start of `pcm`) to 1 ms edges; order and count are kept. */
export function refineSpeechEdges(pcm: Int16Array, sampleRate: number, segments: readonly SpeechSegment[]): SpeechSegment[] {
  const blk = Math.max(1, Math.round(sampleRate / 1000));
  const msOf = (sample: number): number => (sample * 1000) / sampleRate;
  const at = (ms: number): number => Math.round((ms * sampleRate) / 1000);
  const out: SpeechSegment[] = [];
  let prevEnd = 0;
  for (const seg of segments) {
    // the line's noise: 20th percentile of the 1 ms blocks just before the segment
    const nFrom = Math.max(at(prevEnd), at(seg.startMs - NOISE_MS));
    const nTo = at(seg.startMs - OUT_MS);
    const levels: number[] = [];
    for (let i = nFrom; i + blk <= nTo; i += blk) levels.push(blockDb(pcm, i, blk));
    levels.sort((a, b) => a - b);
    const noise = levels.length > 0 ? levels[Math.floor(levels.length * 0.2)] : -Infinity;
    const threshold = Math.max(MIN_THRESHOLD_DB, noise + MARGIN_DB);

    let start = seg.startMs;
    for (let i = Math.max(at(prevEnd), at(seg.startMs - OUT_MS)); i < at(seg.startMs + IN_MS); i += blk) {
      if (blockDb(pcm, i, blk) > threshold) {
        start = msOf(i);
        break;
      }
    }
    let end = seg.endMs;
    for (let i = Math.min(pcm.length, at(seg.endMs + OUT_MS)) - blk; i >= at(seg.endMs - IN_MS); i -= blk) {
      if (blockDb(pcm, i, blk) > threshold) {
        end = msOf(i + blk);
        break;
      }
    }
    if (!(end > start)) {
      start = seg.startMs;
      end = seg.endMs;
    }
    start = Math.max(start, prevEnd);
    out.push({ startMs: start, endMs: Math.max(end, start) });
    prevEnd = Math.max(end, start);
  }
  return out;
}
