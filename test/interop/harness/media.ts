/** Test audio: the spoken greeting (espeak-ng + sox) and offline transcription (pocketsphinx). */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './process';

/** The kit's default greeting text. */
export const DEFAULT_GREETING = 'Hello, thank you for calling, how can I help you today?';

/**
 * Speaks `text` with espeak-ng and writes a mono 16-bit WAV at `rate` Hz (normalised to -1 dBFS,
 * 0.3 s of silence at both ends), like the kit's make-greeting.sh.
 */
export async function makeGreeting(out: string, opts: { rate?: number; text?: string } = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sipprobe-greeting-'));
  try {
    const raw = join(dir, 'tts.wav');
    const e = await runTool('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, opts.text ?? DEFAULT_GREETING]);
    if (e.code !== 0) throw new Error(`espeak-ng failed: ${e.stderr}`);
    const s = await runTool('sox', [raw, '-r', String(opts.rate ?? 8000), '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'norm', '-1', 'pad', '0.3', '0.3']);
    if (s.code !== 0) throw new Error(`sox failed: ${s.stderr}`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Transcribes a WAV with pocketsphinx (en-us), as the kit's transcribe.sh: converted to 16 kHz
 * mono, faint white noise mixed into narrowband input, and with `phrases` a closed JSGF grammar
 * (reliable for "did the far end say X"; free text is poor on TTS/telephone audio).
 */
export async function transcribe(wav: string, phrases?: readonly string[]): Promise<string> {
  const model = '/usr/share/pocketsphinx/model/en-us';
  if (!existsSync(join(model, 'en-us'))) throw new Error('pocketsphinx-en-us model missing');
  const dir = mkdtempSync(join(tmpdir(), 'sipprobe-asr-'));
  try {
    const rate = Number((await runTool('soxi', ['-r', wav])).stdout.toString().trim());
    const tmp = join(dir, 'tmp.wav');
    const wav16 = join(dir, 'in16k.wav');
    let r = await runTool('sox', [wav, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmp, 'remix', '-', 'norm', '-6']);
    if (r.code !== 0) throw new Error(`sox failed: ${r.stderr}`);
    if (rate < 16000) {
      const dur = (await runTool('soxi', ['-D', tmp])).stdout.toString().trim();
      const noise = join(dir, 'noise.wav');
      await runTool('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', noise, 'synth', dur, 'whitenoise', 'vol', '0.002']);
      r = await runTool('sox', ['-m', '-v', '1', tmp, '-v', '1', noise, wav16]);
      if (r.code !== 0) throw new Error(`sox mix failed: ${r.stderr}`);
    } else {
      r = await runTool('sox', [tmp, wav16]);
    }
    const lm: string[] = ['-lm', join(model, 'en-us.lm.bin')];
    if (phrases && phrases.length) {
      const items = phrases
        .map((p) => p.toLowerCase().replace(/[^a-z0-9' ]/g, ' ').replace(/ +/g, ' ').trim())
        .filter((p) => p !== '');
      const gram = join(dir, 'phrases.gram');
      writeFileSync(
        gram,
        `#JSGF V1.0;\ngrammar phrases;\npublic <utt> = <item>+;\n<item> = ${[...items, 'a', 'the', 'to', 'is', 'what', 'sorry', 'yes', 'no', 'one', 'two', 'three'].join(' | ')};\n`,
      );
      lm.splice(0, 2, '-jsgf', gram);
    }
    const out = await runTool('pocketsphinx_continuous', [
      '-infile', wav16, '-hmm', join(model, 'en-us'), ...lm, '-dict', join(model, 'cmudict-en-us.dict'),
      '-logfn', join(dir, 'ps.log'),
    ], 120);
    if (out.code !== 0) throw new Error(`pocketsphinx failed: ${readFileSync(join(dir, 'ps.log'), 'utf8').slice(-1000)}`);
    return out.stdout.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '').join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
