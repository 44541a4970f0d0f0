import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wavToMonoPcm } from '../../../src/audio/resampler';
import { readWavFile } from '../../../src/audio/wav-reader';
import { sharedPrompt } from '../../../src/call-media/prompt-cache';

const ASSETS = join(__dirname, '../../../assets');

describe('shared prompt cache (one decoded copy for every call playing a file)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'prompt-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives concurrent and later legs the same decoded array, equal to a private decode', async () => {
    const path = join(dir, 'p.wav');
    copyFileSync(join(ASSETS, 'question-8k.wav'), path);
    const [a, b] = await Promise.all([sharedPrompt(path, 8000), sharedPrompt(path, 8000)]);
    expect(a).toBe(b);
    expect(await sharedPrompt(path, 8000)).toBe(a);
    expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(wavToMonoPcm(await readWavFile(path), 8000).buffer))).toBe(true);
    const wide = await sharedPrompt(path, 16000);
    expect(wide).not.toBe(a);
    expect(wide.length).toBe(a.length * 2);
  });

  it('decodes again when the file changed, and rejects for a missing file', async () => {
    const path = join(dir, 'p.wav');
    copyFileSync(join(ASSETS, 'question-8k.wav'), path);
    const first = await sharedPrompt(path, 8000);
    copyFileSync(join(ASSETS, 'greeting-8k.wav'), path);
    const second = await sharedPrompt(path, 8000);
    expect(second).not.toBe(first);
    expect(second.length).not.toBe(first.length);
    await expect(sharedPrompt(join(dir, 'missing.wav'), 8000)).rejects.toThrow();
  });
});
