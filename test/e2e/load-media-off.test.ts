import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { openLoadCaller, runLoad } from '../../src/load';
import { parseCallResultJson } from '../../src/report/validate';

describe('load with media: false (signalling only) → TestAgent', () => {
  let dir: string;
  let agent: TestAgent;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'load-media-off-'));
    agent = new TestAgent({ behaviour: { play: null } });
    await agent.start();
  });
  afterEach(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('offers SDP on port 9 with a=inactive, negotiates a codec, sends no RTP, and every result says MEDIA_OFF', async () => {
    const starter = await openLoadCaller({ target: agent.uri, transport: 'udp', runId: 'media-off', media: false, durationMs: 100, codecs: ['PCMA', 'PCMU'] });
    const results = join(dir, 'calls.jsonl');
    try {
      const s = await runLoad({ target: agent.uri, plan: { calls: 6, concurrency: 3 }, startCall: starter.startCall, resultsPath: results });
      expect(s.calls).toMatchObject({ planned: 6, finished: 6, ok: 6, failed: 0 });
      expect(s.rtp.lossPercent).toBeNull();
    } finally {
      await starter.close();
    }
    const lines = readFileSync(results, 'utf8').trim().split('\n').map((l) => parseCallResultJson(l));
    expect(lines).toHaveLength(6);
    for (const r of lines) {
      expect(r.outcome).toBe('completed');
      expect(r.rtp).toBeNull();
      expect(r.codec?.name).toBe('PCMA');
      expect(r.timings.firstRtpSentMs).toBeNull();
      expect(r.warnings.filter((w) => w.startsWith('MEDIA_OFF:'))).toHaveLength(1);
    }
    const invites = agent.requestsOf('INVITE').filter((r) => !r.retransmission);
    expect(invites).toHaveLength(6);
    for (const inv of invites) {
      expect(inv.body).toMatch(/^m=audio 9 RTP\/AVP 8 0 101\r$/m);
      expect(inv.body).toMatch(/^a=inactive\r$/m);
      expect(inv.body).not.toMatch(/^a=sendrecv/m);
    }
  }, 15_000);

  it('refuses media: false together with play, script or record before sending anything', async () => {
    const caller = new Caller();
    try {
      for (const extra of [{ play: '/x.wav' }, { script: [{ silence: 10 }] }, { record: join(dir, 'r.wav') }]) {
        expect(() => caller.call({ target: agent.uri, media: false, ...extra })).toThrow(expect.objectContaining({ code: 'CALLER_BAD_OPTION' }));
      }
    } finally {
      await caller.close();
    }
    expect(agent.requestsOf('INVITE')).toHaveLength(0);
  });
});
