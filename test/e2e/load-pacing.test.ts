/**
 * The tester's own RTP pacing in a load run's summary, with real Callers against a TestAgent
 * echo on loopback: sharded over two worker threads (each worker's pacer histogram posted and
 * merged) and in one event loop (the starter's pacer read at the end).
 */
import { TestAgent } from '../../src/agent';
import type { CallResult } from '../../src/caller/result';
import { openLoadCaller, runLoad, runShardedLoad, type LoadCallTemplate, type LoadSummary } from '../../src/load';
import { loadModuleFile } from '../../src/load/module-files';
import { RtpPortPool } from '../../src/rtp/port-pool';

const CALLS = 4;
const DURATION_MS = 800;
const PTIME_MS = 20;

describe('load summary pacing (real Callers, TestAgent echo, loopback UDP)', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = new TestAgent({ behaviour: { echo: true, play: null }, media: { portPool: new RtpPortPool({ min: 39700, max: 39799 }) } });
    await agent.start();
  });
  afterAll(() => agent.stop());

  const template = (rtpPorts: { min: number; max: number }): LoadCallTemplate => ({ target: agent.uri, transport: 'udp', runId: 'pacing-e2e', codecs: ['PCMU'], durationMs: DURATION_MS, evaluate: false, rtpPorts });

  /**
   * Each call streams from the answer until its BYE, `DURATION_MS` later: `DURATION_MS / 20` frames
   * plus frame 0, plus one frame per 20 ms the hang-up timer fires late. So per call at least
   * D/20 frames (the timer never fires early; a frame skipped after a stall still counts, as
   * `skipped`) and at most D/20 + 10: 200 ms of slack for a late timer on a busy 2-core box, yet
   * well below what counting another run's or a doubled stream's frames would add (≥ +40 per
   * call). With the remote known from the answer and no hold or DTMF, every pacer tick sends
   * exactly one packet (silence fills the gaps), so the frames must equal the packets the calls
   * report sent.
   */
  function check(summary: LoadSummary, results: CallResult[]): void {
    expect(summary.calls).toMatchObject({ finished: CALLS, ok: CALLS, failed: 0 });
    expect(summary.pacing).not.toBeNull();
    const p = summary.pacing!;
    const perCall = DURATION_MS / PTIME_MS;
    expect(p.frames + p.skipped).toBeGreaterThanOrEqual(CALLS * perCall);
    expect(p.frames + p.skipped).toBeLessThanOrEqual(CALLS * (perCall + 10));
    expect(p.frames).toBe(results.reduce((n, r) => n + r.rtp!.sent.packets, 0));
    expect(p.late).toBeLessThanOrEqual(p.frames);
    expect(Number.isFinite(p.p99Ms)).toBe(true);
    expect(p.p50Ms).toBeGreaterThanOrEqual(0);
    expect(p.p99Ms).toBeGreaterThanOrEqual(p.p50Ms);
    expect(p.maxMs).toBeGreaterThanOrEqual(p.p99Ms);
    const e = summary.eventLoop!;
    expect(e.p50Ms).toBeLessThanOrEqual(e.p99Ms);
    expect(e.p99Ms).toBeLessThanOrEqual(e.maxMs);
  }

  it('two workers: the summary counts every frame both workers’ pacers sent', async () => {
    const results: CallResult[] = [];
    const summary = await runShardedLoad({
      target: agent.uri,
      plan: { calls: CALLS, concurrency: CALLS },
      workers: 2,
      starterModule: loadModuleFile('caller-start'),
      template: template({ min: 39800, max: 39839 }),
      onResult: (_i, r) => results.push(r),
    });
    expect(summary.workers).toBe(2);
    check(summary, results);
    expect(summary.eventLoop?.loops).toBe(2);
  }, 30_000);

  it('one event loop: the starter’s own pacer, read at the end', async () => {
    const results: CallResult[] = [];
    const starter = await openLoadCaller(template({ min: 39840, max: 39879 }));
    try {
      const summary = await runLoad({ target: agent.uri, plan: { calls: CALLS, concurrency: CALLS }, startCall: starter.startCall, pacing: () => starter.pacing!(), onResult: (_i, r) => results.push(r) });
      check(summary, results);
      expect(summary.eventLoop?.loops).toBe(1);
    } finally {
      await starter.close();
    }
  }, 30_000);
});
