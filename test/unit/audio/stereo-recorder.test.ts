import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deinterleavePcm } from '../../../src/audio/pcm';
import { StereoRecorder } from '../../../src/audio/stereo-recorder';
import { readWav } from '../../../src/audio/wav-reader';
import { WavWriter } from '../../../src/audio/wav-writer';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-stereo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(rate = 8000) {
  const path = join(dir, `rec${n++}.wav`);
  return { path, writer: WavWriter.open(path, { sampleRate: rate, channels: 2 }) };
}

const fill = (len: number, v: number): Int16Array => new Int16Array(len).fill(v);

function channels(path: string): [Int16Array, Int16Array] {
  const w = readWav(readFileSync(path));
  expect(w.channels).toBe(2);
  const [l, r] = deinterleavePcm(w.samples, 2);
  return [l, r];
}

/** Runs of equal values: [value, start, length]. */
function runs(x: Int16Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < x.length; ) {
    let j = i;
    while (j < x.length && x[j] === x[i]) j++;
    out.push([x[i], i, j - i]);
    i = j;
  }
  return out;
}

describe('StereoRecorder', () => {
  test('chunks land at the sample offset of their capture time; gaps are silence', () => {
    const { path, writer } = open(8000);
    const rec = new StereoRecorder(writer);
    rec.addCaller(fill(160, 1000), 0);
    rec.addAgent(fill(160, 2000), 10); // 80 samples in
    rec.addCaller(fill(80, 3000), 100); // 800
    rec.addAgent(fill(40, -4000), 62.5); // 500
    expect(rec.durationMs).toBe(110);
    rec.close();
    const [l, r] = channels(path);
    expect(l.length).toBe(880);
    expect(runs(l)).toEqual([
      [1000, 0, 160],
      [0, 160, 640],
      [3000, 800, 80],
    ]);
    expect(runs(r)).toEqual([
      [0, 0, 80],
      [2000, 80, 160],
      [0, 240, 260],
      [-4000, 500, 40],
      [0, 540, 340],
    ]);
  });

  test('16 kHz timeline: offsets scale with the rate', () => {
    const { path, writer } = open(16000);
    const rec = new StereoRecorder(writer);
    rec.addAgent(fill(320, 7), 1000);
    rec.close();
    const [l, r] = channels(path);
    expect(runs(r)).toEqual([
      [0, 0, 16000],
      [7, 16000, 320],
    ]);
    expect(runs(l)).toEqual([[0, 0, 16320]]);
  });

  test('late chunks within maxLatenessMs still land; older ones are dropped and counted', () => {
    const { path, writer } = open(8000);
    const rec = new StereoRecorder(writer, { maxLatenessMs: 100 });
    rec.addCaller(fill(160, 1), 0);
    // Ring = 1.25 × 100 ms; overflowing it writes out everything up to 100 ms before the newest
    // end (1020 ms), i.e. frames before 920 ms (7360) are on disk.
    rec.addCaller(fill(160, 2), 1000);
    rec.addAgent(fill(160, 3), 960); // behind the newest audio but inside the window: lands
    rec.addAgent(fill(160, 4), 0); // 1 s late: gone
    rec.addAgent(fill(160, 5), 910); // straddles the edge: first 80 samples dropped, rest lands
    expect(rec.stats()).toMatchObject({ chunks: 5, droppedLateSamples: 160 + 80 });
    rec.close();
    const [l, r] = channels(path);
    expect(runs(l)).toEqual([
      [1, 0, 160],
      [0, 160, 7840],
      [2, 8000, 160],
    ]);
    expect(runs(r)).toEqual([
      [0, 0, 7360],
      [5, 7360, 80],
      [0, 7440, 240],
      [3, 7680, 160],
      [0, 7840, 320],
    ]);
  });

  test('overlap on one channel: the later chunk wins; small jitter snaps to contiguous', () => {
    const { path, writer } = open(8000);
    const rec = new StereoRecorder(writer);
    rec.addCaller(fill(160, 1), 0);
    rec.addCaller(fill(160, 2), 10); // overlaps the second half of the first
    rec.addCaller(fill(160, 3), 30.5); // 0.5 ms after the previous end (30 ms): snapped
    rec.addCaller(fill(160, 4), 49.8); // 0.2 ms before the previous end (50 ms): snapped
    expect(rec.stats().overlappedSamples).toBe(80);
    rec.close();
    const [l] = channels(path);
    expect(runs(l)).toEqual([
      [1, 0, 80],
      [2, 80, 160],
      [3, 240, 160],
      [4, 400, 160],
    ]);
  });

  test('memory stays bounded and the file grows during a long call', () => {
    const { path, writer } = open(8000);
    const rec = new StereoRecorder(writer, { maxLatenessMs: 500 });
    const frame = new Int16Array(160);
    let maxBuffered = 0;
    for (let k = 0; k < 3000; k++) {
      // 60 s of 20 ms frames; the agent side arrives 120 ms late with jitter
      frame.fill(k & 0x7fff);
      rec.addCaller(frame, k * 20);
      if (k >= 6) rec.addAgent(frame, (k - 6) * 20 + (k % 3));
      maxBuffered = Math.max(maxBuffered, rec.bufferedFrames);
    }
    expect(maxBuffered).toBeLessThanOrEqual(5000); // 1.25 × 500 ms at 8 kHz
    expect(rec.stats().framesWritten).toBeGreaterThan(470_000);
    expect(rec.stats().droppedLateSamples).toBe(0);
    rec.close();
    const [l, r] = channels(path);
    expect(l.length).toBe(480_000);
    for (const k of [0, 1, 1234, 2999]) {
      expect(l[k * 160]).toBe(k);
      expect(l[k * 160 + 159]).toBe(k);
    }
    expect(r[(1234 - 6) * 160 + 50]).toBe(1234);
  });

  test('a chunk longer than the window and a silence longer than the ring', () => {
    const { path, writer } = open(8000);
    const rec = new StereoRecorder(writer, { maxLatenessMs: 100 });
    rec.addCaller(fill(24_000, 9), 0); // 3 s
    rec.addAgent(fill(8, 1), 20_000); // after 17 s of nothing
    expect(rec.stats().droppedLateSamples).toBe(0);
    rec.close();
    const [l, r] = channels(path);
    expect(runs(l)).toEqual([
      [9, 0, 24_000],
      [0, 24_000, 136_008],
    ]);
    expect(runs(r)).toEqual([
      [0, 0, 160_000],
      [1, 160_000, 8],
    ]);
  });

  test('bad arguments are typed errors', () => {
    const mono = WavWriter.open(join(dir, 'mono.wav'), { sampleRate: 8000, channels: 1 });
    expect(() => new StereoRecorder(mono)).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
    mono.close();
    const { writer } = open();
    expect(() => new StereoRecorder(writer, { maxLatenessMs: 0 })).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
    const rec = new StereoRecorder(writer);
    expect(() => rec.addCaller(new Int16Array(1), NaN)).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
    expect(() => rec.add('left' as never, new Int16Array(1), 0)).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
    expect(() => rec.addAgent([1] as never, 0)).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
    rec.addCaller(fill(10, 1), -1); // before call start: 8 samples dropped
    expect(rec.stats().droppedLateSamples).toBe(8);
    rec.close();
    rec.close();
    expect(writer.closed).toBe(true);
    expect(() => rec.addCaller(fill(1, 1), 0)).toThrow(expect.objectContaining({ code: 'AUDIO_BAD_ARGUMENT' }));
  });
});
