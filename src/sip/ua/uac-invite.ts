/**
 * The caller's side of one INVITE (RFC 3261 §13.2): provisional responses and early dialogs,
 * PRACK for reliable provisionals (RFC 3262), the 2xx → confirmed call (ACKed by the core, and
 * re-ACKed for every retransmission), forked 2xx (ACK + BYE), CANCEL (deferred until a
 * provisional arrived), a 2xx crossing our CANCEL (ACK + BYE), 422 retries (RFC 4028), and
 * retries with extra headers for digest authentication (same Call-ID and From tag, CSeq + 1).
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { TimerHandle } from '../../clock';
import type { SipprobeError } from '../../errors';
import { reliableRSeq, SipDialog } from '../dialog';
import { createRequest, type SipHeaderInit, type SipRequest, type SipResponse } from '../message';
import { formatNameAddr } from '../name-addr';
import {
  initialSessionTimerOffer,
  sessionTimerFromResponse,
  sessionTimerOfferAfter422,
  sessionTimerRequestHeaders,
  type SipSessionTimerOffer,
} from '../session-timer';
import type { SipClientTransaction, SipInviteClientTransaction } from '../transaction/client';
import { SipTransactionTransportError } from '../transaction/errors';
import type { SipAddress, SipTransportProtocol } from '../transport/types';
import { isSipUri, parseUri } from '../uri';
import { SipCall, type SipOfferHandler } from './call';
import { addExtraHeaders, allows, bodyOf, checkDialogInviteHeaders, decorate, mergeExtraHeaders, SipUserAgentError, type SipAuthenticator, type SipUaCore } from './core';

/** An address for From/To: a URI, or a URI with a display name. */
export type SipAddressInput = string | { uri: string; displayName?: string };

/** Options of `SipUserAgent.invite`. */
export interface SipInviteOptions {
  /** Request-URI, e.g. `sip:agent@127.0.0.1:5080`. */
  target: string;
  /** Our identity (From), e.g. `sip:probe@127.0.0.1`; the tag is added. */
  from: SipAddressInput;
  /** To (default: the target). */
  to?: SipAddressInput;
  /** Extra headers (X-… test metadata, Authorization on retries). Core headers are refused. */
  headers?: SipHeaderInit;
  /** The offer (the core does not look inside). */
  body?: Buffer | string;
  contentType?: string;
  /** Transport when the target URI does not name one (default `udp`). */
  transport?: SipTransportProtocol;
  /** Outbound proxy URI: requests go there with a `Route: <proxy;lr>`. */
  outboundProxy?: string;
  /** Every provisional response; `dialog` is its early dialog when it had a To tag. */
  onProvisional?: (response: SipResponse, dialog: SipDialog | undefined) => void;
  /** A new early dialog (first 1xx with a given To tag). */
  onEarlyDialog?: (dialog: SipDialog, response: SipResponse) => void;
  /**
   * Answers offers: in a 2xx when the INVITE had no body (late offer; the answer goes in the
   * ACK), and in re-INVITE/UPDATE once the call is up (see `SipCall.onOffer`).
   */
  onOffer?: SipOfferHandler;
  /** Use session timers for this call (default: the UA's setting). */
  sessionTimer?: boolean;
  /**
   * Extra headers repeated on every INVITE we send inside the call once it is up (re-INVITEs:
   * session refreshes included), checked like `headers`; headers a re-INVITE sets itself
   * (Contact, Content-Type, Session-Expires, Min-SE, Supported, Allow, Require) are refused.
   * The initial INVITE carries `headers`: give the same list here to have them on every INVITE.
   * Per-request headers of `SipCall.reinvite` replace same-named ones.
   */
  dialogInviteHeaders?: SipHeaderInit;
  /**
   * Credentials for requests of the call once it is up: a BYE the peer challenges (401/407) is
   * sent once more with what this returns (see `SipCall.bye`). The INVITE's own challenges are
   * answered by the application with {@link SipOutgoingInvite.retry}.
   */
  authenticate?: SipAuthenticator;
}

/** Outcome of an INVITE. Never rejects: failures are a `failed` result with a typed error. */
export type SipInviteResult =
  /** 2xx: the call is up and ACKed. */
  | { readonly kind: 'answered'; readonly response: SipResponse; readonly call: SipCall }
  /** 3xx–6xx (401/407 included: see `retry`). */
  | { readonly kind: 'rejected'; readonly response: SipResponse }
  /**
   * We cancelled: `response` is the 487, or a 2xx that crossed the CANCEL (ACKed and BYEd), or
   * absent when no final response came within 64×T1 of the CANCEL.
   */
  | { readonly kind: 'cancelled'; readonly response?: SipResponse }
  /** No final response (Timer B: `SipTransactionTimeoutError`), transport/resolution failure. */
  | { readonly kind: 'failed'; readonly error: SipprobeError };

/** Events of a {@link SipOutgoingInvite}. */
export interface SipOutgoingInviteEvents {
  /** Every provisional response (100 included). */
  provisional: (response: SipResponse, dialog: SipDialog | undefined) => void;
  /** A new early dialog. */
  early: (dialog: SipDialog, response: SipResponse) => void;
  /** A PRACK was sent for a reliable provisional. */
  prack: (prack: SipRequest, response: SipResponse) => void;
  /** The INVITE was (re)sent (initially, and after a 422). */
  sent: (request: SipRequest) => void;
  /** The INVITE was too large for UDP, but TCP could not be connected: it goes over UDP (see `tcpFallback`). */
  'tcp-fallback': (info: SipTcpFallback) => void;
  /** The result, also available as the `result` promise. */
  final: (result: SipInviteResult) => void;
}

/** @internal Identity carried across retries. */
export interface SipInviteIdentity {
  callId: string;
  fromTag: string;
  cseq: number;
  /** An earlier attempt of this call could not connect TCP for its large INVITE: stay on UDP. */
  tcpFallback?: SipTcpFallback;
}

/** A large INVITE that stayed on UDP because TCP could not be connected (RFC 3261 §18.1.1). */
export interface SipTcpFallback {
  /** Size of the INVITE, bytes. */
  readonly bytes: number;
  /** Code and message of the connection failure (e.g. `SIP_TRANSPORT_CONNECT`). */
  readonly code: string;
  readonly message: string;
}

/** One outgoing INVITE (and its automatic 422 retries). Created by `SipUserAgent.invite`. */
export class SipOutgoingInvite extends EventEmitter {
  /** Call-ID, kept across retries. */
  readonly callId: string;
  /** Our From tag, kept across retries. */
  readonly fromTag: string;
  /** The outcome. */
  readonly result: Promise<SipInviteResult>;
  /** Early dialogs by remote tag. */
  readonly earlyDialogs = new Map<string, SipDialog>();
  private cseqNow: number;
  private req: SipRequest | undefined;
  private tx: SipInviteClientTransaction | undefined;
  private protocol: SipTransportProtocol = 'udp';
  private readonly options: SipInviteOptions;
  private readonly core: SipUaCore;
  private resolveResult!: (r: SipInviteResult) => void;
  private outcome: SipInviteResult | undefined;
  private gotProvisional = false;
  private cancelRequested = false;
  private cancelSent = false;
  private cancelTimer: TimerHandle | undefined;
  private answeredTag: string | undefined;
  private readonly discarded = new Set<string>();
  private stOffer: SipSessionTimerOffer | undefined;
  private fallback: SipTcpFallback | undefined;
  private readonly dialogInviteHeaders: [string, string][];
  private readonly fromValue: string;
  private readonly toValue: string;

  /** @internal */
  constructor(core: SipUaCore, options: SipInviteOptions, identity: SipInviteIdentity) {
    super();
    this.core = core;
    this.options = options;
    this.callId = identity.callId;
    this.fromTag = identity.fromTag;
    this.cseqNow = identity.cseq;
    this.fallback = identity.tcpFallback;
    checkSipUri(options.target, 'target');
    if (options.outboundProxy !== undefined) checkSipUri(options.outboundProxy, 'outboundProxy');
    const from = address(options.from);
    const to = address(options.to ?? options.target);
    checkSipUri(from.uri, 'from');
    this.fromValue = formatNameAddr({ displayName: from.displayName, uri: from.uri, params: [['tag', this.fromTag]] });
    this.toValue = formatNameAddr({ displayName: to.displayName, uri: to.uri });
    if ((options.sessionTimer ?? core.sessionTimer.enabled) && core.sessionTimer.enabled) this.stOffer = initialSessionTimerOffer(core.sessionTimer);
    this.result = new Promise((r) => (this.resolveResult = r));
    // build once now so that bad headers or bodies throw at the call site, not later
    this.build();
    this.dialogInviteHeaders = checkDialogInviteHeaders(options.dialogInviteHeaders);
  }

  override on<E extends keyof SipOutgoingInviteEvents>(event: E, listener: SipOutgoingInviteEvents[E]): this {
    return super.on(event, listener);
  }

  override once<E extends keyof SipOutgoingInviteEvents>(event: E, listener: SipOutgoingInviteEvents[E]): this {
    return super.once(event, listener);
  }

  /** The INVITE as last sent (its top Via stamped by the transport). */
  get request(): SipRequest | undefined {
    return this.req;
  }

  /** CSeq number of the current INVITE. */
  get cseq(): number {
    return this.cseqNow;
  }

  /** The result once known. */
  get settled(): SipInviteResult | undefined {
    return this.outcome;
  }

  /**
   * Set when the INVITE was too large for UDP (RFC 3261 §18.1.1) but the TCP connection to the
   * same address could not be made, so it went over UDP after all (§18.1.1 allows that).
   */
  get tcpFallback(): SipTcpFallback | undefined {
    return this.fallback;
  }

  /** @internal Sends the INVITE. */
  start(): void {
    void this.send();
  }

  /**
   * Cancels the INVITE (RFC 3261 §9.1). Before any provisional response the CANCEL is held
   * back and sent when one arrives; after a final response it does nothing.
   */
  cancel(): void {
    if (this.outcome || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.gotProvisional) this.sendCancel();
  }

  /**
   * A new INVITE in the same call attempt after a 401/407 (or any final non-2xx): same Call-ID
   * and From tag, CSeq + 1, new branch, with `headers` added (replacing same-named extra
   * headers, e.g. a fresh Authorization).
   */
  retry(extra: { headers?: SipHeaderInit } = {}): SipOutgoingInvite {
    if (!this.outcome || this.outcome.kind === 'answered') throw new SipUserAgentError('SIP_UA_STATE', 'retry only after a final non-2xx response');
    const merged = mergeExtraHeaders(this.options.headers, extra.headers);
    const next = new SipOutgoingInvite(this.core, { ...this.options, headers: merged }, { callId: this.callId, fromTag: this.fromTag, cseq: this.cseqNow + 1, tcpFallback: this.fallback });
    this.core.trackInvite(next);
    next.start();
    return next;
  }

  private build(): SipRequest {
    const o = this.options;
    const req = createRequest('INVITE', o.target, {
      from: this.fromValue,
      to: this.toValue,
      callId: this.callId,
      cseq: this.cseqNow,
      route: o.outboundProxy !== undefined ? [formatNameAddr({ uri: withLr(o.outboundProxy) })] : undefined,
      body: o.body,
      contentType: o.body !== undefined ? (o.contentType ?? 'application/sdp') : undefined,
    });
    decorate(this.core, req, true);
    if (this.stOffer) for (const [k, v] of sessionTimerRequestHeaders(this.stOffer)) req.headers.add(k, v);
    addExtraHeaders(req, o.headers);
    return req;
  }

  /**
   * @internal The INVITE as it goes on the wire over `protocol`: the request, our Contact, and
   * a top Via with a fresh branch stamped as the transport stamps it. The one builder behind
   * both the real send and `SipUserAgent.buildInvite` (dry runs).
   */
  wireRequest(protocol: SipTransportProtocol, flow?: SipAddress): SipRequest {
    const req = this.build();
    req.headers.set('Contact', this.core.contact(protocol, flow));
    this.core.addVia(req, protocol);
    return req;
  }

  private noteFallback(bytes: number, e: SipprobeError): void {
    this.fallback = { bytes, code: e.code, message: e.message };
    this.emit('tcp-fallback', this.fallback);
  }

  private async send(): Promise<void> {
    let dest;
    try {
      dest = await this.core.resolve(this.options.outboundProxy ?? this.options.target, this.options.transport ?? 'udp');
    } catch (e) {
      this.finish({ kind: 'failed', error: asError(e) });
      return;
    }
    if (this.outcome) return;
    this.protocol = dest.protocol;
    try {
      // without a listener our Contact is the connection itself: it must exist to be named
      await this.core.openFlow(dest);
    } catch (e) {
      // the INVITE could not be sent: reported as the transaction reports a failed send
      this.finish({ kind: 'failed', error: new SipTransactionTransportError(e) });
      return;
    }
    if (this.outcome) return;
    let req: SipRequest;
    try {
      req = this.wireRequest(dest.protocol, dest);
    } catch (e) {
      this.finish({ kind: 'failed', error: asError(e) });
      return;
    }
    if (dest.protocol === 'udp' && !dest.pinned) {
      if (this.fallback) dest = { ...dest, pinned: true }; // TCP was refused for this call already
      else {
        // §18.1.1: too large for UDP → TCP to the same address; the whole dialog then runs over
        // it (Contact and Via name the connection), as if the call had been placed over TCP
        const route = await this.core.largeRequestRoute(dest, req);
        if (this.outcome) return;
        dest = route.destination;
        if (route.fallback) this.noteFallback(route.bytes ?? 0, route.fallback);
        else if (dest.protocol === 'tcp') {
          this.protocol = 'tcp';
          try {
            req = this.wireRequest('tcp', dest);
          } catch (e) {
            this.finish({ kind: 'failed', error: asError(e) });
            return;
          }
        }
      }
    }
    this.req = req;
    try {
      this.tx = this.core.layer.sendRequest(req, dest, {
        onResponse: (res, tx) => this.onResponse(res, tx),
        onError: (err, tx) => {
          if (tx === this.tx) this.finish(this.cancelSent ? { kind: 'cancelled' } : { kind: 'failed', error: err });
        },
      }) as SipInviteClientTransaction;
    } catch (e) {
      this.finish({ kind: 'failed', error: asError(e) });
      return;
    }
    this.emit('sent', req);
  }

  private onResponse(res: SipResponse, tx: SipClientTransaction): void {
    const req = tx.request;
    if (res.status < 200) {
      if (this.outcome || tx !== this.tx) return;
      this.onProvisional(res, req);
      return;
    }
    const tag = res.to?.tag;
    if (res.status < 300) {
      if (tag === undefined) {
        if (!this.outcome) this.finish({ kind: 'failed', error: new SipUserAgentError('SIP_UA_STATE', '2xx without To tag: no dialog can be formed') });
        return;
      }
      this.on2xx(res, req, tag);
      return;
    }
    if (this.outcome || tx !== this.tx) return;
    if (res.status === 422 && this.stOffer) {
      const raised = sessionTimerOfferAfter422(res, this.stOffer);
      if (raised) {
        this.stOffer = raised;
        this.cseqNow++;
        this.gotProvisional = false;
        this.earlyDialogs.clear();
        void this.send();
        return;
      }
    }
    this.finish(this.cancelSent && res.status === 487 ? { kind: 'cancelled', response: res } : { kind: 'rejected', response: res });
  }

  /** The dialog runs over the connection the INVITE went out on (its responses came back on it). */
  private noteFlow(dialog: SipDialog): void {
    const flow = this.tx?.flowDestination;
    if (flow) this.core.noteFlow(dialog, flow.protocol, flow);
  }

  private onProvisional(res: SipResponse, req: SipRequest): void {
    let dialog: SipDialog | undefined;
    const tag = res.to?.tag;
    if (tag !== undefined && res.status > 100) {
      dialog = this.earlyDialogs.get(tag);
      if (dialog) dialog.applyResponse(res, 'INVITE');
      else {
        try {
          dialog = SipDialog.uac(req, res, { localContact: req.headers.get('contact'), overTls: this.protocol === 'tls' });
          this.noteFlow(dialog);
        } catch {
          dialog = undefined; // a malformed early response still counts as ringing
        }
        if (dialog) {
          this.earlyDialogs.set(tag, dialog);
          this.emit('early', dialog, res);
          this.options.onEarlyDialog?.(dialog, res);
        }
      }
      if (dialog && reliableRSeq(res) !== undefined) this.prack(dialog, res);
    }
    this.gotProvisional = true;
    this.emit('provisional', res, dialog);
    this.options.onProvisional?.(res, dialog);
    if (this.cancelRequested) this.sendCancel();
  }

  private prack(dialog: SipDialog, res: SipResponse): void {
    let prack: SipRequest | undefined;
    try {
      prack = dialog.createPrack(res);
    } catch {
      return;
    }
    if (!prack) return; // retransmission or out of sequence (RFC 3262 §4)
    decorate(this.core, prack, false);
    this.core.sendInDialog(dialog, prack, this.protocol).catch(() => undefined);
    this.emit('prack', prack, res);
  }

  private on2xx(res: SipResponse, req: SipRequest, tag: string): void {
    if (tag === this.answeredTag || this.discarded.has(tag)) {
      // a retransmission: the ACK goes again (the core re-sends the cached one)
      const d = tag === this.answeredTag ? this.answeredDialog : undefined;
      if (d) {
        // while the late-offer answer is being produced, the ACK that carries it is not built yet
        if (!this.ackPending) this.core.ack2xx(d, req, res, this.protocol);
      } else {
        try {
          this.core.ack2xx(SipDialog.uac(req, res), req, res, this.protocol);
        } catch {
          // the retransmission no longer forms a dialog; nothing to acknowledge
        }
      }
      return;
    }
    let dialog: SipDialog;
    try {
      const early = this.earlyDialogs.get(tag);
      // an early dialog ended by another fork's 2xx cannot carry the BYE: start afresh from this 2xx
      dialog = early && early.state !== 'terminated' ? early : SipDialog.uac(req, res, { localContact: req.headers.get('contact'), overTls: this.protocol === 'tls' });
    } catch (e) {
      if (!this.outcome) this.finish({ kind: 'failed', error: asError(e) });
      return;
    }
    dialog.applyResponse(res, 'INVITE');
    this.noteFlow(dialog);
    if (this.answeredTag !== undefined || this.cancelRequested || (this.outcome && this.outcome.kind !== 'answered')) {
      // a fork after the first 2xx, or a 2xx crossing our CANCEL: ACK it, then BYE it
      this.discarded.add(tag);
      this.core.discardDialog(dialog, req, res, this.protocol);
      if (!this.outcome) this.finish({ kind: 'cancelled', response: res });
      return;
    }
    this.answeredTag = tag;
    this.answeredDialog = dialog;
    // late offer (RFC 3261 §13.2.2.4): the INVITE had no body, so the 2xx offers and the ACK answers
    const lateOffer = this.options.body === undefined ? bodyOf(res) : undefined;
    const handler = this.options.onOffer;
    if (!lateOffer || !handler) this.core.ack2xx(dialog, req, res, this.protocol);
    const useTimer = this.stOffer !== undefined;
    const call = new SipCall(this.core, {
      dialog,
      protocol: this.protocol,
      localBody: this.options.body !== undefined ? { body: this.options.body, contentType: this.options.contentType ?? 'application/sdp' } : undefined,
      remoteBody: bodyOf(res),
      peerAllowsUpdate: allows(res, 'UPDATE'),
      sessionTimer: useTimer ? sessionTimerFromResponse(res) : undefined,
      onOffer: this.options.onOffer,
      authenticate: this.options.authenticate,
      inviteHeaders: this.dialogInviteHeaders,
    });
    for (const [t, d] of this.earlyDialogs) if (t !== tag) d.terminate();
    if (lateOffer && handler) {
      this.ackPending = true;
      Promise.resolve()
        .then(() => handler(lateOffer, res))
        .then(
          (answer) => {
            this.ackPending = false;
            call.localBody = answer;
            this.core.ack2xx(dialog, req, res, this.protocol, answer);
          },
          () => {
            // an unacceptable offer: ACK anyway, then end the call at once (§13.2.2.4)
            this.ackPending = false;
            this.core.ack2xx(dialog, req, res, this.protocol);
            void call.bye();
          },
        );
    }
    this.finish({ kind: 'answered', response: res, call });
  }

  private answeredDialog: SipDialog | undefined;
  private ackPending = false;

  private sendCancel(): void {
    const tx = this.tx;
    if (this.cancelSent || !tx || this.outcome) return;
    this.cancelSent = true;
    try {
      this.core.layer.sendRequest(tx.createCancel(), tx.flowDestination, {});
    } catch {
      // the layer is closed or the transaction gone: the INVITE's own end decides
      return;
    }
    // §9.1: without a final response 64×T1 after the CANCEL, the INVITE counts as cancelled
    this.cancelTimer = this.core.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      if (!this.outcome) this.finish({ kind: 'cancelled' });
    }, 64 * this.core.T1);
  }

  /** @internal The UA is closing: settle as failed and stop every timer. */
  abort(): void {
    this.finish({ kind: 'failed', error: new SipUserAgentError('SIP_UA_CLOSED', 'user agent closed') });
  }

  private finish(r: SipInviteResult): void {
    if (this.outcome) return;
    this.outcome = r;
    if (this.cancelTimer !== undefined) this.core.clock.clearTimeout(this.cancelTimer);
    this.cancelTimer = undefined;
    if (r.kind !== 'answered') for (const d of this.earlyDialogs.values()) d.terminate();
    this.resolveResult(r);
    this.emit('final', r);
  }

  /** Debug view: identity only. */
  toJSON(): Record<string, unknown> {
    return { callId: this.callId, cseq: this.cseqNow, result: this.outcome?.kind };
  }

  /** `util.inspect` shows the identity only: options may hold credentials (Authorization). */
  [inspect.custom](): Record<string, unknown> {
    return this.toJSON();
  }

}

function address(a: SipAddressInput): { uri: string; displayName?: string } {
  return typeof a === 'string' ? { uri: a } : a;
}

function checkSipUri(uri: string, what: string): void {
  let ok = false;
  try {
    const u = parseUri(uri);
    // URI headers (`?X=y`) are not allowed in a Request-URI (RFC 3261 §19.1.1); pass headers instead
    ok = isSipUri(u) && u.headers.size === 0;
  } catch {
    ok = false;
  }
  if (!ok) throw new SipUserAgentError('SIP_UA_OPTIONS', `${what} must be a sip: or sips: URI without URI headers`);
}

function withLr(uri: string): string {
  const u = parseUri(uri);
  return isSipUri(u) && !u.params.has('lr') ? `${uri};lr` : uri;
}

function asError(e: unknown): SipprobeError {
  if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string') return e as SipprobeError;
  return new SipUserAgentError('SIP_UA_NO_RESPONSE', 'INVITE could not be sent', { cause: e });
}
