import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../../src/audio/wav-reader';
import { encodeWav, WavWriter } from '../../../src/audio/wav-writer';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-wav-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The pattern the child writes: frame k, sample j. */
const expectedSample = (k: number, j: number): number => ((k * 7 + j * 13) & 0xffff) - 0x8000;

function checkPattern(samples: Int16Array): number {
  let bad = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i] !== expectedSample(Math.floor(i / 160), i % 160)) bad++;
  return bad;
}

describe('WavWriter', () => {
  test('the file is a valid WAV after open and after every write; close finalises', () => {
    const path = join(dir, 'stereo.wav');
    const w = WavWriter.open(path, { sampleRate: 16000, channels: 2 });
    expect(readWav(readFileSync(path))).toMatchObject({ frames: 0, channels: 2, sampleRate: 16000 });
    const all: number[] = [];
    for (let k = 0; k < 10; k++) {
      const chunk = Int16Array.from({ length: 2 * (k + 1) }, (_, i) => k * 100 - i * 3);
      w.write(chunk);
      all.push(...chunk);
      const back = readWav(readFileSync(path));
      expect(back.truncated).toBe(false);
      expect(Array.from(back.samples)).toEqual(all);
    }
    expect(w.framesWritten).toBe(55);
    w.close();
    w.close();
    expect(w.closed).toBe(true);
    const file = readFileSync(path);
    expect(file.length).toBe(44 + 55 * 4);
    expect(file).toEqual(encodeWav(Int16Array.from(all), { sampleRate: 16000, channels: 2 }));
    expect(() => w.write(new Int16Array(2))).toThrow(expect.objectContaining({ code: 'WAV_WRITER_CLOSED' }));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('header matches the canonical PCM layout', () => {
    const wav = encodeWav(new Int16Array([1, -1, 32767]), { sampleRate: 8000, channels: 1 });
    expect(wav.subarray(0, 44).toString('hex')).toBe(
      '52494646' + '2a000000' + '57415645' + '666d7420' + '10000000' + '0100' + '0100' + '401f0000' + '803e0000' + '0200' + '1000' + '64617461' + '06000000',
    );
    expect(wav.subarray(44).toString('hex')).toBe('0100ffffff7f');
  });

  test('replaces an existing file only once the new header is complete', () => {
    const path = join(dir, 'replace.wav');
    writeFileSync(path, 'old contents');
    const w = WavWriter.open(path, { sampleRate: 8000, channels: 1 });
    expect(readWav(readFileSync(path)).frames).toBe(0);
    w.close();
  });

  test('bad arguments and unwritable paths are typed errors', () => {
    expect(() => WavWriter.open(join(dir, 'x.wav'), { sampleRate: 0, channels: 1 })).toThrow(expect.objectContaining({ code: 'WAV_BAD_ARGUMENT' }));
    expect(() => WavWriter.open(join(dir, 'x.wav'), { sampleRate: 8000, channels: 3 as 1 })).toThrow(expect.objectContaining({ code: 'WAV_BAD_ARGUMENT' }));
    expect(() => WavWriter.open(join(dir, 'no/such/dir/x.wav'), { sampleRate: 8000, channels: 1 })).toThrow(
      expect.objectContaining({ code: 'WAV_WRITE_FAILED' }),
    );
    const w = WavWriter.open(join(dir, 'y.wav'), { sampleRate: 8000, channels: 2 });
    expect(() => w.write(new Int16Array(3))).toThrow(expect.objectContaining({ code: 'WAV_BAD_ARGUMENT' }));
    expect(() => w.write([1, 2] as unknown as Int16Array)).toThrow(expect.objectContaining({ code: 'WAV_BAD_ARGUMENT' }));
    w.close();
    expect(existsSync(join(dir, 'x.wav'))).toBe(false);
  });
});

describe('WavWriter survives the death of its process', () => {
  interface ChildResult {
    acked: number;
    closed?: number;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
  }

  function runChild(name: string, mode: string, killWith?: NodeJS.Signals): Promise<ChildResult> {
    const path = join(dir, name);
    return new Promise((resolve, reject) => {
      const child = fork(join(__dirname, 'wav-writer-child.ts'), [path, mode], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      });
      let acked = 0;
      let closed: number | undefined;
      let sent = false;
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('child did not finish'));
      }, 20_000);
      child.on('message', (m: { acked?: number; closed?: number }) => {
        if (m.acked !== undefined) acked = Math.max(acked, m.acked);
        if (m.closed !== undefined) closed = m.closed;
        if (killWith && !sent && acked >= 200) {
          sent = true;
          child.kill(killWith);
        }
      });
      child.on('exit', (exitCode, signal) => {
        clearTimeout(guard);
        resolve({ acked, closed, exitCode, signal });
      });
    });
  }

  test.each([
    ['SIGKILL', 'kill'],
    ['SIGINT', 'kill'],
  ] as const)('%s mid-write: valid WAV holding at least every acknowledged frame', async (signal, mode) => {
    const name = `killed-${signal}.wav`;
    const r = await runChild(name, mode, signal);
    expect(r.signal).toBe(signal);
    const w = readWav(readFileSync(join(dir, name)));
    expect(w.truncated).toBe(false);
    expect(w.frames % 160).toBe(0);
    expect(w.frames / 160).toBeGreaterThanOrEqual(r.acked);
    expect(checkPattern(w.samples)).toBe(0);
  }, 30_000);

  test('SIGINT with a handler that closes: exactly the frames written', async () => {
    const r = await runChild('sigint-close.wav', 'sigint-close', 'SIGINT');
    expect(r.exitCode).toBe(0);
    const w = readWav(readFileSync(join(dir, 'sigint-close.wav')));
    expect(w.frames / 160).toBe(r.closed);
    expect(r.closed).toBeGreaterThanOrEqual(r.acked);
    expect(checkPattern(w.samples)).toBe(0);
  }, 30_000);

  test('uncaught exception: valid WAV with every frame written before it', async () => {
    const r = await runChild('threw.wav', 'throw');
    expect(r.exitCode).not.toBe(0);
    const w = readWav(readFileSync(join(dir, 'threw.wav')));
    expect(w.frames).toBe(20 * 160);
    expect(checkPattern(w.samples)).toBe(0);
  }, 30_000);
});
