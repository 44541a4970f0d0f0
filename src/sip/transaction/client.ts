/**
 * Client transactions (RFC 3261 §17.1, RFC 6026 §7.2): INVITE (Calling → Proceeding →
 * Accepted | Completed → Terminated) and non-INVITE (Trying → Proceeding → Completed →
 * Terminated). Network input that does not fit the state is absorbed, never thrown.
 */
import type { SipRequest, SipResponse } from '../message';
import type { SipDestination, SipSent } from '../transport/types';
import { SipTransactionBase, type SipTransactionContext } from './base';
import { SipTransactionTimeoutError, SipTransactionTransportError, type SipTransactionError } from './errors';
import { buildSipCancel, buildSipNon2xxAck } from './requests';
import type { SipTransactionSender } from './sender';

/** States of the INVITE client transaction. */
export type SipInviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';
/** States of the non-INVITE client transaction. */
export type SipNonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** Callbacks of the transaction user (the UA core) for one client transaction. */
export interface SipClientTransactionHandlers {
  /**
   * Every response the TU must see: provisional and final ones, and for INVITE every 2xx
   * including retransmissions and forked 2xx (in Accepted), so the dialog can (re-)ACK each.
   */
  onResponse?(response: SipResponse, tx: SipClientTransaction): void;
  /** Timer B/F timeout or transport failure; the transaction then terminates. */
  onError?(error: SipTransactionError, tx: SipClientTransaction): void;
  /** The transaction reached Terminated. */
  onTerminated?(tx: SipClientTransaction): void;
}

/** @internal */
abstract class SipClientTransactionBase<S extends string> extends SipTransactionBase<S> {
  /** The request as sent (top Via stamped by the transport). */
  readonly request: SipRequest;
  /** Where the request was asked to go. */
  readonly destination: SipDestination;
  /** Where it actually went (set once the first send completed). */
  sent: SipSent | undefined;
  /** Responses absorbed as retransmissions or out of state. */
  absorbed = 0;
  protected readonly sender: SipTransactionSender;
  protected readonly handlers: SipClientTransactionHandlers;
  protected readonly startedAt: number;

  constructor(ctx: SipTransactionContext, key: string, initial: S, request: SipRequest, destination: SipDestination, sender: SipTransactionSender, handlers: SipClientTransactionHandlers) {
    super(ctx, key, initial);
    this.request = request;
    this.destination = destination;
    this.sender = sender;
    this.handlers = handlers;
    this.startedAt = ctx.clock.now();
    this.on('failed', (e: SipTransactionError) => this.handlers.onError?.(e, this as unknown as SipClientTransaction));
    this.on('terminated', () => this.handlers.onTerminated?.(this as unknown as SipClientTransaction));
  }

  /** True when the transport used is reliable (TCP/TLS); undefined before the first send completes. */
  get reliable(): boolean | undefined {
    return this.sent?.reliable;
  }

  /** @internal Starts the transaction: first send and the timers. */
  abstract start(): void;
  /** @internal A response matched to this transaction. */
  abstract receiveResponse(response: SipResponse): void;

  /** The destination to reuse for requests that must follow this one exactly (ACK, CANCEL). */
  get flowDestination(): SipDestination {
    const s = this.sent;
    if (!s) return { ...this.destination, pinned: true };
    return { protocol: s.protocol, address: s.remote.address, port: s.remote.port, serverName: s.remote.serverName, pinned: true };
  }

  protected deliver(response: SipResponse): void {
    this.handlers.onResponse?.(response, this as unknown as SipClientTransaction);
  }

  protected transportFailed(e: unknown): void {
    this.fail(new SipTransactionTransportError(e));
  }

  /** Time left until `startedAt + ms` (retransmission timers are anchored at the first send). */
  protected fromStart(ms: number): number {
    return Math.max(0, this.startedAt + ms - this.ctx.clock.now());
  }
}

/** INVITE client transaction (Figure 5 of RFC 3261 as amended by RFC 6026). */
export class SipInviteClientTransaction extends SipClientTransactionBase<SipInviteClientState> {
  readonly kind = 'invite-client' as const;
  protected readonly machine = 'INVITE client transaction';
  protected readonly transitions = {
    calling: ['proceeding', 'accepted', 'completed', 'terminated'],
    proceeding: ['accepted', 'completed', 'terminated'],
    accepted: ['terminated'],
    completed: ['terminated'],
    terminated: [],
  } as const satisfies Record<SipInviteClientState, readonly SipInviteClientState[]>;
  private ack: Promise<SipSent> | undefined;
  private ackDone: SipSent | undefined;
  private intervalA: number;

  /** @internal */
  constructor(ctx: SipTransactionContext, key: string, request: SipRequest, destination: SipDestination, sender: SipTransactionSender, handlers: SipClientTransactionHandlers) {
    super(ctx, key, 'calling', request, destination, sender, handlers);
    this.intervalA = ctx.timers.T1;
  }

  start(): void {
    const { T1 } = this.ctx.timers;
    this.startTimer('B', 64 * T1, () => this.fail(new SipTransactionTimeoutError('B', 64 * T1)));
    this.sender.sendRequest(this.request, this.destination).then(
      (sent) => {
        this.sent = sent;
        if (!sent.reliable && this.state === 'calling') this.startTimer('A', this.fromStart(T1), () => this.fireA());
      },
      (e) => this.transportFailed(e),
    );
  }

  private fireA(): void {
    if (this.state !== 'calling' || !this.sent) return;
    // §17.1.1.2: INVITE retransmissions double every time (no T2 cap, unlike Timer E)
    this.intervalA *= 2;
    this.startTimer('A', this.intervalA, () => this.fireA());
    this.sent.retransmit().catch((e) => this.transportFailed(e));
  }

  receiveResponse(res: SipResponse): void {
    const s = this.state;
    const code = res.status;
    if (code < 200) {
      if (s === 'calling') {
        this.transition('proceeding');
        this.stopTimer('A');
        this.stopTimer('B'); // the TU bounds ringing with its own timer from here
      }
      if (s === 'calling' || s === 'proceeding') this.deliver(res);
      else this.absorbed++;
      return;
    }
    if (code < 300) {
      if (s === 'calling' || s === 'proceeding') {
        this.transition('accepted');
        this.stopTimer('A');
        this.stopTimer('B');
        this.startTimer('M', 64 * this.ctx.timers.T1, () => this.transition('terminated'));
        this.deliver(res);
      } else if (s === 'accepted') {
        this.deliver(res); // retransmitted or forked 2xx: the dialog ACKs each one
      } else this.absorbed++;
      return;
    }
    if (s === 'calling' || s === 'proceeding') {
      this.transition('completed');
      this.stopTimer('A');
      this.stopTimer('B');
      this.sendAck(res);
      const reliable = this.sent?.reliable ?? this.destination.protocol !== 'udp';
      this.startTimer('D', reliable ? 0 : this.ctx.timers.D, () => this.transition('terminated'));
      this.deliver(res);
    } else if (s === 'completed') {
      this.absorbed++;
      const onError = (e: unknown): void => this.transportFailed(e);
      if (this.ackDone) this.ackDone.retransmit().catch(onError);
      else if (this.ack) this.ack.then((a) => a.retransmit()).catch(onError);
    } else this.absorbed++;
  }

  private sendAck(res: SipResponse): void {
    const ack = buildSipNon2xxAck(this.request, res);
    this.ack = this.sender.sendRequest(ack, this.flowDestination);
    this.ack.then(
      (s) => {
        this.ackDone = s;
      },
      (e) => this.transportFailed(e),
    );
  }

  /** A CANCEL for this INVITE (RFC 3261 §9.1); send it with {@link flowDestination}. */
  createCancel(): SipRequest {
    return buildSipCancel(this.request);
  }
}

/** Non-INVITE client transaction (Figure 6 of RFC 3261). */
export class SipNonInviteClientTransaction extends SipClientTransactionBase<SipNonInviteClientState> {
  readonly kind = 'non-invite-client' as const;
  protected readonly machine = 'non-INVITE client transaction';
  protected readonly transitions = {
    trying: ['proceeding', 'completed', 'terminated'],
    proceeding: ['completed', 'terminated'],
    completed: ['terminated'],
    terminated: [],
  } as const satisfies Record<SipNonInviteClientState, readonly SipNonInviteClientState[]>;
  private intervalE: number;

  /** @internal */
  constructor(ctx: SipTransactionContext, key: string, request: SipRequest, destination: SipDestination, sender: SipTransactionSender, handlers: SipClientTransactionHandlers) {
    super(ctx, key, 'trying', request, destination, sender, handlers);
    this.intervalE = ctx.timers.T1;
  }

  start(): void {
    const { T1 } = this.ctx.timers;
    this.startTimer('F', 64 * T1, () => this.fail(new SipTransactionTimeoutError('F', 64 * T1)));
    this.sender.sendRequest(this.request, this.destination).then(
      (sent) => {
        this.sent = sent;
        if (!sent.reliable && (this.state === 'trying' || this.state === 'proceeding')) {
          this.startTimer('E', this.fromStart(this.state === 'trying' ? T1 : this.ctx.timers.T2), () => this.fireE());
        }
      },
      (e) => this.transportFailed(e),
    );
  }

  private fireE(): void {
    if (!this.sent || (this.state !== 'trying' && this.state !== 'proceeding')) return;
    const { T2 } = this.ctx.timers;
    this.intervalE = this.state === 'trying' ? Math.min(2 * this.intervalE, T2) : T2;
    this.startTimer('E', this.intervalE, () => this.fireE());
    this.sent.retransmit().catch((e) => this.transportFailed(e));
  }

  receiveResponse(res: SipResponse): void {
    const s = this.state;
    if (s !== 'trying' && s !== 'proceeding') {
      this.absorbed++;
      return;
    }
    if (res.status < 200) {
      if (s === 'trying') this.transition('proceeding');
      this.deliver(res);
      return;
    }
    this.transition('completed');
    this.stopTimer('E');
    this.stopTimer('F');
    const reliable = this.sent?.reliable ?? this.destination.protocol !== 'udp';
    this.startTimer('K', reliable ? 0 : this.ctx.timers.T4, () => this.transition('terminated'));
    this.deliver(res);
  }
}

/** Either client transaction. */
export type SipClientTransaction = SipInviteClientTransaction | SipNonInviteClientTransaction;
