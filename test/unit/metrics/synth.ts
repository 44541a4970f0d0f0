/** Synthetic test audio: voiced-like harmonic bursts and noise at known times. */
import { SeededRandom } from './calibration-signal';

/** Adds a harmonic complex (f0 with 8 harmonics, 1/k amplitudes) from startMs to endMs. */
export function addVoice(buf: Int16Array, rate: number, startMs: number, endMs: number, f0 = 140, amplitude = 6000): void {
  const a = Math.round((startMs * rate) / 1000);
  const b = Math.min(buf.length, Math.round((endMs * rate) / 1000));
  for (let i = a; i < b; i++) {
    const t = (i - a) / rate;
    let v = 0;
    for (let k = 1; k <= 8 && k * f0 < rate / 2; k++) v += Math.sin(2 * Math.PI * k * f0 * t) / k;
    const x = buf[i] + (amplitude * v) / 2;
    buf[i] = x > 32767 ? 32767 : x < -32768 ? -32768 : Math.round(x);
  }
}

/** Adds Gaussian white noise of the given RMS to the whole buffer (or a range). */
export function addNoise(buf: Int16Array, rms: number, seed: number, fromIdx = 0, toIdx = buf.length): void {
  const r = new SeededRandom(seed);
  for (let i = fromIdx; i < toIdx; i++) {
    const x = buf[i] + rms * r.gauss();
    buf[i] = x > 32767 ? 32767 : x < -32768 ? -32768 : Math.round(x);
  }
}
