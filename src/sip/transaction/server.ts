/**
 * Server transactions (RFC 3261 §17.2, RFC 6026 §7.1): INVITE (Proceeding → Accepted |
 * Completed → Confirmed → Terminated) and non-INVITE (Trying → Proceeding → Completed →
 * Terminated). Responses come from the TU through `respond()`, which refuses what the state
 * machine does not allow; retransmitted requests are absorbed here.
 */
import { createResponse, type SipRequest, type SipResponse } from '../message';
import type { SipInbound, SipSent } from '../transport/types';
import { SipTransactionBase, type SipTransactionContext } from './base';
import { SipTransactionStateError, SipTransactionTimeoutError, SipTransactionTransportError, type SipTransactionError } from './errors';
import type { SipTransactionSender } from './sender';

/** States of the INVITE server transaction. */
export type SipInviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';
/** States of the non-INVITE server transaction. */
export type SipNonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** Events of a server transaction. */
export interface SipServerTransactionEvents {
  /** Timer H (no ACK) or a transport failure; the transaction then terminates. */
  failed: (error: SipTransactionError) => void;
  terminated: () => void;
  state: (to: string, from: string) => void;
}

/** @internal */
abstract class SipServerTransactionBase<S extends string> extends SipTransactionBase<S> {
  /** The request that created the transaction. */
  readonly request: SipRequest;
  /** Where and how it arrived (responses go back accordingly). */
  readonly inbound: SipInbound;
  /** The last response sent (provisional or final). */
  lastResponse: SipResponse | undefined;
  /** Retransmitted requests absorbed. */
  absorbed = 0;
  protected readonly sender: SipTransactionSender;
  protected lastSent: Promise<SipSent> | undefined;
  /** The resolved send of `lastResponse`, so timers retransmit synchronously at their due time. */
  private lastSentDone: SipSent | undefined;

  constructor(ctx: SipTransactionContext, key: string, initial: S, inbound: SipInbound, sender: SipTransactionSender) {
    super(ctx, key, initial);
    this.inbound = inbound;
    this.request = inbound.message as SipRequest;
    this.sender = sender;
  }

  override on<E extends keyof SipServerTransactionEvents>(event: E, listener: SipServerTransactionEvents[E]): this {
    return super.on(event, listener);
  }

  /** True for TCP/TLS: no retransmissions, Timers I/J are zero. */
  get reliable(): boolean {
    return this.inbound.transport.reliable;
  }

  /** Sends `response` if the state machine allows it; throws {@link SipTransactionStateError} otherwise. */
  abstract respond(response: SipResponse): void;
  /** @internal A retransmission of the request (or, for INVITE, an ACK) matched this transaction. */
  abstract receiveRequest(request: SipRequest): boolean;

  /** Builds a response to the request with `createResponse` and sends it through {@link respond}. */
  reply(status: number, reason?: string, init?: Parameters<typeof createResponse>[3]): SipResponse {
    const res = createResponse(this.request, status, reason, init);
    this.respond(res);
    return res;
  }

  protected refuse(response: SipResponse): never {
    throw new SipTransactionStateError(this.machine, this.state, `respond ${response.status}`);
  }

  protected checkResponse(response: SipResponse): void {
    if (response.cseq?.method !== undefined && response.cseq.method !== this.request.method) {
      throw new SipTransactionStateError(this.machine, this.state, `respond with CSeq method ${response.cseq.method.slice(0, 16)}`);
    }
  }

  protected transmit(response: SipResponse): void {
    this.lastResponse = response;
    this.lastSentDone = undefined;
    const p = this.sender.sendResponse(response, this.inbound);
    this.lastSent = p;
    p.then(
      (s) => {
        if (this.lastSent === p) this.lastSentDone = s;
      },
      (e) => this.fail(new SipTransactionTransportError(e)),
    );
  }

  protected retransmitLast(): void {
    const onError = (e: unknown): void => this.fail(new SipTransactionTransportError(e));
    if (this.lastSentDone) this.lastSentDone.retransmit().catch(onError);
    else if (this.lastSent) this.lastSent.then((s) => s.retransmit()).catch(onError);
  }
}

/** Options of the INVITE server transaction. */
export interface SipInviteServerOptions {
  /** Send 100 Trying if the TU has not responded within 200 ms (§17.2.1; default true). */
  autoTrying?: boolean;
}

/** INVITE server transaction (Figure 7 of RFC 3261 as amended by RFC 6026). */
export class SipInviteServerTransaction extends SipServerTransactionBase<SipInviteServerState> {
  readonly kind = 'invite-server' as const;
  protected readonly machine = 'INVITE server transaction';
  protected readonly transitions = {
    proceeding: ['accepted', 'completed', 'terminated'],
    accepted: ['terminated'],
    completed: ['confirmed', 'terminated'],
    confirmed: ['terminated'],
    terminated: [],
  } as const satisfies Record<SipInviteServerState, readonly SipInviteServerState[]>;
  private intervalG: number;

  /** @internal */
  constructor(ctx: SipTransactionContext, key: string, inbound: SipInbound, sender: SipTransactionSender, options: SipInviteServerOptions = {}) {
    super(ctx, key, 'proceeding', inbound, sender);
    this.intervalG = ctx.timers.T1;
    if (options.autoTrying !== false) {
      this.startTimer('Trying', 200, () => {
        if (this.state === 'proceeding' && !this.lastResponse) this.transmit(createResponse(this.request, 100));
      });
    }
  }

  respond(res: SipResponse): void {
    this.checkResponse(res);
    const s = this.state;
    const code = res.status;
    if (s === 'proceeding') {
      this.stopTimer('Trying');
      if (code < 200) {
        this.transmit(res);
      } else if (code < 300) {
        this.transition('accepted');
        this.transmit(res);
        this.startTimer('L', 64 * this.ctx.timers.T1, () => this.transition('terminated'));
      } else {
        this.transition('completed');
        this.transmit(res);
        const { T1 } = this.ctx.timers;
        if (!this.reliable) this.startTimer('G', T1, () => this.fireG());
        this.startTimer('H', 64 * T1, () => this.fail(new SipTransactionTimeoutError('H', 64 * T1)));
      }
      return;
    }
    // RFC 6026 §7.1: in Accepted the TU retransmits its 2xx through the transaction
    if (s === 'accepted' && code >= 200 && code < 300) {
      this.transmit(res);
      return;
    }
    this.refuse(res);
  }

  private fireG(): void {
    if (this.state !== 'completed') return;
    this.intervalG = Math.min(2 * this.intervalG, this.ctx.timers.T2);
    this.startTimer('G', this.intervalG, () => this.fireG());
    this.retransmitLast();
  }

  /**
   * @internal An INVITE retransmission or an ACK matched this transaction. Returns true when
   * an ACK must go up to the TU (ACKs in Accepted: they are for the 2xx, RFC 6026 §7.1).
   */
  receiveRequest(req: SipRequest): boolean {
    const s = this.state;
    if (req.method === 'ACK') {
      if (s === 'completed') {
        this.transition('confirmed');
        this.stopTimer('G');
        this.stopTimer('H');
        this.startTimer('I', this.reliable ? 0 : this.ctx.timers.T4, () => this.transition('terminated'));
        return false;
      }
      if (s === 'accepted') return true;
      this.absorbed++;
      return false;
    }
    this.absorbed++;
    if ((s === 'proceeding' && this.lastResponse) || s === 'completed') this.retransmitLast();
    return false;
  }
}

/** Non-INVITE server transaction (Figure 8 of RFC 3261). */
export class SipNonInviteServerTransaction extends SipServerTransactionBase<SipNonInviteServerState> {
  readonly kind = 'non-invite-server' as const;
  protected readonly machine = 'non-INVITE server transaction';
  protected readonly transitions = {
    trying: ['proceeding', 'completed', 'terminated'],
    proceeding: ['completed', 'terminated'],
    completed: ['terminated'],
    terminated: [],
  } as const satisfies Record<SipNonInviteServerState, readonly SipNonInviteServerState[]>;

  /** @internal */
  constructor(ctx: SipTransactionContext, key: string, inbound: SipInbound, sender: SipTransactionSender) {
    super(ctx, key, 'trying', inbound, sender);
  }

  respond(res: SipResponse): void {
    this.checkResponse(res);
    const s = this.state;
    if (s !== 'trying' && s !== 'proceeding') this.refuse(res);
    if (res.status < 200) {
      if (s === 'trying') this.transition('proceeding');
      this.transmit(res);
      return;
    }
    this.transition('completed');
    this.transmit(res);
    this.startTimer('J', this.reliable ? 0 : 64 * this.ctx.timers.T1, () => this.transition('terminated'));
  }

  /** @internal A retransmission of the request. */
  receiveRequest(): boolean {
    this.absorbed++;
    if (this.state === 'proceeding' || this.state === 'completed') this.retransmitLast();
    return false;
  }
}

/** Either server transaction. */
export type SipServerTransaction = SipInviteServerTransaction | SipNonInviteServerTransaction;
