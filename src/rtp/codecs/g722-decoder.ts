import * as band from './g722-band';
import type { G722Band } from './g722-band';
import * as tables from './g722-tables';

// Bound once at load: transpilers that emit ESM-style live bindings (tsx, esbuild) would
// otherwise run an export getter on every access in the per-sample loops.
const { adaptHigh, adaptLow, newBand, sat16 } = band;
const { DETH_INIT, DETL_INIT, QM2, QM6, QMF_EVEN, QMF_ODD } = tables;

/**
 * G.722 SB-ADPCM decoder, 64 kbit/s (mode 1): one octet → two 16 kHz 16-bit samples. Every
 * octet value is a valid code, so any byte string decodes; output is saturated to 16 bits.
 */
export class G722Decoder {
  private low: G722Band = newBand(DETL_INIT);
  private high: G722Band = newBand(DETH_INIT);
  /** Receive QMF delay lines of xd = rL − rH and xs = rL + rH, doubled so a window is contiguous. */
  private readonly xd = new Int32Array(24);
  private readonly xs = new Int32Array(24);
  private pos = 0;

  /** Back to the reset state of the Recommendation. */
  reset(): void {
    this.low = newBand(DETL_INIT);
    this.high = newBand(DETH_INIT);
    this.xd.fill(0);
    this.xs.fill(0);
    this.pos = 0;
  }

  /**
   * Decodes `payload[start…end)` into `out` from `outOffset`; returns samples written
   * (2 per octet). The caller checks sizes.
   */
  decodeRange(payload: Uint8Array, start: number, end: number, out: Int16Array, outOffset: number): number {
    const low = this.low;
    const high = this.high;
    const xd = this.xd;
    const xs = this.xs;
    let pos = this.pos;
    let o = outOffset;
    for (let j = start; j < end; j++) {
      const code = payload[j];
      const rl = decodeLow(low, code & 63);
      const rh = decodeHigh(high, code >> 6);

      // Receive QMF: xout1 from the difference line with even taps, xout2 from the sum line
      // with odd taps; xout1 is the earlier of the two output samples.
      pos = pos === 0 ? 11 : pos - 1;
      xd[pos] = xd[pos + 12] = rl - rh;
      xs[pos] = xs[pos + 12] = rl + rh;
      let x1 = 0;
      let x2 = 0;
      for (let k = 0; k < 12; k++) {
        x1 += QMF_EVEN[k] * xd[pos + k];
        x2 += QMF_ODD[k] * xs[pos + k];
      }
      out[o++] = sat16(x1 >> 11);
      out[o++] = sat16(x2 >> 11);
    }
    this.pos = pos;
    return o - outOffset;
  }
}

/** LIMIT: the reconstructed sub-band signals are 15-bit. */
function limit15(x: number): number {
  return x > 16383 ? 16383 : x < -16384 ? -16384 : x;
}

/** INVQBL with the 6-bit table for the output, INVQAL's 4-bit one for the adaptation. */
function decodeLow(band: G722Band, il: number): number {
  const rl = limit15(band.s + ((band.det * QM6[il]) >> 15));
  adaptLow(band, il >> 2);
  return rl;
}

function decodeHigh(band: G722Band, ih: number): number {
  const rh = limit15(band.s + ((band.det * QM2[ih]) >> 15));
  adaptHigh(band, ih);
  return rh;
}
