/**
 * RTP quality of a call: loss accounting and E-model R / MOS-CQE for each direction we can see.
 *
 * One-way mouth-to-ear delay estimate Ta (for Id):
 *   network one-way (RTT/2 when RTCP gave an RTT, else 0 with a note)
 *   + jitter-buffer playout delay (given, else max(ptime, 2 × mean jitter))
 *   + packetisation (ptime) + codec look-ahead.
 * Ppl = (lost + late discards) / expected. BurstR = mean observed loss-run length divided by the
 * mean run length random loss would give, 1/(1 − p) (G.113 Appendix I definition), when the
 * number of loss runs is known; else 1 (random).
 */
import { codecImpairment, type CodecImpairment } from './codec-impairment';
import { rateTransmission } from './emodel';
import { MetricsArgumentError } from './errors';
import type { EModelResult, RtpLossView, RtpQuality } from './types';

/** What the receive side measured (e.g. from `RtpReceiveStats` plus the jitter buffer). */
export interface RtpReceiveInput {
  /** Packets received (without duplicates). */
  packets: number;
  /** Packets expected (highest − first sequence + 1). */
  expected: number;
  lost: number;
  /** Packets the jitter buffer discarded as too late. Default 0. */
  lateDiscarded?: number;
  /** Number of separate runs of lost packets (for BurstR). */
  lossRuns?: number;
  jitterMeanMs?: number | null;
  jitterMaxMs?: number | null;
  reordered?: number | null;
  duplicates?: number | null;
}

/** The far end's view of our stream, from its RTCP receiver reports. */
export interface FarEndReceptionInput {
  /** Fraction lost of the latest report, 0–1 (the RR field / 256). */
  fractionLost: number;
  cumulativeLost: number;
  jitterMs: number;
  rttMs?: number | null;
}

/** Input of {@link assessRtpQuality}. */
export interface RtpQualityInput {
  /** Negotiated codec: SDP encoding name and packet time. */
  codec: { name: string; ptimeMs?: number };
  received: RtpReceiveInput;
  farEnd?: FarEndReceptionInput | null;
  /** Round-trip time, ms; defaults to `farEnd.rttMs`. */
  rttMs?: number | null;
  /** Playout delay of our jitter buffer, ms. */
  jitterBufferMs?: number;
  /** Whether the receiver conceals losses (PLC). Default true. */
  plc?: boolean;
}

function nonNegative(name: string, v: number | null | undefined, optional = true): void {
  if (v === undefined || v === null) {
    if (!optional) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', `${name} is required`);
    return;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', `${name} must be a finite number ≥ 0`);
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** BurstR from loss counts (G.113 App. I): mean loss-run length / (1 / (1 − p)); ≥ 1 in practice. */
export function burstRatio(lost: number, expected: number, lossRuns: number): number {
  if (!(lost > 0 && lossRuns > 0 && expected > lost)) return 1;
  const p = lost / expected;
  return Math.max(1, (lost / lossRuns) * (1 - p));
}

/** Computes loss views and E-model ratings for both directions. */
export function assessRtpQuality(input: RtpQualityInput): RtpQuality {
  const rx = input.received;
  nonNegative('received.packets', rx.packets, false);
  nonNegative('received.expected', rx.expected, false);
  nonNegative('received.lost', rx.lost, false);
  for (const k of ['lateDiscarded', 'lossRuns', 'jitterMeanMs', 'jitterMaxMs', 'reordered', 'duplicates'] as const) nonNegative(`received.${k}`, rx[k]);
  nonNegative('rttMs', input.rttMs);
  nonNegative('jitterBufferMs', input.jitterBufferMs);
  nonNegative('codec.ptimeMs', input.codec.ptimeMs);
  if (input.farEnd) {
    nonNegative('farEnd.jitterMs', input.farEnd.jitterMs, false);
    nonNegative('farEnd.rttMs', input.farEnd.rttMs);
    if (!(input.farEnd.fractionLost >= 0 && input.farEnd.fractionLost <= 1)) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'farEnd.fractionLost must be in 0..1');
    if (!Number.isFinite(input.farEnd.cumulativeLost)) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'farEnd.cumulativeLost must be finite');
  }

  const notes: string[] = [];
  let codec: CodecImpairment | undefined = codecImpairment(input.codec.name);
  if (!codec) {
    notes.push(`codec ${JSON.stringify(input.codec.name.slice(0, 40))} has no impairment values; rated as G.711`);
    codec = codecImpairment('PCMU') as CodecImpairment;
  }
  const plc = input.plc ?? true;
  const bpl = plc ? codec.bplWithPlc : codec.bplWithoutPlc;
  const ptime = input.codec.ptimeMs ?? 20;
  const rtt = input.rttMs ?? input.farEnd?.rttMs ?? null;
  if (rtt === null) notes.push('no RTT (no RTCP from the far end): network delay assumed 0 in the E-model');
  const late = rx.lateDiscarded ?? 0;
  const jitterMean = rx.jitterMeanMs ?? null;
  const buffer = input.jitterBufferMs ?? Math.max(ptime, 2 * (jitterMean ?? 0));
  const oneWay = (rtt ?? 0) / 2 + buffer + ptime + codec.lookaheadMs;

  const lossPercent = rx.expected > 0 ? (100 * Math.min(rx.lost, rx.expected)) / rx.expected : 0;
  const ppl = rx.expected > 0 ? Math.min(100, (100 * (Math.min(rx.lost, rx.expected) + late)) / rx.expected) : 0;
  const burstR = rx.lossRuns !== undefined ? burstRatio(rx.lost, rx.expected, rx.lossRuns) : 1;
  const rate = (pplPercent: number, burst: number, delay: number): EModelResult => {
    const t = rateTransmission({ scale: codec!.scale, ie: codec!.ie, bpl, ppl: pplPercent, burstR: burst, oneWayDelayMs: delay });
    return {
      scale: codec!.scale,
      r: r2(t.r),
      rNarrowbandScale: r2(t.rNarrowbandScale),
      mos: r2(t.mos),
      ie: codec!.ie,
      bpl,
      ppl: r2(pplPercent),
      burstR: r2(burst),
      ieEff: r2(t.ieEff),
      id: r2(t.id),
      oneWayDelayMs: r2(delay),
      codecSource: codec!.source,
    };
  };

  const received: RtpLossView & { emodel: EModelResult } = {
    packets: rx.packets,
    expected: rx.expected,
    lost: rx.lost,
    lossPercent: r2(lossPercent),
    lateDiscarded: late,
    jitterMeanMs: jitterMean,
    jitterMaxMs: rx.jitterMaxMs ?? null,
    reordered: rx.reordered ?? null,
    duplicates: rx.duplicates ?? null,
    emodel: rate(ppl, burstR, oneWay),
  };

  let sent: RtpQuality['sentAsSeenByFarEnd'] = null;
  if (input.farEnd) {
    const fe = input.farEnd;
    // The far end's playout buffer is unknown: assume it holds max(ptime, 2 × its jitter).
    const feDelay = (rtt ?? 0) / 2 + Math.max(ptime, 2 * fe.jitterMs) + ptime + codec.lookaheadMs;
    sent = {
      fractionLostPercent: r2(fe.fractionLost * 100),
      cumulativeLost: fe.cumulativeLost,
      jitterMs: fe.jitterMs,
      rttMs: rtt,
      emodel: rate(fe.fractionLost * 100, 1, feDelay),
    };
  }
  return { codec: input.codec.name, received, sentAsSeenByFarEnd: sent, notes };
}
