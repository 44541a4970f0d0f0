import * as band from './g722-band';
import type { G722Band } from './g722-band';
import * as tables from './g722-tables';

// Bound once at load: transpilers that emit ESM-style live bindings (tsx, esbuild) would
// otherwise run an export getter on every access in the per-sample loops.
const { adaptHigh, adaptLow, newBand, sat16 } = band;
const { DETH_INIT, DETL_INIT, IHN, IHP, ILN, ILP, Q2, Q6, QMF_EVEN, QMF_ODD } = tables;

/**
 * G.722 SB-ADPCM encoder, 64 kbit/s (mode 1): 16 kHz 16-bit PCM in, one octet per pair of
 * samples out (bits 7–6 higher band, 5–0 lower band, RFC 3551 §4.5.2 octet layout).
 * Keeps the QMF delay line and both ADPCM loops across calls.
 */
export class G722Encoder {
  private low: G722Band = newBand(DETL_INIT);
  private high: G722Band = newBand(DETH_INIT);
  /** Newer sample of each input pair (ages 0, 2, …, 22), doubled so a window is contiguous. */
  private readonly xEven = new Int32Array(24);
  /** Older sample of each input pair (ages 1, 3, …, 23). */
  private readonly xOdd = new Int32Array(24);
  private pos = 0;

  /** Back to the reset state of the Recommendation. */
  reset(): void {
    this.low = newBand(DETL_INIT);
    this.high = newBand(DETH_INIT);
    this.xEven.fill(0);
    this.xOdd.fill(0);
    this.pos = 0;
  }

  /**
   * Encodes `pcm[start…end)` (an even count of samples) into `out` from `outOffset`;
   * returns the number of octets written (count / 2). The caller checks sizes.
   */
  encodeRange(pcm: Int16Array, start: number, end: number, out: Uint8Array, outOffset: number): number {
    const low = this.low;
    const high = this.high;
    const xe = this.xEven;
    const xo = this.xOdd;
    let pos = this.pos;
    let o = outOffset;
    for (let j = start; j < end; j += 2) {
      // Transmit QMF: xA over the even-age samples, xB over the odd-age ones.
      pos = pos === 0 ? 11 : pos - 1;
      xo[pos] = xo[pos + 12] = pcm[j];
      xe[pos] = xe[pos + 12] = pcm[j + 1];
      let xa = 0;
      let xb = 0;
      for (let k = 0; k < 12; k++) {
        xa += QMF_EVEN[k] * xe[pos + k];
        xb += QMF_ODD[k] * xo[pos + k];
      }
      const il = encodeLow(low, (xa + xb) >> 14);
      const ih = encodeHigh(high, (xa - xb) >> 14);
      out[o++] = (ih << 6) | il;
    }
    this.pos = pos;
    return o - outOffset;
  }
}

/** Blocks 1L–4L for one lower-band sample; returns the 6-bit code IL. */
function encodeLow(band: G722Band, xl: number): number {
  const el = sat16(xl - band.s);
  // QUANTL compares the one's-complement magnitude against Q6(mil)·DETL; the levels grow
  // monotonically, so a binary search finds the first mil with WD < level (30 if none).
  const wd = el >= 0 ? el : -(el + 1);
  const det = band.det;
  let lo = 1;
  let hi = 30;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (wd < (Q6[mid] * det) >> 12) hi = mid;
    else lo = mid + 1;
  }
  const il = el < 0 ? ILN[lo] : ILP[lo];
  adaptLow(band, il >> 2);
  return il;
}

/** Blocks 1H–4H for one higher-band sample; returns the 2-bit code IH. */
function encodeHigh(band: G722Band, xh: number): number {
  const eh = sat16(xh - band.s);
  const wd = eh >= 0 ? eh : -(eh + 1);
  const mih = wd >= (Q2 * band.det) >> 12 ? 2 : 1;
  const ih = eh < 0 ? IHN[mih] : IHP[mih];
  adaptHigh(band, ih);
  return ih;
}
