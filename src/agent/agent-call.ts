/**
 * One call as the TestAgent sees it: from the first INVITE of a Call-ID (digest challenges and
 * the retries that answer them included) to its end. Drives the signalling of the behaviour
 * (ring, early media, reject, answer, hang up, re-INVITE) and the media (play, echo, record,
 * turn mode) through an {@link AgentMedia}.
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { Clock, TimerHandle } from '../clock';
import { DigestServer } from '../digest';
import { createResponse, type SipRequest, type SipResponse } from '../sip/message';
import type { SipCall, SipCallEnd } from '../sip/ua/call';
import type { SipIncomingInvite } from '../sip/ua/uas-invite';
import type { ResolvedTestAgentBehaviour } from './behaviour';
import type { AgentMedia, AgentMediaFactory } from './media';
import type { TestAgentRequest } from './received';
import { TurnEnergyGate, type TurnGateEvent } from './turn-gate';

/** Where a TestAgent call stands. */
export type TestAgentCallState =
  /** Challenged; waiting for the INVITE with credentials. */
  | 'challenging'
  /** 180 sent (or about to answer). */
  | 'ringing'
  /** 183 with SDP sent, media flowing, not answered. */
  | 'early-media'
  /** 200 sent; the call is up. */
  | 'answered'
  /** Answered, then ended by BYE (either side) or a dialog failure. */
  | 'ended'
  /** Rejected with a final status (the behaviour, a codec mismatch, or the agent stopping). */
  | 'rejected'
  /** The caller cancelled before the answer (487 sent). */
  | 'cancelled'
  /** Credentials refused for good (403 sent). */
  | 'auth-failed'
  /** The INVITE transaction failed (transport error). */
  | 'failed';

/** Why a call ended, in one word. */
export type TestAgentCallEndReason =
  | 'caller-bye'
  | 'agent-bye'
  | 'rejected'
  | 'cancelled'
  | 'auth-failed'
  | 'codec-mismatch'
  | 'no-ack'
  | 'dialog-gone'
  | 'session-expired'
  | 'failed'
  | 'agent-stopped';

/** How a call ended. */
export interface TestAgentCallEnd {
  readonly state: TestAgentCallState;
  readonly reason: TestAgentCallEndReason;
  /** The final status the agent sent to the INVITE (200 for answered calls), when it sent one. */
  readonly status?: number;
}

/** A milestone, in ms since the agent started (its clock). */
export interface TestAgentCallEvent {
  readonly t: number;
  /**
   * `invite`, `challenge`, `auth-ok`, `auth-failed`, `bye-challenge`, `bye-auth-ok`, `ringing`, `early-media`, `answered`, `ack`,
   * `rejected`, `cancelled`, `play-start`, `play-end`, `speech-start`, `speech-end`,
   * `reinvite-sent`, `reinvite-received`, `bye-sent`, `bye-received`, `ended`.
   */
  readonly event: string;
  readonly detail?: string;
}

/** Outcome of a credentials check, without secrets. */
export interface TestAgentAuthAttempt {
  readonly ok: boolean;
  /** Failure reason from the digest server (`no-credentials`, `wrong-credentials`, `stale` …). */
  readonly reason?: string;
  readonly username?: string;
  readonly algorithm?: string;
  readonly qop?: string;
}

/** Events of a {@link TestAgentCall}. */
export interface TestAgentCallEvents {
  /** A state change. */
  state: (state: TestAgentCallState) => void;
  /** A timeline entry. */
  event: (event: TestAgentCallEvent) => void;
  /** The caller stopped speaking (turn mode and `speech` tracking). */
  ended: (end: TestAgentCallEnd) => void;
}

/** @internal What a call needs from its agent. */
export interface TestAgentCallHost {
  readonly clock: Clock;
  /** ms since the agent started. */
  elapsed(): number;
  readonly mediaFactory: AgentMediaFactory;
  /** The call ended: drop it from the live set. */
  released(call: TestAgentCall): void;
}

/** One call handled by a {@link TestAgent}. */
export class TestAgentCall extends EventEmitter {
  /** Position in `agent.calls`. */
  readonly index: number;
  readonly callId: string;
  /** The first INVITE of the call. */
  readonly invite: TestAgentRequest;
  /** Every INVITE outside the dialog with this Call-ID: the first, then retries with credentials. */
  readonly invites: TestAgentRequest[] = [];
  /** Every request of this Call-ID the agent received (INVITEs, ACKs, CANCEL, BYE, re-INVITEs …). */
  readonly requests: TestAgentRequest[] = [];
  /** Milestones, in order. */
  readonly timeline: TestAgentCallEvent[] = [];
  /** Credential checks, in order. */
  readonly authAttempts: TestAgentAuthAttempt[] = [];
  /** Final statuses of the re-INVITEs the agent sent. */
  readonly reinvites: Array<{ readonly status: number | null }> = [];
  /** The behaviour in force for this call. */
  readonly behaviour: ResolvedTestAgentBehaviour;
  /** Resolves once the call has ended (never rejects). */
  readonly ended: Promise<TestAgentCallEnd>;
  private current: TestAgentCallState;
  private endInfo: TestAgentCallEnd | undefined;
  private resolveEnded!: (e: TestAgentCallEnd) => void;
  private readonly host: TestAgentCallHost;
  private readonly digest: DigestServer | undefined;
  private challenges = 0;
  private incoming: SipIncomingInvite | undefined;
  private sip: SipCall | undefined;
  private media: AgentMedia | undefined;
  private mediaFailed: string | undefined;
  private readonly timers = new Set<TimerHandle>();
  private turnsAnswered = 0;
  private gate: TurnEnergyGate | undefined;
  private speaking: Promise<void> = Promise.resolve();
  private stopRequested = false;
  /** Our BYE, once the agent hung up. */
  private agentBye: Promise<unknown> | undefined;

  /** @internal */
  constructor(host: TestAgentCallHost, index: number, invite: TestAgentRequest, behaviour: ResolvedTestAgentBehaviour) {
    super();
    this.host = host;
    this.index = index;
    this.callId = invite.callId;
    this.invite = invite;
    this.behaviour = behaviour;
    this.current = behaviour.auth ? 'challenging' : 'ringing';
    this.ended = new Promise((r) => (this.resolveEnded = r));
    const a = behaviour.auth;
    if (a) {
      this.digest = new DigestServer({
        realm: a.realm ?? 'sipprobe',
        users: { [a.username]: a.password },
        algorithms: a.algorithms,
        qop: a.qop,
        proxy: a.proxy,
        opaque: a.opaque === false ? false : undefined,
        userhash: a.userhash,
        clock: host.clock,
      });
    }
  }

  override on<E extends keyof TestAgentCallEvents>(event: E, listener: TestAgentCallEvents[E]): this {
    return super.on(event, listener);
  }

  override once<E extends keyof TestAgentCallEvents>(event: E, listener: TestAgentCallEvents[E]): this {
    return super.once(event, listener);
  }

  /** Where the call stands. */
  get state(): TestAgentCallState {
    return this.current;
  }

  /** How it ended, once it has. */
  get end(): TestAgentCallEnd | undefined {
    return this.endInfo;
  }

  /** True while an INVITE may still arrive for it (challenged) or the call is in progress. */
  get active(): boolean {
    return this.endInfo === undefined;
  }

  /** Waiting for an INVITE with credentials. */
  get awaitingCredentials(): boolean {
    return this.current === 'challenging' && this.active;
  }

  /** Codec the media runs with, once negotiated. */
  get codec(): string | undefined {
    return this.media?.codec;
  }

  /** The stereo WAV of this call (left: caller, right: agent), when recording. Complete once `ended` resolved. */
  get recordingPath(): string | undefined {
    return this.media?.recordingPath;
  }

  /** Why media could not be set up, if it could not (the call was rejected 488). */
  get mediaError(): string | undefined {
    return this.mediaFailed;
  }

  /** Timeline entries named `event`. */
  events(event: string): TestAgentCallEvent[] {
    return this.timeline.filter((e) => e.event === event);
  }

  /** Hangs up now (BYE when answered, 480 when not yet answered). */
  async hangup(): Promise<void> {
    if (!this.active) return;
    if (this.sip) {
      await this.sendAgentBye();
      return;
    }
    if (this.incoming && this.incoming.state === 'pending') this.reject(480, 'rejected');
    else this.finish({ state: this.current, reason: 'agent-stopped' });
  }

  // ---- driven by the agent -----------------------------------------------------------------

  /** @internal A request of this Call-ID arrived (snapshot). */
  noteRequest(req: TestAgentRequest): void {
    this.requests.push(req);
  }

  /** @internal An INVITE of this Call-ID outside any dialog. */
  handleInvite(incoming: SipIncomingInvite, snapshot: TestAgentRequest): void {
    this.invites.push(snapshot);
    if (this.invites.length === 1) this.mark('invite');
    else this.mark('invite', 'retry');
    this.incoming = incoming;
    incoming.on('cancel', () => {
      this.mark('cancelled');
      this.finish({ state: 'cancelled', reason: 'cancelled', status: 487 });
    });
    incoming.on('failed', () => this.finish({ state: 'failed', reason: 'failed' }));
    if (this.digest && this.current === 'challenging') {
      if (!this.checkCredentials(incoming)) return;
    }
    void this.proceed(incoming);
  }

  /** @internal Ends the call because the agent stops: BYE when up (bounded), 480 when pending. */
  async shutdown(byeTimeoutMs: number): Promise<void> {
    this.stopRequested = true;
    if (this.active) {
      if (this.agentBye) {
        // the agent already hung up: its BYE needs no second one, nor waiting for (UA close ends it)
        this.finish({ state: 'ended', reason: 'agent-bye', status: 200 });
      } else if (this.sip?.active) {
        this.mark('bye-sent', 'agent stopping');
        const bye = this.sip.bye().catch(() => undefined);
        let t: TimerHandle | undefined;
        await Promise.race([bye, new Promise<void>((r) => (t = this.host.clock.setTimeout(r, byeTimeoutMs)))]);
        if (t) this.host.clock.clearTimeout(t);
      } else if (this.incoming?.state === 'pending') {
        this.reject(480, 'agent-stopped');
      }
      this.finish({ state: this.current === 'answered' ? 'ended' : this.current, reason: 'agent-stopped' });
    }
    await this.closeMedia();
  }

  // ---- signalling --------------------------------------------------------------------------

  /** The agent hangs up (once: a second hang-up waits for the first BYE). */
  private sendAgentBye(): Promise<unknown> {
    if (this.agentBye) return this.agentBye;
    if (!this.sip?.active) return Promise.resolve();
    this.mark('bye-sent');
    this.agentBye = this.sip.bye().catch(() => undefined);
    return this.agentBye;
  }

  private checkCredentials(incoming: SipIncomingInvite): boolean {
    const digest = this.digest!;
    const auth = this.behaviour.auth!;
    const req = incoming.request;
    const values = digest.proxy ? req.proxyAuthorization : req.authorization;
    if (values.length === 0) return this.challenge(incoming, false);
    const r = digest.verify(values, { method: req.method, uri: req.uri, body: req.body });
    if (r.ok) {
      this.authAttempts.push({ ok: true, username: r.username, algorithm: r.algorithm, qop: r.qop });
      this.mark('auth-ok', `${r.algorithm}${r.qop ? ` qop=${r.qop}` : ''}`);
      this.setState('ringing');
      return true;
    }
    this.authAttempts.push({ ok: false, reason: r.reason, username: r.username, algorithm: r.algorithm });
    if (r.stale || auth.onFailure === 'rechallenge') return this.challenge(incoming, r.stale);
    this.mark('auth-failed', r.reason);
    this.reject(403, 'auth-failed');
    return false;
  }

  /** Sends a challenge, or 403 once the cap is reached. Always returns false (not authorised yet). */
  private challenge(incoming: SipIncomingInvite, stale: boolean): boolean {
    const auth = this.behaviour.auth!;
    if (this.challenges >= auth.maxChallenges) {
      this.mark('auth-failed', 'too many challenges');
      this.reject(403, 'auth-failed');
      return false;
    }
    this.challenges++;
    const c = this.digest!.challenge({ stale });
    this.mark('challenge', `${c.status}${stale ? ' stale' : ''}`);
    incoming.reject(c.status, { headers: c.values.map((v) => [c.header, v] as [string, string]) });
    return false;
  }

  /** `auth.challengeBye`: undefined lets the BYE through; else the challenge to answer it with. */
  private gateBye(req: SipRequest): SipResponse | undefined {
    const digest = this.digest!;
    const mode = this.behaviour.auth!.challengeBye;
    const values = digest.proxy ? req.proxyAuthorization : req.authorization;
    let stale = false;
    if (values.length > 0) {
      const r = digest.verify(values, { method: req.method, uri: req.uri, body: req.body });
      if (r.ok && mode !== 'always') {
        this.authAttempts.push({ ok: true, username: r.username, algorithm: r.algorithm, qop: r.qop });
        this.mark('bye-auth-ok', `${r.algorithm}${r.qop ? ` qop=${r.qop}` : ''}`);
        return undefined;
      }
      this.authAttempts.push(r.ok ? { ok: false, reason: 'always-challenged', username: r.username, algorithm: r.algorithm } : { ok: false, reason: r.reason, username: r.username, algorithm: r.algorithm });
      stale = !r.ok && r.stale;
    }
    const c = digest.challenge({ stale });
    this.mark('bye-challenge', `${c.status}${stale ? ' stale' : ''}`);
    return createResponse(req, c.status, undefined, { headers: c.values.map((v) => [c.header, v] as [string, string]) });
  }

  private async proceed(incoming: SipIncomingInvite): Promise<void> {
    const b = this.behaviour;
    try {
      if (b.earlyMedia) {
        if (!(await this.openMedia(incoming))) return;
        if (!this.stillPending(incoming)) return;
        incoming.provisional(183, { body: this.media!.answer });
        this.setState('early-media');
        this.mark('early-media');
        this.media!.start();
        if (b.earlyMedia.play) void this.playFile(b.earlyMedia.play);
      } else if (b.ringMs > 0 || b.neverAnswer) {
        incoming.provisional(180);
        this.setState('ringing');
        this.mark('ringing');
      }
      if (b.neverAnswer) return; // until CANCEL (or the agent stops)
      if (b.ringMs > 0) await this.sleep(b.ringMs);
      if (!this.stillPending(incoming)) return;
      if (b.reject) {
        this.reject(b.reject.status, 'rejected', b.reject.reason);
        return;
      }
      if (!this.media && !(await this.openMedia(incoming))) return;
      if (!this.stillPending(incoming)) return;
      this.answer(incoming);
    } catch {
      // the INVITE moved on under us (cancelled, failed, agent stopped): its own handler ended the call
      if (this.active && incoming.state === 'pending') this.reject(500, 'failed');
    }
  }

  private stillPending(incoming: SipIncomingInvite): boolean {
    return this.active && incoming.state === 'pending';
  }

  private async openMedia(incoming: SipIncomingInvite): Promise<boolean> {
    if (!incoming.offer) {
      this.mediaFailed = 'INVITE without SDP offer (late offer) is not supported by the TestAgent';
      this.reject(488, 'codec-mismatch', 'No SDP offer');
      return false;
    }
    try {
      this.media = await this.host.mediaFactory({
        offer: incoming.offer,
        codecs: this.behaviour.codecs,
        srtp: this.behaviour.srtp,
        record: this.behaviour.record,
        callIndex: this.index,
        callId: this.callId,
      });
    } catch (e) {
      this.mediaFailed = (e as Error)?.message ?? String(e);
      if (this.stillPending(incoming)) this.reject(488, 'codec-mismatch');
      return false;
    }
    if (!this.active) {
      await this.closeMedia();
      return false;
    }
    this.media.onCallerFrame((pcm, t, durationMs) => this.onCallerFrame(pcm, t, durationMs));
    return true;
  }

  private answer(incoming: SipIncomingInvite): void {
    const media = this.media!;
    const call = incoming.answer(media.answer, {
      onOffer: (offer) => {
        this.mark('reinvite-received');
        return media.reanswer(offer);
      },
    });
    this.sip = call;
    if (this.behaviour.auth?.challengeBye) call.requestGate = (req) => (req.method === 'BYE' ? this.gateBye(req) : undefined);
    this.setState('answered');
    this.mark('answered');
    call.on('ack', () => this.mark('ack'));
    call.on('bye', () => this.mark('bye-received'));
    call.on('ended', (end) => this.onSipEnded(end));
    media.start();
    this.afterAnswer();
  }

  private afterAnswer(): void {
    const b = this.behaviour;
    if (b.turn) this.gate = new TurnEnergyGate({ thresholdDbfs: b.turn.thresholdDbfs, minSpeechMs: b.turn.minSpeechMs, hangoverMs: b.turn.hangoverMs });
    const greet = !b.turn || b.turn.greet === true;
    if (greet && b.play && this.media) {
      // placed in the RTP stream greetingDelayMs after the answer (media time), not by a timer
      const at = this.media.now() + b.greetingDelayMs;
      this.speaking = this.playFileAt(b.play, at).then(() => {
        if (b.echo && this.active) this.media?.setEcho(true);
      });
    } else if (b.echo) this.media?.setEcho(true);
    if (b.hangupAfterMs !== undefined) {
      this.after(b.hangupAfterMs, () => {
        void this.sendAgentBye();
      });
    }
    if (b.reinviteAfterMs !== undefined) this.after(b.reinviteAfterMs, () => void this.sendReinvite());
  }

  private async sendReinvite(): Promise<void> {
    const call = this.sip;
    const media = this.media;
    if (!call?.active || !media) return;
    this.mark('reinvite-sent');
    try {
      const res = await call.reinvite(media.reoffer());
      this.reinvites.push({ status: res.status });
      if (res.status >= 200 && res.status < 300 && res.body.length > 0) {
        await media.applyAnswer({ body: res.body, contentType: 'application/sdp' }).catch(() => undefined);
      }
      this.mark('reinvite-answered', String(res.status));
    } catch {
      this.reinvites.push({ status: null });
      this.mark('reinvite-answered', 'no response');
    }
  }

  private reject(status: number, reason: TestAgentCallEndReason, phrase?: string): void {
    const incoming = this.incoming;
    if (incoming && incoming.state === 'pending') {
      try {
        incoming.reject(status, phrase ? { reason: phrase } : {});
      } catch {
        // already final: nothing to send
      }
    }
    const state: TestAgentCallState = reason === 'auth-failed' ? 'auth-failed' : 'rejected';
    this.mark('rejected', String(status));
    this.finish({ state, reason, status });
  }

  private onSipEnded(end: SipCallEnd): void {
    const reason: TestAgentCallEndReason =
      end.reason === 'remote-bye'
        ? 'caller-bye'
        : end.reason === 'local-bye'
          ? this.stopRequested
            ? 'agent-stopped'
            : 'agent-bye'
          : end.reason === 'no-ack'
            ? 'no-ack'
            : end.reason === 'session-expired' || end.reason === 'refresh-failed'
              ? 'session-expired'
              : end.reason === 'closed'
                ? 'agent-stopped'
                : 'dialog-gone';
    this.finish({ state: 'ended', reason, status: 200 });
  }

  // ---- media -------------------------------------------------------------------------------

  private async playFile(path: string): Promise<void> {
    const media = this.media;
    if (!media || !this.active) return;
    this.mark('play-start', path);
    try {
      await media.play(path);
      this.mark('play-end');
    } catch (e) {
      this.mark('play-failed', (e as Error)?.message ?? 'unknown');
    }
  }

  /** Plays `path` so that it starts at media time `atMs`; marks `play-start` at that time. */
  private async playFileAt(path: string, atMs: number): Promise<void> {
    const media = this.media;
    if (!media || !this.active) return;
    try {
      await media.playAt(path, atMs, (first) => this.mark('play-start', path, this.host.elapsed() - (media.now() - first)));
      this.mark('play-end');
    } catch (e) {
      this.mark('play-failed', (e as Error)?.message ?? 'unknown');
    }
  }

  private onCallerFrame(pcm: Int16Array, t: number, durationMs: number): void {
    const gate = this.gate;
    const media = this.media;
    if (!gate || !media || !this.active) return;
    const ev: TurnGateEvent | undefined = gate.push(pcm, t, durationMs);
    if (!ev) return;
    // frame times are media times: place them on the agent's timeline by their age
    const age = media.now() - ev.t;
    if (ev.kind === 'speech-start') {
      this.mark('speech-start', undefined, this.host.elapsed() - age);
      return;
    }
    this.mark('speech-end', `${Math.round(ev.speechMs)} ms`, this.host.elapsed() - age);
    const turn = this.behaviour.turn!;
    if (turn.maxTurns !== undefined && this.turnsAnswered >= turn.maxTurns) return;
    this.turnsAnswered++;
    const gaps = turn.afterSilenceMs;
    const gap = typeof gaps === 'number' ? gaps : gaps[Math.min(this.turnsAnswered - 1, gaps.length - 1)];
    const file = turn.play;
    if (!file) return;
    // speak `gap` after the caller stopped (ev.t, media time), not after we noticed (the hangover)
    const at = ev.t + gap;
    const previous = this.speaking;
    this.speaking = previous.then(() => this.playFileAt(file, at)).then(
      () => undefined,
      () => undefined,
    );
  }

  private async closeMedia(): Promise<void> {
    const m = this.media;
    if (!m) return;
    try {
      await m.close();
    } catch {
      // a recording that cannot be finalised is reported by its absence; the call result stands
    }
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private after(ms: number, fn: () => void): void {
    const h = this.host.clock.setTimeout(() => {
      this.timers.delete(h);
      if (this.active) fn();
    }, ms);
    this.timers.add(h);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const h = this.host.clock.setTimeout(() => {
        this.timers.delete(h);
        resolve();
      }, ms);
      this.timers.add(h);
    });
  }

  private mark(event: string, detail?: string, t?: number): void {
    const e: TestAgentCallEvent = detail === undefined ? { t: t ?? this.host.elapsed(), event } : { t: t ?? this.host.elapsed(), event, detail };
    this.timeline.push(e);
    this.emit('event', e);
  }

  private setState(s: TestAgentCallState): void {
    if (this.current === s) return;
    this.current = s;
    this.emit('state', s);
  }

  private finish(end: TestAgentCallEnd): void {
    if (this.endInfo) return;
    this.endInfo = end;
    this.setState(end.state);
    for (const h of this.timers) this.host.clock.clearTimeout(h);
    this.timers.clear();
    this.gate = undefined;
    this.mark('ended', end.reason);
    void this.closeMedia().then(() => {
      this.host.released(this);
      this.resolveEnded(end);
      this.emit('ended', end);
    });
  }

  /** Shows the plain view (no credentials, no live objects). */
  [inspect.custom](): string {
    return `TestAgentCall ${inspect(this.toJSON(), { depth: 3 })}`;
  }

  /** Plain view for logs and JSON (no live objects). */
  toJSON(): Record<string, unknown> {
    return {
      index: this.index,
      callId: this.callId,
      state: this.current,
      end: this.endInfo,
      codec: this.codec,
      recordingPath: this.recordingPath,
      authAttempts: this.authAttempts,
      timeline: this.timeline,
    };
  }
}
