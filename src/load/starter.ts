import type { StartCall } from './scheduler';

/** Something that places calls for a load run and is closed afterwards (e.g. one Caller). */
export interface LoadStarter {
  startCall: StartCall;
  close(): Promise<void>;
}

/**
 * A module a load worker can load by path: it builds its own {@link LoadStarter} from a
 * structured-clone-safe template (each worker has its own sockets, so nothing live crosses
 * threads).
 */
export interface LoadStarterModule<T> {
  openLoadStarter(template: T): Promise<LoadStarter>;
}
