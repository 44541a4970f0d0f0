/**
 * Load runs: many calls from one Caller at a given concurrency and rate, each result streamed
 * to a JSON-lines file, an aggregate of counters and quantile sketches, live progress.
 */
export { LoadError } from './errors';
export { QuantileSketch } from './sketch';
export type { QuantileSketchState } from './sketch';
export { sampleOfResult } from './sample';
export type { CallSample } from './sample';
export { LoadAggregate, LOAD_OUTCOMES } from './aggregate';
export type { LoadAggregateState, LoadDistribution, LoadMetricName } from './aggregate';
export { validateLoadPlan, dueTimeMs, rampedConcurrency } from './plan';
export type { LoadPlan } from './plan';
export { LoadScheduler } from './scheduler';
export type { StartCall, LoadSchedulerOptions } from './scheduler';
export { JsonLinesWriter, resultLine, readJsonLines } from './jsonl';
export { RateWindow, ProgressDisplay, formatProgressLine } from './progress';
export type { LoadProgress, ProgressDisplayOptions } from './progress';
export { buildLoadSummary } from './summary';
export type { LoadSummary, LoadRunFacts } from './summary';
export { formatLoadSummary } from './table';
export { startFailureResult } from './failure-result';
export { loadPacingOf, mergeLoadPacing } from './pacing';
export type { LoadPacingData, LoadPacingSummary } from './pacing';
export type { LoadLoopDelayData, LoadLoopDelaySummary } from './loop-delay';
export { runLoad } from './run';
export type { RunLoadOptions } from './run';
export { runLoadWith } from './run';
export type { LoadEngine, LoadEngineSink, LoadRunCommon } from './run';
export { runShardedLoad } from './sharded';
export type { ShardedLoadOptions } from './sharded';
export type { LoadStarter, LoadStarterModule, LoadShardContext } from './starter';
export { splitRtpPortRange, DEFAULT_LOAD_RTP_PORTS } from './port-slices';
export type { LoadRtpPortRange } from './port-slices';
export type { LoadWorkerData, LoadWorkerMessage, LoadMainMessage } from './shard-protocol';
export { openLoadCaller, openLoadStarter, shardLoadTemplate } from './caller-start';
export type { LoadCallTemplate, LoadCaller, LoadCallerFactory } from './caller-start';
