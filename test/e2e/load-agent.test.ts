import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAgent } from '../../src/agent';
import { parseCallResultJson } from '../../src/report/validate';
import { runLoadCommand } from '../../src/cli/load';
import type { LoadSummary } from '../../src/load';
import { parseCli } from '../../src/cli/args';

class Capture {
  text = '';
  isTTY = false;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('sipprobe load → TestAgent over loopback UDP', () => {
  let dir: string;
  let agent: TestAgent;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'load-e2e-'));
    agent = new TestAgent({ behaviour: { play: null } });
    await agent.start();
  });
  afterEach(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('places 20 calls at concurrency 5: all completed, 20 valid JSON lines, one run id, distinct result ids', async () => {
    const cmd = parseCli(['load', agent.uri, '--calls', '20', '--concurrency', '5', '--duration', '300ms', '--run-id', 'load-e2e-run', '-H', 'X-Suite: load', '--json', '-'], {});
    if (cmd.command !== 'load') throw new Error('parse');
    const stdout = new Capture();
    const stderr = new Capture();
    const results = join(dir, 'calls.jsonl');
    const code = await runLoadCommand({ ...cmd.options, results }, { stdout: stdout as never, stderr: stderr as never, progressIntervals: { plain: 200 }, cwd: dir });
    const summary = JSON.parse(stdout.text) as LoadSummary;
    expect({ code, ...summary.calls }).toEqual({ code: 0, planned: 20, started: 20, finished: 20, ok: 20, failed: 0, notStarted: 0, peakActive: 5 });
    expect(summary.outcomes.completed).toBe(20);
    expect(summary.setupMs?.count).toBe(20);
    expect(summary.resultsFile).toBe(results);
    const lines = readFileSync(results, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(20);
    const parsed = lines.map((l) => parseCallResultJson(l));
    expect(parsed.every((r) => r.outcome === 'completed' && r.ids.runId === 'load-e2e-run')).toBe(true);
    expect(new Set(parsed.map((r) => r.ids.resultId)).size).toBe(20);
    expect(new Set(parsed.map((r) => r.sip.callId)).size).toBe(20);
    // What the agent saw: 20 INVITEs with the run's headers, each answered and hung up by us.
    const invites = agent.requestsOf('INVITE').filter((r) => !r.retransmission);
    expect(invites).toHaveLength(20);
    expect(invites.every((r) => r.headers.get('X-Run-Id') === 'load-e2e-run' && r.headers.get('X-Suite') === 'load')).toBe(true);
    expect(agent.requestsOf('BYE').filter((r) => !r.retransmission)).toHaveLength(20);
    // the tester's own RTP timing, from the one event loop's pacer: every frame of the 20 calls
    const sent = parsed.reduce((n, r) => n + (r.rtp?.sent.packets ?? 0), 0);
    expect(sent).toBeGreaterThan(0);
    expect(summary.pacing).not.toBeNull();
    expect(summary.pacing!.frames).toBe(sent);
    expect(Number.isFinite(summary.pacing!.p99Ms)).toBe(true);
    expect(stderr.text).toContain('RTP pacing');
    expect(stderr.text).toContain('load finished');
    expect(stderr.text).toMatch(/started \d+\/20 {2}active \d+/);
  }, 15_000);
});
