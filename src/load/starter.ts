import type { LoadPacingData } from './pacing';
import type { LoadRtpPortRange } from './port-slices';
import type { StartCall } from './scheduler';

/** Something that places calls for a load run and is closed afterwards (e.g. one Caller). */
export interface LoadStarter {
  startCall: StartCall;
  close(): Promise<void>;
  /**
   * How accurately this starter's pacer sent RTP so far (every frame of every call it placed);
   * null or absent when it paces nothing itself. Read once the run's calls have finished.
   */
  pacing?(): LoadPacingData | null;
}

/** Which worker of a sharded run a starter belongs to, and what is its alone. */
export interface LoadShardContext {
  /** This worker, 0-based. */
  readonly index: number;
  /** Workers in the run. */
  readonly count: number;
  /**
   * This worker's RTP port slice, disjoint from every other worker's (bind media ports only
   * here). Absent when the run's calls bind no RTP ports (signalling only).
   */
  readonly rtpPorts?: LoadRtpPortRange;
}

/**
 * A module a load worker can load by path: it builds its own {@link LoadStarter} from a
 * structured-clone-safe template (each worker has its own sockets, so nothing live crosses
 * threads) and the worker's {@link LoadShardContext}.
 */
export interface LoadStarterModule<T> {
  openLoadStarter(template: T, shard?: LoadShardContext): Promise<LoadStarter>;
}
