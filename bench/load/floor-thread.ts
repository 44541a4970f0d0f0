/**
 * Worker entry of {@link bareStreamsOnThread}: runs {@link bareStreams} with the options it was
 * given and posts the result back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bareStreams, type BareStreamsOptions } from './floor';

bareStreams(workerData as BareStreamsOptions).then(
  (result) => parentPort!.postMessage({ result }),
  (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) }),
);
