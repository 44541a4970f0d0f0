/**
 * One test call: INVITE with the SDP offer and the test headers → provisional responses (early
 * media recorded) → digest retries (same Call-ID and From tag, CSeq + 1, test headers again) →
 * 2xx: ACK, media, play/script/duration → BYE (or the agent's BYE) → a {@link CallResult}.
 * Failures are outcomes: `result` never rejects.
 */
import { EventEmitter } from 'node:events';
import type { MediaLegAudioEvent } from '../call-media/media-leg';
import { MediaLeg } from '../call-media/media-leg';
import type { Clock, TimerHandle } from '../clock';
import { DigestClient } from '../digest/client';
import { SipprobeError } from '../errors';
import type { TestHeaderSet } from '../headers/build';
import type { Pacer } from '../rtp/pacer';
import type { RtpPortPool } from '../rtp/port-pool';
import type { SdpNegotiatedMedia } from '../sdp/answer';
import type { SipResponse } from '../sip/message';
import { serializeMessage } from '../sip/serializer';
import type { SipCall } from '../sip/ua/call';
import type { SipOutgoingInvite, SipInviteResult } from '../sip/ua/uac-invite';
import type { SipTraceEvent, SipUserAgent } from '../sip/user-agent';
import { CallCapture } from './capture';
import { evaluateCall } from './evaluate';
import { CallEvaluationAudio } from './evaluation-audio';
import { hostPort, ladderEntry } from './ladder';
import type { CallAuth, CallerOptions, CallOptions, CallScriptStep } from './options';
import { classifyFinalStatus, END_REASONS } from './outcome';
import { byeChallengeWarning, inviteWarnings, prepareInvite, tcpFallbackWarning } from './invite';
import { checkCallTarget, withFromHost } from './target';
import type { CallOutcome, CallResult, EndedBy, LadderMessage, NegotiatedCodecInfo, RtpSummary, TimelineEvent } from './result';
import { buildCallResult, emptyCallTimings } from './result-shell';
import { CallerError } from './errors';

/** What a call advertises as our address. @internal */
export interface CallAdvertisement {
  /** Address for Via/Contact/From/SDP; absent: the bound address as is. */
  readonly address?: string;
  /** Why no usable address could be found (a result warning). */
  readonly warning?: string;
}

/** What a Call needs from its Caller. @internal */
export interface CallContext {
  readonly ua: SipUserAgent;
  readonly ready: Promise<void>;
  readonly clock: Clock;
  readonly portPool: RtpPortPool;
  readonly pacer: Pacer;
  readonly options: CallerOptions;
  /** SIP trace listeners by Call-ID (the Caller routes each trace event to its call only). */
  readonly traces: Map<string, (ev: SipTraceEvent) => void>;
  /** Our address for a call to `target` (see `CallerOptions.advertise` / a wildcard bind). */
  readonly advertise: (target: string) => Promise<CallAdvertisement>;
}

/** Events of a {@link Call}; times are ms since the INVITE. */
export type CallEvents = {
  /** A 180/181/182/183 arrived. */
  ringing: [info: { status: number; reason: string; t: number }];
  /** Early media started (183 with SDP). */
  'early-media': [info: { t: number; codec: string }];
  /** The call was answered (2xx, ACK sent). */
  answered: [info: { t: number; codec: string | null }];
  /** Agent audio as received, one frame per ptime (also during early media). */
  audio: [frame: MediaLegAudioEvent];
  /** A DTMF digit from the agent (RFC 4733). */
  dtmf: [event: { digit: string; t: number; durationMs: number }];
  /** The call is over; same object as `result`. */
  ended: [result: CallResult];
};

type EndCause = 'script-done' | 'duration' | 'hangup' | 'agent-bye' | 'dialog-gone' | 'call-timeout' | 'silence-timeout' | 'voicemail' | 'aborted';

const DEFAULT_RING_MS = 30_000;
const DEFAULT_CALL_MS = 60_000;

function isSdp(res: SipResponse): boolean {
  if (res.body.length === 0) return false;
  try {
    return (res.contentType?.mediaType ?? 'application/sdp') === 'application/sdp';
  } catch {
    return false;
  }
}

function errorInfo(e: unknown): { code: string; message: string } {
  if (e instanceof SipprobeError) return { code: e.code, message: e.message };
  return { code: 'CALL_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/**
 * A test call placed by `Caller.call`. Listen to its events for live progress and await
 * {@link result} for the outcome.
 */
export class Call extends EventEmitter<CallEvents> {
  /** The outcome; never rejects. */
  readonly result: Promise<CallResult>;
  /** Test ids of this call (generated ones included). */
  readonly ids: CallResult['ids'];
  /** The test headers on every INVITE. */
  readonly headersSent: ReadonlyArray<{ name: string; value: string }>;
  readonly target: string;
  readonly #auth: CallAuth | undefined;
  readonly #ctx: CallContext;
  readonly #options: Omit<CallOptions, 'auth' | 'signal'>;
  readonly #signal: AbortSignal | undefined;
  readonly #headerSet: TestHeaderSet;
  #resolve!: (r: CallResult) => void;
  #leg: MediaLeg | null = null;
  #t0 = 0;
  #sipCallId = '';
  #messages: LadderMessage[] = [];
  #timeline: TimelineEvent[] = [];
  #warnings: string[] = [];
  #dtmf: CallResult['dtmfReceived'] = [];
  #voicemail: CallResult['voicemail'] = null;
  #timings: CallResult['timings'];
  #current: SipOutgoingInvite | null = null;
  #sipCall: SipCall | null = null;
  #ringTimedOut = false;
  #userCancelled = false;
  #aborted = false;
  #endCause: ((c: EndCause) => void) | null = null;
  #pendingCause: EndCause | null = null;
  #inviteSized = false;
  #negotiated: SdpNegotiatedMedia | null = null;
  #finished = false;
  #capture: CallCapture | null = null;
  /** Audio kept for the evaluation (src/caller/evaluate.ts). */
  #evalAudio: CallEvaluationAudio | null = null;

  /** @internal Use `Caller.call`. Throws for bad headers or target (nothing is sent). */
  constructor(ctx: CallContext, options: CallOptions) {
    super();
    checkCallTarget(options?.target);
    if (options.srtp !== undefined && typeof options.srtp !== 'boolean') throw new CallerError('CALLER_BAD_OPTION', 'srtp must be true or false');
    if (options.latch !== undefined && options.latch !== 'sdp' && options.latch !== 'first-source') {
      throw new CallerError('CALLER_BAD_OPTION', 'latch must be sdp or first-source');
    }
    if (options.voicemail !== undefined && options.voicemail !== 'detect' && options.voicemail !== 'hangup' && options.voicemail !== 'off') {
      throw new CallerError('CALLER_BAD_OPTION', 'voicemail must be detect, hangup or off');
    }
    if (options.voicemail === 'hangup' && options.media === false) throw new CallerError('CALLER_BAD_OPTION', "voicemail: 'hangup' needs media (media: false receives no audio)");
    const silenceMs = options.timeouts?.silenceMs;
    if (silenceMs !== undefined) {
      if (typeof silenceMs !== 'number' || !Number.isFinite(silenceMs) || silenceMs <= 0) throw new CallerError('CALLER_BAD_OPTION', 'timeouts.silenceMs must be a positive number of ms');
      if (options.media === false) throw new CallerError('CALLER_BAD_OPTION', 'timeouts.silenceMs needs media (media: false receives no audio)');
    }
    const { auth, signal, ...rest } = options;
    if (auth !== undefined && (typeof auth?.username !== 'string' || typeof auth?.password !== 'string')) {
      throw new CallerError('CALLER_BAD_OPTION', 'auth needs a username and a password string');
    }
    this.#ctx = ctx;
    this.#auth = auth;
    this.#signal = signal;
    this.#options = rest;
    this.target = options.target;
    // validates every header now: a bad header throws here and nothing is sent
    this.#headerSet = prepareInvite(ctx.options, options, '').headerSet;
    const ids = this.#headerSet.ids;
    this.ids = { runId: ids.runId, scenarioId: ids.scenarioId, resultId: ids.resultId, generated: [...ids.generated] };
    this.headersSent = this.#headerSet.headers.map((h) => ({ name: h.name, value: h.value }));
    this.#timings = emptyCallTimings();
    this.result = new Promise((r) => (this.#resolve = r));
    void this.#run();
  }

  /** SIP Call-ID (empty until the INVITE is built). */
  get callId(): string {
    return this.#sipCallId;
  }

  /** ms since the INVITE. */
  #now(): number {
    return this.#ctx.clock.now() - this.#t0;
  }

  /** `voicemail` of the options; by default off where nothing evaluates the audio (load runs). */
  #voicemailMode(): NonNullable<CallOptions['voicemail']> {
    return this.#options.voicemail ?? (this.#options.evaluate === false ? 'off' : 'detect');
  }

  #event(event: string, detail?: string, t = this.#now()): void {
    const e: TimelineEvent = { t: Math.round(t * 1000) / 1000, event };
    if (detail !== undefined) e.detail = detail;
    this.#timeline.push(e);
  }

  /**
   * Ends the call: CANCEL before the answer (outcome `no-answer`, "cancelled by caller"), BYE
   * after it (outcome `completed`). Returns at once; await `result`.
   */
  hangup(): void {
    if (this.#finished) return;
    if (this.#sipCall) this.#end('hangup');
    else {
      this.#userCancelled = true;
      this.#pendingCause = 'hangup';
      this.#current?.cancel();
    }
  }

  /** Sends live PCM (mono, any rate: resampled to the codec). Resolves when it has been sent. */
  sendAudio(pcm: Int16Array, sampleRate: number): Promise<void> {
    if (!this.#leg || !this.#leg.started) return Promise.reject(new CallerError('CALLER_NOT_ANSWERED', 'no media yet (the call is not answered)'));
    try {
      return this.#leg.playPcm(pcm, sampleRate);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Sends DTMF digits as RFC 4733 events. */
  sendDtmf(digits: string): Promise<void> {
    if (!this.#leg || !this.#leg.started) return Promise.reject(new CallerError('CALLER_NOT_ANSWERED', 'no media yet (the call is not answered)'));
    try {
      return this.#leg.sendDtmf(digits);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #end(cause: EndCause): void {
    if (this.#endCause) {
      const f = this.#endCause;
      this.#endCause = null;
      f(cause);
    } else this.#pendingCause ??= cause;
  }

  // ---- the call --------------------------------------------------------------------------

  async #run(): Promise<void> {
    const ctx = this.#ctx;
    const protocol = ctx.options.transport ?? 'udp';
    let outcome: CallOutcome = 'error';
    let endReason: string = END_REASONS.error;
    let endedBy: EndedBy | null = null;
    let finalStatus: number | null = null;
    let finalReason: string | null = null;
    let error: CallResult['error'] = null;
    const onTrace = (ev: SipTraceEvent): void => this.#onTrace(ev);
    const onAbort = (): void => {
      this.#aborted = true;
      if (this.#sipCall) this.#end('aborted');
      else this.#current?.cancel();
    };
    let ringTimer: TimerHandle | undefined;
    try {
      if (this.#signal?.aborted) {
        this.#aborted = true;
        throw new CallerError('CALL_ABORTED', 'aborted before the INVITE was sent');
      }
      this.#signal?.addEventListener('abort', onAbort, { once: true });
      await ctx.ready;
      const bind = ctx.options.bind?.address ?? '127.0.0.1';
      const advertised = await ctx.advertise(this.target);
      if (advertised.warning) this.#warnings.push(advertised.warning);
      if (this.#options.pcap !== undefined) this.#capture = await CallCapture.open(this.#options.pcap);
      const leg = await MediaLeg.create({
        address: bind,
        ...(advertised.address !== undefined ? { advertisedAddress: advertised.address } : {}),
        codecs: this.#options.codecs ?? ['PCMU', 'PCMA'],
        portPool: ctx.portPool,
        pacer: ctx.pacer,
        clock: ctx.clock,
        ...(this.#options.record ? { recordPath: this.#options.record } : {}),
        ...(this.#options.media === false ? { rtp: false } : {}),
        ...(this.#options.latch ? { latch: this.#options.latch } : {}),
        ...(this.#capture ? { onPacket: this.#capture.rtp } : {}),
        // requireSrtp: a later offer from the agent (re-INVITE) must not downgrade to plain RTP either
        ...(this.#options.srtp === true ? { srtp: true, requireSrtp: true } : {}),
        // Without evaluation and without a script that waits for the agent, nothing reads the far-end
        // VAD: skip it (CPU and ~8 KiB per call in load runs; the silence timeout's level gate stays).
        ...(this.#options.evaluate === false && !this.#options.script?.some((s) => 'waitForAgent' in s) ? { detectSpeech: false } : {}),
        ...(this.#voicemailMode() === 'off' ? { beep: false } : {}),
      });
      this.#leg = leg;
      this.#wireLeg(leg);
      if (this.#options.media === false) this.#warnings.push('MEDIA_OFF: signalling only (media: false): no RTP was sent or received');
      if (this.#options.srtp === true && protocol !== 'tls') {
        this.#warnings.push(`SRTP_WITHOUT_TLS: the SRTP keys travel in clear SDP over ${protocol.toUpperCase()}; anyone who sees the signalling can decrypt the media (use transport tls)`);
      }
      // a load run sets many calls up back to back in one turn: the frames due go out between them
      ctx.pacer.poll();
      const offer = leg.createOffer();
      const digest = this.#auth ? new DigestClient({ username: this.#auth.username, password: this.#auth.password }) : null;
      const { inviteOptions } = prepareInvite(withFromHost(ctx.options, advertised.address), { ...this.#options, run: { runId: this.ids.runId, scenarioId: this.ids.scenarioId, resultId: this.ids.resultId } }, offer, digest);

      this.#t0 = ctx.clock.now();
      leg.origin = this.#t0;
      let inv = ctx.ua.invite(inviteOptions);
      this.#sipCallId = inv.callId;
      ctx.traces.set(inv.callId, onTrace);
      this.#current = inv;
      this.#event('invite', this.target, 0);
      const ringMs = this.#options.timeouts?.ringMs ?? DEFAULT_RING_MS;
      ringTimer = ctx.clock.setTimeout(() => {
        ringTimer = undefined;
        if (this.#sipCall) return;
        this.#ringTimedOut = true;
        this.#event('ring-timeout', `${ringMs} ms`);
        this.#current?.cancel();
      }, ringMs);
      if (this.#aborted || this.#userCancelled) inv.cancel();

      let r: SipInviteResult;
      for (;;) {
        this.#wireInvite(inv, leg);
        r = await inv.result;
        if (r.kind === 'rejected' && (r.response.status === 401 || r.response.status === 407) && digest && !this.#ringTimedOut && !this.#aborted && !this.#userCancelled) {
          const res = r.response;
          this.#event('auth-challenge', `${res.status} ${res.reason}`);
          let extra;
          try {
            extra = digest.respond(
              { www: res.wwwAuthenticate, proxy: res.proxyAuthenticate },
              {
                method: 'INVITE',
                uri: this.target,
                body: offer,
                authorization: inv.request?.authorization ?? [],
                proxyAuthorization: inv.request?.proxyAuthorization ?? [],
              },
            );
          } catch (e) {
            finalStatus = res.status;
            finalReason = res.reason;
            outcome = 'auth-failed';
            endReason = END_REASONS.authFailed;
            error = errorInfo(e);
            break;
          }
          inv = inv.retry({ headers: extra.map((h) => [h.header, h.value] as [string, string]) });
          this.#current = inv;
          continue;
        }
        break;
      }
      if (ringTimer !== undefined && r.kind !== 'answered') {
        ctx.clock.clearTimeout(ringTimer);
        ringTimer = undefined;
      }
      if (outcome === 'auth-failed') {
        // decided above
      } else if (r.kind === 'rejected') {
        finalStatus = r.response.status;
        finalReason = r.response.reason;
        ({ outcome, endReason } = classifyFinalStatus(finalStatus, finalReason, this.#ringTimedOut));
        if ((finalStatus === 488 || finalStatus === 606) && this.#options.srtp === true && this.#options.media !== false) {
          this.#warnings.push(`SRTP_NOT_ACCEPTED: ${finalStatus} to our SRTP (RTP/SAVP) offer: the agent may not accept SRTP, or may want it only over TLS`);
        }
        if (outcome === 'auth-failed' && !digest) endReason = `authentication required, no credentials (${finalStatus} ${finalReason})`;
        // 403 to an INVITE that carried our credentials: the server refused them (e.g. SIPp <verifyauth>)
        else if (finalStatus === 403 && (inv.request?.authorization?.length || inv.request?.proxyAuthorization?.length)) {
          outcome = 'auth-failed';
          endReason = `${END_REASONS.authFailed} (403 ${finalReason})`;
        }
      } else if (r.kind === 'failed') {
        const info = errorInfo(r.error);
        error = info;
        outcome = /TIMEOUT|TRANSPORT|DNS|CONNECT|UNAVAILABLE|NO_RESPONSE|SEND|ROUTE|TLS/.test(info.code) ? 'unreachable' : 'error';
        endReason = outcome === 'unreachable' ? END_REASONS.unreachable : END_REASONS.error;
        if (this.#aborted) {
          outcome = 'error';
          error = { code: 'CALL_ABORTED', message: 'the call was aborted' };
          endReason = END_REASONS.aborted;
        }
      } else if (r.kind === 'cancelled') {
        finalStatus = r.response?.status ?? null;
        finalReason = r.response?.reason ?? null;
        endedBy = 'caller';
        if (this.#aborted) {
          outcome = 'error';
          error = { code: 'CALL_ABORTED', message: 'the call was aborted' };
          endReason = END_REASONS.aborted;
        } else if (this.#userCancelled) {
          outcome = 'no-answer';
          endReason = 'cancelled by caller';
        } else {
          outcome = 'no-answer';
          endReason = END_REASONS.didNotAnswer;
          endedBy = 'timeout';
        }
      } else {
        // answered
        if (ringTimer !== undefined) ctx.clock.clearTimeout(ringTimer);
        ringTimer = undefined;
        finalStatus = r.response.status;
        finalReason = r.response.reason;
        const answered = await this.#answered(r.response, r.call, leg);
        ({ outcome, endReason, endedBy } = answered);
        // in the platforms' vocabulary a call that reached an answering machine ended at voicemail
        if (this.#voicemail && outcome === 'completed') endReason = END_REASONS.voicemail;
        if (answered.error) error = answered.error;
      }
    } catch (e) {
      error = this.#aborted ? { code: 'CALL_ABORTED', message: 'the call was aborted' } : errorInfo(e);
      outcome = 'error';
      endReason = this.#aborted ? END_REASONS.aborted : END_REASONS.error;
    } finally {
      if (ringTimer !== undefined) ctx.clock.clearTimeout(ringTimer);
      this.#signal?.removeEventListener('abort', onAbort);
    }
    await this.#finish({ outcome, endReason, endedBy, finalStatus, finalReason, error, onTrace, protocol });
  }

  #wireLeg(leg: MediaLeg): void {
    if (this.#options.evaluate !== false) this.#evalAudio = CallEvaluationAudio.attach(leg);
    leg.on('first-rtp-sent', (t) => {
      this.#timings.firstRtpSentMs = t;
      this.#event('first-rtp-sent', undefined, t);
    });
    leg.on('first-rtp-received', (t) => {
      this.#timings.firstRtpReceivedMs = t;
      this.#event('first-rtp-received', undefined, t);
    });
    let firstSpeech = true;
    leg.on('remote-speech', (s) => {
      if (firstSpeech) this.#event('first-agent-speech', undefined, s.startMs);
      firstSpeech = false;
      this.#event('agent-speech', `${Math.round(s.startMs)}-${Math.round(s.endMs)} ms`, s.endMs);
    });
    leg.on('beep', (b) => {
      // an answering machine answers first: a tone in early media (an announcement) is no voicemail
      const answer = this.#timings.answerMs;
      if (this.#voicemail || answer === null || b.startMs < answer) return;
      this.#voicemail = { beepStartMs: b.startMs, beepEndMs: b.endMs, beepFrequencyHz: b.frequencyHz };
      this.#event('voicemail-beep', `${b.frequencyHz} Hz, ${Math.round(b.endMs - b.startMs)} ms`, b.endMs);
      if (this.#voicemailMode() === 'hangup') this.#end('voicemail');
    });
    leg.on('dtmf', (e) => {
      this.#dtmf.push({ digit: e.digit, t: e.t, durationMs: e.durationMs });
      this.#event('dtmf-received', e.digit, e.t);
      this.emit('dtmf', e);
    });
    // Listen to the leg's audio only while someone listens to ours: the leg builds a frame object per
    // received packet only for listeners, and the hundreds of calls of a load run have none.
    const forward = (f: CallEvents['audio'][0]): void => void this.emit('audio', f);
    let forwarding = false;
    const follow = (): void => {
      const want = this.listenerCount('audio') > 0;
      if (want === forwarding) return;
      forwarding = want;
      if (want) leg.on('audio', forward);
      else leg.off('audio', forward);
    };
    // 'newListener' comes before the listener is added, 'removeListener' after it is gone
    const self = this as EventEmitter;
    self.on('newListener', (event: string | symbol) => {
      if (event === 'audio' && !forwarding) {
        forwarding = true;
        leg.on('audio', forward);
      }
    });
    self.on('removeListener', (event: string | symbol) => {
      if (event === 'audio') follow();
    });
    follow();
    leg.on('warning', (e) => {
      if (this.#warnings.length < 50) this.#warnings.push(`MEDIA_WARNING: ${e.message}`);
    });
  }

  #wireInvite(inv: SipOutgoingInvite, leg: MediaLeg): void {
    inv.once('tcp-fallback', (f) => {
      const w = tcpFallbackWarning(f);
      if (w) this.#warnings.push(w);
    });
    let lastEarly: string | null = null;
    inv.on('provisional', (res) => {
      const t = this.#now();
      this.#timings.firstProvisionalMs ??= t;
      if (res.status > 100) {
        if (this.#timings.ringingMs === null) this.#timings.ringingMs = t;
        this.#event(res.status === 180 ? 'ringing' : 'progress', `${res.status} ${res.reason}`, t);
        this.emit('ringing', { status: res.status, reason: res.reason, t });
      } else this.#event('trying', `${res.status} ${res.reason}`, t);
      if (res.status > 100 && isSdp(res)) {
        const body = res.body.toString('utf8');
        if (body === lastEarly) return;
        lastEarly = body;
        leg.applyAnswer(body).then(
          (n) => {
            this.#negotiated = n;
            if (this.#timings.earlyMediaMs === null) {
              this.#timings.earlyMediaMs = this.#now();
              this.#event('early-media', n.codec);
              this.emit('early-media', { t: this.#timings.earlyMediaMs, codec: n.codec });
            }
          },
          (e) => this.#warnings.push(`EARLY_MEDIA_SDP: ${errorInfo(e).message}`),
        );
      }
    });
  }

  async #answered(
    res: SipResponse,
    sipCall: SipCall,
    leg: MediaLeg,
  ): Promise<{ outcome: CallOutcome; endReason: string; endedBy: EndedBy | null; error?: { code: string; message: string } }> {
    const ctx = this.#ctx;
    this.#sipCall = sipCall;
    void sipCall.ended.then((e) => {
      const w = byeChallengeWarning(e);
      if (w) this.#warnings.push(w);
    });
    const answerT = this.#now();
    this.#timings.answerMs = answerT;
    this.#event('answered', `${res.status} ${res.reason}`, answerT);
    sipCall.onOffer = async (offer) => {
      this.#event('reinvite-received');
      const a = await leg.answerOffer(typeof offer.body === 'string' ? offer.body : offer.body.toString('utf8'));
      this.#negotiated = a.negotiated;
      return { body: a.sdp, contentType: 'application/sdp' };
    };
    try {
      if (isSdp(res)) this.#negotiated = await leg.applyAnswer(res.body.toString('utf8'));
      else if (!leg.started) throw new CallerError('CALLER_NO_ANSWER_SDP', 'the 2xx carried no SDP answer and no early SDP came before');
    } catch (e) {
      const info = errorInfo(e);
      this.#event('bye-sent', 'no usable SDP answer');
      void leg.close().catch(() => undefined); // early media may be flowing; §15.1.1 as below
      await sipCall.bye().catch(() => undefined);
      const mismatch = info.code === 'SDP_STREAM_REJECTED' || info.code === 'SDP_CODEC_NOT_OFFERED' || info.code === 'MEDIA_SRTP_REFUSED';
      return { outcome: mismatch ? 'rejected' : 'error', endReason: mismatch ? END_REASONS.codecMismatch : END_REASONS.error, endedBy: 'caller', error: info };
    }
    this.emit('answered', { t: answerT, codec: this.#negotiated?.codec ?? null });

    const cause = new Promise<EndCause>((resolve) => {
      this.#endCause = resolve;
      if (this.#pendingCause) this.#end(this.#pendingCause);
    });
    if (this.#aborted) this.#end('aborted');
    void sipCall.ended.then((e) => {
      if (e.reason === 'remote-bye') {
        this.#event('bye-received', undefined);
        this.#end('agent-bye');
      } else if (e.reason !== 'local-bye') {
        this.#event('call-ended', e.reason);
        this.#end('dialog-gone');
      }
    });
    const duration = this.#options.durationMs;
    const callMs = this.#options.timeouts?.callMs ?? Math.max(DEFAULT_CALL_MS, (duration ?? 0) + 30_000);
    const timers: TimerHandle[] = [ctx.clock.setTimeout(() => this.#end('call-timeout'), callMs)];
    if (duration !== undefined) timers.push(ctx.clock.setTimeout(() => this.#end('duration'), duration));
    const silenceTimer = this.#watchSilence(leg, answerT);
    const stop = new AbortController();
    const plan = this.#runPlan(leg, stop.signal).then(
      () => {
        if (this.#options.script || (this.#options.play && duration === undefined)) this.#end('script-done');
      },
      (e) => {
        this.#warnings.push(`SCRIPT_FAILED: ${errorInfo(e).code}: ${errorInfo(e).message}`);
        this.#end('script-done');
      },
    );
    const why = await cause;
    // an explicit reason: the default one is a DOMException, whose stack trace costs at every call's end
    stop.abort('call-ended');
    for (const t of timers) ctx.clock.clearTimeout(t);
    silenceTimer?.stop();
    leg.clearPlayback();
    await plan;
    if (why !== 'agent-bye' && why !== 'dialog-gone' && sipCall.active) {
      this.#event('bye-sent', why);
      // RFC 3261 §15.1.1: the session is over once the BYE is handed to its transaction, so media
      // stops now; an agent slow to answer (or never answering) must not get RTP until Timer F.
      void leg.close().catch(() => undefined);
      const byeRes = await sipCall.bye().catch(() => undefined);
      if (!byeRes && !sipCall.endReason?.byeChallenge) this.#warnings.push('BYE_NO_RESPONSE: the BYE got no final response');
    }
    switch (why) {
      case 'agent-bye':
        return { outcome: 'completed', endReason: END_REASONS.agentHangup, endedBy: 'agent' };
      case 'dialog-gone':
        return { outcome: 'completed', endReason: 'call dropped', endedBy: 'agent' };
      case 'call-timeout':
        return { outcome: 'timeout', endReason: END_REASONS.exceededMaxDuration, endedBy: 'timeout' };
      case 'silence-timeout':
        return { outcome: 'completed', endReason: END_REASONS.silenceTimedOut, endedBy: 'caller' };
      case 'voicemail':
        return { outcome: 'completed', endReason: END_REASONS.voicemail, endedBy: 'caller' };
      case 'aborted':
        return { outcome: 'error', endReason: END_REASONS.aborted, endedBy: 'caller', error: { code: 'CALL_ABORTED', message: 'the call was aborted' } };
      default:
        return { outcome: 'completed', endReason: END_REASONS.callerHangup, endedBy: 'caller' };
    }
  }

  /**
   * `timeouts.silenceMs`: ends the call once neither side made a sound for that long since the
   * answer. One timer, set for the earliest moment the silence could be long enough and moved on
   * whenever sound came in between (no per-frame work).
   */
  #watchSilence(leg: MediaLeg, answerT: number): { stop(): void } | null {
    const silenceMs = this.#options.timeouts?.silenceMs;
    if (silenceMs === undefined) return null;
    const clock = this.#ctx.clock;
    let timer: TimerHandle | undefined;
    const check = (): void => {
      timer = undefined;
      const last = Math.max(answerT, leg.lastRemoteSoundMs ?? -Infinity, leg.lastLocalSoundMs ?? -Infinity);
      const quiet = this.#now() - last;
      if (quiet >= silenceMs) {
        this.#event('silence-timeout', `${Math.round(quiet)} ms without sound (limit ${silenceMs} ms)`);
        this.#end('silence-timeout');
        return;
      }
      // a frame's end can sit a little ahead of now (arrival placement): never spin on tiny waits
      timer = clock.setTimeout(check, Math.max(20, silenceMs - quiet));
    };
    timer = clock.setTimeout(check, silenceMs);
    return {
      stop: () => {
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
      },
    };
  }

  async #runPlan(leg: MediaLeg, signal: AbortSignal): Promise<void> {
    const o = this.#options;
    if (o.script) {
      for (const [i, step] of o.script.entries()) {
        if (signal.aborted) return;
        if (await this.#step(leg, step, i, signal)) {
          this.#end('script-done');
          return;
        }
      }
      return;
    }
    if (o.play) {
      this.#event('play', o.play);
      await leg.playFile(o.play);
      this.#event('play-done');
    }
    if (!o.play && o.durationMs === undefined) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  }

  /** Runs one step; true when it was a hang-up. */
  async #step(leg: MediaLeg, step: CallScriptStep, i: number, signal: AbortSignal): Promise<boolean> {
    if ('play' in step) {
      this.#event('script', `${i}: play ${step.play}`);
      await leg.playFile(step.play);
    } else if ('silence' in step) {
      this.#event('script', `${i}: silence ${step.silence} ms`);
      await leg.silence(step.silence);
    } else if ('waitForAgent' in step) {
      this.#event('script', `${i}: wait for agent`);
      const w = await leg.waitForRemoteSpeech({ ...step.waitForAgent, signal });
      this.#event('agent-turn', w.heard ? 'heard' : w.timedOut ? 'timed out' : 'stopped', w.t);
    } else if ('dtmf' in step) {
      this.#event('script', `${i}: dtmf ${step.dtmf}`);
      await leg.sendDtmf(step.dtmf);
    } else if ('hangup' in step) {
      this.#event('script', `${i}: hangup`);
      return true;
    } else {
      throw new CallerError('CALLER_BAD_OPTION', `script step ${i} is not play, silence, waitForAgent, dtmf or hangup`);
    }
    return false;
  }

  #onTrace(ev: SipTraceEvent): void {
    let callId: string | undefined;
    try {
      callId = ev.message.callId;
    } catch {
      return;
    }
    if (callId !== this.#sipCallId || this.#sipCallId === '') return;
    if (this.#capture) this.#captureSip(ev);
    const t = this.#now();
    const local = ev.local ? hostPort(ev.local) : this.#sentByText(ev.protocol);
    const entry = ladderEntry(ev.message, t, ev.direction === 'out' ? 'sent' : 'received', ev.protocol, local, hostPort(ev.remote), ev.raw);
    this.#messages.push(entry);
    const m = ev.message;
    if (ev.direction === 'out' && m.kind === 'request' && m.method === 'INVITE' && !this.#inviteSized && !ev.retransmission) {
      this.#inviteSized = true;
      const size = ev.raw?.length ?? serializeMessage(m).length;
      this.#warnings.push(...inviteWarnings(this.#headerSet, size, ev.protocol));
    }
    if (ev.direction === 'out' && m.kind === 'request' && m.method === 'CANCEL' && !ev.retransmission) this.#event('cancel-sent');
  }

  /** Our SIP address for a protocol, for trace events that do not name their flow. */
  #sentByText(protocol: SipTraceEvent['protocol']): string {
    try {
      return hostPort(this.#ctx.ua.transports.sentBy(protocol));
    } catch {
      return '';
    }
  }

  #captureSip(ev: SipTraceEvent): void {
    let local;
    try {
      local = this.#ctx.ua.transports.sentBy(ev.protocol);
    } catch {
      return;
    }
    this.#capture!.sip(ev, local);
  }

  async #finish(f: {
    outcome: CallOutcome;
    endReason: string;
    endedBy: EndedBy | null;
    finalStatus: number | null;
    finalReason: string | null;
    error: CallResult['error'];
    onTrace: (ev: SipTraceEvent) => void;
    protocol: 'udp' | 'tcp' | 'tls';
  }): Promise<void> {
    const leg = this.#leg;
    let rtp: RtpSummary | null = null;
    let audio: CallResult['audio'] = null;
    if (leg) {
      await leg.close().catch(() => undefined);
      const s = leg.stats();
      if (s) {
        rtp = {
          localPort: s.localPort,
          remote: s.remote ? hostPort(s.remote) : null,
          sent: { packets: s.sent.packets, bytes: s.sent.bytes },
          received: {
            packets: s.received.packets,
            bytes: s.received.bytes,
            expected: s.received.expected,
            lost: s.received.lost,
            lossPercent: Math.round(s.received.lossPercent * 1000) / 1000,
            jitterMs: Math.round(s.received.jitterMs * 1000) / 1000,
            maxJitterMs: Math.round(leg.maxJitterMs() * 1000) / 1000,
            duplicates: s.received.duplicates,
            reordered: s.received.reordered,
            dropped: s.dropped.total,
          },
          rtcpReceived: s.rtcp.receivedAny,
        };
      }
      if (leg.recordingPath) audio = { recordingPath: leg.recordingPath, sampleRate: leg.recordingSampleRate, channels: 2, startMs: 0 };
    }
    // the last responses (200 to BYE) arrive before bye() resolves; nothing further is ours
    if (this.#ctx.traces.get(this.#sipCallId) === f.onTrace) this.#ctx.traces.delete(this.#sipCallId);
    if (this.#capture) {
      await this.#capture.finish();
      this.#warnings.push(...this.#capture.notes);
    }
    const endT = this.#t0 === 0 ? 0 : this.#now();
    this.#timings.endMs = this.#t0 === 0 ? null : endT;
    this.#timings.talkDurationMs = this.#timings.answerMs !== null ? Math.max(0, endT - this.#timings.answerMs) : 0;
    this.#event('ended', f.outcome, endT);
    this.#timeline.sort((a, b) => a.t - b.t);
    const n = this.#negotiated;
    const codec: NegotiatedCodecInfo | null = n
      ? { name: n.codec, payloadType: n.payloadType, clockRate: n.clockRate, channels: n.channels, ptimeMs: n.ptime, dtmfPayloadType: n.dtmfPayloadType ?? null, srtp: n.srtp?.suite ?? null }
      : null;
    const result = buildCallResult({
      outcome: f.outcome,
      endReason: f.endReason,
      endedBy: f.endedBy,
      target: this.target,
      transport: f.protocol,
      ids: { ...this.ids, generated: [...this.ids.generated] },
      sip: { callId: this.#sipCallId, finalStatus: f.finalStatus, finalReason: f.finalReason, headersSent: this.headersSent.map((h) => ({ ...h })) },
      codec,
      timings: this.#timings,
      rtp,
      audio,
      dtmfReceived: this.#dtmf,
      voicemail: this.#voicemail,
      messages: this.#messages,
      timeline: this.#timeline,
      warnings: this.#warnings,
      error: f.error,
    });
    // evaluation: milestones, metrics, RTP quality, transcript (src/caller/evaluate.ts); never throws
    await evaluateCall(result, { audio: this.#evalAudio, stats: leg?.stats() ?? null, options: this.#options });
    this.#finished = true;
    this.#resolve(result);
    this.emit('ended', result);
  }

  /** Debug view: never includes credentials. */
  toJSON(): Record<string, unknown> {
    return { target: this.target, callId: this.#sipCallId, ids: this.ids, finished: this.#finished };
  }
}
