/**
 * Offline speech-to-text with CMU PocketSphinx's command line (Debian `pocketsphinx` +
 * `pocketsphinx-en-us`). The audio is resampled to 16 kHz mono (the model's rate) and
 * peak-normalised; narrowband input (< 16 kHz) gets faint white noise (−50 dBFS) so the empty
 * 4–8 kHz band does not wreck the features. With `phrases`, a JSGF grammar of those phrases (plus
 * a few filler words) restricts recognition to the closed set — far more reliable on TTS speech.
 *
 * The only I/O in src/metrics: a temporary directory with the WAV (and grammar), and the child
 * process, killed on timeout or abort. Times come from `-time yes` word lines.
 */
import { spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { encodeWav, resamplePcm } from '../audio';
import { TranscriberError } from './errors';
import type { TranscribeOptions, Transcriber } from './transcript';
import type { TranscriptionSegment } from './types';

/** Options of {@link PocketsphinxTranscriber}. */
export interface PocketsphinxOptions {
  /** The executable. Default `pocketsphinx_continuous` (from PATH). */
  binary?: string;
  /** Model directory holding `en-us/`, `en-us.lm.bin`, `cmudict-en-us.dict`. Default `/usr/share/pocketsphinx/model/en-us`. */
  modelDir?: string;
  /** Kill the recogniser after this long, ms. Default 120000. */
  timeoutMs?: number;
}

const FILLERS = ['a', 'the', 'to', 'is', 'what', 'sorry', 'yes', 'no', 'one', 'two', 'three'];

/** A phrase as a grammar item: lower case, letters/digits/apostrophes, single spaces; '' if nothing is left. */
export function sanitisePhrase(phrase: string): string {
  return phrase
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Builds the JSGF grammar: one or more of the phrases (with words known to `dictionary`) or fillers. */
export function buildPhraseGrammar(phrases: readonly string[], dictionary?: ReadonlySet<string>): { grammar: string; dropped: string[] } {
  const items: string[] = [];
  const dropped: string[] = [];
  for (const p of phrases) {
    const s = sanitisePhrase(p);
    if (!s) continue;
    if (dictionary && s.split(' ').some((w) => !dictionary.has(w))) dropped.push(s);
    else if (!items.includes(s)) items.push(s);
  }
  for (const f of FILLERS) if (!items.includes(f)) items.push(f);
  return { grammar: `#JSGF V1.0;\ngrammar phrases;\npublic <utt> = <item>+;\n<item> = ${items.join(' | ')};\n`, dropped };
}

/** Parses `pocketsphinx_continuous -time yes` output into segments (one per utterance). */
export function parsePocketsphinxOutput(stdout: string): TranscriptionSegment[] {
  const out: TranscriptionSegment[] = [];
  let words: string[] = [];
  let start = -1;
  let end = -1;
  const flush = () => {
    if (words.length) out.push({ startMs: Math.round(start * 1000), endMs: Math.round(end * 1000), text: words.join(' ') });
    words = [];
    start = end = -1;
  };
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (!m) continue;
    const token = m[1];
    if (token === '<s>') {
      flush();
      continue;
    }
    if (token === '</s>') {
      flush();
      continue;
    }
    if (/^[<[(+]/.test(token)) continue; // <sil>, [NOISE], (NULL) grammar transitions, +UH+ fillers
    const word = token.replace(/\(\d+\)$/, '');
    if (start < 0) start = Number(m[2]);
    end = Number(m[3]);
    words.push(word);
  }
  flush();
  return out;
}

/** Deterministic white noise (xorshift32) for the narrowband band-fill. */
function addBandFill(pcm: Int16Array, rms: number): void {
  let s = 0x9e3779b9;
  for (let i = 0; i < pcm.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const u = ((s >>> 0) / 4294967296) * 2 - 1; // uniform ±1: rms 1/√3
    const v = pcm[i] + u * rms * Math.sqrt(3);
    pcm[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
  }
}

/** The PocketSphinx command-line transcriber. */
export class PocketsphinxTranscriber implements Transcriber {
  readonly name = 'pocketsphinx';
  private readonly binary: string;
  private readonly modelDir: string;
  private readonly timeoutMs: number;
  private dictionary: Set<string> | undefined;

  constructor(options: PocketsphinxOptions = {}) {
    this.binary = options.binary ?? 'pocketsphinx_continuous';
    this.modelDir = options.modelDir ?? '/usr/share/pocketsphinx/model/en-us';
    this.timeoutMs = options.timeoutMs ?? 120000;
  }

  /** Throws `TRANSCRIBER_UNAVAILABLE` unless the model files exist (the binary is checked when spawned). */
  checkModel(): void {
    for (const f of ['en-us', 'en-us.lm.bin', 'cmudict-en-us.dict']) {
      if (!existsSync(join(this.modelDir, f))) {
        throw new TranscriberError('TRANSCRIBER_UNAVAILABLE', `pocketsphinx model file ${f} not found in ${this.modelDir} (Debian: apt-get install pocketsphinx-en-us)`);
      }
    }
  }

  private loadDictionary(): Set<string> {
    if (!this.dictionary) {
      const words = new Set<string>();
      for (const line of readFileSync(join(this.modelDir, 'cmudict-en-us.dict'), 'latin1').split('\n')) {
        const w = line.split(' ', 1)[0];
        if (w) words.add(w.replace(/\(\d+\)$/, ''));
      }
      this.dictionary = words;
    }
    return this.dictionary;
  }

  async transcribe(pcm: Int16Array, sampleRate: number, opts: TranscribeOptions = {}): Promise<TranscriptionSegment[]> {
    if (!(pcm instanceof Int16Array)) throw new TranscriberError('TRANSCRIBER_BAD_ARGUMENT', 'pcm must be an Int16Array');
    if (!Number.isInteger(sampleRate) || sampleRate < 4000 || sampleRate > 192000) throw new TranscriberError('TRANSCRIBER_BAD_ARGUMENT', `unsupported sample rate ${sampleRate}`);
    if (opts.signal?.aborted) throw new TranscriberError('TRANSCRIBER_ABORTED', 'transcription aborted');
    this.checkModel();
    if (pcm.length === 0) return [];
    const audio = sampleRate === 16000 ? pcm.slice() : resamplePcm(pcm, sampleRate, 16000);
    let peak = 0;
    for (let i = 0; i < audio.length; i++) peak = Math.max(peak, Math.abs(audio[i]));
    if (peak > 0) {
      const gain = (32767 * 0.5) / peak; // −6 dBFS peak
      for (let i = 0; i < audio.length; i++) audio[i] = Math.round(audio[i] * gain);
    }
    if (sampleRate < 16000) addBandFill(audio, 32768 * 10 ** (-50 / 20));

    const dir = mkdtempSync(join(tmpdir(), 'sipprobe-ps-'));
    try {
      const wav = join(dir, 'in.wav');
      writeFileSync(wav, encodeWav(audio, { sampleRate: 16000, channels: 1 }));
      const args = ['-infile', wav, '-hmm', join(this.modelDir, 'en-us'), '-dict', join(this.modelDir, 'cmudict-en-us.dict'), '-time', 'yes', '-logfn', '/dev/null'];
      if (opts.phrases && opts.phrases.length > 0) {
        const { grammar } = buildPhraseGrammar(opts.phrases, this.loadDictionary());
        const gram = join(dir, 'phrases.gram');
        writeFileSync(gram, grammar);
        args.push('-jsgf', gram);
      } else args.push('-lm', join(this.modelDir, 'en-us.lm.bin'));
      const stdout = await this.run(args, opts.signal);
      return parsePocketsphinxOutput(stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private run(args: string[], signal: AbortSignal | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      let settled = false;
      const finish = (e: Error | null, value?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(value as string);
      };
      const onAbort = () => {
        child.kill('SIGKILL');
        finish(new TranscriberError('TRANSCRIBER_ABORTED', 'transcription aborted'));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(new TranscriberError('TRANSCRIBER_TIMEOUT', `pocketsphinx took longer than ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => {
        if (err.length < 4000) err += b.toString('utf8');
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') finish(new TranscriberError('TRANSCRIBER_UNAVAILABLE', `${this.binary} not found (Debian: apt-get install pocketsphinx pocketsphinx-en-us)`));
        else finish(new TranscriberError('TRANSCRIBER_FAILED', `cannot run ${this.binary}: ${e.message}`));
      });
      child.on('close', (code) => {
        if (code === 0) finish(null, Buffer.concat(out).toString('utf8'));
        else finish(new TranscriberError('TRANSCRIBER_FAILED', `${this.binary} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ').slice(0, 500)}`));
      });
    });
  }
}
