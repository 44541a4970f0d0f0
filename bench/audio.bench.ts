/**
 * Audio throughput (sipprobe only; no peer package for these is installed): resampling between
 * 8, 16 and 48 kHz in 20 ms frames, and WAV decoding. Units are input samples per second.
 */
import { readWav } from '../src/audio/wav-reader';
import { encodeWav } from '../src/audio/wav-writer';
import { Resampler } from '../src/audio/resampler';
import { compare } from './harness';

function tone(rate: number, seconds: number): Int16Array {
  return Int16Array.from({ length: rate * seconds }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / rate)));
}

export default async function (): Promise<void> {
  for (const [from, to] of [
    [8000, 48000],
    [48000, 8000],
    [16000, 8000],
    [8000, 16000],
    [16000, 48000],
    [48000, 16000],
  ]) {
    const frame = tone(from, 1).subarray(0, from / 50);
    const r = new Resampler(from, to);
    compare(`Resampler ${from} → ${to} Hz, 20 ms frames`, 'samples', [
      {
        name: 'sipprobe Resampler',
        run: (n) => {
          let out = 0;
          for (let done = 0; done < n; done += frame.length) out += r.process(frame).length;
          return out;
        },
      },
    ]);
  }
  const wav = encodeWav(tone(48000, 10), { sampleRate: 48000, channels: 1 });
  compare('readWav, 16-bit 48 kHz mono', 'samples', [
    {
      name: 'sipprobe readWav',
      run: (n) => {
        let frames = 0;
        while (frames < n) frames += readWav(wav).frames;
        return frames;
      },
    },
  ]);
}
