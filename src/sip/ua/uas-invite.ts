/**
 * The callee's side of one INVITE (RFC 3261 §13.3): provisional responses (reliable ones per
 * RFC 3262 when the caller supports 100rel), the 2xx that makes the call (retransmitted until
 * the ACK), rejection, CANCEL → 487, and session-timer negotiation (RFC 4028 §9).
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { TimerHandle } from '../../clock';
import { randomIntBetween } from '../../random';
import { SipDialog } from '../dialog';
import { createResponse, type SipHeaderInit, type SipRequest, type SipResponse } from '../message';
import type { SipNameAddr } from '../name-addr';
import { negotiateUasSessionTimer, type SipSessionTimerDecision } from '../session-timer';
import { newSipTag } from '../tags';
import type { SipInviteServerTransaction, SipServerTransaction } from '../transaction/server';
import type { SipAddress, SipTransportProtocol } from '../transport/types';
import { respond, SipCall, type SipOfferHandler } from './call';
import { addExtraHeaders, allows, bodyOf, decorate, hasOptionTag, SipUserAgentError, type SipBody, type SipUaCore } from './core';

/** Where an incoming INVITE stands. */
export type SipIncomingInviteState = 'pending' | 'answered' | 'rejected' | 'cancelled' | 'failed';

/** Options of {@link SipIncomingInvite.provisional}. */
export interface SipProvisionalOptions {
  reason?: string;
  headers?: SipHeaderInit;
  /** Early media / early offer-answer body. */
  body?: SipBody;
  /**
   * Send reliably (RFC 3262: `Require: 100rel`, RSeq, retransmitted until PRACK). Default: only
   * when the INVITE requires 100rel; ignored when the caller does not support it.
   */
  reliable?: boolean;
}

/** Options of {@link SipIncomingInvite.answer}. */
export interface SipAnswerOptions {
  headers?: SipHeaderInit;
  /** Answers later offers (re-INVITE/UPDATE) in the call. */
  onOffer?: SipOfferHandler;
}

/** Options of {@link SipIncomingInvite.reject}. */
export interface SipRejectOptions {
  reason?: string;
  headers?: SipHeaderInit;
}

/** Events of a {@link SipIncomingInvite}. */
export interface SipIncomingInviteEvents {
  /** The caller cancelled (the 487 is already sent). */
  cancel: (request: SipRequest) => void;
  /** A PRACK acknowledged a reliable provisional (already answered 200). */
  prack: (request: SipRequest) => void;
  /** The INVITE transaction failed (transport error). */
  failed: (error: Error) => void;
}

interface Reliable {
  rseq: number;
  response: SipResponse;
  interval: number;
  timer: TimerHandle | undefined;
  deadline: TimerHandle;
}

/** An INVITE that arrived outside any dialog. Surfaced by `SipUserAgent`'s `'invite'` event. */
export class SipIncomingInvite extends EventEmitter {
  /** The INVITE. */
  readonly request: SipRequest;
  /** Our To tag for every response. */
  readonly localTag = newSipTag();
  /** The transport it arrived on. */
  readonly protocol: SipTransportProtocol;
  /** The peer's address of the connection the INVITE came on: the dialog's requests reuse it. */
  private readonly remote: SipAddress | undefined;
  /** The caller's offer, when the INVITE had a body. */
  readonly offer: SipBody | undefined;
  /** The call, once answered. */
  call: SipCall | undefined;
  /** @internal Session-timer decision taken on arrival (a reject is answered 422 by the core). */
  readonly sessionTimerDecision: SipSessionTimerDecision;
  private current: SipIncomingInviteState = 'pending';
  private readonly core: SipUaCore;
  private readonly tx: SipInviteServerTransaction;
  private early: SipDialog | undefined;
  private rseq = 0;
  private reliable: Reliable | undefined;

  /** @internal */
  constructor(core: SipUaCore, tx: SipInviteServerTransaction, protocol: SipTransportProtocol, remote?: SipAddress) {
    super();
    this.remote = remote;
    this.core = core;
    this.tx = tx;
    this.request = tx.request;
    this.protocol = protocol;
    this.offer = bodyOf(tx.request);
    this.sessionTimerDecision = negotiateUasSessionTimer(tx.request, core.sessionTimer);
    tx.on('failed', (e) => {
      if (this.current === 'pending') {
        this.current = 'failed';
        this.cleanup();
        this.emit('failed', e);
      }
    });
  }

  override on<E extends keyof SipIncomingInviteEvents>(event: E, listener: SipIncomingInviteEvents[E]): this {
    return super.on(event, listener);
  }

  /** Where the INVITE stands. */
  get state(): SipIncomingInviteState {
    return this.current;
  }

  /** Call-ID. */
  get callId(): string {
    return this.request.callId ?? '';
  }

  /** The caller (From). */
  get from(): SipNameAddr | undefined {
    return this.request.from;
  }

  /** The called party (To). */
  get to(): SipNameAddr | undefined {
    return this.request.to;
  }

  /** Sends a provisional response (100–199). 101–199 carry our tag and Contact (early dialog). */
  provisional(status = 180, options: SipProvisionalOptions = {}): SipResponse {
    this.checkPending();
    if (!Number.isInteger(status) || status < 100 || status > 199) throw new SipUserAgentError('SIP_UA_OPTIONS', 'provisional status must be 100–199');
    const dialogal = status > 100;
    const res = createResponse(this.request, status, options.reason, {
      toTag: dialogal ? this.localTag : undefined,
      contact: dialogal ? this.core.contact(this.protocol, this.remote) : undefined,
      body: options.body?.body,
      contentType: options.body?.contentType,
    });
    decorate(this.core, res, dialogal);
    addExtraHeaders(res, options.headers);
    const wantReliable = options.reliable ?? hasOptionTag(this.request, '100rel', 'require');
    if (dialogal && wantReliable && hasOptionTag(this.request, '100rel')) {
      if (this.reliable) throw new SipUserAgentError('SIP_UA_STATE', 'a reliable provisional response is still waiting for its PRACK');
      this.rseq = this.rseq === 0 ? randomIntBetween(1, 1000) : this.rseq + 1;
      res.headers.add('Require', '100rel');
      res.headers.add('RSeq', String(this.rseq));
      this.startReliable(res);
    }
    if (dialogal && !this.early) {
      this.early = SipDialog.uas(this.request, this.localTag, { localContact: this.core.contact(this.protocol, this.remote), overTls: this.protocol === 'tls' });
      if (this.remote) this.core.noteFlow(this.early, this.protocol, this.remote);
      this.core.registerDialog(this.early.key, this);
    }
    respond(this.tx, res);
    return res;
  }

  /**
   * Answers 200 with `body` (our answer, or our offer when the INVITE had none) and returns the
   * call. The 2xx is retransmitted until the ACK; without an ACK within 64×T1 the call is
   * ended with BYE (reason `no-ack`).
   */
  answer(body?: SipBody, options: SipAnswerOptions = {}): SipCall {
    this.checkPending();
    const contact = this.core.contact(this.protocol, this.remote);
    const res = createResponse(this.request, 200, undefined, { toTag: this.localTag, contact, body: body?.body, contentType: body?.contentType });
    decorate(this.core, res, true);
    const st = this.sessionTimerDecision;
    if (st.kind === 'accept') for (const [k, v] of st.headers) res.headers.add(k, v);
    addExtraHeaders(res, options.headers);
    const dialog = this.early ?? SipDialog.uas(this.request, this.localTag, { localContact: contact, overTls: this.protocol === 'tls' });
    if (this.early) this.core.unregisterDialog(this.early.key, this);
    if (this.remote) this.core.noteFlow(dialog, this.protocol, this.remote);
    dialog.confirm();
    this.stopReliable();
    this.current = 'answered';
    const call = new SipCall(this.core, {
      dialog,
      protocol: this.protocol,
      localBody: body,
      remoteBody: this.offer,
      peerAllowsUpdate: allows(this.request, 'UPDATE'),
      sessionTimer: st.kind === 'accept' ? st.timer : undefined,
      onOffer: options.onOffer,
    });
    this.call = call;
    respond(this.tx, res);
    call.retransmit2xxUntilAck(this.tx, res, () => void call.hangup('no-ack'));
    return call;
  }

  /** Rejects with a final status 300–699 (default 486 Busy Here). */
  reject(status = 486, options: SipRejectOptions = {}): SipResponse {
    this.checkPending();
    if (!Number.isInteger(status) || status < 300 || status > 699) throw new SipUserAgentError('SIP_UA_OPTIONS', 'reject status must be 300–699');
    const res = createResponse(this.request, status, options.reason, { toTag: this.localTag });
    decorate(this.core, res, status === 405);
    addExtraHeaders(res, options.headers);
    this.current = 'rejected';
    this.cleanup();
    respond(this.tx, res);
    return res;
  }

  /** @internal The UA is closing: stop retransmissions and forget the early dialog. */
  abort(): void {
    if (this.current !== 'pending') return;
    this.current = 'failed';
    this.cleanup();
  }

  /** @internal A CANCEL matched this INVITE (the 200 to the CANCEL is sent by the core). */
  handleCancel(): void {
    if (this.current !== 'pending') return;
    this.current = 'cancelled';
    this.cleanup();
    respond(this.tx, createResponse(this.request, 487, undefined, { toTag: this.localTag }));
    this.emit('cancel', this.request);
  }

  /** @internal Requests in the early dialog: PRACK, BYE (RFC 3261 §15.1.2: 487 the INVITE). */
  handleRequest(tx: SipServerTransaction): void {
    const req = tx.request;
    if (req.method === 'PRACK') {
      const rack = (req.headers.get('rack') ?? '').trim().split(/\s+/);
      const r = this.reliable;
      if (r && Number(rack[0]) === r.rseq && Number(rack[1]) === this.request.cseq?.seq && rack[2] === 'INVITE') {
        this.stopReliable();
        respond(tx, createResponse(req, 200));
        this.emit('prack', req);
      } else respond(tx, createResponse(req, 481));
      return;
    }
    if (req.method === 'BYE') {
      respond(tx, createResponse(req, 200));
      if (this.current === 'pending') {
        this.current = 'cancelled';
        this.cleanup();
        respond(this.tx, createResponse(this.request, 487, undefined, { toTag: this.localTag }));
        this.emit('cancel', req);
      }
      return;
    }
    const res = createResponse(req, req.method === 'INFO' || req.method === 'OPTIONS' ? 200 : 501);
    decorate(this.core, res, true);
    respond(tx, res);
  }

  /** @internal ACKs go to the call once answered. */
  handleAck(): void {
    // an ACK before our 2xx has nowhere to go
  }

  private startReliable(res: SipResponse): void {
    const { T1, T2 } = this.core;
    const clock = this.core.clock;
    const r: Reliable = {
      rseq: this.rseq,
      response: res,
      interval: T1,
      timer: undefined,
      deadline: clock.setTimeout(() => {
        if (this.reliable !== r) return;
        this.stopReliable();
        // RFC 3262 §3: no PRACK in 64×T1 → reject the INVITE with a 5xx
        if (this.current === 'pending') this.reject(504, { reason: 'No PRACK' });
      }, 64 * T1),
    };
    const tick = (): void => {
      if (this.reliable !== r) return;
      respond(this.tx, res);
      r.interval = Math.min(2 * r.interval, T2);
      r.timer = clock.setTimeout(tick, r.interval);
    };
    if (!this.tx.reliable) r.timer = clock.setTimeout(tick, T1);
    this.reliable = r;
  }

  private stopReliable(): void {
    const r = this.reliable;
    if (!r) return;
    this.reliable = undefined;
    if (r.timer !== undefined) this.core.clock.clearTimeout(r.timer);
    this.core.clock.clearTimeout(r.deadline);
  }

  private cleanup(): void {
    this.stopReliable();
    if (this.early) {
      this.early.terminate();
      this.core.unregisterDialog(this.early.key, this);
    }
  }

  private checkPending(): void {
    if (this.current !== 'pending') throw new SipUserAgentError('SIP_UA_STATE', `the INVITE is already ${this.current}`);
  }

  /** Debug view. */
  toJSON(): Record<string, unknown> {
    return { callId: this.callId, state: this.current };
  }

  /** `util.inspect` shows the identity only: options may hold credentials (Authorization). */
  [inspect.custom](): Record<string, unknown> {
    return this.toJSON();
  }

}
