import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLoadCaller, runLoad } from '../../src/load';
import { startSippUas, stopAllPeers } from './harness';

afterEach(stopAllPeers);

describe('load → SIPp UAS (uas-basic)', () => {
  it('places 50 calls at 20 calls/s with 0 failures, as SIPp counts them too', async () => {
    const uas = await startSippUas({ scenario: 'basic', media: 'echo', calls: 50, maxSeconds: 60 });
    const dir = mkdtempSync(join(tmpdir(), 'load-sipp-'));
    const caller = await openLoadCaller({ target: `sip:agent@127.0.0.1:${uas.port}`, transport: 'udp', runId: 'load-interop', durationMs: 500 });
    try {
      const summary = await runLoad({
        target: `sip:agent@127.0.0.1:${uas.port}`,
        plan: { calls: 50, concurrency: 50, ratePerSec: 20 },
        startCall: caller.startCall,
        resultsPath: join(dir, 'calls.jsonl'),
      });
      expect(summary.calls).toMatchObject({ started: 50, finished: 50, ok: 50, failed: 0 });
      expect(summary.statuses).toEqual({ '200': 50 });
      // 50 calls at 20/s: the last starts at 2.45 s.
      expect(summary.wallMs).toBeGreaterThanOrEqual(2450);
      expect(summary.throughput.startedPerSec).toBeLessThanOrEqual(21);
      expect(readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n')).toHaveLength(50);
      expect(await uas.wait()).toBe(0);
      expect((uas.messagesLog().match(/X-Run-Id: load-interop/g) ?? []).length).toBeGreaterThanOrEqual(50);
      expect(uas.screenLog()).toMatch(/Successful call\s*\|\s*\d+\s*\|\s*50\s/);
    } finally {
      await caller.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
