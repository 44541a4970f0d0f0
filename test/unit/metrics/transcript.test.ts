import { readFileSync } from 'fs';
import { join } from 'path';
import {
  buildPhraseGrammar,
  normaliseWords,
  parsePocketsphinxOutput,
  PocketsphinxTranscriber,
  sanitisePhrase,
  scriptedTurnsWer,
  transcribeCall,
  TranscriberError,
  wordErrorRate,
  type Transcriber,
} from '../../../src/metrics';

describe('wordErrorRate', () => {
  it('normalises case and punctuation, keeps in-word apostrophes', () => {
    expect(normaliseWords("Hello, WORLD! It's 7:30 — 'quoted'")).toEqual(['hello', 'world', "it's", '7', '30', 'quoted']);
  });

  it('counts substitutions, deletions and insertions (word-level Levenshtein)', () => {
    expect(wordErrorRate('the cat sat on the mat', 'the cat sat on the mat')).toMatchObject({ wer: 0, substitutions: 0, deletions: 0, insertions: 0 });
    expect(wordErrorRate('the cat sat on the mat', 'the bat sat on mat')).toEqual({ wer: 0.3333, substitutions: 1, deletions: 1, insertions: 0, referenceWords: 6, hypothesisWords: 5 });
    expect(wordErrorRate('a b', 'x a b y')).toMatchObject({ wer: 1, insertions: 2 });
    expect(wordErrorRate('', 'uh huh')).toMatchObject({ wer: 2, insertions: 2, referenceWords: 0 });
    expect(wordErrorRate('one two', '')).toMatchObject({ wer: 1, deletions: 2 });
  });

  it('is symmetric in total edits and bounded by the longer length (sample)', () => {
    const a = 'seven thirty tonight please';
    const b = 'seven tonight thirty please now';
    const ab = wordErrorRate(a, b);
    const ba = wordErrorRate(b, a);
    expect(ab.substitutions + ab.deletions + ab.insertions).toBe(ba.substitutions + ba.deletions + ba.insertions);
    expect(ab.substitutions + ab.deletions + ab.insertions).toBeLessThanOrEqual(5);
  });

  it('scores scripted caller turns in order; a missing turn is all deletions', () => {
    const transcript = {
      engine: 'x',
      failures: [],
      turns: [
        { speaker: 'caller' as const, startMs: 0, endMs: 1, text: 'book a table' },
        { speaker: 'agent' as const, startMs: 2, endMs: 3, text: 'sure' },
      ],
    };
    const r = scriptedTurnsWer(['Book a table.', 'Thanks'], transcript);
    expect(r[0]).toMatchObject({ index: 0, wer: 0, recognised: 'book a table' });
    expect(r[1]).toMatchObject({ index: 1, wer: 1, deletions: 1, recognised: null });
  });
});

describe('transcribeCall', () => {
  /** Returns the segment's duration and level so the test can check what audio it was given. */
  class MeasuringTranscriber implements Transcriber {
    readonly name = 'measuring';
    calls: Array<{ len: number; phrases?: readonly string[] }> = [];
    async transcribe(pcm: Int16Array, sampleRate: number, opts?: { phrases?: readonly string[] }) {
      this.calls.push({ len: pcm.length, phrases: opts?.phrases });
      let peak = 0;
      for (const v of pcm) peak = Math.max(peak, Math.abs(v));
      if (peak === 1234) throw new TranscriberError('TRANSCRIBER_FAILED', 'engine crashed');
      return [{ startMs: 0, endMs: (pcm.length * 1000) / sampleRate, text: ` peak ${peak} ` }];
    }
  }

  it('transcribes each segment of each channel with padding, in time order, shifted to INVITE time', async () => {
    const rate = 8000;
    const caller = new Int16Array(rate * 4);
    const agent = new Int16Array(rate * 4);
    caller.fill(100, 800, 8000); // 100–1000 ms
    agent.fill(200, 12000, 20000); // 1500–2500 ms
    caller.fill(1234, 24000, 26000); // 3000–3250 ms: the engine fails on this one
    const t = new MeasuringTranscriber();
    const r = await transcribeCall({
      caller,
      agent,
      sampleRate: rate,
      segments: { caller: [{ startMs: 100, endMs: 1000 }, { startMs: 3000, endMs: 3250 }], agent: [{ startMs: 1500, endMs: 2500 }] },
      transcriber: t,
      recordingStartMs: 500,
      phrases: { agent: ['how can I help'] },
    });
    expect(r.engine).toBe('measuring');
    expect(r.turns).toEqual([
      { speaker: 'caller', startMs: 600, endMs: 1500, text: 'peak 100' },
      { speaker: 'agent', startMs: 2000, endMs: 3000, text: 'peak 200' },
    ]);
    expect(r.failures).toEqual([{ speaker: 'caller', startMs: 3500, endMs: 3750, code: 'TRANSCRIBER_FAILED', message: 'engine crashed' }]);
    // 100–1000 ms with 150 ms padding on both sides (clipped at 0 on the left): 0–1150 ms
    expect(t.calls[0].len).toBe(1150 * 8);
    expect(t.calls[1].phrases).toEqual(['how can I help']);
    expect(t.calls[0].phrases).toBeUndefined();
  });

  it('joins consecutive segments of one speaker into one turn', async () => {
    const pcm = new Int16Array(8000 * 3).fill(50);
    const r = await transcribeCall({
      caller: pcm,
      agent: pcm,
      sampleRate: 8000,
      segments: { caller: [{ startMs: 0, endMs: 500 }, { startMs: 800, endMs: 1200 }], agent: [{ startMs: 2000, endMs: 2500 }] },
      transcriber: new MeasuringTranscriber(),
      padMs: 0,
    });
    expect(r.turns).toEqual([
      { speaker: 'caller', startMs: 0, endMs: 1200, text: 'peak 50 peak 50' },
      { speaker: 'agent', startMs: 2000, endMs: 2500, text: 'peak 50' },
    ]);
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      transcribeCall({ caller: new Int16Array(800), agent: new Int16Array(800), sampleRate: 8000, segments: { caller: [{ startMs: 0, endMs: 50 }], agent: [] }, transcriber: new MeasuringTranscriber(), signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'TRANSCRIBER_ABORTED' });
  });
});

describe('pocketsphinx adapter (no engine needed)', () => {
  it('parses -time yes output into utterances with times, dropping fillers and alt-pronunciation marks', () => {
    const out = readFileSync(join(__dirname, '../../fixtures/metrics/pocketsphinx-time-output.txt'), 'utf8');
    expect(parsePocketsphinxOutput(out)).toEqual([{ startMs: 140, endMs: 2150, text: 'you can eat on foot on' }]);
    expect(parsePocketsphinxOutput('<s> 0.0 0.1 1\nhello 0.1 0.5 0.9\n</s> 0.5 0.6 1\n<s> 1.0 1.1 1\n[NOISE] 1.1 1.2 1\nyes 1.2 1.4 1\n</s> 1.4 1.5 1\n')).toEqual([
      { startMs: 100, endMs: 500, text: 'hello' },
      { startMs: 1200, endMs: 1400, text: 'yes' },
    ]);
    expect(parsePocketsphinxOutput('')).toEqual([]);
  });

  it('builds a JSGF grammar only from safe tokens and known words', () => {
    expect(sanitisePhrase('Book a TABLE; <evil> = x | y')).toBe("book a table evil x y");
    const { grammar, dropped } = buildPhraseGrammar(['Book a table!', 'zzqx word', ''], new Set(['book', 'a', 'table', 'word']));
    expect(dropped).toEqual(['zzqx word']);
    expect(grammar).toContain('<item> = book a table | a | the |');
    expect(grammar.split('\n').filter((l) => l.includes('<item> =')).length).toBe(1);
    expect(grammar).not.toMatch(/[;<>=|]\s*evil/);
  });

  it('reports TRANSCRIBER_UNAVAILABLE when the model or the binary is missing', async () => {
    const noModel = new PocketsphinxTranscriber({ modelDir: '/nonexistent/model' });
    await expect(noModel.transcribe(new Int16Array(160), 8000)).rejects.toMatchObject({ code: 'TRANSCRIBER_UNAVAILABLE', name: 'TranscriberError' });
    const noBinary = new PocketsphinxTranscriber({ binary: '/nonexistent/pocketsphinx_continuous', modelDir: join(__dirname, '../../fixtures/metrics/fake-model') });
    await expect(noBinary.transcribe(new Int16Array(1600), 8000)).rejects.toMatchObject({ code: 'TRANSCRIBER_UNAVAILABLE' });
  });

  it('refuses bad arguments', async () => {
    const t = new PocketsphinxTranscriber({ modelDir: '/nonexistent' });
    await expect(t.transcribe(new Int16Array(10), 12.5)).rejects.toMatchObject({ code: 'TRANSCRIBER_BAD_ARGUMENT' });
    await expect(t.transcribe([] as unknown as Int16Array, 8000)).rejects.toMatchObject({ code: 'TRANSCRIBER_BAD_ARGUMENT' });
  });
});
