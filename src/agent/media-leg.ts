/**
 * The TestAgent's media over the shared {@link MediaLeg}: answer the caller's offer, play,
 * echo, record (one stereo WAV per call: caller left, agent right), and hand decoded caller
 * frames to turn mode.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MediaLeg } from '../call-media';
import { wavToMonoPcm } from '../audio/resampler';
import { readWavFile } from '../audio/wav-reader';
import { systemClock, type Clock } from '../clock';
import { isCodecSupported } from '../rtp/codecs/registry';
import type { RtpPortPool } from '../rtp/port-pool';
import { getSdpCodecs, parseSdp } from '../sdp';
import type { SipBody } from '../sip/ua/core';
import type { AgentMedia, AgentMediaFactory, AgentMediaRequest } from './media';

/** Media options of a TestAgent. */
export interface TestAgentMediaOptions {
  /** RTP bind address (default `127.0.0.1`). */
  address?: string;
  /** Address written in our SDP instead of the bound one. */
  advertisedAddress?: string;
  /** RTP port pool (default the process-wide one). */
  portPool?: RtpPortPool;
  /** Media clock (default the system clock; RTP pacing runs on it). */
  clock?: Clock;
}

/** Codecs the agent answers with when the behaviour names none: the caller's order, among those we can run. */
const FALLBACK = ['PCMU', 'PCMA', 'G722', 'opus'];

function offerOrder(offer: SipBody): string[] {
  try {
    const sdp = parseSdp(typeof offer.body === 'string' ? offer.body : new Uint8Array(offer.body));
    const audio = sdp.media.find((m) => m.type === 'audio' && m.port !== 0);
    if (!audio) return FALLBACK;
    const names: string[] = [];
    for (const c of getSdpCodecs(audio)) {
      const name = FALLBACK.find((n) => n.toLowerCase() === c.name.toLowerCase());
      if (name && isCodecSupported(name) && !names.includes(name)) names.push(name);
    }
    return names.length > 0 ? names : FALLBACK;
  } catch {
    // an unparsable offer fails properly in answerOffer; the order does not matter then
    return FALLBACK;
  }
}

/** File name for a call's recording: sequence number plus a filesystem-safe part of the Call-ID. */
export function recordingFileName(index: number, callId: string): string {
  const safe = callId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.{2,}/g, '_').replace(/^\.+/, '').slice(0, 64).replace(/\.+$/, '');
  return `call-${String(index + 1).padStart(4, '0')}${safe ? `-${safe}` : ''}.wav`;
}

class MediaLegAgentMedia implements AgentMedia {
  readonly answer: SipBody;
  readonly codec: string;
  private echo = false;
  private readonly listeners: Array<(pcm: Int16Array, t: number, durationMs: number) => void> = [];

  constructor(
    private readonly leg: MediaLeg,
    answerSdp: string,
    codec: string,
    private readonly clock: Clock,
  ) {
    this.answer = { body: answerSdp, contentType: 'application/sdp' };
    this.codec = codec;
    leg.on('audio', (ev) => {
      const durationMs = (ev.pcm.length * 1000) / ev.sampleRate;
      for (const l of this.listeners) l(ev.pcm, ev.t + durationMs, durationMs);
      if (this.echo && ev.kind === 'frame' && this.leg.started) {
        try {
          void this.leg.playPcm(ev.pcm, ev.sampleRate);
        } catch {
          // closed between the frame and the echo
        }
      }
    });
    leg.on('warning', () => undefined);
  }

  get recordingPath(): string | undefined {
    return this.leg.recordingPath ?? undefined;
  }

  start(): void {
    // the leg starts RTP as soon as the offer is answered
  }

  now(): number {
    return this.leg.now();
  }

  play(path: string): Promise<void> {
    return this.leg.playFile(path);
  }

  async playAt(path: string, atMs: number, onQueued?: (firstSampleAtMs: number) => void): Promise<void> {
    const wav = await readWavFile(path);
    const rate = wav.sampleRate;
    const pcm = wavToMonoPcm(wav, rate);
    const leg = this.leg;
    if (!leg.started) return;
    await new Promise<void>((resolve) => {
      let queued = false;
      const queue = (nextFrameMs: number): void => {
        if (queued) return;
        queued = true;
        leg.off('sent', onSent);
        leg.off('closed', onClosed);
        this.clock.clearTimeout(fallback);
        // RTP never stops, so the reply's place in the stream is fixed by the silence in front of it
        const busy = leg.queuedMs > 0;
        const lead = busy ? 0 : Math.max(0, Math.round(((atMs - nextFrameMs) * rate) / 1000));
        const out = new Int16Array(lead + pcm.length);
        out.set(pcm, lead);
        if (!busy) onQueued?.(nextFrameMs + (lead * 1000) / rate);
        try {
          leg.playPcm(out, rate).then(resolve, resolve);
        } catch {
          resolve();
        }
      };
      const onSent = (f: { pcm: Int16Array; sampleRate: number; t: number }): void => {
        const frameMs = (f.pcm.length * 1000) / f.sampleRate;
        const next = f.t + frameMs;
        // queue during the frame before the one the reply starts in
        if (atMs - next < frameMs) queue(next);
      };
      const onClosed = (): void => {
        queued = true;
        leg.off('sent', onSent);
        this.clock.clearTimeout(fallback);
        resolve();
      };
      // no frames flow while on hold: then start when the time has come, as well as we can
      const fallback = this.clock.setTimeout(() => queue(leg.now()), Math.max(0, atMs - leg.now()) + 200);
      leg.on('sent', onSent);
      leg.once('closed', onClosed);
    });
  }

  setEcho(on: boolean): void {
    this.echo = on;
  }

  onCallerFrame(listener: (pcm: Int16Array, t: number, durationMs: number) => void): void {
    this.listeners.push(listener);
  }

  async reanswer(offer: SipBody): Promise<SipBody> {
    const r = await this.leg.answerOffer(typeof offer.body === 'string' ? offer.body : new Uint8Array(offer.body));
    return { body: r.sdp, contentType: 'application/sdp' };
  }

  reoffer(): SipBody {
    return { body: this.leg.createOffer(), contentType: 'application/sdp' };
  }

  async applyAnswer(answer: SipBody): Promise<void> {
    await this.leg.applyAnswer(typeof answer.body === 'string' ? answer.body : new Uint8Array(answer.body));
  }

  close(): Promise<void> {
    return this.leg.close();
  }
}

/** The media factory a TestAgent uses by default. */
export function mediaLegFactory(options: TestAgentMediaOptions): AgentMediaFactory {
  return async (req: AgentMediaRequest): Promise<AgentMedia> => {
    let recordPath: string | undefined;
    if (req.record !== undefined) {
      mkdirSync(req.record, { recursive: true });
      recordPath = join(req.record, recordingFileName(req.callIndex, req.callId));
    }
    const leg = await MediaLeg.create({
      side: 'agent',
      // the agent never reports voicemail: no beep analysis of the caller's audio
      beep: false,
      codecs: req.codecs ?? offerOrder(req.offer),
      ...(options.address !== undefined ? { address: options.address } : {}),
      ...(options.advertisedAddress !== undefined ? { advertisedAddress: options.advertisedAddress } : {}),
      ...(options.portPool ? { portPool: options.portPool } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(recordPath !== undefined ? { recordPath } : {}),
      ...(req.srtp ? { srtp: true, requireSrtp: req.srtp === 'require' } : {}),
    });
    try {
      const body = req.offer.body;
      const r = await leg.answerOffer(typeof body === 'string' ? body : new Uint8Array(body));
      return new MediaLegAgentMedia(leg, r.sdp, r.negotiated.codec, options.clock ?? systemClock);
    } catch (e) {
      await leg.close().catch(() => undefined);
      throw e;
    }
  };
}
