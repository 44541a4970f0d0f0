import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadError } from '../../../src/load/errors';
import { JsonLinesWriter, readJsonLines, resultLine } from '../../../src/load/jsonl';
import { parseCallResultJson } from '../../../src/report/validate';
import { fakeResult } from './fake-result';

describe('JSON lines', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'load-jsonl-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one valid CallResult document per line and reads them back', async () => {
    const path = join(dir, 'r.jsonl');
    const w = await JsonLinesWriter.open(path);
    for (let i = 0; i < 250; i++) {
      const r = fakeResult(i % 2 ? 'completed' : 'busy', { index: i, answerMs: i });
      r.warnings.push('line\nbreak "quoted"');
      w.writeLine(resultLine(r));
    }
    expect(w.lines).toBe(250);
    await w.close();
    const raw = readFileSync(path, 'utf8');
    const lines = raw.split('\n');
    expect(lines).toHaveLength(251);
    expect(lines[250]).toBe('');
    lines.slice(0, 250).forEach((l, i) => {
      const parsed = parseCallResultJson(l);
      expect(parsed.sip.callId).toBe(`call-${i}`);
      expect(Object.keys(JSON.parse(l))[0]).toBe('schemaVersion');
    });
    let n = 0;
    for await (const doc of readJsonLines(path)) {
      expect((doc as { sip: { callId: string } }).sip.callId).toBe(`call-${n++}`);
    }
    expect(n).toBe(250);
  });

  it('still writes a result holding NaN, with a warning instead of losing the call', () => {
    const r = fakeResult('completed', { answerMs: NaN });
    const doc = JSON.parse(resultLine(r)) as { timings: { answerMs: unknown }; warnings: string[] };
    expect(doc.timings.answerMs).toBeNull();
    expect(doc.warnings.join()).toMatch(/not JSON-exact/);
  });

  it('fails with a typed error when the file cannot be created, and on a bad line when reading', async () => {
    await expect(JsonLinesWriter.open(join(dir, 'missing', 'r.jsonl'))).rejects.toMatchObject({ code: 'LOAD_RESULTS_WRITE' });
    const path = join(dir, 'bad.jsonl');
    const w = await JsonLinesWriter.open(path);
    w.writeLine('{"a":1}');
    w.writeLine('{broken');
    await w.close();
    const read = async (): Promise<void> => {
      for await (const _ of readJsonLines(path)) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(LoadError);
    await expect(read()).rejects.toMatchObject({ code: 'LOAD_RESULTS_READ' });
    expect(() => w.writeLine('{}')).toThrow(LoadError);
  });

  it('every waiter shares one drain wait while the buffer is full (no listener per finished call)', async () => {
    const w = await JsonLinesWriter.open(join(dir, 'big.jsonl'));
    const line = JSON.stringify({ pad: 'x'.repeat(4096) });
    while (!w.needsDrain) w.writeLine(line);
    const waits = Array.from({ length: 50 }, () => w.drained());
    expect(new Set(waits).size).toBe(1);
    await Promise.all(waits);
    expect(w.needsDrain).toBe(false);
    await w.close();
    expect(readFileSync(join(dir, 'big.jsonl'), 'utf8').split('\n').filter(Boolean).length).toBe(w.lines);
  });
});
