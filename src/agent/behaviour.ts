/**
 * What a TestAgent does with a call: a plain options object, checked once by
 * {@link resolveTestAgentBehaviour} so that a bad value fails at configuration time, not mid-call.
 */
import { inspect } from 'node:util';
import type { DigestAlgorithm, DigestQop } from '../digest';
import { DIGEST_ALGORITHMS } from '../digest';
import { TestAgentError } from './errors';

/** Digest challenge settings: the agent demands credentials before it rings. */
export interface TestAgentAuthBehaviour {
  readonly username: string;
  /** Never printed, logged or put in JSON. */
  readonly password: string;
  /** Default `sipprobe`. */
  readonly realm?: string;
  /** Algorithms offered, one challenge header each, in this order. Default `['MD5']`. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** qop options offered; `[]` = no qop (RFC 2069 form, as LiveKit does). Default `['auth']`. */
  readonly qop?: readonly DigestQop[];
  /** Challenge with 407 Proxy-Authenticate instead of 401 WWW-Authenticate. */
  readonly proxy?: boolean;
  /** Offer `opaque` (default true, a random value). */
  readonly opaque?: boolean;
  /** Advertise `userhash=true`. */
  readonly userhash?: boolean;
  /** Wrong credentials: answer 403 (default) or challenge again (up to `maxChallenges`, then 403). */
  readonly onFailure?: 'forbidden' | 'rechallenge';
  /** Challenges per call before the agent gives up with 403. Default 3. */
  readonly maxChallenges?: number;
  /**
   * Challenge the caller's BYE too, as some PBXs do (drachtio-server#190). `true`: a BYE must
   * carry valid credentials (checked like the INVITE's; one without them, or with stale or
   * wrong ones, is challenged). `'always'`: every BYE is challenged, whatever it carries (a peer
   * that never accepts them). The call stays up after a challenge. Default false.
   */
  readonly challengeBye?: boolean | 'always';
}

/** Turn mode: answer each caller turn after a fixed gap, for latency-measurement tests. */
export interface TestAgentTurnBehaviour {
  /**
   * Speak this long after the caller stopped speaking (the end of its speech as received). A list
   * gives one gap per turn (turn i uses entry i; the last entry repeats). The reply is placed in
   * the RTP stream at that point to the sample, not by a wall-clock timer.
   */
  readonly afterSilenceMs: number | readonly number[];
  /** What to say each turn; default the behaviour's `play`. */
  readonly play?: string;
  /** Also greet on answer (after `greetingDelayMs`). Default false: wait for the caller first. */
  readonly greet?: boolean;
  /** Energy gate threshold, dBFS. Default −40. */
  readonly thresholdDbfs?: number;
  /** Shortest speech that counts as a turn. Default 100 ms. */
  readonly minSpeechMs?: number;
  /** Silence needed to decide a turn is over. Default 300 ms (must not exceed `afterSilenceMs` for exact timing). */
  readonly hangoverMs?: number;
  /** Stop answering after this many turns. Default unlimited. */
  readonly maxTurns?: number;
}

/** Rejection with a final status. */
export interface TestAgentReject {
  /** 300–699, e.g. 486 Busy Here, 603 Decline, 480 Temporarily Unavailable. */
  readonly status: number;
  readonly reason?: string;
}

/** Everything a TestAgent can do with one call. Every field is optional; `{}` answers at once and plays the greeting. */
export interface TestAgentBehaviour {
  /** Send 180 Ringing and wait this long before answering/rejecting. Default 0 (no 180). */
  readonly ringMs?: number;
  /**
   * Send 183 Session Progress with our SDP answer and start media while "ringing" (for `ringMs`).
   * `true` plays the behaviour's `play`; `{ play }` another WAV.
   */
  readonly earlyMedia?: boolean | { readonly play?: string };
  /** Reject (after the ring, if any) instead of answering. A number is the status. */
  readonly reject?: number | TestAgentReject;
  /** Never answer: ring until the caller cancels (487). */
  readonly neverAnswer?: boolean;
  /** Demand digest credentials first. */
  readonly auth?: TestAgentAuthBehaviour;
  /** WAV to play after answering. Default the shipped greeting (assets/greeting-8k.wav); `null` = silence only. */
  readonly play?: string | null;
  /** Send back what the caller sends (after any greeting). */
  readonly echo?: boolean;
  /** Directory to write one stereo WAV per call into (left: caller, right: agent). */
  readonly record?: string;
  /** Speak (play) this long after the answer. Default 0. */
  readonly greetingDelayMs?: number;
  /** Answer caller turns after a gap instead of (or after) greeting. */
  readonly turn?: TestAgentTurnBehaviour;
  /** Hang up (BYE) this long after answering. */
  readonly hangupAfterMs?: number;
  /** Send a re-INVITE (same session, a refresh as SBCs do) this long after answering. */
  readonly reinviteAfterMs?: number;
  /** Codecs accepted, in preference order (e.g. `['PCMU', 'PCMA']`). Default PCMU, PCMA, G722, opus when available. */
  readonly codecs?: readonly string[];
  /**
   * SDES-SRTP: `true` accepts `RTP/SAVP` offers (AES_CM_128_HMAC_SHA1_80/_32) as well as plain
   * RTP; `'require'` answers plain RTP offers 488. Default false: SRTP offers are answered 488.
   */
  readonly srtp?: boolean | 'require';
}

/** A behaviour with every default filled in and every value checked. */
export interface ResolvedTestAgentBehaviour {
  readonly ringMs: number;
  readonly earlyMedia: { readonly play: string | null } | undefined;
  readonly reject: TestAgentReject | undefined;
  readonly neverAnswer: boolean;
  readonly auth: (TestAgentAuthBehaviour & { readonly onFailure: 'forbidden' | 'rechallenge'; readonly maxChallenges: number }) | undefined;
  readonly play: string | null;
  readonly echo: boolean;
  readonly record: string | undefined;
  readonly greetingDelayMs: number;
  readonly turn: (Omit<TestAgentTurnBehaviour, 'play'> & { readonly play: string | null }) | undefined;
  readonly hangupAfterMs: number | undefined;
  readonly reinviteAfterMs: number | undefined;
  readonly codecs: readonly string[] | undefined;
  readonly srtp: boolean | 'require';
}

function checkMs(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TestAgentError('TEST_AGENT_OPTIONS', `${what} must be a non-negative number of ms`);
  return v;
}

function checkPath(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.includes('\0')) throw new TestAgentError('TEST_AGENT_OPTIONS', `${what} must be a file path`);
  return v;
}

/** Makes `password` non-enumerable (out of JSON, spreads and inspect) and shows `[redacted]` instead. */
function hidePassword<T extends { password: string }>(auth: T): T {
  const password = auth.password;
  const out = { ...auth } as T;
  Object.defineProperty(out, 'password', { value: password, enumerable: false, writable: false });
  Object.defineProperty(out, inspect.custom, {
    value: () => ({ ...out, password: '[redacted]' }),
    enumerable: false,
  });
  return out;
}

/**
 * Checks a behaviour and fills in defaults. `defaultPlay` is the greeting path used when `play`
 * is not given.
 * @throws TestAgentError `TEST_AGENT_OPTIONS`
 */
export function resolveTestAgentBehaviour(b: TestAgentBehaviour, defaultPlay: string): ResolvedTestAgentBehaviour {
  if (typeof b !== 'object' || b === null) throw new TestAgentError('TEST_AGENT_OPTIONS', 'behaviour must be an object');
  const play = b.play === null ? null : b.play === undefined ? defaultPlay : checkPath(b.play, 'play');
  let reject: TestAgentReject | undefined;
  if (b.reject !== undefined) {
    const r = typeof b.reject === 'number' ? { status: b.reject } : b.reject;
    if (!Number.isInteger(r.status) || r.status < 300 || r.status > 699) throw new TestAgentError('TEST_AGENT_OPTIONS', 'reject status must be an integer 300–699');
    if (r.reason !== undefined && (typeof r.reason !== 'string' || /[\r\n\0]/.test(r.reason))) throw new TestAgentError('TEST_AGENT_OPTIONS', 'reject reason must be one line');
    reject = { status: r.status, reason: r.reason };
  }
  if (reject && b.neverAnswer) throw new TestAgentError('TEST_AGENT_OPTIONS', 'reject and neverAnswer exclude each other');
  let auth: ResolvedTestAgentBehaviour['auth'];
  if (b.auth) {
    const a = b.auth;
    if (typeof a.username !== 'string' || a.username === '' || typeof a.password !== 'string') {
      throw new TestAgentError('TEST_AGENT_OPTIONS', 'auth needs a username and a password');
    }
    for (const alg of a.algorithms ?? []) {
      if (!DIGEST_ALGORITHMS.includes(alg)) throw new TestAgentError('TEST_AGENT_OPTIONS', `unknown digest algorithm ${String(alg).slice(0, 32)}`);
    }
    const max = a.maxChallenges ?? 3;
    if (!Number.isInteger(max) || max < 1) throw new TestAgentError('TEST_AGENT_OPTIONS', 'auth.maxChallenges must be a positive integer');
    if (a.challengeBye !== undefined && typeof a.challengeBye !== 'boolean' && a.challengeBye !== 'always') {
      throw new TestAgentError('TEST_AGENT_OPTIONS', "auth.challengeBye must be true, false or 'always'");
    }
    auth = hidePassword({ ...a, onFailure: a.onFailure ?? 'forbidden', maxChallenges: max });
  }
  let turn: ResolvedTestAgentBehaviour['turn'];
  if (b.turn) {
    const t = b.turn;
    const gaps = Array.isArray(t.afterSilenceMs) ? (t.afterSilenceMs as readonly unknown[]) : [t.afterSilenceMs];
    if (gaps.length === 0 || gaps.some((g) => checkMs(g, 'turn.afterSilenceMs') === undefined)) {
      throw new TestAgentError('TEST_AGENT_OPTIONS', 'turn.afterSilenceMs is required (ms, or a non-empty list of ms)');
    }
    checkMs(t.minSpeechMs, 'turn.minSpeechMs');
    checkMs(t.hangoverMs, 'turn.hangoverMs');
    if (t.maxTurns !== undefined && (!Number.isInteger(t.maxTurns) || t.maxTurns < 1)) throw new TestAgentError('TEST_AGENT_OPTIONS', 'turn.maxTurns must be a positive integer');
    turn = { ...t, play: t.play !== undefined ? checkPath(t.play, 'turn.play') : play };
  }
  let earlyMedia: ResolvedTestAgentBehaviour['earlyMedia'];
  if (b.earlyMedia) {
    earlyMedia = { play: typeof b.earlyMedia === 'object' && b.earlyMedia.play !== undefined ? checkPath(b.earlyMedia.play, 'earlyMedia.play') : play };
  }
  if (b.srtp !== undefined && typeof b.srtp !== 'boolean' && b.srtp !== 'require') throw new TestAgentError('TEST_AGENT_OPTIONS', "srtp must be true, false or 'require'");
  if (b.codecs !== undefined && (!Array.isArray(b.codecs) || b.codecs.length === 0 || b.codecs.some((c) => typeof c !== 'string' || c === ''))) {
    throw new TestAgentError('TEST_AGENT_OPTIONS', 'codecs must be a non-empty list of names');
  }
  return {
    ringMs: checkMs(b.ringMs, 'ringMs') ?? 0,
    earlyMedia,
    reject,
    neverAnswer: b.neverAnswer === true,
    auth,
    play,
    echo: b.echo === true,
    record: b.record === undefined ? undefined : checkPath(b.record, 'record'),
    greetingDelayMs: checkMs(b.greetingDelayMs, 'greetingDelayMs') ?? 0,
    turn,
    hangupAfterMs: checkMs(b.hangupAfterMs, 'hangupAfterMs'),
    reinviteAfterMs: checkMs(b.reinviteAfterMs, 'reinviteAfterMs'),
    codecs: b.codecs,
    srtp: b.srtp ?? false,
  };
}
