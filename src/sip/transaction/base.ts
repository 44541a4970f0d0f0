/** State-machine plumbing shared by the four transaction kinds: guarded transitions, named timers, events. */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../clock';
import { SipTransactionStateError, type SipTransactionError } from './errors';
import type { SipTimerConfig } from './timers';

/** Names of the RFC 3261 / RFC 6026 timers. */
export type SipTimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'Trying';

/** @internal What a transaction needs from its layer. */
export interface SipTransactionContext {
  readonly clock: Clock;
  readonly timers: SipTimerConfig;
  /** Called once when the transaction reaches Terminated. */
  onTerminated(tx: SipTransactionBase<string>): void;
}

/** @internal */
export abstract class SipTransactionBase<S extends string> extends EventEmitter {
  /** Matching key in the layer's table. */
  readonly key: string;
  /** Human-readable machine name for errors. */
  protected abstract readonly machine: string;
  /** Allowed transitions: the explicit table of the state machine. */
  protected abstract readonly transitions: Readonly<Record<S, readonly S[]>>;
  private current: S;
  private readonly timerHandles = new Map<SipTimerName, TimerHandle>();
  protected readonly ctx: SipTransactionContext;
  /** The error that ended the transaction, if any. */
  error: SipTransactionError | undefined;

  constructor(ctx: SipTransactionContext, key: string, initial: S) {
    super();
    this.ctx = ctx;
    this.key = key;
    this.current = initial;
  }

  /** Current state. */
  get state(): S {
    return this.current;
  }

  /** Names of the timers currently running (for tests and diagnostics). */
  get runningTimers(): SipTimerName[] {
    return [...this.timerHandles.keys()];
  }

  /** True once in Terminated. */
  get terminated(): boolean {
    return (this.current as string) === 'terminated';
  }

  /**
   * Moves to `to` if the table allows it, else throws {@link SipTransactionStateError} and
   * stays. Entering Terminated stops every timer and tells the layer.
   */
  protected transition(to: S): void {
    const from = this.current;
    if (!this.transitions[from].includes(to)) throw new SipTransactionStateError(this.machine, from, to);
    this.current = to;
    this.emit('state', to, from);
    if ((to as string) === 'terminated') {
      for (const h of this.timerHandles.values()) this.ctx.clock.clearTimeout(h);
      this.timerHandles.clear();
      this.ctx.onTerminated(this);
      this.emit('terminated');
    }
  }

  /** Ends the transaction with an error (reported once, before 'terminated'). */
  protected fail(err: SipTransactionError): void {
    if (this.terminated) return;
    this.error = err;
    this.emit('failed', err);
    this.transition('terminated' as S);
  }

  protected startTimer(name: SipTimerName, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const h = this.ctx.clock.setTimeout(() => {
      this.timerHandles.delete(name);
      if (!this.terminated) fire();
    }, ms);
    (h as { unref?: () => void }).unref?.();
    this.timerHandles.set(name, h);
  }

  protected stopTimer(name: SipTimerName): void {
    const h = this.timerHandles.get(name);
    if (h !== undefined) {
      this.ctx.clock.clearTimeout(h);
      this.timerHandles.delete(name);
    }
  }

  /** Forces Terminated without an error (layer shutdown). */
  abort(): void {
    if (!this.terminated) this.transition('terminated' as S);
  }
}
