import * as tables from './g722-tables';

// Bound once at load: transpilers that emit ESM-style live bindings (tsx, esbuild) would
// otherwise run an export getter on every table access in the per-sample loops.
const { ILB, NBH_MAX, NBL_MAX, QM2, QM4, RH2, RL42, WH, WL } = tables;

/**
 * State of one sub-band's ADPCM loop (G.722 blocks 3 and 4): scale factor and the
 * two-pole/six-zero adaptive predictor. Encoder and decoder run identical copies, which is
 * what keeps them in step without side information.
 */
export interface G722Band {
  /** Predicted signal SL/SH for the next sample. */
  s: number;
  /** Zero-section part of the prediction (SZL/SZH), needed by PARREC. */
  sz: number;
  /** Reconstructed signal RLT1/RLT2 (one and two samples back). */
  r1: number;
  r2: number;
  /** Partially reconstructed signal PLT1/PLT2. */
  p1: number;
  p2: number;
  /** Pole coefficients AL1/AL2. */
  a1: number;
  a2: number;
  /** Zero coefficients BL1…BL6. */
  readonly b: Int32Array;
  /** Quantized difference history DLT1…DLT6. */
  readonly d: Int32Array;
  /** Log scale factor NBL/NBH. */
  nb: number;
  /** Linear scale factor DETL/DETH. */
  det: number;
}

/** A band in the reset state of the Recommendation. */
export function newBand(detInit: number): G722Band {
  return { s: 0, sz: 0, r1: 0, r2: 0, p1: 0, p2: 0, a1: 0, a2: 0, b: new Int32Array(6), d: new Int32Array(6), nb: 0, det: detInit };
}

/** 16-bit two's-complement saturation, as every limited adder in the Recommendation. */
export function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/**
 * SCALEL/SCALEH: log scale factor → linear. `bias` is 8 for the lower band, 10 for the higher
 * band (the higher band's scale factor is 2 bits smaller).
 */
function scaleFactor(nb: number, bias: number): number {
  const mant = ILB[(nb >> 6) & 31];
  const shift = bias - (nb >> 11);
  return (shift < 0 ? mant << -shift : mant >> shift) << 2;
}

/**
 * Lower band after quantizing, identical in encoder and decoder: INVQAL on the 4-bit code
 * `ril` (IL >> 2) with the current DETL, then LOGSCL + SCALEL, then block 4.
 */
export function adaptLow(band: G722Band, ril: number): void {
  adaptBand(band, (band.det * QM4[ril]) >> 15, WL[RL42[ril]], NBL_MAX, 8);
}

/**
 * Higher band after quantizing, identical in encoder and decoder: INVQAH on the 2-bit code
 * `ih` with the current DETH, then LOGSCH + SCALEH, then block 4.
 */
export function adaptHigh(band: G722Band, ih: number): void {
  adaptBand(band, (band.det * QM2[ih]) >> 15, WH[RH2[ih]], NBH_MAX, 10);
}

/** LOGSCL/LOGSCH with the band's step `wd` and bound, SCALEL/SCALEH, then block 4 on `dq`. */
function adaptBand(band: G722Band, dq: number, wd: number, nbMax: number, bias: number): void {
  const nb = ((band.nb * 127) >> 7) + wd;
  band.nb = nb < 0 ? 0 : nb > nbMax ? nbMax : nb;
  band.det = scaleFactor(band.nb, bias);
  adaptPredictor(band, dq);
}

/**
 * Block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC for one
 * quantized difference `dq`. Leaves the next prediction in `band.s`.
 */
function adaptPredictor(band: G722Band, dq: number): void {
  const r = sat16(band.s + dq);
  const p = sat16(band.sz + dq);

  // Signs are the sign bit of 16-bit values, so zero counts as positive.
  const sg0 = p >> 15;
  const sg1 = band.p1 >> 15;
  const sg2 = band.p2 >> 15;

  // UPPOL2: the spec negates before the arithmetic shift; order matters for odd values.
  const w = sat16(band.a1 << 2);
  let wd2 = sg0 === sg1 ? -w : w;
  if (wd2 > 32767) wd2 = 32767;
  let a2 = (wd2 >> 7) + (sg0 === sg2 ? 128 : -128) + ((band.a2 * 32512) >> 15);
  if (a2 > 12288) a2 = 12288;
  else if (a2 < -12288) a2 = -12288;

  // UPPOL1: the stability bound on a1 depends on the new a2.
  let a1 = sat16((sg0 === sg1 ? 192 : -192) + ((band.a1 * 32640) >> 15));
  const lim = sat16(15360 - a2);
  if (a1 > lim) a1 = lim;
  else if (a1 < -lim) a1 = -lim;

  // UPZERO + DELAYA for the zero section, walking backwards so d[i - 1] is still the old value.
  const step = dq === 0 ? 0 : 128;
  const sgd = dq >> 15;
  const b = band.b;
  const d = band.d;
  let sz = 0;
  for (let i = 5; i >= 0; i--) {
    const bi = sat16(((d[i] >> 15) === sgd ? step : -step) + ((b[i] * 32640) >> 15));
    b[i] = bi;
    const di = i === 0 ? dq : d[i - 1];
    d[i] = di;
    // FILTEZ with the updated coefficient and the delayed difference.
    sz += (bi * sat16(di + di)) >> 15;
  }
  sz = sat16(sz);

  band.a1 = a1;
  band.a2 = a2;
  band.r2 = band.r1;
  band.r1 = r;
  band.p2 = band.p1;
  band.p1 = p;

  // FILTEP + PREDIC.
  const sp = sat16(((a1 * sat16(r + r)) >> 15) + ((a2 * sat16(band.r2 + band.r2)) >> 15));
  band.sz = sz;
  band.s = sat16(sp + sz);
}
