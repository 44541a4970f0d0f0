/**
 * Entry point of one load worker thread: opens its own starter (one Caller: its own SIP socket,
 * RTP ports and pacer), runs its share of the plan, and sends every finished call to the main
 * thread as its JSON line plus aggregate sample, and at the end its pacer's statistics and its
 * event loop's delay. Not imported by anything; started by {@link runShardedLoad}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startFailureResult } from './failure-result';
import { resultLine } from './jsonl';
import { LoopDelayMonitor } from './loop-delay';
import { sampleOfResult } from './sample';
import { LoadScheduler } from './scheduler';
import type { LoadMainMessage, LoadWorkerData, LoadWorkerMessage } from './shard-protocol';
import type { LoadStarterModule } from './starter';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: LoadWorkerMessage): void => port.postMessage(m);
  const data = workerData as LoadWorkerData<{ target?: string; transport?: 'udp' | 'tcp' | 'tls' }>;
  const global = (i: number): number => data.first + i * data.stride;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(data.starterModule) as LoadStarterModule<unknown>;
  const starter = await mod.openLoadStarter(data.template, data.shard);
  const scheduler = new LoadScheduler(data.plan, (i, signal) => starter.startCall(global(i), signal), {
    onStart: (i) => post({ type: 'start', index: global(i) }),
    onStartError: (_i, err) => startFailureResult(String(data.template.target ?? ''), data.template.transport ?? 'udp', err),
    onFinish: (i, result) => post({ type: 'result', index: global(i), line: resultLine(result), sample: sampleOfResult(result) }),
  });
  let go!: () => void;
  const started = new Promise<void>((resolve) => (go = resolve));
  port.on('message', (m: LoadMainMessage) => {
    if (m.type === 'go') go();
    else if (m.type === 'stop') {
      scheduler.stop(new Error('interrupted'));
      go();
    } else if (m.type === 'pause') scheduler.pause();
    else if (m.type === 'resume') scheduler.resume();
  });
  post({ type: 'ready' });
  await started;
  const loop = new LoopDelayMonitor();
  try {
    await scheduler.run();
  } finally {
    await starter.close();
    loop.stop();
  }
  // Read after close: hung-up calls have sent their last frame.
  post({ type: 'done', pacing: starter.pacing?.() ?? null, loopDelay: loop.stop() });
  port.close();
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'fatal', message: err instanceof Error ? err.message : String(err) } satisfies LoadWorkerMessage);
});
