/**
 * Answering-machine beep detection: a test call that lands on voicemail instead of the agent
 * hears a greeting and then one steady tone (typically 400–2000 Hz, 0.2–1.5 s) that starts the
 * recording. Voice-agent test platforms report such calls as "voicemail".
 *
 * Each frame (10–60 ms of the far end's audio) is reduced to a frequency, from its rising zero
 * crossings interpolated to a fraction of a sample, and a purity: the share of the frame's power
 * a Goertzel filter finds at that frequency (1 for a pure tone, well below for speech, dual
 * tones such as DTMF or ringback, noise, or music). A beep is a run of pure frames at one
 * frequency and level, long enough to be a tone and short enough not to be a fax or a held
 * tone, after enough other sound to have been a greeting, and neither right after nor right
 * before another tone (the three tones of a special information tone are no beep).
 */

/** Frame analysis of {@link analyzeTone}. */
export interface ToneAnalysis {
  /** RMS level relative to a full-scale square wave, dBFS (−Infinity for digital silence). */
  levelDbfs: number;
  /** Frequency from the zero crossings, Hz; NaN with fewer than three rising crossings. */
  frequencyHz: number;
  /** Share of the frame's power at `frequencyHz` (0…≈1); 0 when there is no frequency. */
  purity: number;
}

/** A beep heard on the far end's audio, on the caller's timeline (ms). */
export interface BeepDetection {
  startMs: number;
  endMs: number;
  /** Mean frequency over the tone, Hz (rounded to 1 Hz). */
  frequencyHz: number;
}

/** Options of {@link BeepDetector}. */
export interface BeepDetectorOptions {
  /** Shortest tone that counts as a beep. Default 150 ms. */
  minToneMs?: number;
  /** Longest: a steadier tone is something else (fax CED lasts 2.6–4 s). Default 2500 ms. */
  maxToneMs?: number;
  /** Frequency band of beeps. Default 350–2500 Hz. */
  minFrequencyHz?: number;
  maxFrequencyHz?: number;
  /** Least purity of a tone frame. Default 0.85. */
  minPurity?: number;
  /** Quietest tone or greeting frame. Default −40 dBFS. */
  minLevelDbfs?: number;
  /** Sound (not tone) heard before the tone: the greeting. Default 1000 ms. */
  minGreetingMs?: number;
  /** A tone frame's frequency may differ from the tone's first by this share. Default 0.03. */
  maxDrift?: number;
  /** Non-tone time a tone may skip over (a lost packet played as silence). Default 40 ms. */
  maxGapMs?: number;
  /** Level range over a tone's frames: a beep holds its level, a sung vowel or a beating dual tone does not. Default 6 dB. */
  maxLevelSpreadDb?: number;
}

const DEFAULTS: Required<BeepDetectorOptions> = {
  minToneMs: 150,
  maxToneMs: 2500,
  minFrequencyHz: 350,
  maxFrequencyHz: 2500,
  minPurity: 0.85,
  minLevelDbfs: -40,
  minGreetingMs: 1000,
  maxDrift: 0.03,
  maxGapMs: 40,
  maxLevelSpreadDb: 6,
};

const FULL_SCALE_SQUARED = 32768 * 32768;

/**
 * Level, frequency and purity of one frame of 16-bit PCM. Pure function. Below `minLevelDbfs`
 * the frame cannot be a tone, and its purity is left 0 (no Goertzel pass: most frames of a call
 * are quiet).
 */
export function analyzeTone(pcm: Int16Array, sampleRate: number, minLevelDbfs = -Infinity): ToneAnalysis {
  const n = pcm.length;
  if (n === 0) return { levelDbfs: -Infinity, frequencyHz: NaN, purity: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += pcm[i];
  const mean = sum / n;
  let energy = 0;
  let first = -1;
  let last = -1;
  let rising = 0;
  let prev = pcm[0] - mean;
  energy += prev * prev;
  for (let i = 1; i < n; i++) {
    const x = pcm[i] - mean;
    energy += x * x;
    if (prev < 0 && x >= 0) {
      // where the line from the previous sample crosses zero, as a fractional sample index
      const at = i - 1 + -prev / (x - prev);
      if (first < 0) first = at;
      last = at;
      rising++;
    }
    prev = x;
  }
  const meanSquare = energy / n;
  const levelDbfs = meanSquare > 0 ? 10 * Math.log10(meanSquare / FULL_SCALE_SQUARED) : -Infinity;
  if (rising < 3 || meanSquare === 0) return { levelDbfs, frequencyHz: NaN, purity: 0 };
  const frequencyHz = ((rising - 1) * sampleRate) / (last - first);
  if (levelDbfs < minLevelDbfs) return { levelDbfs, frequencyHz, purity: 0 };
  // Goertzel at that frequency: |X(f)|² of a sine of amplitude A over n samples is (A·n/2)²,
  // and its mean square A²/2, so 2|X|²/n² over the mean square is 1 for a pure tone.
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = pcm[i] - mean + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return { levelDbfs, frequencyHz, purity: (2 * power) / (n * n) / meanSquare };
}

interface ToneRun {
  startMs: number;
  /** End of the last tone frame. */
  endMs: number;
  firstHz: number;
  sumHz: number;
  frames: number;
  /** Non-tone time since the last tone frame. */
  gapMs: number;
  /** Greeting heard before the run started. */
  greetingMs: number;
  minDbfs: number;
  maxDbfs: number;
  /** Part of a sequence of tones (a special information tone, a melody): not a beep. */
  sequence: boolean;
}

/**
 * Streaming beep detector over the far end's audio. Feed it every frame in order with its
 * start time; it answers a {@link BeepDetection} when a tone that qualifies has ended.
 */
export class BeepDetector {
  private readonly o: Required<BeepDetectorOptions>;
  private run: ToneRun | null = null;
  private soundMs = 0;

  constructor(
    readonly sampleRate: number,
    options: BeepDetectorOptions = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** One frame starting at `tMs`; the beep it completed, if any. */
  push(pcm: Int16Array, tMs: number): BeepDetection | null {
    const o = this.o;
    const durMs = (pcm.length * 1000) / this.sampleRate;
    const a = analyzeTone(pcm, this.sampleRate, o.minLevelDbfs);
    const loud = a.levelDbfs >= o.minLevelDbfs;
    const tone = loud && a.purity >= o.minPurity && a.frequencyHz >= o.minFrequencyHz && a.frequencyHz <= o.maxFrequencyHz;
    const run = this.run;
    if (tone && run !== null && Math.abs(a.frequencyHz - run.firstHz) <= run.firstHz * o.maxDrift) {
      run.endMs = tMs + durMs;
      run.sumHz += a.frequencyHz;
      run.frames++;
      run.gapMs = 0;
      if (a.levelDbfs < run.minDbfs) run.minDbfs = a.levelDbfs;
      if (a.levelDbfs > run.maxDbfs) run.maxDbfs = a.levelDbfs;
      return null;
    }
    if (!tone && run !== null && run.gapMs + durMs <= o.maxGapMs) {
      run.gapMs += durMs;
      return null;
    }
    // a tone at another frequency right after this one: both are part of a sequence
    if (tone && run !== null) run.sequence = true;
    const done = this.close();
    if (tone) this.run = { startMs: tMs, endMs: tMs + durMs, firstHz: a.frequencyHz, sumHz: a.frequencyHz, frames: 1, gapMs: 0, greetingMs: this.soundMs, minDbfs: a.levelDbfs, maxDbfs: a.levelDbfs, sequence: run !== null };
    else if (loud) this.soundMs += durMs;
    return done;
  }

  /** The end of the audio: a tone still running ends here. */
  end(): BeepDetection | null {
    return this.close();
  }

  private close(): BeepDetection | null {
    const run = this.run;
    if (run === null) return null;
    this.run = null;
    const o = this.o;
    const toneMs = run.endMs - run.startMs;
    if (run.sequence || toneMs < o.minToneMs || toneMs > o.maxToneMs || run.maxDbfs - run.minDbfs > o.maxLevelSpreadDb || run.greetingMs < o.minGreetingMs) {
      // not a beep: a short one was likely a sung or held vowel, so it counts as sound
      if (toneMs < o.minToneMs) this.soundMs += toneMs;
      return null;
    }
    return { startMs: run.startMs, endMs: run.endMs, frequencyHz: Math.round(run.sumHz / run.frames) };
  }
}
