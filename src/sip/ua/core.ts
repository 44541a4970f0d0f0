/**
 * What the INVITE usages (outgoing/incoming INVITE, established call) need from the user-agent
 * core, as an interface so that the usages do not import the core (no cycles), plus the types
 * they share.
 */
import type { Clock } from '../../clock';
import { SipprobeError } from '../../errors';
import type { SipDialog } from '../dialog';
import { createRequest, type SipHeaderInit, type SipRequest, type SipResponse } from '../message';
import type { ResolvedSessionTimerConfig } from '../session-timer';
import type { SipTransactionLayer } from '../transaction/layer';
import type { SipAddress, SipDestination, SipTransportProtocol } from '../transport/types';

/** A message body with its type. The core never looks inside (SDP is the caller's business). */
export interface SipBody {
  body: Buffer | string;
  contentType: string;
}

/** @internal Where a request goes after the §18.1.1 size check (see `SipUaCore.largeRequestRoute`). */
export interface SipLargeRequestRoute {
  readonly destination: SipDestination;
  /** Size of the request as built for UDP, when it was over the limit. */
  readonly bytes?: number;
  /** The TCP connection could not be made: the request stays on UDP. */
  readonly fallback?: SipprobeError;
}

/** Stable codes of {@link SipUserAgentError}. */
export type SipUserAgentErrorCode =
  /** The UA is closed or not started. */
  | 'SIP_UA_CLOSED'
  /** An API call that the current state does not allow (e.g. answering twice). */
  | 'SIP_UA_STATE'
  /** Invalid options (bad URI, header injection attempt …). */
  | 'SIP_UA_OPTIONS'
  /** A request got no final response (timeout or transport failure); `cause` has the details. */
  | 'SIP_UA_NO_RESPONSE';

/** Errors of the user-agent core API. */
export class SipUserAgentError extends SipprobeError {
  declare readonly code: SipUserAgentErrorCode;
  constructor(code: SipUserAgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Answers a 401/407 to a request of ours inside a call (a BYE): the Authorization /
 * Proxy-Authorization headers for the request sent again, or undefined when there are no
 * credentials for it. It gets the challenge and the challenged request (its method, Request-URI
 * and credentials, if it carried any). Throwing counts as not answering; the error's `code` is
 * reported. The core knows nothing of digest: the application computes the values (src/digest).
 */
export type SipAuthenticator = (challenge: SipResponse, request: SipRequest) => SipHeaderInit | undefined | Promise<SipHeaderInit | undefined>;

/** Options for a request sent in a dialog. */
export interface SipInDialogRequestOptions {
  headers?: SipHeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

/** @internal The core as the usages see it. */
export interface SipUaCore {
  readonly clock: Clock;
  readonly layer: SipTransactionLayer;
  readonly T1: number;
  readonly T2: number;
  readonly sessionTimer: ResolvedSessionTimerConfig;
  /** Option tags we advertise in Supported. */
  readonly supported: readonly string[];
  /** Methods we accept (Allow). */
  readonly allow: readonly string[];
  /** `User-Agent` / `Server` value, or undefined to send none. */
  readonly productName: string | undefined;
  /**
   * Our Contact header value for a protocol; `flow` (the peer's address of the connection) lets
   * a TCP/TLS transport without a listener name that connection's local address and port.
   */
  contact(protocol: SipTransportProtocol, flow?: SipAddress): string;
  /**
   * Opens the connection to `destination` first when our Contact and Via must name it (TCP/TLS
   * without a listener); nothing otherwise. Rejects with the transport's connect error.
   */
  openFlow(destination: SipDestination): Promise<void>;
  /**
   * Puts a new top Via on an outgoing request (fresh `z9hG4bK` branch) stamped exactly as the
   * transport will stamp it over `protocol` (sent-by, `rport`), so that the request is final
   * before it is handed to the transaction layer.
   */
  addVia(request: SipRequest, protocol: SipTransportProtocol): void;
  /** Resolves a URI to its first destination; `hint` is used when the URI does not pin a protocol. */
  resolve(uri: string, hint: SipTransportProtocol): Promise<SipDestination>;
  /**
   * RFC 3261 §18.1.1 for a request built for `destination`: when it is too large for UDP (and
   * the destination is UDP, not pinned, and the switch is on), opens a TCP connection to the
   * same address and port and routes to it (pinned); when that connection cannot be made, the
   * route stays on UDP (pinned, so that the transport does not try again) with `fallback` set.
   * Never rejects.
   */
  largeRequestRoute(destination: SipDestination, request: SipRequest): Promise<SipLargeRequestRoute>;
  /**
   * Sends (or, for a retransmitted 2xx, re-sends) the ACK for `response`, a 2xx to `invite`
   * in `dialog` (RFC 3261 §13.2.2.4). The same ACK bytes are re-sent for every retransmission.
   */
  ack2xx(dialog: SipDialog, invite: SipRequest, response: SipResponse, protocol: SipTransportProtocol, body?: SipBody): void;
  /**
   * Sends a non-INVITE request in a dialog and resolves with its final response; rejects with
   * {@link SipUserAgentError} `SIP_UA_NO_RESPONSE` on timeout or transport failure.
   */
  sendInDialog(dialog: SipDialog, request: SipRequest, protocol: SipTransportProtocol, onProvisional?: (res: SipResponse) => void): Promise<SipResponse>;
  /**
   * Remembers the connection (`protocol`, peer address) a dialog runs over, so that its
   * requests reuse it when the peer's Contact has no connection of its own. UDP is ignored.
   */
  noteFlow(dialog: SipDialog, protocol: SipTransportProtocol, remote: SipAddress): void;
  /** Settles once `response` has been handed to the transport (sent or failed); at once if it is unknown. */
  responseSent(response: SipResponse): Promise<void>;
  /** Files an established dialog so that in-dialog requests and stray 2xx find it. */
  registerDialog(key: string, owner: SipDialogOwner): void;
  unregisterDialog(key: string, owner: SipDialogOwner): void;
  /** Keeps an outgoing INVITE (e.g. a retry) known until it settles, so that closing ends it. */
  trackInvite(inv: import('./uac-invite').SipOutgoingInvite): void;
  /** ACK, BYE and forget a dialog we do not want (a forked or crossing 2xx). */
  discardDialog(dialog: SipDialog, invite: SipRequest, response: SipResponse, protocol: SipTransportProtocol): void;
}

/** @internal Something that handles a dialog's requests: an established call or an incoming INVITE. */
export interface SipDialogOwner {
  /** An in-dialog request with its server transaction. */
  handleRequest(tx: import('../transaction/server').SipServerTransaction): void;
  /** The ACK for one of our 2xx. */
  handleAck(ack: SipRequest): void;
  /** A CANCEL matched an INVITE server transaction of this owner (200 to the CANCEL already sent). */
  handleCancel?(inviteTx: import('../transaction/server').SipInviteServerTransaction): void;
}

/** Adds extra headers to a request, refusing the ones the core manages. */
export function addExtraHeaders(req: SipRequest | SipResponse, extra: SipHeaderInit | undefined): void {
  if (!extra) return;
  const pairs = Symbol.iterator in extra ? (extra as Iterable<readonly [string, string]>) : Object.entries(extra as Record<string, string>);
  for (const [k, v] of pairs) {
    const key = k.toLowerCase();
    if (MANAGED.has(key)) throw new SipUserAgentError('SIP_UA_OPTIONS', `header ${k.slice(0, 32)} is managed by the user agent`);
    req.headers.add(k, v);
  }
}

/** An extra-header list as name/value pairs (a snapshot: later changes to the input do not show). */
export function headerPairs(h: SipHeaderInit | undefined): [string, string][] {
  if (!h) return [];
  return Symbol.iterator in h ? [...(h as Iterable<readonly [string, string]>)].map(([k, v]) => [k, v]) : Object.entries(h as Record<string, string>);
}

/** Extra headers with `extra` replacing same-named ones of `base` (case-insensitive). */
export function mergeExtraHeaders(base: SipHeaderInit | undefined, extra: SipHeaderInit | undefined): [string, string][] {
  const add = headerPairs(extra);
  const names = new Set(add.map(([k]) => k.toLowerCase()));
  return [...headerPairs(base).filter(([k]) => !names.has(k.toLowerCase())), ...add];
}

/** Headers a re-INVITE of ours builds itself (besides the managed ones): not repeatable extras. */
const REINVITE_OWN = new Set(['contact', 'm', 'content-type', 'c', 'session-expires', 'x', 'min-se', 'supported', 'k', 'allow', 'require']);

/**
 * Checks headers meant for every re-INVITE of a call (`SipInviteOptions.dialogInviteHeaders`)
 * the way {@link addExtraHeaders} checks any extra header (names, values, no line breaks, no
 * core headers), and refuses the ones a re-INVITE sets itself. Returns them as a snapshot.
 * @throws SipUserAgentError `SIP_UA_OPTIONS`, or the header list's `SipHeaderError`.
 */
export function checkDialogInviteHeaders(h: SipHeaderInit | undefined): [string, string][] {
  const pairs = headerPairs(h);
  if (pairs.length === 0) return pairs;
  for (const [k] of pairs) {
    if (typeof k === 'string' && REINVITE_OWN.has(k.toLowerCase())) throw new SipUserAgentError('SIP_UA_OPTIONS', `header ${k.slice(0, 32)} is set by each re-INVITE itself`);
  }
  // the same checks a real request applies (managed names, syntax, line breaks)
  addExtraHeaders(createRequest('INVITE', 'sip:check@invalid', { from: '<sip:a@invalid>;tag=1', to: '<sip:b@invalid>', callId: 'check', cseq: 1 }), pairs);
  return pairs;
}

/** Headers whose values the core derives itself: letting callers set them would break the dialog. */
const MANAGED = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'content-length', 'l', 'max-forwards', 'rseq', 'rack']);

/** Sets Supported/Allow/User-Agent the way every request and dialog-creating response of ours carries them. */
export function decorate(core: SipUaCore, msg: SipRequest | SipResponse, withAllow: boolean): void {
  if (core.supported.length > 0 && !msg.headers.has('supported')) msg.headers.add('Supported', core.supported.join(', '));
  if (withAllow && !msg.headers.has('allow')) msg.headers.add('Allow', core.allow.join(', '));
  if (core.productName !== undefined) {
    const name = msg.kind === 'request' ? 'User-Agent' : 'Server';
    if (!msg.headers.has(name)) msg.headers.add(name, core.productName);
  }
}

/** Body and Content-Type of a message, when it has a body. */
export function bodyOf(msg: SipRequest | SipResponse): SipBody | undefined {
  if (msg.body.length === 0) return undefined;
  let ct: string | undefined;
  try {
    ct = msg.contentType?.raw;
  } catch {
    ct = undefined;
  }
  return { body: msg.body, contentType: ct ?? 'application/octet-stream' };
}

/** True when the message lists `tag` in Supported or Require. */
export function hasOptionTag(msg: SipRequest | SipResponse, tag: string, header: 'supported' | 'require' | 'both' = 'both'): boolean {
  try {
    const list = header === 'supported' ? msg.supported : header === 'require' ? msg.require : [...msg.supported, ...msg.require];
    return list.some((t) => t.trim().toLowerCase() === tag);
  } catch {
    return false;
  }
}

/** True when the message's Allow lists `method`. */
export function allows(msg: SipRequest | SipResponse, method: string): boolean {
  return msg.headers.getAll('allow').some((m) => m.trim().toUpperCase() === method);
}

/** The transport protocol a Via names, for in-dialog requests that should stay on it. */
export function protocolOfVia(msg: SipRequest | SipResponse): SipTransportProtocol {
  try {
    const t = msg.topVia?.transport;
    return t === 'TCP' ? 'tcp' : t === 'TLS' ? 'tls' : 'udp';
  } catch {
    return 'udp';
  }
}
