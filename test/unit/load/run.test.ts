import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallResult } from '../../../src/caller/result';
import { runLoad } from '../../../src/load/run';
import { fakeResult } from './fake-result';

describe('runLoad (with a scripted StartCall)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'load-run-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('streams every result to the file and aggregates them', async () => {
    const path = join(dir, 'calls.jsonl');
    const summary = await runLoad({
      target: 'sip:agent@127.0.0.1:5060',
      plan: { calls: 60, concurrency: 7 },
      resultsPath: path,
      startCall: (i) => new Promise<CallResult>((res) => setImmediate(() => res(fakeResult(i % 10 === 9 ? 'busy' : 'completed', { index: i, answerMs: i, status: i % 10 === 9 ? 486 : 200 })))),
    });
    expect(summary.calls).toEqual({ planned: 60, started: 60, finished: 60, ok: 54, failed: 6, notStarted: 0, peakActive: 7 });
    expect(summary.outcomes.busy).toBe(6);
    expect(summary.statuses).toEqual({ '200': 54, '486': 6 });
    expect(summary.resultsWritten).toBe(60);
    const ids = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as CallResult).sip.callId);
    expect(ids.sort()).toEqual([...Array(60).keys()].map((i) => `call-${i}`).sort());
    expect(summary.interrupted).toBe(false);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('on abort: starts nothing more, aborts active calls, and writes every started call', async () => {
    const path = join(dir, 'calls.jsonl');
    const ac = new AbortController();
    let started = 0;
    const summary = await runLoad({
      target: 't',
      plan: { calls: 1000, concurrency: 5 },
      resultsPath: path,
      signal: ac.signal,
      startCall: (i, signal) =>
        new Promise<CallResult>((res) => {
          if (++started === 12) setImmediate(() => ac.abort());
          const quick = i < 7;
          const done = (): void => res(fakeResult(quick ? 'completed' : 'error', { index: i }));
          if (quick) setImmediate(done);
          else signal.addEventListener('abort', () => setTimeout(done, 5));
        }),
    });
    expect(summary.interrupted).toBe(true);
    expect(summary.calls.started).toBe(12);
    expect(summary.calls.finished).toBe(12);
    expect(summary.resultsWritten).toBe(12);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(12);
    expect(summary.calls.notStarted).toBe(988);
  });

  it('records a start that throws as an error result', async () => {
    const summary = await runLoad({ target: 't', plan: { calls: 3, concurrency: 1 }, startCall: () => { throw Object.assign(new Error('no RTP port'), { code: 'RTP_NO_PORT' }); } });
    expect(summary.outcomes.error).toBe(3);
    expect(summary.errors).toEqual({ RTP_NO_PORT: 3 });
  });
});
