import { AudioArgumentError } from './errors';

function checkChannels(samples: Int16Array, channels: number): void {
  if (!Number.isInteger(channels) || channels < 1) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'channels must be a positive integer');
  if (samples.length % channels !== 0) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'sample count is not a multiple of the channel count');
}

/** Mixes interleaved PCM down to mono by averaging the channels (rounded). Mono input is returned as a copy. */
export function downmixToMono(samples: Int16Array, channels: number): Int16Array {
  checkChannels(samples, channels);
  if (channels === 1) return samples.slice();
  const frames = samples.length / channels;
  const out = new Int16Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i++];
    out[f] = Math.round(sum / channels);
  }
  return out;
}

/** Splits interleaved PCM into one array per channel. */
export function deinterleavePcm(samples: Int16Array, channels: number): Int16Array[] {
  checkChannels(samples, channels);
  const frames = samples.length / channels;
  const out: Int16Array[] = [];
  for (let c = 0; c < channels; c++) {
    const ch = new Int16Array(frames);
    for (let f = 0, i = c; f < frames; f++, i += channels) ch[f] = samples[i];
    out.push(ch);
  }
  return out;
}

/** Interleaves equal-length channel arrays into one array. */
export function interleavePcm(channels: Int16Array[]): Int16Array {
  if (channels.length === 0) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'no channels');
  const frames = channels[0].length;
  if (channels.some((c) => c.length !== frames)) throw new AudioArgumentError('AUDIO_BAD_ARGUMENT', 'channels differ in length');
  const n = channels.length;
  const out = new Int16Array(frames * n);
  for (let c = 0; c < n; c++) {
    const ch = channels[c];
    for (let f = 0, i = c; f < frames; f++, i += n) out[i] = ch[f];
  }
  return out;
}
