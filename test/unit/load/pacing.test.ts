import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallerOptions } from '../../../src/caller/options';
import { openLoadCaller, type LoadCaller } from '../../../src/load/caller-start';
import { mergeLoadPacing, type LoadPacingData, type LoadPacingSummary } from '../../../src/load/pacing';
import { runLoad } from '../../../src/load/run';
import { runShardedLoad } from '../../../src/load/sharded';
import { formatLoadSummary } from '../../../src/load/table';
import { Pacer } from '../../../src/rtp/pacer';
import { PacingHistogram } from '../../../src/rtp/pacer-histogram';
import { fakeResult } from './fake-result';
import { openLoadStarter as openPlainStarter } from './fake-starter';
import { callDeviations, openLoadStarter as openPacingStarter } from './pacing-starter';

const PACING_STARTER = join(__dirname, 'pacing-starter.ts');
const PLAIN_STARTER = join(__dirname, 'fake-starter.ts');

/** What one pacer that had sent every frame of calls 0…calls−1 would report. */
function expectedPacing(calls: number, framesPerCall: number, skippedPerCall: number): LoadPacingSummary {
  const h = new PacingHistogram();
  let late = 0;
  for (let i = 0; i < calls; i++) {
    for (const d of callDeviations(i, framesPerCall)) {
      h.record(d);
      if (d > 2) late++;
    }
  }
  const r3 = (n: number): number => Math.round(n * 1000) / 1000;
  return { frames: calls * framesPerCall, skipped: calls * skippedPerCall, late, p50Ms: r3(h.quantile(0.5)), p99Ms: r3(h.quantile(0.99)), maxMs: r3(h.max) };
}

function data(values: number[], skipped = 0, late = values.filter((v) => v > 2).length): LoadPacingData {
  const h = new PacingHistogram();
  for (const v of values) h.record(v);
  return { skipped, late, histogram: h.toJSON() };
}

describe('mergeLoadPacing', () => {
  it('is null when no frame was paced (no starters, starters without a pacer, idle pacers)', () => {
    expect(mergeLoadPacing([])).toBeNull();
    expect(mergeLoadPacing([null, undefined])).toBeNull();
    expect(mergeLoadPacing([data([]), null])).toBeNull();
  });

  it('merges the parts as one pacer of every frame: counts add, percentiles of the union', () => {
    const a = [0.1, 0.2, 0.3, 2.5, 0.1];
    const b = [0.05, 9.7, 0.4];
    expect(mergeLoadPacing([data(a, 2), null, data(b, 1)])).toEqual({ frames: 8, skipped: 3, late: 2, p50Ms: 0.25, p99Ms: 9.7, maxMs: 9.7 });
    const one = PacingHistogram.fromData(data([...a, ...b]).histogram);
    const m = mergeLoadPacing([data(b), data(a)])!;
    expect([m.p50Ms, m.p99Ms, m.maxMs]).toEqual([one.quantile(0.5), one.quantile(0.99), one.max]);
  });

  it.each<[string, unknown]>([
    ['not an object', 5],
    ['a broken histogram', { skipped: 0, late: 0, histogram: { ...data([1]).histogram, count: 2 } }],
    ['no histogram', { skipped: 0, late: 0 }],
    ['a negative skipped count', { ...data([1]), skipped: -1 }],
    ['a fractional late count', { ...data([3]), late: 0.5 }],
    ['more late frames than frames', { ...data([3]), late: 2 }],
  ])('refuses %s with LOAD_BAD_PACING, naming the starter', (_name, bad) => {
    expect(() => mergeLoadPacing([data([1]), bad as LoadPacingData])).toThrow(expect.objectContaining({ code: 'LOAD_BAD_PACING', message: expect.stringContaining('starter 1') }));
  });
});

describe('LoadSummary.pacing of a run', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'load-pacing-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('in-process: the starter’s pacing, read at the end, becomes the summary field, the JSON and a table line', async () => {
    const template = { framesPerCall: 9, skippedPerCall: 1 };
    const starter = await openPacingStarter(template);
    const s = await runLoad({ target: 't', plan: { calls: 30, concurrency: 4 }, startCall: starter.startCall, pacing: () => starter.pacing!() });
    expect(s.pacing).toEqual(expectedPacing(30, 9, 1));
    expect(s.pacing!.late).toBeGreaterThan(0);
    expect(s.pacing!.maxMs).toBeGreaterThan(40);
    expect(JSON.parse(JSON.stringify(s)).pacing).toEqual(s.pacing);
    expect(s.pacing).toMatchObject({ late: 167, p50Ms: 2.8, p99Ms: 43, maxMs: 44.4 });
    expect(formatLoadSummary(s)).toContain('RTP pacing  270 frames sent, 30 skipped, 167 late (> 2 ms); deviation p50 2.80 ms, p99 43.0 ms, max 44.4 ms');
  });

  it('in-process: null without a pacing reader, or when the starter paces nothing; no table line', async () => {
    const plain = await openPlainStarter({ holdMs: 1, target: 't' });
    const none = await runLoad({ target: 't', plan: { calls: 5, concurrency: 5 }, startCall: plain.startCall });
    expect(none.pacing).toBeNull();
    expect(formatLoadSummary(none)).not.toContain('RTP pacing');
    const idle = await runLoad({ target: 't', plan: { calls: 5, concurrency: 5 }, startCall: plain.startCall, pacing: () => null });
    expect(idle.pacing).toBeNull();
    const silent = await runLoad({ target: 't', plan: { calls: 5, concurrency: 5 }, startCall: plain.startCall, pacing: () => data([]) });
    expect(silent.pacing).toBeNull();
  });

  it('bad pacing data: LOAD_BAD_PACING, after every result was written', async () => {
    const path = join(dir, 'calls.jsonl');
    const plain = await openPlainStarter({ holdMs: 1, target: 't' });
    const run = runLoad({ target: 't', plan: { calls: 6, concurrency: 3 }, startCall: plain.startCall, resultsPath: path, pacing: () => ({ skipped: 0, late: 0, histogram: { layout: 'x' } }) as never });
    await expect(run).rejects.toMatchObject({ code: 'LOAD_BAD_PACING' });
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('sharded: each worker posts its pacing with its last message; the merge equals one pacer of every frame', async () => {
    const template = { framesPerCall: 9, skippedPerCall: 1 };
    const s = await runShardedLoad({ target: 't', plan: { calls: 30, concurrency: 6 }, workers: 2, starterModule: PACING_STARTER, template });
    expect(s.workers).toBe(2);
    expect(s.calls.ok).toBe(30);
    expect(s.pacing).toEqual(expectedPacing(30, 9, 1));
  }, 30_000);

  it('sharded: null when the workers’ starters report no pacing', async () => {
    const s = await runShardedLoad({ target: 't', plan: { calls: 6, concurrency: 6 }, workers: 2, starterModule: PLAIN_STARTER, template: { holdMs: 1, target: 't' } });
    expect(s.calls.ok).toBe(6);
    expect(s.pacing).toBeNull();
  }, 30_000);
});

describe('openLoadCaller and its pacer', () => {
  /** A Caller stand-in whose every call paces `frames` frames through the Caller's pacer. */
  function pacingCaller(seen: CallerOptions[], frames: number): (o: CallerOptions) => LoadCaller {
    return (o) => {
      seen.push(o);
      return {
        call: () => ({
          result: new Promise((resolve) => {
            const s = o.pacer!.add({
              ptimeMs: 5,
              histogram: false,
              onTick: (i) => {
                if (i < frames - 1) return;
                s.remove();
                resolve(fakeResult('completed', { answerMs: 1 }));
              },
            });
          }),
        }),
        close: async () => {},
      };
    };
  }

  it('gives each run’s Caller its own pacer, reports every frame its calls paced, closes the pacer with the starter', async () => {
    const seen: CallerOptions[] = [];
    const template = { target: 'sip:a@127.0.0.1', transport: 'udp' as const, runId: 'R' };
    const a = await openLoadCaller(template, pacingCaller(seen, 4));
    const b = await openLoadCaller(template, pacingCaller(seen, 4));
    expect(seen[0].pacer).toBeInstanceOf(Pacer);
    expect(seen[1].pacer).not.toBe(seen[0].pacer);
    const s = await runLoad({ target: template.target, plan: { calls: 3, concurrency: 3 }, startCall: a.startCall, pacing: () => a.pacing!() });
    // real timers: a stall on a busy machine makes the pacer skip frames, but every one of the 12 is
    // accounted for, delivered or skipped
    expect(s.pacing!.frames + s.pacing!.skipped).toBe(12);
    expect(s.pacing!.frames).toBeGreaterThanOrEqual(3); // each call's last frame is always delivered
    expect(s.pacing!.p99Ms).toBeGreaterThanOrEqual(0);
    expect(s.pacing!.maxMs).toBeLessThan(1000);
    expect(b.pacing!()!.histogram.count).toBe(0); // the other run's pacer saw none of it
    await a.close();
    await b.close();
    expect(seen[0].pacer!.size).toBe(0);
    expect(seen[0].pacer!.hasPendingTimer).toBe(false);
    expect(a.pacing!()!.histogram.count).toBe(s.pacing!.frames); // still readable after close
  });
});
