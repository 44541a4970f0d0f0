import { AudioArgumentError } from './errors';
import { WavWriter } from './wav-writer';

/** Which side of the call a chunk belongs to: caller (as sent) is left, agent (as received) is right. */
export type StereoChannel = 'caller' | 'agent';

/** Options of a {@link StereoRecorder}. */
export interface StereoRecorderOptions {
  /**
   * How far (ms) behind the newest audio placed so far a chunk may still land. Everything older
   * has been written to disk; the part of a chunk that falls before it is dropped and counted.
   * This is also the memory bound: the recorder buffers about 1.25 × this. Default 2000.
   */
  maxLatenessMs?: number;
  /**
   * A chunk whose start is within this many ms of where the same channel's previous chunk ended
   * continues it seamlessly, so rounding of capture times never leaves one-sample clicks or gaps.
   * Default 1.
   */
  snapMs?: number;
  /** Close the writer in {@link StereoRecorder.close}. Default true. */
  closeWriter?: boolean;
}

/** Counters of a {@link StereoRecorder}. */
export interface StereoRecorderStats {
  /** Chunks accepted. */
  chunks: number;
  /** Samples that arrived later than `maxLatenessMs` (or before time 0) and were dropped. */
  droppedLateSamples: number;
  /** Samples placed over earlier audio of the same channel (the later chunk wins). */
  overlappedSamples: number;
  /** Frames handed to the writer so far. */
  framesWritten: number;
}

/**
 * Two-channel call recording on one timeline: each chunk is placed at its capture time (ms from
 * call start, on one clock for both sides) at the writer's sample rate; gaps are silence.
 * Overlaps on one channel: the later chunk overwrites (later audio wins), except that a start
 * within `snapMs` of the channel's previous end is snapped to it.
 *
 * Memory stays bounded: a ring of ~1.25 × `maxLatenessMs` is kept and everything older is
 * streamed to the {@link WavWriter} (which keeps the file a valid WAV at all times) in batches of
 * ~`maxLatenessMs / 4`. The price of accepting late chunks: if the process dies, the most recent
 * ~1.25 × `maxLatenessMs` (still in the ring) is not on disk; everything before it is, in a valid file.
 */
export class StereoRecorder {
  private readonly writer: WavWriter;
  private readonly rate: number;
  private readonly window: number;
  private readonly capacity: number;
  private readonly snapFrames: number;
  private readonly closeWriter: boolean;
  private readonly ring: Int16Array;
  /** Absolute frame index of the first frame not yet written (ring position flushed % capacity). */
  private flushed = 0;
  /** One past the last frame holding audio. */
  private end = 0;
  private readonly chanEnd = [0, 0];
  private readonly chanStarted = [false, false];
  private isClosed = false;
  private readonly counters = { chunks: 0, droppedLateSamples: 0, overlappedSamples: 0 };

  constructor(writer: WavWriter, options: StereoRecorderOptions = {}) {
    if (writer.channels !== 2) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'StereoRecorder needs a 2-channel WavWriter');
    const lateness = options.maxLatenessMs ?? 2000;
    const snap = options.snapMs ?? 1;
    if (!(Number.isFinite(lateness) && lateness >= 20 && lateness <= 60_000)) {
      throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'maxLatenessMs must be between 20 and 60000');
    }
    if (!(Number.isFinite(snap) && snap >= 0 && snap <= 100)) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'snapMs must be between 0 and 100');
    this.writer = writer;
    this.rate = writer.sampleRate;
    this.window = Math.ceil((lateness * this.rate) / 1000);
    this.capacity = this.window + Math.ceil(this.window / 4);
    this.snapFrames = Math.floor((snap * this.rate) / 1000);
    this.closeWriter = options.closeWriter ?? true;
    this.ring = new Int16Array(this.capacity * 2);
  }

  /** Sample rate of the timeline (the writer's). */
  get sampleRate(): number {
    return this.rate;
  }

  /** Length of the timeline so far in ms. */
  get durationMs(): number {
    return (this.end * 1000) / this.rate;
  }

  /** Frames held in memory (never more than the ring capacity). */
  get bufferedFrames(): number {
    return Math.max(0, this.end - this.flushed);
  }

  /** Snapshot of the counters. */
  stats(): StereoRecorderStats {
    return { ...this.counters, framesWritten: this.writer.framesWritten };
  }

  /** Places caller audio (as sent) on the left channel at `atMs` from call start. */
  addCaller(pcm: Int16Array, atMs: number): void {
    this.add('caller', pcm, atMs);
  }

  /** Places agent audio (as received) on the right channel at `atMs` from call start. */
  addAgent(pcm: Int16Array, atMs: number): void {
    this.add('agent', pcm, atMs);
  }

  /** Places mono `pcm` (at the recorder's sample rate) on `channel` starting at `atMs`. */
  add(channel: StereoChannel, pcm: Int16Array, atMs: number): void {
    if (this.isClosed) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'add after close');
    if (channel !== 'caller' && channel !== 'agent') throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'channel must be caller or agent');
    if (!(pcm instanceof Int16Array)) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'pcm must be an Int16Array');
    if (!Number.isFinite(atMs)) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'atMs must be a finite number');
    const c = channel === 'caller' ? 0 : 1;
    let start = Math.round((atMs * this.rate) / 1000);
    if (this.chanStarted[c] && Math.abs(start - this.chanEnd[c]) <= this.snapFrames) start = this.chanEnd[c];
    this.counters.chunks++;
    if (pcm.length === 0) return;
    this.chanStarted[c] = true;
    // Pieces no longer than the window, so a long chunk never pushes out its own beginning.
    for (let off = 0; off < pcm.length; off += this.window) {
      this.place(c, pcm.subarray(off, Math.min(pcm.length, off + this.window)), start + off);
    }
  }

  /** Writes everything buffered and (by default) closes the writer. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.flushTo(this.end);
    if (this.closeWriter) this.writer.close();
  }

  private place(c: number, pcm: Int16Array, start: number): void {
    const newEnd = start + pcm.length;
    if (newEnd - this.flushed > this.capacity) this.flushTo(newEnd - this.window);
    const from = Math.max(start, this.flushed);
    if (from > start) this.counters.droppedLateSamples += Math.min(from - start, pcm.length);
    if (from >= newEnd) return;
    const overlapEnd = Math.min(this.chanEnd[c], newEnd);
    if (overlapEnd > from) this.counters.overlappedSamples += overlapEnd - from;
    const cap = this.capacity;
    const ring = this.ring;
    let pos = from % cap;
    for (let p = from; p < newEnd; p++) {
      ring[pos * 2 + c] = pcm[p - start];
      if (++pos === cap) pos = 0;
    }
    if (newEnd > this.chanEnd[c]) this.chanEnd[c] = newEnd;
    if (newEnd > this.end) this.end = newEnd;
  }

  /** Writes frames [flushed, target) — audio or silence — and clears their ring slots. */
  private flushTo(target: number): void {
    const cap = this.capacity;
    while (this.flushed < target) {
      const pos = this.flushed % cap;
      const n = Math.min(target - this.flushed, cap - pos);
      const run = this.ring.subarray(pos * 2, (pos + n) * 2);
      this.writer.write(run);
      run.fill(0);
      this.flushed += n;
    }
  }
}
