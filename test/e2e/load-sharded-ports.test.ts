/**
 * A sharded media load run with real Callers (one per worker thread) against a TestAgent echo:
 * every worker binds its RTP ports only in its own slice of the configured range.
 */
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import type { CallResult } from '../../src/caller/result';
import { runShardedLoad, splitRtpPortRange, type LoadCallTemplate } from '../../src/load';
import { loadModuleFile } from '../../src/load/module-files';
import { RtpPortPool } from '../../src/rtp/port-pool';

describe('sharded load: disjoint RTP slices per worker (real Callers, loopback UDP)', () => {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = new TestAgent({ behaviour: { echo: true, play: null }, media: { portPool: new RtpPortPool({ min: 39400, max: 39599 }) } });
    await agent.start();
  });
  afterAll(() => agent.stop());

  it('two workers, eight calls with G.711 both ways: each call bound in its worker’s slice, no loss', async () => {
    const rtpPorts = { min: 39600, max: 39639 };
    const template: LoadCallTemplate = { target: agent.uri, transport: 'udp', runId: 'shard-ports', codecs: ['PCMU'], durationMs: 600, evaluate: false, rtpPorts };
    const results = new Map<number, CallResult>();
    const summary = await runShardedLoad({
      target: agent.uri,
      plan: { calls: 8, concurrency: 8 },
      workers: 2,
      starterModule: loadModuleFile('caller-start'),
      template,
      onResult: (i, r) => results.set(i, r),
    });
    expect(summary.calls).toMatchObject({ finished: 8, ok: 8, failed: 0 });
    const slices = splitRtpPortRange(rtpPorts, [4, 4]);
    for (const [i, r] of results) {
      const slice = slices[i % 2]; // worker w places calls w, w + 2, …
      expect(r.rtp).not.toBeNull();
      expect(r.rtp!.localPort).toBeGreaterThanOrEqual(slice.min);
      expect(r.rtp!.localPort).toBeLessThanOrEqual(slice.max - 1);
      expect(r.rtp!.received.packets).toBeGreaterThan(10);
      expect(r.rtp!.received.lost).toBe(0);
    }
    expect(new Set([...results.values()].map((r) => r.rtp!.localPort)).size).toBe(8);
  }, 30_000);
});
