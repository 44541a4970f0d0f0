/**
 * The TestAgent's media over the shared {@link MediaLeg}: answer the caller's offer, play,
 * echo, record (one stereo WAV per call: caller left, agent right), and hand decoded caller
 * frames to turn mode.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MediaLeg } from '../call-media';
import type { Clock } from '../clock';
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
      codecs: req.codecs ?? offerOrder(req.offer),
      ...(options.address !== undefined ? { address: options.address } : {}),
      ...(options.advertisedAddress !== undefined ? { advertisedAddress: options.advertisedAddress } : {}),
      ...(options.portPool ? { portPool: options.portPool } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(recordPath !== undefined ? { recordPath } : {}),
    });
    try {
      const body = req.offer.body;
      const r = await leg.answerOffer(typeof body === 'string' ? body : new Uint8Array(body));
      return new MediaLegAgentMedia(leg, r.sdp, r.negotiated.codec);
    } catch (e) {
      await leg.close().catch(() => undefined);
      throw e;
    }
  };
}
