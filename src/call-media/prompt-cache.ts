/**
 * Decoded prompts shared by every leg that plays the same file at the same rate. A load run plays
 * one prompt on hundreds of calls at once; a private decoded copy per call (16 kB per second of
 * 8 kHz audio) would be most of a call's memory. Shared arrays are only ever read (the RTP
 * session copies each frame out of its queue). The file's size and mtime are part of the key, so
 * an edited file is decoded again; entries are weakly held, so a prompt no call plays any more
 * can be collected.
 */
import { stat } from 'node:fs/promises';
import { wavToMonoPcm } from '../audio/resampler';
import { readWavFile } from '../audio/wav-reader';

const decoded = new Map<string, WeakRef<Int16Array>>();
const decoding = new Map<string, Promise<Int16Array>>();

/** Mono PCM of the WAV at `path` at `sampleRate` (read-only: shared with other legs). */
export async function sharedPrompt(path: string, sampleRate: number): Promise<Int16Array> {
  const st = await stat(path);
  const key = `${sampleRate}|${st.size}|${st.mtimeMs}|${path}`;
  const hit = decoded.get(key)?.deref();
  if (hit) return hit;
  let p = decoding.get(key);
  if (!p) {
    p = readWavFile(path).then((wav) => wavToMonoPcm(wav, sampleRate));
    decoding.set(key, p);
    p.then(
      (pcm) => {
        decoding.delete(key);
        if (decoded.size >= 64) for (const [k, ref] of decoded) if (!ref.deref()) decoded.delete(k);
        decoded.set(key, new WeakRef(pcm));
      },
      () => decoding.delete(key),
    );
  }
  return p;
}
