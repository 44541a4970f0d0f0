/**
 * Equipment impairment (Ie / Ie,WB) and packet-loss robustness (Bpl) per codec, with where each
 * number comes from. Codec delays feed the one-way delay estimate.
 */

/** E-model planning values of one codec. */
export interface CodecImpairment {
  /** Rating scale the Ie belongs to. */
  scale: 'narrowband' | 'wideband';
  /** Ie (narrowband) or Ie,WB (wideband). */
  ie: number;
  /** Bpl with packet-loss concealment. */
  bplWithPlc: number;
  /** Bpl without packet-loss concealment. */
  bplWithoutPlc: number;
  /** Algorithmic look-ahead beyond the packet time, ms. */
  lookaheadMs: number;
  /** Provenance of the numbers. */
  source: string;
}

const G711: CodecImpairment = {
  scale: 'narrowband',
  ie: 0,
  bplWithPlc: 25.1,
  bplWithoutPlc: 4.3,
  lookaheadMs: 0,
  source: 'ITU-T G.113 Appendix I: G.711 Ie = 0; Bpl = 25.1 with PLC (G.711 Appendix I), 4.3 without',
};

const TABLE: Record<string, CodecImpairment> = {
  pcmu: G711,
  pcma: G711,
  g722: {
    scale: 'wideband',
    ie: 13,
    bplWithPlc: 25.1,
    bplWithoutPlc: 4.3,
    lookaheadMs: 1.5,
    source:
      'ITU-T G.113 Appendix IV: G.722 at 64 kbit/s Ie,WB = 13. Bpl: no G.113 value verified here; sipprobe assumes the G.711 values (both sample-based codecs; G.722 Appendices III/IV PLC target G.711 Appendix I quality)',
  },
  g729: {
    scale: 'narrowband',
    ie: 11,
    bplWithPlc: 19,
    bplWithoutPlc: 19,
    lookaheadMs: 5,
    source: 'ITU-T G.113 Appendix I: G.729A + VAD Ie = 11, Bpl = 19 (the codec has built-in concealment)',
  },
  opus: {
    scale: 'wideband',
    ie: 10,
    bplWithPlc: 25.1,
    bplWithoutPlc: 25.1,
    lookaheadMs: 6.5,
    source:
      'no ITU-T value: sipprobe assumption for Opus at VoIP rates (≥ 16 kbit/s wideband): Ie,WB = 10 (a little better than G.722 at 64 kbit/s), Bpl = 25.1 (built-in PLC); 6.5 ms look-ahead (RFC 6716)',
  },
};

/** The planning values of a codec by its SDP encoding name (case-insensitive); undefined if unknown. */
export function codecImpairment(encodingName: string): CodecImpairment | undefined {
  return Object.prototype.hasOwnProperty.call(TABLE, encodingName.toLowerCase()) ? TABLE[encodingName.toLowerCase()] : undefined;
}
