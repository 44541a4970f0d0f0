import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestAgent } from '../../src/agent';
import { parseCallResultJson } from '../../src/report/validate';
import type { LoadSummary } from '../../src/load';

const LOAD_MODULE = resolve(__dirname, '../../src/cli/load.ts');

describe('sipprobe load: Ctrl-C (SIGINT to a real process)', () => {
  let dir: string;
  let agent: TestAgent;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'load-sigint-'));
    agent = new TestAgent({ behaviour: { play: null } });
    await agent.start();
  });
  afterEach(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops starting calls, hangs up the active ones with BYE, writes every started call and the aggregate', async () => {
    const results = join(dir, 'calls.jsonl');
    const options = { target: agent.uri, headers: [], transport: 'udp', insecure: false, calls: 50, concurrency: 5, durationMs: 60_000, json: '-', results };
    const script = `require(${JSON.stringify(LOAD_MODULE)}).runLoadCommand(${JSON.stringify(options)}, { stdout: process.stdout, stderr: process.stderr, progressIntervals: { plain: 100 } }).then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 3; });`;
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    // Wait until five calls are up (answered by the agent), then press Ctrl-C.
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no 5 active calls in time:\n${stderr}`)), 10_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/started 5\/50 {2}active 5/.test(stderr) && agent.activeCalls.length === 5) {
          clearTimeout(timer);
          res();
        }
      });
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(1);
    const summary = JSON.parse(stdout) as LoadSummary;
    expect(summary.interrupted).toBe(true);
    expect(summary.calls).toMatchObject({ planned: 50, started: 5, finished: 5, notStarted: 45 });
    const lines = readFileSync(results, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    const parsed = lines.map((l) => parseCallResultJson(l));
    expect(parsed.every((r) => r.endedBy === 'caller' && r.timings.answerMs !== null)).toBe(true);
    expect(agent.requestsOf('INVITE').filter((r) => !r.retransmission)).toHaveLength(5);
    expect(agent.requestsOf('BYE').filter((r) => !r.retransmission)).toHaveLength(5);
    expect(stderr).toContain('interrupted: starting no more calls');
    expect(stderr).toContain('load INTERRUPTED');
  }, 15_000);
});
