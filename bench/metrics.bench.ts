/**
 * Voice activity detection per 20 ms frame, as a call feeds it (every received frame of every
 * call runs through it: the speech tracker behind first-word latency and turn metrics): sipprobe's
 * energy + periodicity VAD beside the WebRTC VAD (libfvad compiled to WASM, `@echogarden/fvad-wasm`,
 * mode 0). Two signals: the committed espeak-ng utterances G.711-coded at 20 dB SNR (the VAD
 * calibration material; unvoiced and noisy stretches make sipprobe search every pitch lag), and the
 * load benchmark's 300–3000 Hz sweep. Units are 20 ms frames per second.
 */
import { VoiceActivityDetector } from '../src/metrics/vad';
import { buildSignal, loadUtterances } from '../test/unit/metrics/calibration-signal';
import { compare } from './harness';

const RATE = 8000;
const FRAME = RATE / 50;

function sweep(seconds: number): Int16Array {
  const out = new Int16Array(seconds * RATE);
  let ph = 0;
  for (let i = 0; i < out.length; i++) {
    ph += (2 * Math.PI * (300 + (2700 * i) / out.length)) / RATE;
    out[i] = Math.round(0.3 * 32767 * Math.sin(ph));
  }
  return out;
}

export default async function (): Promise<void> {
  // an ES module only; tsx loads it for the bench
  const fvad = await (await import('@echogarden/fvad-wasm')).default();
  const signals: Array<[string, Int16Array]> = [
    ['G.711 speech at 20 dB SNR', buildSignal(loadUtterances(), 20, 1).coded],
    ['300–3000 Hz sweep', sweep(10)],
  ];
  for (const [label, pcm] of signals) {
    const frames = Math.floor(pcm.length / FRAME);
    let vad = new VoiceActivityDetector(RATE);
    let k = 0;
    const inst = fvad._fvad_new();
    if (fvad._fvad_set_sample_rate(inst, RATE) !== 0 || fvad._fvad_set_mode(inst, 0) !== 0) throw new Error('fvad refused 8 kHz / mode 0');
    const ptr = fvad._malloc(FRAME * 2);
    let j = 0;
    compare(`VAD, ${label}, 20 ms frames`, 'frames', [
      {
        name: 'sipprobe VoiceActivityDetector',
        run: (n) => {
          let voiced = 0;
          for (let i = 0; i < n; i++) {
            if (k === frames) {
              // a fresh detector each pass over the signal, as each call has its own
              vad = new VoiceActivityDetector(RATE);
              k = 0;
            }
            vad.push(pcm.subarray(k * FRAME, ++k * FRAME));
            voiced = vad.stats.voicedFrames;
          }
          return voiced;
        },
      },
      {
        name: 'WebRTC VAD (fvad-wasm)',
        run: (n) => {
          let voiced = 0;
          for (let i = 0; i < n; i++) {
            if (j === frames) j = 0;
            fvad.HEAP16.set(pcm.subarray(j * FRAME, ++j * FRAME), ptr >> 1);
            voiced += fvad._fvad_process(inst, ptr, FRAME);
          }
          return voiced;
        },
      },
    ]);
  }
}
