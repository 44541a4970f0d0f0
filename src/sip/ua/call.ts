/**
 * An established INVITE dialog usage (a call), on either side: in-dialog requests in both
 * directions (BYE, re-INVITE, UPDATE, INFO, OPTIONS, NOTIFY, REFER), 2xx retransmission until
 * the ACK (RFC 3261 §13.3.1.4), 491 glare, and session timers (RFC 4028).
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { TimerHandle } from '../../clock';
import { randomIntBetween } from '../../random';
import type { SipDialog } from '../dialog';
import { createResponse, type SipRequest, type SipResponse } from '../message';
import {
  negotiateUasSessionTimer,
  sessionTimerFromResponse,
  sessionTimerOfferAfter422,
  sessionTimerRequestHeaders,
  SipSessionTimer,
  type SipNegotiatedSessionTimer,
} from '../session-timer';
import type { SipInviteServerTransaction, SipServerTransaction } from '../transaction/server';
import type { SipTransportProtocol } from '../transport/types';
import {
  addExtraHeaders,
  bodyOf,
  decorate,
  headerPairs,
  mergeExtraHeaders,
  SipUserAgentError,
  type SipAuthenticator,
  type SipBody,
  type SipDialogOwner,
  type SipInDialogRequestOptions,
  type SipUaCore,
} from './core';

/** Why a call ended. */
export type SipCallEndReason =
  /** We sent BYE. */
  | 'local-bye'
  /** The peer sent BYE. */
  | 'remote-bye'
  /** The peer was the refresher and did not refresh in time (we sent BYE). */
  | 'session-expired'
  /** Our session refresh failed (we sent BYE). */
  | 'refresh-failed'
  /** The ACK for our 2xx never came (we sent BYE). */
  | 'no-ack'
  /** A request in the dialog got 481/408 or no answer: the dialog is gone. */
  | 'dialog-gone'
  /** The user agent was closed. */
  | 'closed';

/** How a call ended. */
export interface SipCallEnd {
  readonly reason: SipCallEndReason;
  /** The BYE we received (remote-bye). */
  readonly request?: SipRequest;
  /** The final response to our (last) BYE, when one came. */
  readonly response?: SipResponse;
  /** Set when our BYE was challenged (401/407): what became of it. The call ended either way. */
  readonly byeChallenge?: SipByeChallenge;
}

/**
 * What became of a BYE of ours that was challenged (401/407, drachtio-server#190): it is sent
 * once more with the call's {@link SipAuthenticator}'s credentials (new CSeq), and the call ends
 * whatever comes back — a BYE is never left pending for credentials.
 */
export interface SipByeChallenge {
  /** Status of the challenge (401 or 407). */
  readonly status: number;
  /**
   * `accepted`: the BYE with credentials got a 2xx. `refused`: it got another final response
   * that is not a challenge (`SipCallEnd.response`). `challenged-again`: it was challenged
   * again (the credentials were not accepted; no further attempt). `no-credentials`: no
   * authenticator, or it had nothing to answer with. `credentials-error`: the authenticator
   * threw or returned unusable headers (`code`). `no-response`: the BYE with credentials got
   * no final response.
   */
  readonly outcome: 'accepted' | 'refused' | 'challenged-again' | 'no-credentials' | 'credentials-error' | 'no-response';
  /** Error code for `credentials-error`. */
  readonly code?: string;
}

/**
 * Answers an offer — in a re-INVITE/UPDATE (throw to refuse it: 488), or in the 2xx to an INVITE
 * sent without a body (the answer goes in the ACK; throwing ends the call with BYE).
 */
export type SipOfferHandler = (offer: SipBody, message: SipRequest | SipResponse) => SipBody | Promise<SipBody>;

/** Events of a {@link SipCall}. */
export interface SipCallEvents {
  /** The peer hung up (already answered 200). */
  bye: (request: SipRequest) => void;
  /** A re-INVITE was answered with `answer` (the current body when no offer handler is set). */
  reinvite: (request: SipRequest, answer: SipBody | undefined) => void;
  /** An UPDATE was answered. */
  update: (request: SipRequest, answer: SipBody | undefined) => void;
  /** The ACK for one of our 2xx (it carries the answer when our 2xx carried the offer). */
  ack: (request: SipRequest) => void;
  info: (request: SipRequest) => void;
  options: (request: SipRequest) => void;
  message: (request: SipRequest) => void;
  /** A NOTIFY (answered 200). */
  notify: (request: SipRequest) => void;
  /** A REFER (answered 202 Accepted; not followed). */
  refer: (request: SipRequest) => void;
  /** A session refresh succeeded (sent or received); `interval` in seconds. */
  refreshed: (interval: number) => void;
  /** The call ended; for a BYE from the peer, after our 200 to it has been sent. */
  ended: (end: SipCallEnd) => void;
}

/** @internal Construction data of a {@link SipCall}. */
export interface SipCallInit {
  dialog: SipDialog;
  protocol: SipTransportProtocol;
  localBody?: SipBody;
  remoteBody?: SipBody;
  /** The peer said it accepts UPDATE (Allow). */
  peerAllowsUpdate: boolean;
  sessionTimer?: SipNegotiatedSessionTimer;
  onOffer?: SipOfferHandler;
  /** Credentials for a challenged BYE. */
  authenticate?: SipAuthenticator;
  /** Extra headers for every re-INVITE we send (checked by the creator). */
  inviteHeaders?: readonly [string, string][];
}

interface Pending2xx {
  seq: number;
  tx: SipInviteServerTransaction;
  response: SipResponse;
  interval: number;
  timer: TimerHandle | undefined;
  deadline: TimerHandle;
  done: () => void;
}

/** One call (a confirmed INVITE dialog). Created by the user agent; never constructed directly. */
export class SipCall extends EventEmitter {
  /** The dialog: Call-ID, tags, route set, remote target, CSeq numbers. */
  readonly dialog: SipDialog;
  /** Which side created the call. */
  readonly role: 'uac' | 'uas';
  /** Transport the call runs over. */
  readonly protocol: SipTransportProtocol;
  /** Answers offers in re-INVITE/UPDATE; without it the current local body is sent back. */
  onOffer: SipOfferHandler | undefined;
  /**
   * Credentials for our BYE when the peer challenges it (401/407): the BYE is sent once more
   * with them. Set from `SipInviteOptions.authenticate` for the caller's side.
   */
  authenticate: SipAuthenticator | undefined;
  /**
   * Looks at each in-dialog request from the peer before the call handles it (CSeq checks
   * done): return a final response to answer it with instead — e.g. a 401 challenge to a BYE
   * (the call then goes on as if the request had not come) — or undefined to handle it.
   * Not asked for ACK (never answered) nor CANCEL.
   */
  requestGate: ((request: SipRequest) => SipResponse | undefined) | undefined;
  /** The last body we sent (offer or answer). */
  localBody: SipBody | undefined;
  /** The last body the peer sent. */
  remoteBody: SipBody | undefined;
  /** Resolves once, when the call has ended. */
  readonly ended: Promise<SipCallEnd>;
  private endInfo: SipCallEnd | undefined;
  private resolveEnded!: (e: SipCallEnd) => void;
  private readonly core: SipUaCore;
  private readonly timer: SipSessionTimer;
  private peerAllowsUpdate: boolean;
  private pending2xx: Pending2xx | undefined;
  private ackWait: Promise<void> = Promise.resolve();
  private outgoingInvite = false;
  private incomingInvite = false;
  private byeSent = false;
  private byeInFlight: Promise<SipResponse | undefined> | undefined;
  private readonly inviteHeaders: readonly [string, string][];

  /** @internal */
  constructor(core: SipUaCore, init: SipCallInit) {
    super();
    this.core = core;
    this.dialog = init.dialog;
    this.role = init.dialog.role;
    this.protocol = init.protocol;
    this.localBody = init.localBody;
    this.remoteBody = init.remoteBody;
    this.peerAllowsUpdate = init.peerAllowsUpdate;
    this.onOffer = init.onOffer;
    this.authenticate = init.authenticate;
    this.requestGate = undefined;
    this.inviteHeaders = init.inviteHeaders ?? [];
    this.ended = new Promise((r) => (this.resolveEnded = r));
    this.timer = new SipSessionTimer(core.clock, {
      onRefresh: () => void this.refresh(),
      onExpire: () => void this.hangup('session-expired'),
    });
    if (init.sessionTimer) this.timer.start(init.sessionTimer);
    core.registerDialog(this.dialog.key, this);
  }

  override on<E extends keyof SipCallEvents>(event: E, listener: SipCallEvents[E]): this {
    return super.on(event, listener);
  }

  override once<E extends keyof SipCallEvents>(event: E, listener: SipCallEvents[E]): this {
    return super.once(event, listener);
  }

  /** Call-ID of the dialog. */
  get callId(): string {
    return this.dialog.callId;
  }

  /** True until the call has ended. */
  get active(): boolean {
    return this.endInfo === undefined;
  }

  /** How the call ended, once it has. */
  get endReason(): SipCallEnd | undefined {
    return this.endInfo;
  }

  /** The running session timer, if one was negotiated. */
  get sessionTimer(): SipNegotiatedSessionTimer | undefined {
    return this.timer.negotiated;
  }

  /**
   * Hangs up: sends BYE (after the ACK for our 2xx, RFC 3261 §15) and ends the call. Resolves
   * with the (last) BYE's final response, `undefined` when none came. A 401/407 is answered once
   * with {@link authenticate}'s credentials (a new BYE, CSeq + 1); the call ends in every case,
   * and `SipCallEnd.byeChallenge` says how the challenge went.
   */
  async bye(options: SipInDialogRequestOptions = {}): Promise<SipResponse | undefined> {
    // one BYE at a time: a second hang-up while one is under way waits for that one
    if (this.byeInFlight) return this.byeInFlight;
    const p = this.sendBye('local-bye', options);
    this.byeInFlight = p;
    void p.finally(() => {
      if (this.byeInFlight === p) this.byeInFlight = undefined;
    });
    return p;
  }

  /** True while a BYE of ours awaits its final response. */
  get byePending(): boolean {
    return this.byeInFlight !== undefined;
  }

  /**
   * Sends a re-INVITE with `body` (our new or repeated offer) and resolves with its final
   * response; the ACK for a 2xx is sent by the core. 491 is returned to the caller (retry
   * later); 481/408 end the call.
   */
  async reinvite(body: SipBody | undefined, options: SipInDialogRequestOptions = {}): Promise<SipResponse> {
    this.checkActive();
    if (this.outgoingInvite || this.incomingInvite) throw new SipUserAgentError('SIP_UA_STATE', 'an INVITE transaction is already in progress in this dialog');
    const res = await this.sendReinvite(body, options, this.refreshHeaders());
    return res;
  }

  /** Sends an UPDATE (RFC 3311), with an offer when `body` is given; resolves with the final response. */
  async update(body: SipBody | undefined, options: SipInDialogRequestOptions = {}): Promise<SipResponse> {
    this.checkActive();
    const req = this.dialog.createRequest('UPDATE', { body: body?.body, contentType: body?.contentType });
    decorate(this.core, req, false);
    for (const [k, v] of this.refreshHeaders()) req.headers.add(k, v);
    addExtraHeaders(req, options.headers);
    const res = await this.core.sendInDialog(this.dialog, req, this.protocol);
    this.afterInDialogResponse(res);
    if (res.status >= 200 && res.status < 300) {
      if (body) {
        this.localBody = body;
        this.remoteBody = bodyOf(res) ?? this.remoteBody;
      }
      this.dialog.refreshTarget(res);
      this.applyRefreshResponse(res);
    }
    return res;
  }

  /** Sends any other in-dialog request (INFO, MESSAGE, NOTIFY, OPTIONS …) and resolves with its final response. */
  async request(method: string, options: SipInDialogRequestOptions = {}): Promise<SipResponse> {
    this.checkActive();
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL' || method === 'BYE' || method === 'PRACK') {
      throw new SipUserAgentError('SIP_UA_OPTIONS', `use the dedicated method for ${method}`);
    }
    const req = this.dialog.createRequest(method, { body: options.body, contentType: options.contentType });
    decorate(this.core, req, false);
    addExtraHeaders(req, options.headers);
    const res = await this.core.sendInDialog(this.dialog, req, this.protocol);
    this.afterInDialogResponse(res);
    return res;
  }

  /** @internal Ends the call without signalling (UA shutdown). */
  close(): void {
    this.finish({ reason: 'closed' });
  }

  /** @internal Starts retransmitting our 2xx to an INVITE until its ACK (§13.3.1.4). */
  retransmit2xxUntilAck(tx: SipInviteServerTransaction, response: SipResponse, onTimeout: () => void): void {
    const seq = tx.request.cseq!.seq;
    const { T1, T2 } = this.core;
    const clock = this.core.clock;
    let done!: () => void;
    this.ackWait = new Promise<void>((r) => (done = r));
    const p: Pending2xx = {
      seq,
      tx,
      response,
      interval: T1,
      timer: undefined,
      deadline: clock.setTimeout(() => {
        if (this.pending2xx !== p) return;
        this.clearPending();
        onTimeout();
      }, 64 * T1),
      done,
    };
    const tick = (): void => {
      if (this.pending2xx !== p) return;
      try {
        tx.respond(response);
      } catch {
        return; // the transaction ended (Timer L): nothing more to retransmit through
      }
      p.interval = Math.min(2 * p.interval, T2);
      p.timer = clock.setTimeout(tick, p.interval);
    };
    this.pending2xx = p;
    // reliable transports deliver the 2xx themselves; only the ACK wait remains
    if (!tx.reliable) p.timer = clock.setTimeout(tick, T1);
  }

  /** @internal The ACK for one of our 2xx. */
  handleAck(ack: SipRequest): void {
    const p = this.pending2xx;
    const seq = ack.cseq?.seq;
    if (p && seq === p.seq) {
      this.clearPending();
      if (ack.body.length > 0) this.remoteBody = bodyOf(ack);
      this.emit('ack', ack);
    }
  }

  /** @internal An in-dialog request. */
  handleRequest(tx: SipServerTransaction): void {
    const req = tx.request;
    if (!this.dialog.acceptRemoteRequest(req)) {
      respond(tx, createResponse(req, 500, 'Out of Order CSeq', { headers: { 'Retry-After': String(randomIntBetween(1, 10)) } }));
      return;
    }
    if (this.requestGate) {
      let instead: SipResponse | undefined;
      try {
        instead = this.requestGate(req);
      } catch {
        instead = createResponse(req, 500);
      }
      if (instead) {
        respond(tx, instead);
        return;
      }
    }
    switch (req.method) {
      case 'BYE': {
        const ok = createResponse(req, 200);
        respond(tx, ok);
        // announced once our 200 is on the wire (or failed), so that whoever stops tracing the
        // call on 'ended' still sees it: a TLS write completes a few ticks after a TCP one
        this.finish({ reason: 'remote-bye', request: req }, this.core.responseSent(ok)).then(() => this.emit('bye', req), () => undefined);
        return;
      }
      case 'INVITE':
        void this.handleReinvite(tx as SipInviteServerTransaction);
        return;
      case 'UPDATE':
        void this.handleUpdate(tx);
        return;
      case 'INFO':
      case 'OPTIONS':
      case 'MESSAGE':
      case 'NOTIFY': {
        const res = createResponse(req, 200);
        if (req.method === 'OPTIONS') decorate(this.core, res, true);
        respond(tx, res);
        this.emit(req.method.toLowerCase(), req);
        return;
      }
      case 'REFER':
        respond(tx, createResponse(req, 202));
        this.emit('refer', req);
        return;
      case 'PRACK':
        respond(tx, createResponse(req, 481)); // no unacknowledged reliable provisional in a confirmed call
        return;
      default: {
        const res = createResponse(req, 501);
        decorate(this.core, res, true);
        respond(tx, res);
      }
    }
  }

  /** @internal A CANCEL for a re-INVITE we have not answered yet. */
  handleCancel(inviteTx: SipInviteServerTransaction): void {
    if (inviteTx.state === 'proceeding') respond(inviteTx, createResponse(inviteTx.request, 487));
  }

  private async handleReinvite(tx: SipInviteServerTransaction): Promise<void> {
    const req = tx.request;
    if (this.outgoingInvite) {
      respond(tx, createResponse(req, 491)); // glare (RFC 3261 §14.2)
      return;
    }
    if (this.incomingInvite || this.pending2xx) {
      respond(tx, createResponse(req, 500, undefined, { headers: { 'Retry-After': String(randomIntBetween(1, 10)) } }));
      return;
    }
    this.incomingInvite = true;
    try {
      const st = this.negotiateRefresh(req);
      if (st.kind === 'reject') {
        respond(tx, createResponse(req, 422, undefined, { headers: { 'Min-SE': String(st.minSE) } }));
        return;
      }
      const offer = bodyOf(req);
      let answer: SipBody | undefined;
      try {
        answer = offer ? await this.answerOffer(offer, req) : this.localBody;
      } catch {
        respond(tx, createResponse(req, 488));
        return;
      }
      if (!this.active || tx.state !== 'proceeding') return; // cancelled or hung up meanwhile
      this.dialog.refreshTarget(req);
      const res = createResponse(req, 200, undefined, {
        contact: this.dialog.localContact,
        body: answer?.body,
        contentType: answer?.contentType,
      });
      decorate(this.core, res, true);
      if (st.kind === 'accept') for (const [k, v] of st.headers) res.headers.add(k, v);
      if (offer) this.remoteBody = offer;
      if (answer) this.localBody = answer;
      if (!respond(tx, res)) return;
      this.retransmit2xxUntilAck(tx, res, () => void this.hangup('no-ack'));
      if (st.kind === 'accept') this.restartTimer(st.timer);
      this.emit('reinvite', req, answer);
    } finally {
      this.incomingInvite = false;
    }
  }

  private async handleUpdate(tx: SipServerTransaction): Promise<void> {
    const req = tx.request;
    const st = this.negotiateRefresh(req);
    if (st.kind === 'reject') {
      respond(tx, createResponse(req, 422, undefined, { headers: { 'Min-SE': String(st.minSE) } }));
      return;
    }
    const offer = bodyOf(req);
    let answer: SipBody | undefined;
    if (offer) {
      try {
        answer = await this.answerOffer(offer, req);
      } catch {
        respond(tx, createResponse(req, 488));
        return;
      }
    }
    this.dialog.refreshTarget(req);
    const res = createResponse(req, 200, undefined, { contact: this.dialog.localContact, body: answer?.body, contentType: answer?.contentType });
    decorate(this.core, res, false);
    if (st.kind === 'accept') for (const [k, v] of st.headers) res.headers.add(k, v);
    if (offer) this.remoteBody = offer;
    if (answer) this.localBody = answer;
    respond(tx, res);
    if (st.kind === 'accept') this.restartTimer(st.timer);
    this.emit('update', req, answer);
  }

  private async answerOffer(offer: SipBody, req: SipRequest): Promise<SipBody | undefined> {
    if (this.onOffer) return await this.onOffer(offer, req);
    // without a handler the current session is confirmed unchanged (keeps SBC refreshes alive)
    if (!this.localBody) throw new Error('no answer available');
    return this.localBody;
  }

  /** The session-timer side of an incoming refresh; a call without timers answers plainly. */
  private negotiateRefresh(req: SipRequest): ReturnType<typeof negotiateUasSessionTimer> {
    const cfg = this.core.sessionTimer;
    return negotiateUasSessionTimer(req, cfg);
  }

  private restartTimer(t: SipNegotiatedSessionTimer): void {
    if (!this.active) return;
    this.timer.start(t);
    this.emit('refreshed', t.interval);
  }

  /** Session-Expires for a refresh we send: keep the interval, and keep refreshing ourselves. */
  private refreshHeaders(): [string, string][] {
    const t = this.timer.negotiated;
    if (!t || !this.core.sessionTimer.enabled) return [];
    return sessionTimerRequestHeaders({ sessionExpires: t.interval, minSE: this.core.sessionTimer.minSE, refresher: t.weRefresh ? 'uac' : 'uas' });
  }

  private applyRefreshResponse(res: SipResponse): void {
    if (!this.timer.negotiated) return;
    const t = sessionTimerFromResponse(res);
    if (t) this.restartTimer(t);
    else this.timer.stop();
  }

  private async sendReinvite(body: SipBody | undefined, options: SipInDialogRequestOptions, st: [string, string][]): Promise<SipResponse> {
    const req = this.dialog.createRequest('INVITE', { body: body?.body, contentType: body?.contentType });
    decorate(this.core, req, true);
    for (const [k, v] of st) req.headers.add(k, v);
    // the call's repeated headers (e.g. test ids) on every re-INVITE, refreshes included
    addExtraHeaders(req, this.inviteHeaders.length > 0 ? mergeExtraHeaders(this.inviteHeaders, options.headers) : options.headers);
    this.outgoingInvite = true;
    try {
      const dest = await this.core.resolve(this.dialog.nextHop, this.protocol);
      const res = await new Promise<SipResponse>((resolve, reject) => {
        let settled = false;
        this.core.layer.sendRequest(req, dest, {
          onResponse: (r) => {
            if (r.status < 200) return;
            if (r.status < 300) {
              this.core.ack2xx(this.dialog, req, r, this.protocol);
              this.dialog.applyResponse(r, 'INVITE');
            }
            if (!settled) {
              settled = true;
              resolve(r);
            }
          },
          onError: (e) => {
            if (!settled) {
              settled = true;
              reject(new SipUserAgentError('SIP_UA_NO_RESPONSE', 're-INVITE got no final response', { cause: e }));
            }
          },
        });
      });
      if (res.status >= 200 && res.status < 300) {
        if (body) this.localBody = body;
        this.remoteBody = bodyOf(res) ?? this.remoteBody;
        this.applyRefreshResponse(res);
      }
      this.afterInDialogResponse(res);
      return res;
    } catch (e) {
      if (e instanceof SipUserAgentError && e.code === 'SIP_UA_NO_RESPONSE') this.finish({ reason: 'dialog-gone' });
      throw e;
    } finally {
      this.outgoingInvite = false;
    }
  }

  /** RFC 3261 §12.2.1.2: 481 or 408 to an in-dialog request ends the dialog. */
  private afterInDialogResponse(res: SipResponse): void {
    if (res.status === 481 || res.status === 408) this.finish({ reason: 'dialog-gone', response: res });
  }

  /** Session refresh as the refresher: UPDATE when the peer allows it, else re-INVITE with the current body. */
  private async refresh(): Promise<void> {
    if (!this.active) return;
    const t = this.timer.negotiated;
    if (!t) return;
    const cfg = this.core.sessionTimer;
    let offer = { sessionExpires: t.interval, minSE: cfg.minSE, refresher: 'uac' as const };
    for (let attempt = 0; attempt < 2; attempt++) {
      let res: SipResponse;
      try {
        if (this.peerAllowsUpdate) {
          const req = this.dialog.createRequest('UPDATE');
          decorate(this.core, req, false);
          for (const [k, v] of sessionTimerRequestHeaders(offer)) req.headers.add(k, v);
          res = await this.core.sendInDialog(this.dialog, req, this.protocol);
          this.afterInDialogResponse(res);
        } else {
          // an INVITE transaction in progress refreshes the session itself when it succeeds
          if (this.outgoingInvite || this.incomingInvite) return;
          res = await this.sendReinvite(this.localBody, {}, sessionTimerRequestHeaders(offer));
        }
      } catch {
        if (this.active) await this.hangup('refresh-failed');
        return;
      }
      if (res.status >= 200 && res.status < 300) {
        const next = sessionTimerFromResponse(res) ?? { interval: offer.sessionExpires, weRefresh: true };
        this.restartTimer(next);
        return;
      }
      if (res.status === 422) {
        const raised = sessionTimerOfferAfter422(res, offer);
        if (raised) {
          offer = { sessionExpires: raised.sessionExpires, minSE: raised.minSE, refresher: 'uac' };
          continue;
        }
      }
      if (res.status === 501 || res.status === 405) {
        if (this.peerAllowsUpdate) {
          this.peerAllowsUpdate = false;
          continue;
        }
      }
      break;
    }
    if (this.active) await this.hangup('refresh-failed');
  }

  /** @internal Sends BYE for a reason of the core's (no ACK, expiry) and ends the call. */
  async hangup(reason: SipCallEndReason): Promise<void> {
    await this.sendBye(reason, {});
  }

  private async sendBye(reason: SipCallEndReason, options: SipInDialogRequestOptions): Promise<SipResponse | undefined> {
    if (!this.active) return undefined;
    if (this.byeSent && reason !== 'local-bye') return undefined;
    this.byeSent = true;
    this.timer.stop();
    // §15: the callee must not send BYE before the ACK for its 2xx (or the 2xx timeout)
    await this.ackWait;
    if (!this.active) return undefined;
    let res: SipResponse | undefined;
    let req: SipRequest | undefined;
    try {
      req = this.dialog.createRequest('BYE');
      decorate(this.core, req, false);
      addExtraHeaders(req, options.headers);
      res = await this.core.sendInDialog(this.dialog, req, this.protocol);
    } catch {
      res = undefined;
    }
    let byeChallenge: SipByeChallenge | undefined;
    if (req && res && (res.status === 401 || res.status === 407)) ({ res, byeChallenge } = await this.answerByeChallenge(req, res, options));
    this.finish(byeChallenge ? { reason, response: res, byeChallenge } : { reason, response: res });
    return res;
  }

  /** Sends the challenged BYE once more with credentials; never throws. */
  private async answerByeChallenge(
    bye: SipRequest,
    challenge: SipResponse,
    options: SipInDialogRequestOptions,
  ): Promise<{ res: SipResponse | undefined; byeChallenge: SipByeChallenge }> {
    const status = challenge.status;
    const done = (res: SipResponse | undefined, outcome: SipByeChallenge['outcome'], code?: string) => ({
      res,
      byeChallenge: code === undefined ? { status, outcome } : { status, outcome, code },
    });
    if (!this.authenticate) return done(challenge, 'no-credentials');
    let creds: [string, string][];
    try {
      creds = headerPairs(await this.authenticate(challenge, bye));
    } catch (e) {
      return done(challenge, 'credentials-error', errorCode(e));
    }
    if (creds.length === 0) return done(challenge, 'no-credentials');
    if (!this.active) return done(challenge, 'no-response'); // closed meanwhile
    let retry: SipRequest;
    try {
      if (!creds.every(([k]) => AUTH_HEADERS.has(k.toLowerCase()))) throw new SipUserAgentError('SIP_UA_OPTIONS', 'an authenticator returns Authorization or Proxy-Authorization headers only');
      retry = this.dialog.createRequest('BYE');
      decorate(this.core, retry, false);
      // the new credentials replace any the first BYE carried
      addExtraHeaders(retry, mergeExtraHeaders(options.headers, creds));
    } catch (e) {
      return done(challenge, 'credentials-error', errorCode(e));
    }
    let res: SipResponse;
    try {
      res = await this.core.sendInDialog(this.dialog, retry, this.protocol);
    } catch {
      return done(undefined, 'no-response');
    }
    if (res.status === 401 || res.status === 407) return done(res, 'challenged-again');
    return done(res, res.status < 300 ? 'accepted' : 'refused');
  }

  private clearPending(): void {
    const p = this.pending2xx;
    if (!p) return;
    this.pending2xx = undefined;
    if (p.timer !== undefined) this.core.clock.clearTimeout(p.timer);
    this.core.clock.clearTimeout(p.deadline);
    p.done();
  }

  private checkActive(): void {
    if (!this.active) throw new SipUserAgentError('SIP_UA_STATE', 'the call has ended');
  }

  /** Ends the call at once; `announce` (if given) delays only the `ended` event and promise. */
  private finish(end: SipCallEnd, announce?: Promise<void>): Promise<void> {
    if (this.endInfo) return Promise.resolve();
    this.endInfo = end;
    this.timer.stop();
    this.clearPending();
    this.dialog.terminate();
    this.core.unregisterDialog(this.dialog.key, this);
    const emit = (): void => {
      this.resolveEnded(end);
      this.emit('ended', end);
    };
    if (!announce) {
      emit();
      return Promise.resolve();
    }
    return announce.then(emit);
  }

  /** Debug view without bodies. */
  toJSON(): Record<string, unknown> {
    return { role: this.role, callId: this.callId, active: this.active, end: this.endInfo?.reason };
  }

  /** `util.inspect` shows the identity only: options may hold credentials (Authorization). */
  [inspect.custom](): Record<string, unknown> {
    return this.toJSON();
  }

}

const AUTH_HEADERS = new Set(['authorization', 'proxy-authorization']);

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code.slice(0, 64) : 'SIP_UA_AUTHENTICATOR';
}

/** Sends a response, swallowing the state errors of a transaction that has moved on. */
export function respond(tx: SipServerTransaction, res: SipResponse): boolean {
  try {
    tx.respond(res);
    return true;
  } catch {
    return false;
  }
}

/** Implements the owner interface (compile-time check). */
const _owner: (c: SipCall) => SipDialogOwner = (c) => c;
void _owner;
