/**
 * Session timers (RFC 4028): the Session-Expires / Min-SE headers, the negotiation of the
 * interval and refresher on both sides, the retry after a 422, and a {@link SipSessionTimer}
 * that tells its owner when to refresh (refresher) or when the session has expired (the other
 * side, RFC 4028 §10: BYE a little before the interval ends).
 *
 * "uac"/"uas" in the `refresher` parameter always name the roles in the transaction that carries
 * the header, not in the dialog: after a re-INVITE from the original callee, that callee is the
 * UAC of the refresh.
 */
import type { Clock, TimerHandle } from '../clock';
import { SipprobeError } from '../errors';
import type { SipRequest, SipResponse } from './message';

/** RFC 4028 §4: nobody may ask for less than 90 s. */
export const SIP_MIN_SE_FLOOR = 90;

/** Stable codes of {@link SipSessionTimerError}. */
export type SipSessionTimerErrorCode = 'SIP_SESSION_TIMER_VALUE' | 'SIP_SESSION_TIMER_CONFIG';

/** A malformed Session-Expires/Min-SE value, or an impossible configuration. */
export class SipSessionTimerError extends SipprobeError {
  declare readonly code: SipSessionTimerErrorCode;
  constructor(code: SipSessionTimerErrorCode, message: string) {
    super(code, message);
  }
}

/** A Session-Expires value. */
export interface SipSessionExpires {
  /** Session interval in seconds. */
  readonly interval: number;
  /** Who refreshes, in the roles of the transaction carrying the header. */
  readonly refresher?: 'uac' | 'uas';
}

/** What a UA wants from session timers. */
export interface SipSessionTimerConfig {
  /** Use session timers at all (advertise `timer`, send Session-Expires). Default true. */
  enabled?: boolean;
  /** The interval we ask for or accept, seconds. Default 1800 (RFC 4028 §4). */
  sessionExpires?: number;
  /** The smallest interval we accept, seconds (≥ 90). Default 90. */
  minSE?: number;
  /** Who we ask to refresh when we send the first request; default: let the answerer decide. */
  refresher?: 'uac' | 'uas';
}

/** The configuration with defaults applied and checked. */
export interface ResolvedSessionTimerConfig {
  readonly enabled: boolean;
  readonly sessionExpires: number;
  readonly minSE: number;
  readonly refresher: 'uac' | 'uas' | undefined;
}

const DELTA = /^[0-9]{1,10}$/;
const MAX_DELTA = 0xffffffff;

/** Applies defaults and checks ranges; throws {@link SipSessionTimerError} on nonsense. */
export function resolveSessionTimerConfig(c: SipSessionTimerConfig = {}): ResolvedSessionTimerConfig {
  const minSE = c.minSE ?? SIP_MIN_SE_FLOOR;
  const sessionExpires = c.sessionExpires ?? 1800;
  if (!Number.isInteger(minSE) || minSE < SIP_MIN_SE_FLOOR || minSE > MAX_DELTA) {
    throw new SipSessionTimerError('SIP_SESSION_TIMER_CONFIG', `minSE must be an integer ≥ ${SIP_MIN_SE_FLOOR}`);
  }
  if (!Number.isInteger(sessionExpires) || sessionExpires < minSE || sessionExpires > MAX_DELTA) {
    throw new SipSessionTimerError('SIP_SESSION_TIMER_CONFIG', 'sessionExpires must be an integer ≥ minSE');
  }
  return { enabled: c.enabled ?? true, sessionExpires, minSE, refresher: c.refresher };
}

/** Parses `delta-seconds *(;se-params)` (RFC 4028 §4). Unknown parameters are ignored. */
export function parseSessionExpires(value: string): SipSessionExpires {
  const parts = value.split(';');
  const d = parts[0].trim();
  if (!DELTA.test(d) || Number(d) > MAX_DELTA) throw new SipSessionTimerError('SIP_SESSION_TIMER_VALUE', 'malformed Session-Expires');
  const interval = Number(d);
  let refresher: 'uac' | 'uas' | undefined;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (name !== 'refresher') continue;
    const v = eq < 0 ? '' : p.slice(eq + 1).trim().toLowerCase();
    if (v !== 'uac' && v !== 'uas') throw new SipSessionTimerError('SIP_SESSION_TIMER_VALUE', 'malformed refresher parameter');
    refresher = v;
  }
  return refresher === undefined ? { interval } : { interval, refresher };
}

/** Formats a Session-Expires value. */
export function formatSessionExpires(se: SipSessionExpires): string {
  if (!Number.isInteger(se.interval) || se.interval < 0 || se.interval > MAX_DELTA) {
    throw new SipSessionTimerError('SIP_SESSION_TIMER_VALUE', 'Session-Expires interval out of range');
  }
  return se.refresher === undefined ? String(se.interval) : `${se.interval};refresher=${se.refresher}`;
}

/** Parses a Min-SE value (delta-seconds, parameters ignored). */
export function parseMinSE(value: string): number {
  const d = value.split(';')[0].trim();
  if (!DELTA.test(d) || Number(d) > MAX_DELTA) throw new SipSessionTimerError('SIP_SESSION_TIMER_VALUE', 'malformed Min-SE');
  return Number(d);
}

/** Session-Expires of a message (`x` is its compact form), `undefined` when absent or malformed. */
export function sessionExpiresOf(msg: SipRequest | SipResponse): SipSessionExpires | undefined {
  const v = msg.headers.get('session-expires') ?? msg.headers.get('x');
  if (v === undefined) return undefined;
  try {
    return parseSessionExpires(v);
  } catch {
    return undefined;
  }
}

function minSEOf(msg: SipRequest | SipResponse): number | undefined {
  const v = msg.headers.get('min-se');
  if (v === undefined) return undefined;
  try {
    return parseMinSE(v);
  } catch {
    return undefined;
  }
}

function supportsTimer(msg: SipRequest | SipResponse): boolean {
  try {
    return msg.supported.some((t) => t.trim().toLowerCase() === 'timer') || msg.require.some((t) => t.trim().toLowerCase() === 'timer');
  } catch {
    return false;
  }
}

/** The values a request (initial INVITE or refresh) carries. */
export interface SipSessionTimerOffer {
  /** Session interval we ask for. */
  sessionExpires: number;
  /** Min-SE we send (raised after a 422). */
  minSE: number;
  /** Refresher we ask for, in this transaction's roles. */
  refresher?: 'uac' | 'uas';
}

/** Session-Expires and Min-SE header lines for a request. */
export function sessionTimerRequestHeaders(offer: SipSessionTimerOffer): [string, string][] {
  return [
    ['Session-Expires', formatSessionExpires({ interval: offer.sessionExpires, refresher: offer.refresher })],
    ['Min-SE', String(offer.minSE)],
  ];
}

/** The first offer a UAC makes from its configuration. */
export function initialSessionTimerOffer(config: ResolvedSessionTimerConfig): SipSessionTimerOffer {
  return { sessionExpires: config.sessionExpires, minSE: config.minSE, refresher: config.refresher };
}

/**
 * The offer to retry with after a 422 (RFC 4028 §7.1/§7.4): Min-SE and Session-Expires raised to
 * the 422's Min-SE. `undefined` when the 422 gives no usable Min-SE or does not raise it (a
 * retry would loop).
 */
export function sessionTimerOfferAfter422(response: SipResponse, current: SipSessionTimerOffer): SipSessionTimerOffer | undefined {
  const min = minSEOf(response);
  if (min === undefined || min <= current.minSE) return undefined;
  return { sessionExpires: Math.max(current.sessionExpires, min), minSE: min, refresher: current.refresher };
}

/** A negotiated session timer, from our side of the dialog. */
export interface SipNegotiatedSessionTimer {
  /** Session interval, seconds. */
  readonly interval: number;
  /** True when we refresh, false when the peer does. */
  readonly weRefresh: boolean;
}

/**
 * What a 2xx to our INVITE/UPDATE (we were the UAC) says (RFC 4028 §7.2): no Session-Expires →
 * no session timer; otherwise its interval, and we refresh when `refresher=uac` (a missing
 * refresher is treated as uac, as the UAS should have set it).
 */
export function sessionTimerFromResponse(response: SipResponse): SipNegotiatedSessionTimer | undefined {
  const se = sessionExpiresOf(response);
  if (se === undefined || se.interval === 0) return undefined;
  return { interval: se.interval, weRefresh: se.refresher !== 'uas' };
}

/** What a UAS does with a request's session-timer headers. */
export type SipSessionTimerDecision =
  /** Answer 422 with this Min-SE header value. */
  | { readonly kind: 'reject'; readonly minSE: number }
  /** No session timer: add nothing to the 2xx. */
  | { readonly kind: 'none' }
  /** Add `headers` to the 2xx; `timer` is the negotiated result from our side. */
  | { readonly kind: 'accept'; readonly headers: [string, string][]; readonly timer: SipNegotiatedSessionTimer };

/**
 * The UAS side (RFC 4028 §9), for an INVITE or UPDATE: a Session-Expires below our Min-SE → 422;
 * otherwise answer with the interval (as asked, lowered to ours if we are configured lower but
 * never below the request's Min-SE) and a refresher: the one requested, else the UAC when it
 * supports timers, else us. `Require: timer` is added when the UAC supports timers. A request
 * without Session-Expires gets a session timer only when the UAC supports timers and we are
 * enabled.
 */
export function negotiateUasSessionTimer(request: SipRequest, config: ResolvedSessionTimerConfig): SipSessionTimerDecision {
  const se = sessionExpiresOf(request);
  const uacSupports = supportsTimer(request);
  if (se !== undefined && se.interval < config.minSE) return { kind: 'reject', minSE: config.minSE };
  if (!config.enabled) return { kind: 'none' };
  let interval: number;
  if (se === undefined) {
    if (!uacSupports) return { kind: 'none' };
    interval = config.sessionExpires;
  } else {
    const theirMin = Math.max(minSEOf(request) ?? SIP_MIN_SE_FLOOR, SIP_MIN_SE_FLOOR);
    interval = Math.max(Math.min(se.interval, config.sessionExpires), theirMin, config.minSE);
    interval = Math.min(interval, se.interval);
  }
  let refresher: 'uac' | 'uas' = se?.refresher ?? (uacSupports ? 'uac' : 'uas');
  if (!uacSupports) refresher = 'uas'; // a UAC that does not know timers cannot refresh
  const headers: [string, string][] = [['Session-Expires', formatSessionExpires({ interval, refresher })]];
  if (uacSupports) headers.push(['Require', 'timer']);
  return { kind: 'accept', headers, timer: { interval, weRefresh: refresher === 'uas' } };
}

/** Callbacks of a {@link SipSessionTimer}. */
export interface SipSessionTimerEvents {
  /** We are the refresher and half the interval has passed: send a refresh. */
  onRefresh(): void;
  /** The peer should have refreshed and did not: the session is dead (send BYE). */
  onExpire(): void;
}

/**
 * Runs the clock side of a negotiated session timer: refresh at half the interval when we are
 * the refresher (RFC 4028 §10 recommends it), and expiry at `interval - min(32, interval/3)`
 * when the peer is (§10). {@link start} again after each successful refresh.
 */
export class SipSessionTimer {
  private handle: TimerHandle | undefined;
  private current: SipNegotiatedSessionTimer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly events: SipSessionTimerEvents,
  ) {}

  /** The running negotiation, if any. */
  get negotiated(): SipNegotiatedSessionTimer | undefined {
    return this.current;
  }

  /** (Re)starts with a freshly negotiated interval. */
  start(timer: SipNegotiatedSessionTimer): void {
    this.stop();
    this.current = timer;
    const ms = timer.weRefresh ? (timer.interval * 1000) / 2 : (timer.interval - Math.min(32, timer.interval / 3)) * 1000;
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      if (timer.weRefresh) this.events.onRefresh();
      else this.events.onExpire();
    }, ms);
  }

  /** Stops the timer (call on BYE and dialog end). */
  stop(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
