import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../../../src/load/run';
import { splitRtpPortRange } from '../../../src/load/port-slices';
import { runShardedLoad } from '../../../src/load/sharded';
import { openLoadStarter } from './fake-starter';

const STARTER = join(__dirname, 'fake-starter.ts');
const PORT_STARTER = join(__dirname, 'port-starter.ts');

describe('runShardedLoad (worker_threads)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'load-shard-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every call exactly once over the workers and aggregates like a single loop', async () => {
    const template = { holdMs: 5, target: 'sip:a@127.0.0.1' };
    const plan = { calls: 120, concurrency: 12 };
    const sharded = await runShardedLoad({ target: template.target, plan, workers: 3, starterModule: STARTER, template, resultsPath: join(dir, 's.jsonl') });
    const local = await openLoadStarter(template);
    const single = await runLoad({ target: template.target, plan, startCall: local.startCall, resultsPath: join(dir, 'l.jsonl') });
    expect(sharded.workers).toBe(3);
    expect(sharded.calls).toMatchObject({ planned: 120, started: 120, finished: 120, ok: 120, failed: 0 });
    expect(sharded.calls.peakActive).toBeLessThanOrEqual(12);
    for (const k of ['outcomes', 'statuses', 'errors', 'setupMs', 'rtp'] as const) expect(sharded[k]).toEqual(single[k]);
    // each worker measured the loop its calls ran on; the single run its own
    expect(sharded.eventLoop?.loops).toBe(3);
    expect(single.eventLoop?.loops).toBe(1);
    const ids = readFileSync(join(dir, 's.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).sip.callId as string);
    expect(new Set(ids).size).toBe(120);
    expect([...ids].sort()).toEqual([...Array(120).keys()].map((i) => `call-${i}`).sort());
  }, 30_000);

  it('stops every worker on abort and still records the calls they had started', async () => {
    const ac = new AbortController();
    const template = { holdMs: 60_000, target: 't' };
    setTimeout(() => ac.abort(), 1500);
    const s = await runShardedLoad({ target: 't', plan: { calls: 1000, concurrency: 10 }, workers: 2, starterModule: STARTER, template, resultsPath: join(dir, 'a.jsonl'), signal: ac.signal });
    expect(s.interrupted).toBe(true);
    expect(s.calls.started).toBe(10);
    expect(s.calls.finished).toBe(10);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
  }, 30_000);

  it('gives every worker its own RTP port slice: each binds from the start of its slice and never in another', async () => {
    const base = 48600 + (process.pid % 20) * 40;
    const template = { holdMs: 300, rtpPorts: { min: base, max: base + 39 } };
    const ports = new Map<number, number>();
    const s = await runShardedLoad({ target: 't', plan: { calls: 8, concurrency: 8 }, workers: 2, starterModule: PORT_STARTER, template, onResult: (i, r) => ports.set(i, r.rtp!.localPort ?? -1) });
    expect(s.calls.ok).toBe(8);
    const slices = splitRtpPortRange(template.rtpPorts, [4, 4]);
    expect(slices).toEqual([
      { min: base, max: base + 19 },
      { min: base + 20, max: base + 39 },
    ]);
    // worker w places the calls with index ≡ w (mod 2); its four calls are active together
    for (const w of [0, 1]) {
      const got = [...ports].filter(([i]) => i % 2 === w).map(([, p]) => p);
      expect(got.sort((a, b) => a - b)).toEqual([0, 2, 4, 6].map((k) => slices[w].min + k));
    }
  }, 30_000);

  it('refuses an RTP range too small for the concurrency before any worker starts', () => {
    const template = { holdMs: 5, rtpPorts: { min: 20000, max: 20009 } };
    expect(() => runShardedLoad({ target: 't', plan: { calls: 20, concurrency: 12 }, workers: 2, starterModule: PORT_STARTER, template })).toThrow(
      expect.objectContaining({ code: 'LOAD_BAD_OPTION', message: expect.stringMatching(/20000-20009 holds 5 port pairs/) }),
    );
  });

  it('signalling-only runs (media: false) bind no RTP ports, so the range does not limit them', async () => {
    const template = { holdMs: 5, target: 't', media: false, rtpPorts: { min: 20000, max: 20001 } };
    const s = await runShardedLoad({ target: 't', plan: { calls: 20, concurrency: 10 }, workers: 2, starterModule: STARTER, template });
    expect(s.calls.ok).toBe(20);
  }, 30_000);
});
