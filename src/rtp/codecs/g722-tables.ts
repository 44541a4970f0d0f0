/**
 * Constants of ITU-T G.722 (11/88 and later), 64 kbit/s mode. Names follow the block names of
 * the Recommendation so each use can be checked against its clause.
 */

/** QMF coefficients h0…h23 (×2^13), Table 11; the filter is symmetric (h[i] = h[23 − i]). */
export const QMF_H: readonly number[] = [
  3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876,
  3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
];

/** h0, h2, …, h22: the taps applied to samples of even age (transmit xA, receive xd). */
export const QMF_EVEN: Int32Array = Int32Array.from({ length: 12 }, (_, k) => QMF_H[2 * k]);
/** h1, h3, …, h23: the taps applied to samples of odd age (transmit xB, receive xs). */
export const QMF_ODD: Int32Array = Int32Array.from({ length: 12 }, (_, k) => QMF_H[2 * k + 1]);

/** QUANTL decision levels Q6(mil), mil = 1…29 (index 0 and 30/31 unused), Table 6. */
export const Q6: Int32Array = Int32Array.from([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
  786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
]);
/** QUANTL output code for a negative difference, by mil. */
export const ILN: Int32Array = Int32Array.from([
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
  18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
]);
/** QUANTL output code for a non-negative difference, by mil. */
export const ILP: Int32Array = Int32Array.from([
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
  46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
]);

/** INVQAL/INVQBL 4-bit inverse quantizer (predictor feedback), by IL >> 2, Table 7. */
export const QM4: Int32Array = Int32Array.from([
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
  20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
]);
/** INVQBL 6-bit inverse quantizer (decoder output in mode 1), by the 6-bit code, Table 9. */
export const QM6: Int32Array = Int32Array.from([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704,
  -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
  -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
  10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
  1688, 1360, 1040, 728, 432, 136, -432, -136,
]);
/** LOGSCL: 4-bit code → magnitude index into WL. */
export const RL42: Int32Array = Int32Array.from([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
/** LOGSCL log-scale-factor multipliers, Table 8. */
export const WL: Int32Array = Int32Array.from([-60, -30, 58, 172, 334, 538, 1198, 3042]);

/** QUANTH decision level (×DETH >> 12). */
export const Q2 = 564;
/** QUANTH output code for a negative difference, by mih. */
export const IHN: Int32Array = Int32Array.from([0, 1, 0]);
/** QUANTH output code for a non-negative difference, by mih. */
export const IHP: Int32Array = Int32Array.from([0, 3, 2]);
/** INVQAH 2-bit inverse quantizer, Table 10. */
export const QM2: Int32Array = Int32Array.from([-7408, -1616, 7408, 1616]);
/** LOGSCH: 2-bit code → index into WH. */
export const RH2: Int32Array = Int32Array.from([2, 1, 2, 1]);
/** LOGSCH log-scale-factor multipliers. */
export const WH: Int32Array = Int32Array.from([0, -214, 798]);

/** SCALEL/SCALEH log-to-linear table, 2^(i/32) × 2048. */
export const ILB: Int32Array = Int32Array.from([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);

/** Upper bounds of the log scale factors NBL and NBH. */
export const NBL_MAX = 18432;
export const NBH_MAX = 22528;
/** Initial linear scale factors DETL and DETH (clause 6.2.1.3/6.2.2.3 reset state). */
export const DETL_INIT = 32;
export const DETH_INIT = 8;
