/**
 * Memory per active media call, on its own (`npx tsx bench/load/memory-probe.ts`): N calls, each
 * streaming G.711 both ways to a TestAgent echo in a child process (so the agent's memory is not
 * counted), all active at once — see memory-run.ts for the method.
 *
 * Env: MEMORY_PROBE_CALLS (default 200), MEMORY_PROBE_EVALUATE=1 (keep call audio for metrics),
 * MEMORY_PROBE_WARMUP=0 (count one-time costs too, as the first measurements did),
 * MEMORY_PROBE_SNAPSHOT=<prefix> (also write V8 heap snapshots `<prefix>.base.heapsnapshot` and
 * `<prefix>.peak.heapsnapshot`, for attribution in Chrome DevTools).
 */
import { join } from 'node:path';
import { makeLogDir, runTool } from '../../test/interop/harness';
import { memoryPerActiveCall } from './memory-run';
import { startAgentChild } from './sipprobe';

const CALLS = Number(process.env.MEMORY_PROBE_CALLS ?? 200);
const EVALUATE = process.env.MEMORY_PROBE_EVALUATE === '1';

async function main(): Promise<void> {
  const dir = makeLogDir('bench-memory-probe');
  const wav = join(dir, 'tone.wav');
  const sox = await runTool('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', wav, 'synth', '6', 'sine', '300-3000', 'vol', '0.3']);
  if (sox.code !== 0) throw new Error(`sox failed: ${sox.stderr}`);
  const agent = await startAgentChild();
  try {
    const m = await memoryPerActiveCall({
      uri: agent.uri,
      wav,
      calls: CALLS,
      evaluate: EVALUATE,
      warmUp: process.env.MEMORY_PROBE_WARMUP !== '0',
      ...(process.env.MEMORY_PROBE_SNAPSHOT ? { snapshotPrefix: process.env.MEMORY_PROBE_SNAPSHOT } : {}),
    });
    const kib = (b: number): string => (b / 1024).toFixed(1);
    console.log(`${CALLS} calls (${m.ok} ok, ${m.failed} failed; ${m.active} active when measured), evaluate ${EVALUATE}, loss ${m.lossPercent.toFixed(3)} %`);
    console.log(`per active call: ${kib(m.total)} KiB (heapUsed ${kib(m.heapUsed)} + external ${kib(m.external)}; of which ArrayBuffers ${kib(m.arrayBuffers)})`);
  } finally {
    await agent.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
