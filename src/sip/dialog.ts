/**
 * SIP dialogs (RFC 3261 §12–§14): the state two user agents share for one call — Call-ID, tags,
 * local/remote URIs, CSeq numbers, route set, remote target and the secure flag — and the
 * requests built from it: in-dialog requests with loose or strict routing (§12.2.1.1), the ACK
 * for a 2xx (§13.2.2.4) and PRACK (RFC 3262 §7.1).
 *
 * A dialog knows nothing of transports or transactions: it builds `SipRequest`s without a Via
 * (the sender adds its own) and tells the sender where they go ({@link SipDialog.nextHop}).
 */
import { SipprobeError } from '../errors';
import { randomIntBetween } from '../random';
import { createRequest, type SipHeaderInit, type SipRequest, type SipResponse } from './message';
import { formatNameAddr, parseNameAddr, type SipNameAddr } from './name-addr';
import { formatSipUri, isSipUri, parseUri } from './uri';

/** Lifecycle of a dialog (RFC 3261 §12). */
export type SipDialogState = 'early' | 'confirmed' | 'terminated';

/** Stable codes of {@link SipDialogError}. */
export type SipDialogErrorCode =
  | 'SIP_DIALOG_NO_TAG'
  | 'SIP_DIALOG_NO_CONTACT'
  | 'SIP_DIALOG_BAD_MESSAGE'
  | 'SIP_DIALOG_TERMINATED'
  | 'SIP_DIALOG_NOT_RELIABLE';

/** Raised when a dialog cannot be created from a message, or a request cannot be built in it. */
export class SipDialogError extends SipprobeError {
  declare readonly code: SipDialogErrorCode;
  constructor(code: SipDialogErrorCode, message: string) {
    super(code, message);
  }
}

/** What makes a dialog unique (RFC 3261 §12): Call-ID and both tags. */
export interface SipDialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** The key under which a UA files a dialog: Call-ID, local tag and remote tag joined. */
export function sipDialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

/** Options for building a request inside a dialog. */
export interface SipDialogRequestInit {
  /** Extra headers (values are checked for line breaks by the header list). */
  headers?: SipHeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

/** Options shared by the dialog constructors. */
export interface SipDialogOptions {
  /** Our Contact header value (a name-addr), sent in target-refresh requests. */
  localContact?: string;
  /** True when the dialog-creating request travelled over TLS (with a SIPS Request-URI: secure flag). */
  overTls?: boolean;
}

/** Everything a dialog is made of; {@link SipDialog.uac}/{@link SipDialog.uas} fill it from messages. */
export interface SipDialogInit {
  role: 'uac' | 'uas';
  state: SipDialogState;
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  localDisplayName?: string;
  remoteUri: string;
  remoteDisplayName?: string;
  /** Last CSeq number we used; `undefined` until we send a request (UAS side). */
  localSeq?: number;
  /** Last CSeq number the peer used; `undefined` until it sends one (UAC side). */
  remoteSeq?: number;
  /** Route set as name-addr texts, in the order requests carry them. */
  routeSet: readonly string[];
  /** Remote target URI (from the peer's Contact). */
  remoteTarget: string;
  secure: boolean;
  localContact?: string;
}

const MAX_CSEQ = 0x7fffffff;

/** One dialog. State and sequence numbers change; the identity (Call-ID, tags) never does. */
export class SipDialog implements SipDialogId {
  readonly role: 'uac' | 'uas';
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly localDisplayName: string | undefined;
  readonly remoteUri: string;
  readonly remoteDisplayName: string | undefined;
  readonly secure: boolean;
  /** Current state; see {@link confirm} and {@link terminate}. */
  state: SipDialogState;
  /** Our Contact header value. */
  localContact: string | undefined;
  private seqLocal: number | undefined;
  private seqRemote: number | undefined;
  private routes: string[];
  private target: string;
  /** RSeq of the last reliable provisional we acknowledged (RFC 3262 §4), per dialog. */
  private lastRSeq: number | undefined;

  constructor(init: SipDialogInit) {
    this.role = init.role;
    this.state = init.state;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.localDisplayName = init.localDisplayName;
    this.remoteUri = init.remoteUri;
    this.remoteDisplayName = init.remoteDisplayName;
    this.seqLocal = init.localSeq;
    this.seqRemote = init.remoteSeq;
    this.routes = [...init.routeSet];
    this.target = init.remoteTarget;
    this.secure = init.secure;
    this.localContact = init.localContact;
  }

  /**
   * The UAC's dialog from its INVITE (or other dialog-creating request) and a 1xx with a To tag
   * (early) or a 2xx (confirmed): RFC 3261 §12.1.2. The route set is the response's
   * Record-Route reversed; the remote target its Contact.
   */
  static uac(request: SipRequest, response: SipResponse, options: SipDialogOptions = {}): SipDialog {
    const from = need(() => request.from, 'From');
    const to = need(() => response.to, 'To');
    const callId = request.callId;
    const cseq = need(() => request.cseq, 'CSeq');
    if (from.tag === undefined) throw new SipDialogError('SIP_DIALOG_NO_TAG', 'request has no From tag');
    if (to.tag === undefined) throw new SipDialogError('SIP_DIALOG_NO_TAG', 'response has no To tag');
    if (callId === undefined || callId.length === 0) throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', 'request has no Call-ID');
    // a peer that omits Contact is still reachable at the Request-URI; calling tools must not give up here
    const target = contactTarget(response, false);
    return new SipDialog({
      role: 'uac',
      state: response.status >= 200 ? 'confirmed' : 'early',
      callId,
      localTag: from.tag,
      remoteTag: to.tag,
      localUri: from.uri,
      localDisplayName: from.displayName,
      remoteUri: to.uri,
      remoteDisplayName: to.displayName,
      localSeq: cseq.seq,
      routeSet: recordRouteValues(response).reverse(),
      remoteTarget: target ?? request.uri,
      secure: isSecure(options.overTls, request.uri),
      localContact: options.localContact ?? request.headers.get('contact'),
    });
  }

  /**
   * The UAS's dialog from a dialog-creating request and the To tag we answer with: RFC 3261
   * §12.1.1. The route set is the request's Record-Route as is; the remote target its Contact.
   */
  static uas(request: SipRequest, localTag: string, options: SipDialogOptions = {}): SipDialog {
    const from = need(() => request.from, 'From');
    const to = need(() => request.to, 'To');
    const callId = request.callId;
    const cseq = need(() => request.cseq, 'CSeq');
    if (from.tag === undefined) throw new SipDialogError('SIP_DIALOG_NO_TAG', 'request has no From tag');
    if (callId === undefined || callId.length === 0) throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', 'request has no Call-ID');
    const target = contactTarget(request, true);
    return new SipDialog({
      role: 'uas',
      state: 'early',
      callId,
      localTag,
      remoteTag: from.tag,
      localUri: to.uri,
      localDisplayName: to.displayName,
      remoteUri: from.uri,
      remoteDisplayName: from.displayName,
      remoteSeq: cseq.seq,
      routeSet: recordRouteValues(request),
      remoteTarget: target!,
      secure: isSecure(options.overTls, request.uri),
      localContact: options.localContact,
    });
  }

  /** Call-ID + local tag + remote tag, as filed by {@link sipDialogKey}. */
  get key(): string {
    return sipDialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /** Route set, in the order requests carry it. */
  get routeSet(): readonly string[] {
    return this.routes;
  }

  /** Remote target URI. */
  get remoteTarget(): string {
    return this.target;
  }

  /** Last CSeq number we used (`undefined` before our first request as UAS). */
  get localSeq(): number | undefined {
    return this.seqLocal;
  }

  /** Last CSeq number the peer used. */
  get remoteSeq(): number | undefined {
    return this.seqRemote;
  }

  /** Early → confirmed (a 2xx arrived or was sent). */
  confirm(): void {
    if (this.state === 'early') this.state = 'confirmed';
  }

  /** Any state → terminated. */
  terminate(): void {
    this.state = 'terminated';
  }

  /**
   * The URI a request of this dialog is sent to (before RFC 3263 resolution): the first route,
   * or the remote target when the route set is empty. Strict routing sends to the same place,
   * since the first route then *is* the Request-URI.
   */
  get nextHop(): string {
    if (this.routes.length === 0) return this.target;
    return parseNameAddr(this.routes[0]).uri;
  }

  /**
   * Builds a request in this dialog (RFC 3261 §12.2.1.1): From/To with the tags, Call-ID, the
   * next local CSeq (ACK and CANCEL excluded: see {@link createAck}), Request-URI and Route per
   * loose or strict routing, and our Contact on target-refresh requests. No Via.
   */
  createRequest(method: string, init: SipDialogRequestInit = {}): SipRequest {
    if (this.state === 'terminated' && method !== 'ACK') {
      throw new SipDialogError('SIP_DIALOG_TERMINATED', `cannot send ${method} in a terminated dialog`);
    }
    const seq = this.nextLocalSeq();
    return this.build(method, seq, init, TARGET_REFRESH.has(method));
  }

  /**
   * The ACK for a 2xx to the INVITE with CSeq number `inviteSeq` (RFC 3261 §13.2.2.4): same
   * CSeq number, method ACK, routed like any in-dialog request. The caller adds a Via with a new
   * branch and, when the INVITE carried credentials, the same Authorization headers.
   */
  createAck(inviteSeq: number, init: SipDialogRequestInit = {}): SipRequest {
    return this.build('ACK', inviteSeq, init, false);
  }

  /**
   * The PRACK for a reliable provisional response (RFC 3262 §7.1), or `undefined` when it must
   * not be acknowledged: a retransmission or an RSeq that is not the next in sequence (§4).
   * Throws when the response is not reliable (no `Require: 100rel` or no valid RSeq).
   */
  createPrack(response: SipResponse, init: SipDialogRequestInit = {}): SipRequest | undefined {
    const rseq = reliableRSeq(response);
    if (rseq === undefined) throw new SipDialogError('SIP_DIALOG_NOT_RELIABLE', 'response is not a reliable provisional response');
    if (this.lastRSeq !== undefined && rseq !== this.lastRSeq + 1) return undefined;
    const cseq = response.cseq!;
    this.lastRSeq = rseq;
    const req = this.createRequest('PRACK', init);
    req.headers.add('RAck', `${rseq} ${cseq.seq} ${cseq.method}`);
    return req;
  }

  /**
   * Checks an incoming in-dialog request's CSeq (RFC 3261 §12.2.2): lower than the last one the
   * peer used → 500 (out of order). Otherwise records it and returns `true`. ACK and CANCEL
   * reuse the INVITE's number and are not checked.
   */
  acceptRemoteRequest(request: SipRequest): boolean {
    const cseq = request.cseq;
    if (cseq === undefined) return false;
    if (request.method === 'ACK' || request.method === 'CANCEL') return true;
    if (this.seqRemote !== undefined && cseq.seq < this.seqRemote) return false;
    this.seqRemote = cseq.seq;
    return true;
  }

  /**
   * Applies a target refresh (RFC 3261 §12.2): a re-INVITE/UPDATE from the peer, or a 2xx to
   * ours, replaces the remote target with its Contact. A 2xx that confirms an early UAC dialog
   * also recomputes the route set from its Record-Route (§13.2.2.4).
   */
  refreshTarget(message: SipRequest | SipResponse): void {
    let target: string | undefined;
    try {
      target = contactTarget(message, false);
    } catch {
      target = undefined;
    }
    if (target !== undefined) this.target = target;
  }

  /**
   * Processes a response to a request of ours in this dialog: a 2xx confirms an early dialog
   * (recomputing the UAC route set), and 2xx to target-refresh requests update the remote target.
   */
  applyResponse(response: SipResponse, method: string): void {
    if (response.status < 200 || response.status >= 300) {
      if (response.status >= 100 && response.status < 200 && method === 'INVITE' && this.state === 'early') this.refreshTarget(response);
      return;
    }
    if (method === 'INVITE' && this.state === 'early') {
      if (this.role === 'uac') this.routes = recordRouteValues(response).reverse();
      this.state = 'confirmed';
    }
    if (TARGET_REFRESH.has(method)) this.refreshTarget(response);
  }

  /** For debugging output: identity and state, no bodies or credentials. */
  toJSON(): Record<string, unknown> {
    return { role: this.role, state: this.state, callId: this.callId, localTag: this.localTag, remoteTag: this.remoteTag, remoteTarget: this.target };
  }

  private nextLocalSeq(): number {
    // RFC 3261 §8.1.1.5: the first number is arbitrary below 2^31; start low so that a long call never wraps
    if (this.seqLocal === undefined) this.seqLocal = randomIntBetween(1, 0x10000);
    else if (this.seqLocal >= MAX_CSEQ) throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', 'CSeq space exhausted');
    else this.seqLocal++;
    return this.seqLocal;
  }

  private build(method: string, seq: number, init: SipDialogRequestInit, withContact: boolean): SipRequest {
    const from = formatNameAddr({ displayName: this.localDisplayName, uri: this.localUri, params: [['tag', this.localTag]] });
    const to = formatNameAddr({ displayName: this.remoteDisplayName, uri: this.remoteUri, params: [['tag', this.remoteTag]] });
    let uri = this.target;
    let route: string[] = this.routes;
    if (this.routes.length > 0) {
      const first = parseNameAddr(this.routes[0]);
      if (!isLooseRoute(first.uri)) {
        // strict routing (RFC 3261 §12.2.1.1): the first route becomes the Request-URI and the
        // remote target travels as the last Route
        uri = requestUriFromRoute(first.uri);
        route = [...this.routes.slice(1), formatNameAddr({ uri: this.target })];
      }
    }
    return createRequest(method, uri, {
      from,
      to,
      callId: this.callId,
      cseq: seq,
      route,
      contact: withContact && this.localContact !== undefined ? this.localContact : undefined,
      headers: init.headers,
      body: init.body,
      contentType: init.contentType,
    });
  }
}

/** Methods whose requests and 2xx responses refresh the remote target (RFC 3261 §12.2, RFC 3311). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

/**
 * The RSeq of a reliable provisional response (RFC 3262 §3: 101–199 with `Require: 100rel` and
 * an RSeq 1 … 2^31-1), else `undefined`.
 */
export function reliableRSeq(response: SipResponse): number | undefined {
  if (response.status <= 100 || response.status >= 200) return undefined;
  let requires: string[];
  try {
    requires = response.require;
  } catch {
    return undefined;
  }
  if (!requires.some((t) => t.trim().toLowerCase() === '100rel')) return undefined;
  const v = response.headers.get('rseq')?.trim();
  if (v === undefined || !/^[0-9]{1,10}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= MAX_CSEQ ? n : undefined;
}

function need<T>(get: () => T | undefined, what: string): T {
  let v: T | undefined;
  try {
    v = get();
  } catch {
    throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', `malformed ${what}`);
  }
  if (v === undefined) throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', `missing ${what}`);
  return v;
}

function recordRouteValues(msg: SipRequest | SipResponse): string[] {
  let rr: SipNameAddr[];
  try {
    rr = msg.recordRoutes;
  } catch {
    throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', 'malformed Record-Route');
  }
  // rebuilt from the parsed form so that a route we send is always well formed
  return rr.map((r) => formatNameAddr({ displayName: r.displayName, uri: r.uri, params: r.params }));
}

function contactTarget(msg: SipRequest | SipResponse, required: boolean): string | undefined {
  let contacts;
  try {
    contacts = msg.contacts;
  } catch {
    throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', 'malformed Contact');
  }
  const c = contacts.find((x) => !x.star);
  if (c === undefined) {
    if (required) throw new SipDialogError('SIP_DIALOG_NO_CONTACT', 'dialog-creating message has no Contact');
    return undefined;
  }
  try {
    parseUri(c.uri);
  } catch {
    throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', 'malformed Contact URI');
  }
  return c.uri;
}

function isSecure(overTls: boolean | undefined, requestUri: string): boolean {
  return overTls === true && requestUri.slice(0, 5).toLowerCase() === 'sips:';
}

function isLooseRoute(uri: string): boolean {
  try {
    const u = parseUri(uri);
    return isSipUri(u) && u.params.has('lr');
  } catch {
    return false;
  }
}

/** A strict router's URI as a Request-URI: without headers and the `method` parameter (§19.1.1 table). */
function requestUriFromRoute(uri: string): string {
  let u;
  try {
    u = parseUri(uri);
  } catch {
    throw new SipDialogError('SIP_DIALOG_BAD_MESSAGE', 'malformed Route URI');
  }
  if (!isSipUri(u) || (u.headers.size === 0 && !u.params.has('method'))) return uri;
  return formatSipUri({
    scheme: u.scheme,
    user: u.user,
    password: u.password,
    host: u.host,
    port: u.port,
    params: [...u.params].filter(([k]) => k !== 'method'),
  });
}
