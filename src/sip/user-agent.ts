/**
 * The user-agent core (RFC 3261 §8, §12–§15): owns the transports and the transaction layer
 * of one UA and routes what arrives — responses to their transactions (and stray 2xx to the
 * ACK cache), requests to dialogs (481 when none), CANCEL to its INVITE, new INVITEs to the
 * `'invite'` listener, OPTIONS answered 200, unknown methods 501, unparsable requests 400 with
 * a Warning. The UAC API is {@link SipUserAgent.invite} (and {@link SipUserAgent.buildInvite}
 * for the same INVITE without sending it); the UAS API the `'invite'` event.
 *
 * ```ts
 * const ua = new SipUserAgent({ transport: { address: '127.0.0.1' } });
 * await ua.start();
 * const inv = ua.invite({ target: 'sip:agent@127.0.0.1:5080', from: 'sip:probe@127.0.0.1',
 *   body: sdpOffer, contentType: 'application/sdp', headers: { 'X-Run-Id': runId } });
 * inv.on('provisional', (res) => …);
 * const r = await inv.result;            // answered | rejected | cancelled | failed
 * if (r.kind === 'answered') { r.call.onOffer = (o) => answerFor(o); await r.call.bye(); }
 * await ua.close();
 * ```
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { sipDialogKey, type SipDialog } from './dialog';
import { createResponse, type SipRequest, type SipResponse } from './message';
import { quote } from './header-values';
import { resolveSessionTimerConfig, type ResolvedSessionTimerConfig, type SipSessionTimerConfig } from './session-timer';
import { newSipCallId, newSipTag } from './tags';
import { SipTransactionLayer } from './transaction/layer';
import type { SipInviteServerTransaction, SipServerTransaction } from './transaction/server';
import type { SipTimerConfig } from './transaction/timers';
import { generateSipBranch } from './branch';
import { SipTransportManager, type SipFlow, type SipSentMessage, type SipTransportManagerOptions, type SipUdpToTcpPolicy } from './transport/manager';
import { SipTransportError } from './transport/errors';
import { serializeMessage } from './serializer';
import { SipprobeError } from '../errors';
import { sentByHost } from './transport/via-stamp';
import { formatVia } from './via';
import { sentByNeedsFlow, type SipAddress, type SipDestination, type SipInbound, type SipMalformedInbound, type SipSent, type SipTransportProtocol } from './transport/types';
import { formatSipUri, isSipUri, parseUri } from './uri';
import { validateMessage } from './validate';
import { SipInviteServerTransaction as InviteServerTx } from './transaction/server';
import { respond } from './ua/call';
import { SipUserAgentError, type SipBody, type SipDialogOwner, type SipLargeRequestRoute, type SipUaCore } from './ua/core';
import { SipOutgoingInvite, type SipInviteOptions } from './ua/uac-invite';
import { SipIncomingInvite } from './ua/uas-invite';

/** Options of {@link SipUserAgent}. */
export interface SipUserAgentOptions {
  /** Transports to use (shared, already configured); the UA then does not close them. */
  transports?: SipTransportManager;
  /** Options for transports the UA creates and owns (default UDP + TCP on 127.0.0.1, port 0). */
  transport?: SipTransportManagerOptions;
  /** Time source for every timer (tests pass a `FakeClock`). */
  clock?: Clock;
  /** T1/T2/T4/D overrides. */
  timers?: Partial<SipTimerConfig>;
  /** `User-Agent`/`Server` header value; `null` sends none. Default `sipprobe`. */
  productName?: string | null;
  /** Option tags to advertise in Supported. Default `['100rel', 'timer']`. */
  supported?: readonly string[];
  /** Session timers (RFC 4028). Default enabled, 1800 s, Min-SE 90. */
  sessionTimer?: SipSessionTimerConfig;
  /** User part of our Contact URIs (default none). */
  contactUser?: string;
  /**
   * Contact URI to advertise instead of our bound address (NAT, relays in tests). Used as is
   * for every transport.
   */
  contactUri?: string;
  /** Status for INVITEs when no `'invite'` listener is registered (default 480). */
  unhandledInviteStatus?: number;
  /**
   * Methods to list in Allow (default every method the UA serves: INVITE, ACK, CANCEL, BYE,
   * OPTIONS, INFO, UPDATE, PRACK, NOTIFY, REFER). It only changes what peers are told: e.g.
   * without UPDATE a peer refreshes sessions with re-INVITEs (RFC 4028 §9), as many PBXs do.
   */
  allow?: readonly string[];
}

/** A message as seen on the wire, for ladders and logs. */
export interface SipTraceEvent {
  readonly direction: 'in' | 'out';
  readonly message: SipRequest | SipResponse;
  readonly protocol: SipTransportProtocol;
  /** The peer's address. */
  readonly remote: { readonly address: string; readonly port: number };
  /**
   * Our address of the flow: the socket it left or arrived on, as the transport reports it
   * (TCP/TLS: the listening address when listening, else the connection's local address).
   * Always set by the user agent; optional for events built elsewhere (tests, replays).
   */
  readonly local?: { readonly address: string; readonly port: number };
  /**
   * The exact bytes on the wire: as sent (`out`, retransmissions included) or as received
   * (`in`: before our `received`/`rport` went into a request's Via). Undefined where the
   * transport does not report bytes (stand-in transports).
   * A view of transport memory: read it, do not keep or modify it.
   */
  readonly raw?: Buffer;
  /** True for a retransmission of bytes sent before. */
  readonly retransmission: boolean;
}

/** Events of {@link SipUserAgent}. */
export interface SipUserAgentEvents {
  /** A new INVITE (outside any dialog). Answer with `provisional`/`answer`/`reject`. */
  invite: (invite: SipIncomingInvite) => void;
  /** Every message sent or received (responses built by transactions included). */
  trace: (event: SipTraceEvent) => void;
  /** Input that did not parse or could not be matched (answered 400 when possible). */
  malformed: (info: { readonly reason: string; readonly remote: { address: string; port: number }; readonly answered: boolean }) => void;
}

const ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE', 'PRACK', 'NOTIFY', 'REFER'];
/** Methods we know but do not serve outside a dialog (405 rather than 501). */
const KNOWN_ELSEWHERE = ['REGISTER', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE'];

interface AckEntry {
  sent: Promise<SipSent>;
  ack: SipRequest;
  timer: TimerHandle;
}

/** One SIP user agent: UAC and UAS in one, over its own (or shared) transports. */
export class SipUserAgent extends EventEmitter implements SipUaCore {
  readonly clock: Clock;
  readonly layer: SipTransactionLayer;
  readonly transports: SipTransportManager;
  readonly sessionTimer: ResolvedSessionTimerConfig;
  readonly supported: readonly string[];
  readonly allow: readonly string[];
  readonly productName: string | undefined;
  private readonly ownsTransports: boolean;
  /**
   * Whether our Vias carry `rport` (RFC 3581): the owned transports' setting; shared
   * transports are assumed to use the manager's default (on), which the transport keeps.
   */
  private readonly viaRport: boolean;
  private readonly options: SipUserAgentOptions;
  private readonly dialogs = new Map<string, SipDialogOwner>();
  private readonly inviteOwners = new WeakMap<SipInviteServerTransaction, SipDialogOwner>();
  /** The connection each dialog runs over, for connection reuse (see {@link SipTransportManager.preferFlow}). */
  private readonly flows = new WeakMap<SipDialog, SipFlow>();
  /** The first send of each response (retransmissions reuse its bytes), for {@link responseSent}. */
  private readonly responsesInFlight = new WeakMap<SipResponse, Promise<SipSent>>();
  private readonly acks = new Map<string, AckEntry>();
  private readonly calls = new Set<{ close(): void }>();
  private readonly pendingInvites = new Set<SipOutgoingInvite>();
  private readonly incomingInvites = new Set<SipIncomingInvite>();
  private started = false;
  private closed = false;
  /** Counters: what was dropped or refused without a transaction. */
  readonly counters = { malformed: 0, answered400: 0, strayResponses: 0, unknownDialog: 0 };

  constructor(options: SipUserAgentOptions = {}) {
    super();
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.ownsTransports = options.transports === undefined;
    this.viaRport = options.transports === undefined ? options.transport?.rport !== false : true;
    this.transports = options.transports ?? new SipTransportManager({ address: '127.0.0.1', ...options.transport });
    this.sessionTimer = resolveSessionTimerConfig(options.sessionTimer);
    this.supported = options.supported ?? ['100rel', 'timer'];
    for (const t of this.supported) if (!/^[A-Za-z0-9.!%*_+`'~-]+$/.test(t)) throw new SipUserAgentError('SIP_UA_OPTIONS', 'option tags must be tokens');
    this.allow = options.allow ? [...options.allow] : ALLOW;
    for (const m of this.allow) if (!/^[A-Z]+$/.test(m)) throw new SipUserAgentError('SIP_UA_OPTIONS', 'allow must list method names (upper-case tokens)');
    this.productName = options.productName === null ? undefined : (options.productName ?? 'sipprobe');
    if (this.productName !== undefined && /[\r\n\0]/.test(this.productName)) throw new SipUserAgentError('SIP_UA_OPTIONS', 'productName must be one line');
    if (options.contactUri !== undefined) {
      let ok = false;
      try {
        ok = isSipUri(parseUri(options.contactUri));
      } catch {
        ok = false;
      }
      if (!ok) throw new SipUserAgentError('SIP_UA_OPTIONS', 'contactUri must be a sip: or sips: URI');
    }
    const sender = {
      sendRequest: (req: SipRequest, dest: SipDestination) => this.transports.sendRequest(req, dest).then((s) => this.traced(req, s)),
      sendResponse: (res: SipResponse, inbound: SipInbound) => {
        const p = this.transports.sendResponse(res, inbound).then((s) => this.traced(res, s));
        this.responsesInFlight.set(res, p);
        return p;
      },
    };
    this.layer = new SipTransactionLayer({ sender, clock: this.clock, timers: options.timers });
    this.layer.on('request', (tx, inbound) => this.onRequest(tx, inbound));
    this.layer.on('ack', (inbound) => this.onAck(inbound));
    this.layer.on('strayResponse', (inbound) => this.onStray(inbound));
    this.layer.on('unmatchable', (inbound, err) => this.onUnmatchable(inbound, err));
  }

  override on<E extends keyof SipUserAgentEvents>(event: E, listener: SipUserAgentEvents[E]): this {
    return super.on(event, listener);
  }

  override once<E extends keyof SipUserAgentEvents>(event: E, listener: SipUserAgentEvents[E]): this {
    return super.once(event, listener);
  }

  override off<E extends keyof SipUserAgentEvents>(event: E, listener: SipUserAgentEvents[E]): this {
    return super.off(event, listener);
  }

  /** T1 in force (ms). */
  get T1(): number {
    return this.layer.timers.T1;
  }

  /** T2 in force (ms). */
  get T2(): number {
    return this.layer.timers.T2;
  }

  /** Binds the transports (when owned) and starts listening. */
  async start(): Promise<void> {
    if (this.closed) throw new SipUserAgentError('SIP_UA_CLOSED', 'user agent is closed');
    if (this.started) return;
    this.started = true;
    this.transports.on('message', this.onMessage);
    this.transports.on('malformed', this.onMalformed);
    await this.transports.start();
  }

  /**
   * Sends an INVITE. Returns at once; progress comes as events and the outcome as `result`.
   * Throws {@link SipUserAgentError} `SIP_UA_OPTIONS` for unusable options (bad URIs, core
   * headers in `headers`, line breaks anywhere).
   */
  invite(options: SipInviteOptions): SipOutgoingInvite {
    this.checkOpen();
    const inv = new SipOutgoingInvite(this, options, { callId: newSipCallId(), fromTag: newSipTag(), cseq: 1 });
    this.trackInvite(inv);
    inv.start();
    return inv;
  }

  /**
   * Builds the INVITE that {@link invite} would send for `options`, without sending anything:
   * the same builder, with our Contact and a top Via stamped as the transport stamps it
   * (sent-by of the `protocol` transport, `rport`, a fresh `z9hG4bK` branch), a fresh Call-ID
   * and From tag, CSeq 1. Serialize it for a dry run. `protocol` defaults to
   * `options.transport ?? 'udp'`; pass the one the next hop pins (`;transport=`, `sips:`) if it
   * does. A UDP request over the size limit still goes over TCP when really sent (§18.1.1).
   * The UA need not be started; ports not yet bound show as 0 (omitted).
   * Throws {@link SipUserAgentError} `SIP_UA_OPTIONS` for unusable options (as {@link invite}).
   */
  buildInvite(options: SipInviteOptions, opts: { protocol?: SipTransportProtocol } = {}): SipRequest {
    if (this.closed) throw new SipUserAgentError('SIP_UA_CLOSED', 'user agent is closed');
    const inv = new SipOutgoingInvite(this, options, { callId: newSipCallId(), fromTag: newSipTag(), cseq: 1 });
    return inv.wireRequest(opts.protocol ?? options.transport ?? 'udp');
  }

  /** Closes every call (without signalling), transaction, timer and owned socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.calls]) c.close();
    this.calls.clear();
    for (const i of [...this.pendingInvites]) i.abort();
    this.pendingInvites.clear();
    for (const i of [...this.incomingInvites]) i.abort();
    this.incomingInvites.clear();
    for (const e of this.acks.values()) this.clock.clearTimeout(e.timer);
    this.acks.clear();
    this.dialogs.clear();
    this.layer.close();
    this.transports.off('message', this.onMessage);
    this.transports.off('malformed', this.onMalformed);
    if (this.ownsTransports) await this.transports.close();
  }

  // ---- SipUaCore -------------------------------------------------------------------------

  /** @internal */
  contact(protocol: SipTransportProtocol, flow?: SipAddress): string {
    if (this.options.contactUri !== undefined) return `<${this.options.contactUri}>`;
    const uri = this.transports.contactUri(protocol, this.options.contactUser, flow);
    if (protocol !== 'tls') return `<${uri}>`;
    // §8.1.1.8 / RFC 5630: over TLS we are reachable as a SIPS URI (no deprecated transport=tls)
    const u = parseUri(uri);
    if (!isSipUri(u)) return `<${uri}>`;
    return `<${formatSipUri({ scheme: 'sips', user: u.user, host: u.host, port: u.port })}>`;
  }

  /** @internal */
  async openFlow(destination: SipDestination): Promise<void> {
    const t = this.transports.transport(destination.protocol);
    if (t && sentByNeedsFlow(t)) await t.openFlow(destination);
  }

  /** @internal */
  addVia(request: SipRequest, protocol: SipTransportProtocol): void {
    // the value stampSipVia gives (the transport re-stamps it to the same on send); a port not
    // yet bound (dry run before start) is left out rather than written as 0
    const s = this.transports.sentBy(protocol);
    const via = formatVia({ transport: protocol, host: sentByHost(s.address), port: s.port || undefined, branch: generateSipBranch(), rport: this.viaRport || undefined });
    request.headers.prepend('Via', via);
  }

  /** @internal */
  async resolve(uri: string, hint: SipTransportProtocol): Promise<SipDestination> {
    const [d] = await this.transports.resolve(uri);
    if (!d.pinned && d.protocol !== hint) return { ...d, protocol: hint };
    return d;
  }

  /** @internal */
  async largeRequestRoute(destination: SipDestination, request: SipRequest): Promise<SipLargeRequestRoute> {
    // stand-in transports in tests may have no policy: no switch then
    const policy: SipUdpToTcpPolicy | undefined = this.transports.udpToTcp;
    if (!policy?.enabled || destination.protocol !== 'udp' || destination.pinned) return { destination };
    const bytes = serializeMessage(request).length;
    if (!this.transports.movesToTcp(destination, bytes)) return { destination };
    const tcp: SipDestination = { protocol: 'tcp', address: destination.address, port: destination.port, serverName: destination.serverName, pinned: true };
    try {
      // connected now, so that our Contact and Via can name the connection (no listener needed)
      await this.transports.transport('tcp')?.openFlow?.(tcp);
      return { destination: tcp, bytes };
    } catch (e) {
      const fallback = e instanceof SipprobeError ? e : new SipTransportError('SIP_TRANSPORT_CONNECT', 'TCP connection for a large request failed', { cause: e });
      return { destination: { ...destination, pinned: true }, bytes, fallback };
    }
  }

  /** @internal */
  ack2xx(dialog: SipDialog, invite: SipRequest, response: SipResponse, protocol: SipTransportProtocol, body?: SipBody): void {
    const key = ackKey(response);
    if (key === undefined) return;
    const cached = this.acks.get(key);
    if (cached) {
      cached.sent.then((s) => this.retransmitted(cached.ack, s)).catch(() => undefined);
      return;
    }
    const seq = invite.cseq!.seq;
    const ack = dialog.createAck(seq, { body: body?.body, contentType: body?.contentType });
    // §13.2.2.4: the ACK carries the INVITE's credentials
    for (const a of invite.authorization) ack.headers.add('Authorization', a);
    for (const a of invite.proxyAuthorization) ack.headers.add('Proxy-Authorization', a);
    if (this.productName !== undefined) ack.headers.add('User-Agent', this.productName);
    const sent = this.dialogDestination(dialog, protocol).then((dest) => this.transports.sendRequest(ack, dest).then((s) => this.traced(ack, s)));
    sent.catch(() => undefined);
    // 2xx retransmissions stop after 64×T1 at the UAS; keep the ACK a little longer
    const timer = this.clock.setTimeout(() => this.acks.delete(key), 2 * 64 * this.T1);
    unref(timer);
    this.acks.set(key, { sent, ack, timer });
  }

  /** @internal */
  sendInDialog(dialog: SipDialog, request: SipRequest, protocol: SipTransportProtocol, onProvisional?: (res: SipResponse) => void): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      const fail = (e: unknown): void =>
        reject(new SipUserAgentError('SIP_UA_NO_RESPONSE', `${request.method} got no final response`, { cause: e }));
      if (this.closed) {
        reject(new SipUserAgentError('SIP_UA_CLOSED', 'user agent is closed'));
        return;
      }
      this.dialogDestination(dialog, protocol).then((dest) => {
        try {
          this.layer.sendRequest(request, dest, {
            onResponse: (res) => (res.status < 200 ? onProvisional?.(res) : resolve(res)),
            onError: (e) => fail(e),
          });
        } catch (e) {
          fail(e);
        }
      }, fail);
    });
  }

  /** @internal */
  responseSent(response: SipResponse): Promise<void> {
    const p = this.responsesInFlight.get(response);
    return p ? p.then(() => undefined, () => undefined) : Promise.resolve();
  }

  /** @internal */
  noteFlow(dialog: SipDialog, protocol: SipTransportProtocol, remote: SipAddress): void {
    if (protocol !== 'udp') this.flows.set(dialog, { protocol, remote: { address: remote.address, port: remote.port } });
  }

  /** Where an in-dialog request goes: the next hop, over the dialog's connection when it has none of its own. */
  private async dialogDestination(dialog: SipDialog, protocol: SipTransportProtocol): Promise<SipDestination> {
    const dest = await this.resolve(dialog.nextHop, protocol);
    const flow = this.flows.get(dialog);
    return flow ? this.transports.preferFlow(dest, flow) : dest;
  }

  /** @internal */
  registerDialog(key: string, owner: SipDialogOwner): void {
    this.dialogs.set(key, owner);
    if (isCall(owner)) this.track(owner);
  }

  /** @internal */
  unregisterDialog(key: string, owner: SipDialogOwner): void {
    if (this.dialogs.get(key) === owner) this.dialogs.delete(key);
    if (isCall(owner)) this.calls.delete(owner);
  }

  /** @internal */
  discardDialog(dialog: SipDialog, invite: SipRequest, response: SipResponse, protocol: SipTransportProtocol): void {
    this.ack2xx(dialog, invite, response, protocol);
    try {
      const bye = dialog.createRequest('BYE');
      if (this.productName !== undefined) bye.headers.add('User-Agent', this.productName);
      this.sendInDialog(dialog, bye, protocol).catch(() => undefined);
    } catch {
      // the dialog cannot carry a BYE (terminated): the ACK was all we could do
    }
    dialog.terminate();
  }

  // ---- inbound routing ---------------------------------------------------------------------

  private readonly onMessage = (inbound: SipInbound): void => {
    this.emit('trace', { direction: 'in', message: inbound.message, protocol: inbound.protocol, remote: inbound.remote, local: inbound.local, raw: inbound.raw, retransmission: false } satisfies SipTraceEvent);
    const msg = inbound.message;
    // §8.1.3.3 / §8.2: semantically broken messages are refused (requests) or dropped (responses)
    // before they reach a transaction, except ACKs, which are never answered
    const v = validateMessage(msg, { supported: this.supported, methods: KNOWN_METHODS });
    // 501 comes from the transaction path (with Allow); body types are the application's business
    if (!v.ok && !(msg.kind === 'request' && (v.status === 501 || v.status === 415))) {
      if (msg.kind === 'response' || msg.method === 'ACK' || v.status === 'discard') {
        this.counters.malformed++;
        this.emit('malformed', { reason: v.reason, remote: inbound.remote, answered: false });
        return;
      }
      this.answerDirect(inbound, msg, v.status, v.reason);
      return;
    }
    this.layer.receive(inbound);
  };

  private readonly onMalformed = (info: SipMalformedInbound): void => {
    this.counters.malformed++;
    let answered = false;
    if (info.request) {
      const inbound: SipInbound = { message: info.request, protocol: info.protocol, local: info.local, remote: info.remote, transport: info.transport };
      answered = this.answerDirect(inbound, info.request, 400, info.error.message);
    }
    this.emit('malformed', { reason: info.error.code, remote: info.remote, answered });
  };

  private onUnmatchable(inbound: SipInbound, err: unknown): void {
    this.counters.malformed++;
    const msg = inbound.message;
    let answered = false;
    if (msg.kind === 'request' && msg.method !== 'ACK') answered = this.answerDirect(inbound, msg, 400, (err as { message?: string })?.message ?? 'unmatchable request');
    this.emit('malformed', { reason: 'unmatchable', remote: inbound.remote, answered });
  }

  /** Answers without a transaction (the request could not have one), with a Warning (§20.43). */
  private answerDirect(inbound: SipInbound, req: SipRequest, status: number, reason: string): boolean {
    // §8.2.6 copies Via, From, To, Call-ID and CSeq: without all of them readable there is no
    // response the peer could match, so the request is only counted
    if (!answerable(req)) return false;
    let res: SipResponse;
    try {
      res = createResponse(req, status, undefined, { toTag: req.headers.get('to')?.includes('tag=') ? undefined : newSipTag() });
      res.headers.add('Warning', `399 ${warnAgent(inbound)} ${quote(reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 200))}`);
      if (status === 420) res.headers.add('Unsupported', req.require.filter((t) => !this.supported.includes(t)).join(', ') || 'unknown');
      if (status === 405 || status === 501) res.headers.add('Allow', this.allow.join(', '));
    } catch {
      return false;
    }
    this.counters.answered400 += status === 400 ? 1 : 0;
    this.transports.sendResponse(res, inbound).then(
      (s) => this.traced(res, s),
      () => undefined,
    );
    return true;
  }

  private onRequest(tx: SipServerTransaction, inbound: SipInbound): void {
    const req = tx.request;
    if (this.closed) return;
    if (req.method === 'CANCEL') {
      const inviteTx = this.layer.findInviteForCancel(req);
      if (!inviteTx) {
        respond(tx, createResponse(req, 481, undefined, { toTag: newSipTag() }));
        return;
      }
      const owner = this.inviteOwners.get(inviteTx);
      // §9.2: the 200 to the CANCEL carries the same To tag as our responses to the INVITE
      const tag = owner instanceof SipIncomingInvite ? owner.localTag : (inviteTx.lastResponse?.to?.tag ?? newSipTag());
      respond(tx, createResponse(req, 200, undefined, { toTag: tag }));
      if (owner?.handleCancel) owner.handleCancel(inviteTx);
      else if (inviteTx.state === 'proceeding') respond(inviteTx, createResponse(inviteTx.request, 487, undefined, { toTag: tag }));
      return;
    }
    const toTag = req.to?.tag;
    if (toTag !== undefined) {
      const key = sipDialogKey(req.callId ?? '', toTag, req.from?.tag ?? '');
      const owner = this.dialogs.get(key);
      if (!owner) {
        this.counters.unknownDialog++;
        respond(tx, createResponse(req, 481));
        return;
      }
      if (tx instanceof InviteServerTx) this.inviteOwners.set(tx, owner);
      // RFC 5626 §5.3 in spirit: the peer's latest connection is the one to answer and reach it on
      if (isCall(owner)) this.noteFlow(owner.dialog, inbound.protocol, inbound.remote);
      owner.handleRequest(tx);
      return;
    }
    switch (req.method) {
      case 'INVITE': {
        const inv = new SipIncomingInvite(this, tx as SipInviteServerTransaction, inbound.protocol, inbound.remote);
        const st = inv.sessionTimerDecision;
        if (st.kind === 'reject') {
          respond(tx, createResponse(req, 422, undefined, { toTag: inv.localTag, headers: { 'Min-SE': String(st.minSE) } }));
          return;
        }
        this.inviteOwners.set(tx as SipInviteServerTransaction, inv);
        this.incomingInvites.add(inv);
        // forgotten once the transaction ends (answered calls are tracked as calls)
        tx.on('terminated', () => this.incomingInvites.delete(inv));
        if (this.listenerCount('invite') === 0) {
          inv.reject(this.options.unhandledInviteStatus ?? 480);
          return;
        }
        this.emit('invite', inv);
        return;
      }
      case 'OPTIONS': {
        const res = createResponse(req, 200, undefined, { toTag: newSipTag() });
        res.headers.add('Allow', this.allow.join(', '));
        res.headers.add('Accept', 'application/sdp');
        if (this.supported.length > 0) res.headers.add('Supported', this.supported.join(', '));
        respond(tx, res);
        return;
      }
      case 'BYE':
      case 'PRACK':
      case 'UPDATE':
      case 'INFO':
      case 'NOTIFY':
      case 'REFER':
        // these live in dialogs; without a To tag there is none (RFC 3261 §12.2.2)
        this.counters.unknownDialog++;
        respond(tx, createResponse(req, 481, undefined, { toTag: newSipTag() }));
        return;
      default: {
        const known = KNOWN_ELSEWHERE.includes(req.method);
        const res = createResponse(req, known ? 405 : 501, undefined, { toTag: newSipTag() });
        res.headers.add('Allow', this.allow.join(', '));
        respond(tx, res);
      }
    }
  }

  private onAck(inbound: SipInbound): void {
    const ack = inbound.message as SipRequest;
    const toTag = ack.to?.tag;
    if (toTag === undefined) return;
    const owner = this.dialogs.get(sipDialogKey(ack.callId ?? '', toTag, ack.from?.tag ?? ''));
    owner?.handleAck(ack);
  }

  private onStray(inbound: SipInbound): void {
    const res = inbound.message as SipResponse;
    this.counters.strayResponses++;
    // a 2xx retransmission after the INVITE transaction ended (Timer M): ACK it again
    if (res.status >= 200 && res.status < 300 && res.cseq?.method === 'INVITE') {
      const key = ackKey(res);
      const e = key === undefined ? undefined : this.acks.get(key);
      if (e) e.sent.then((s) => this.retransmitted(e.ack, s)).catch(() => undefined);
    }
  }

  private traced<T extends SipSent>(message: SipRequest | SipResponse, sent: T): T {
    const raw = (sent as Partial<SipSentMessage>).data;
    const ev: SipTraceEvent = { direction: 'out', message, protocol: sent.protocol, remote: sent.remote, local: sent.local, raw, retransmission: false };
    this.emit('trace', ev);
    const original = sent.retransmit.bind(sent);
    // retransmissions go into the trace too (the ladder must show them)
    return {
      ...sent,
      retransmit: () =>
        original().then(() => {
          this.emit('trace', { ...ev, retransmission: true });
        }),
    };
  }

  private retransmitted(message: SipRequest, sent: SipSent): Promise<void> {
    return sent.retransmit();
  }

  /** @internal Outgoing INVITEs (and their retries) until they settle, so that close() can end them. */
  trackInvite(inv: SipOutgoingInvite): void {
    this.pendingInvites.add(inv);
    inv.once('final', (r) => {
      this.pendingInvites.delete(inv);
      if (r.kind === 'answered') this.track(r.call);
    });
  }

  private track(call: { close(): void }): void {
    if (!this.closed) this.calls.add(call);
  }

  private checkOpen(): void {
    if (this.closed) throw new SipUserAgentError('SIP_UA_CLOSED', 'user agent is closed');
    if (!this.started) throw new SipUserAgentError('SIP_UA_CLOSED', 'user agent is not started');
  }
}

const KNOWN_METHODS = [...ALLOW, ...KNOWN_ELSEWHERE];

function ackKey(res: SipResponse): string | undefined {
  try {
    const tag = res.to?.tag;
    const from = res.from?.tag;
    const seq = res.cseq?.seq;
    if (tag === undefined || from === undefined || seq === undefined) return undefined;
    return `${res.callId ?? ''}\n${from}\n${tag}\n${seq}`;
  } catch {
    return undefined;
  }
}

function answerable(req: SipRequest): boolean {
  try {
    return req.topVia !== undefined && req.from !== undefined && req.to !== undefined && (req.callId ?? '').length > 0 && req.cseq !== undefined;
  } catch {
    return false;
  }
}

function isCall(o: SipDialogOwner): o is SipDialogOwner & { close(): void; active: boolean; dialog: SipDialog } {
  return typeof (o as { close?: unknown }).close === 'function' && 'active' in (o as object);
}

function warnAgent(inbound: SipInbound): string {
  const a = inbound.local.address;
  return a.includes(':') ? `[${a}]:${inbound.local.port}` : `${a}:${inbound.local.port}`;
}

function unref(h: TimerHandle): void {
  (h as { unref?: () => void }).unref?.();
}
