import type { LoadLoopDelayData } from './loop-delay';
import type { LoadPacingData } from './pacing';
import type { CallSample } from './sample';
import type { LoadPlan } from './plan';
import type { LoadShardContext } from './starter';

/** What the main thread gives one load worker (structured-clone safe). */
export interface LoadWorkerData<T> {
  /** This worker's share of the plan. */
  plan: LoadPlan;
  /** Global index of this worker's call i is `first + i × stride`. */
  first: number;
  stride: number;
  /** The per-call template handed to the worker's starter. */
  template: T;
  /** This worker's place in the run (and its own RTP port slice), handed to the starter too. */
  shard: LoadShardContext;
  /** Module exporting `openLoadStarter(template)` (resolved in the worker). */
  starterModule: string;
}

/**
 * Worker → main. A result travels as its finished JSON line plus the aggregate's sample; `done`
 * carries the worker's pacing (its starter's, null when it reports none), merged in the main thread,
 * and its event loop's delay over the run.
 */
export type LoadWorkerMessage =
  | { type: 'ready' }
  | { type: 'start'; index: number }
  | { type: 'result'; index: number; line: string; sample: CallSample }
  | { type: 'done'; pacing: LoadPacingData | null; loopDelay: LoadLoopDelayData | null }
  | { type: 'fatal'; message: string };

/**
 * Main → worker. `go` comes once every worker is `ready` (its Caller built, its modules loaded):
 * shards start together, so their split rates add up from the first call on.
 */
export type LoadMainMessage = { type: 'go' } | { type: 'stop' } | { type: 'pause' } | { type: 'resume' };
