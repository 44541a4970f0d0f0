/**
 * ITU-T G.107 E-model (narrowband) and the G.107.1 wideband rating scale.
 *
 * Narrowband: the full G.107 (06/2015) algorithm, written from the equations of §7:
 *   R = Ro − Is − Id − Ie,eff + A
 * with Ro from the noise sum No (§7.2), Is = Iolr + Ist + Iq (§7.3), Id = Idte + Idle + Idd (§7.4,
 * including the delay-sensitivity parameters mT and sT of the 2015 edition, defaults 100 ms and 1
 * which give the classic Idd), and Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl) (§7.5).
 * With the §7.7 default values R = 93.2.
 *
 * MOS-CQE from R is G.107 Annex B: 1 for R < 0, 4.5 for R > 100, else
 *   1 + 0.035R + R(R − 60)(100 − R)·7·10⁻⁶.
 *
 * Wideband (G.107.1): the rating scale is extended to Rmax = 129 (Ro,WB − Is,WB = 129 with the
 * defaults), Ie,eff,WB = Ie,WB + (129 − Ie,WB)·Ppl / (Ppl/BurstR + Bpl). For the delay term we use
 * the narrowband delay impairment the delay adds over zero delay, scaled by 1.29 onto the wideband
 * scale — a sipprobe approximation, so that R_WB = 129 − Ie,WB at zero loss and delay as in
 * G.107.1 with its defaults.
 * MOS: R_WB / 1.29 onto the narrowband scale, then Annex B, so narrowband and wideband calls share
 * one MOS scale (G.107.1 Annex A).
 */
import { MetricsArgumentError } from './errors';

/** Input parameters of the narrowband E-model (G.107 Table 1 names). */
export interface EModelParams {
  /** Send loudness rating, dB. */
  SLR: number;
  /** Receive loudness rating, dB. */
  RLR: number;
  /** Sidetone masking rating, dB. */
  STMR: number;
  /** Listener sidetone rating, dB. */
  LSTR: number;
  /** D-value of the telephone, send side. */
  Ds: number;
  /** Talker echo loudness rating, dB. */
  TELR: number;
  /** Weighted echo path loss, dB. */
  WEPL: number;
  /** Mean one-way delay of the echo path, ms. */
  T: number;
  /** Round-trip delay in a 4-wire loop, ms. */
  Tr: number;
  /** Absolute delay in echo-free connections (mouth to ear), ms. */
  Ta: number;
  /** Number of quantisation distortion units. */
  qdu: number;
  /** Equipment impairment factor. */
  Ie: number;
  /** Packet-loss robustness factor. */
  Bpl: number;
  /** Random packet-loss probability, %. */
  Ppl: number;
  /** Burst ratio (1 = random loss). */
  BurstR: number;
  /** Circuit noise referred to the 0 dBr point, dBm0p. */
  Nc: number;
  /** Noise floor at the receive side, dBmp. */
  Nfor: number;
  /** Room noise at the send side, dB(A). */
  Ps: number;
  /** Room noise at the receive side, dB(A). */
  Pr: number;
  /** Advantage factor. */
  A: number;
  /** Minimum perceivable delay, ms (G.107 06/2015). */
  mT: number;
  /** Delay sensitivity (G.107 06/2015). */
  sT: number;
}

/** G.107 §7.7 Table 3 default values. */
export const G107_DEFAULTS: Readonly<EModelParams> = Object.freeze({
  SLR: 8,
  RLR: 2,
  STMR: 15,
  LSTR: 18,
  Ds: 3,
  TELR: 65,
  WEPL: 110,
  T: 0,
  Tr: 0,
  Ta: 0,
  qdu: 1,
  Ie: 0,
  Bpl: 1,
  Ppl: 0,
  BurstR: 1,
  Nc: -70,
  Nfor: -64,
  Ps: 35,
  Pr: 35,
  A: 0,
  mT: 100,
  sT: 1,
});

/** The E-model's intermediate values and result. */
export interface EModelBreakdown {
  Ro: number;
  Is: number;
  Iolr: number;
  Ist: number;
  Iq: number;
  Id: number;
  Idte: number;
  Idle: number;
  Idd: number;
  IeEff: number;
  A: number;
  R: number;
}

const log10 = Math.log10;

function checkFinite(p: Record<string, number>): void {
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', `E-model parameter ${k} must be a finite number`);
  }
}

/**
 * Effective equipment impairment Ie,eff = Ie + (ceiling − Ie)·Ppl / (Ppl/BurstR + Bpl)
 * (G.107 eq. 7-29 with ceiling 95; G.107.1 uses 129).
 */
export function effectiveEquipmentImpairment(ie: number, pplPercent: number, bpl: number, burstR = 1, ceiling = 95): number {
  checkFinite({ ie, pplPercent, bpl, burstR, ceiling });
  if (pplPercent < 0 || pplPercent > 100) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'Ppl must be in 0..100 %');
  if (bpl <= 0 || burstR <= 0) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'Bpl and BurstR must be > 0');
  return ie + ((ceiling - ie) * pplPercent) / (pplPercent / burstR + bpl);
}

/** Absolute delay impairment Idd (G.107 06/2015 §7.4, with mT and sT). */
export function absoluteDelayImpairment(taMs: number, mT = 100, sT = 1): number {
  if (taMs <= mT) return 0;
  const x = log10(taMs / mT) / log10(2);
  const e = 6 * sT;
  return 25 * (Math.pow(1 + Math.pow(x, e), 1 / e) - 3 * Math.pow(1 + Math.pow(x / 3, e), 1 / e) + 2);
}

/** Runs the narrowband E-model (G.107) on the defaults overridden by `overrides`. */
export function eModelRating(overrides: Partial<EModelParams> = {}): EModelBreakdown {
  const p: EModelParams = { ...G107_DEFAULTS, ...overrides };
  checkFinite(p as unknown as Record<string, number>);
  if (p.qdu < 1 || p.T < 0 || p.Tr < 0 || p.Ta < 0 || p.mT <= 0 || p.sT <= 0) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'need qdu ≥ 1, delays ≥ 0, mT > 0, sT > 0');

  // §7.2 basic signal-to-noise ratio.
  const OLR = p.SLR + p.RLR;
  const Nos = p.Ps - p.SLR - p.Ds - 100 + 0.004 * (p.Ps - OLR - p.Ds - 14) ** 2;
  const Pre = p.Pr + 10 * log10(1 + 10 ** ((10 - p.LSTR) / 10));
  const Nor = p.RLR - 121 + Pre + 0.008 * (Pre - 35) ** 2;
  const Nfo = p.Nfor + p.RLR;
  const No = 10 * log10(10 ** (p.Nc / 10) + 10 ** (Nos / 10) + 10 ** (Nor / 10) + 10 ** (Nfo / 10));
  const Ro = 15 - 1.5 * (p.SLR + No);

  // §7.3 simultaneous impairments.
  const Xolr = OLR + 0.2 * (64 + No - p.RLR);
  const Iolr = 20 * ((1 + (Xolr / 8) ** 8) ** (1 / 8) - Xolr / 8);
  const STMRo = -10 * log10(10 ** (-p.STMR / 10) + Math.exp(-p.T / 4) * 10 ** (-p.TELR / 10));
  const Ist = 12 * (1 + ((STMRo - 13) / 6) ** 8) ** (1 / 8) - 28 * (1 + ((STMRo + 1) / 19.4) ** 35) ** (1 / 35) - 13 * (1 + ((STMRo - 3) / 33) ** 13) ** (1 / 13) + 29;
  const Q = 37 - 15 * log10(p.qdu);
  const G = 1.07 + 0.258 * Q + 0.0602 * Q * Q;
  const Z = 46 / 30 - G / 40;
  const Y = (Ro - 100) / 15 + 46 / 8.4 - G / 9;
  const Iq = 15 * log10(1 + 10 ** Y + 10 ** Z);
  const Is = Iolr + Ist + Iq;

  // §7.4 delay impairments.
  const Roe = -1.5 * (No - p.RLR);
  let TERV = p.TELR - 40 * log10((1 + p.T / 10) / (1 + p.T / 150)) + 6 * Math.exp(-0.3 * p.T * p.T);
  if (p.STMR < 9) TERV += Ist / 2;
  const Re = 80 + 2.5 * (TERV - 14);
  let Idte = ((Roe - Re) / 2 + Math.sqrt((Roe - Re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-p.T));
  if (p.STMR > 20) Idte = Math.sqrt(Idte * Idte + Ist * Ist);
  const Rle = 10.5 * (p.WEPL + 7) * (p.Tr + 1) ** -0.25;
  const Idle = (Ro - Rle) / 2 + Math.sqrt((Ro - Rle) ** 2 / 4 + 169);
  const Idd = absoluteDelayImpairment(p.Ta, p.mT, p.sT);
  const Id = Idte + Idle + Idd;

  const IeEff = effectiveEquipmentImpairment(p.Ie, p.Ppl, p.Bpl, p.BurstR);
  const R = Ro - Is - Id - IeEff + p.A;
  return { Ro, Is, Iolr, Ist, Iq, Id, Idte, Idle, Idd, IeEff, A: p.A, R };
}

/** MOS-CQE from R (G.107 Annex B, eq. B-4). */
export function mosFromR(r: number): number {
  if (Number.isNaN(r)) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'R is NaN');
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** Maximum of the wideband rating scale (G.107.1). */
export const WIDEBAND_R_MAX = 129;
/** Factor between the wideband and narrowband rating scales (G.107.1 Annex A). */
export const WIDEBAND_SCALE = 1.29;

/** Delay impairment Id of a one-way mouth-to-ear delay `taMs` with perfect echo control (T = Ta, Tr = 2·Ta). */
export function delayImpairment(taMs: number): number {
  if (!Number.isFinite(taMs) || taMs < 0) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'delay must be a finite number ≥ 0');
  return eModelRating({ T: taMs, Tr: 2 * taMs, Ta: taMs }).Id;
}

/** Inputs of {@link rateTransmission}. */
export interface TransmissionRatingInput {
  scale: 'narrowband' | 'wideband';
  /** Ie (narrowband) or Ie,WB (wideband). */
  ie: number;
  bpl: number;
  /** Packet-loss probability, %. */
  ppl: number;
  burstR?: number;
  /** One-way mouth-to-ear delay, ms. */
  oneWayDelayMs: number;
  /** Advantage factor. Default 0. */
  a?: number;
}

/**
 * R and MOS for a call leg from codec impairment, loss and delay, all other E-model parameters
 * at their defaults. Narrowband: the full G.107 model. Wideband: see the module comment.
 */
export function rateTransmission(input: TransmissionRatingInput): { r: number; rNarrowbandScale: number; mos: number; ieEff: number; id: number } {
  const burstR = input.burstR ?? 1;
  const a = input.a ?? 0;
  if (input.scale === 'narrowband') {
    const d = input.oneWayDelayMs;
    const b = eModelRating({ Ie: input.ie, Bpl: input.bpl, Ppl: input.ppl, BurstR: burstR, T: d, Tr: 2 * d, Ta: d, A: a });
    return { r: b.R, rNarrowbandScale: b.R, mos: mosFromR(b.R), ieEff: b.IeEff, id: b.Id };
  }
  const ieEff = effectiveEquipmentImpairment(input.ie, input.ppl, input.bpl, burstR, WIDEBAND_R_MAX);
  const id = (delayImpairment(input.oneWayDelayMs) - delayImpairment(0)) * WIDEBAND_SCALE;
  const r = WIDEBAND_R_MAX - id - ieEff + a;
  const rNb = r / WIDEBAND_SCALE;
  return { r, rNarrowbandScale: rNb, mos: mosFromR(rNb), ieEff, id };
}
