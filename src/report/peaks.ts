/** Min/max envelope of one channel: `min[i]`, `max[i]` in −1000…1000 for bucket i. */
export interface ChannelPeaks {
  min: number[];
  max: number[];
}

/** Downsampled waveform of a recording, small enough to embed in a report. */
export interface WaveformPeaks {
  sampleRate: number;
  /** Duration of the recording in ms. */
  durationMs: number;
  /** Number of buckets per channel. */
  buckets: number;
  /** One entry per channel drawn (at most two: caller, agent). */
  channels: ChannelPeaks[];
}

/**
 * Min/max peaks per bucket of interleaved 16-bit audio, one pass, O(frames). At most `buckets`
 * buckets (fewer for very short audio); channels beyond the second are ignored.
 */
export function computePeaks(samples: Int16Array, channels: number, sampleRate: number, buckets = 2000): WaveformPeaks {
  const frames = Math.floor(samples.length / channels);
  const drawn = Math.min(2, channels);
  const n = Math.max(0, Math.min(Math.floor(buckets), frames));
  const out: ChannelPeaks[] = [];
  for (let c = 0; c < drawn; c++) {
    const min = new Array<number>(n).fill(0);
    const max = new Array<number>(n).fill(0);
    for (let b = 0; b < n; b++) {
      const from = Math.floor((b * frames) / n);
      const to = Math.floor(((b + 1) * frames) / n);
      let lo = 0;
      let hi = 0;
      for (let f = from; f < to; f++) {
        const v = samples[f * channels + c];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[b] = Math.round((lo / 32768) * 1000);
      max[b] = Math.round((hi / 32767) * 1000);
    }
    out.push({ min, max });
  }
  return { sampleRate, durationMs: (frames * 1000) / sampleRate, buckets: n, channels: out };
}
