import { createCipheriv, createHmac, timingSafeEqual, type Cipher } from 'node:crypto';
import { inspect } from 'node:util';
import { SrtpError } from './srtp-errors';
import {
  SRTP_LABEL_RTCP_AUTH,
  SRTP_LABEL_RTCP_ENCRYPTION,
  SRTP_LABEL_RTCP_SALT,
  SRTP_LABEL_RTP_AUTH,
  SRTP_LABEL_RTP_ENCRYPTION,
  SRTP_LABEL_RTP_SALT,
  deriveSrtpSessionKey,
} from './srtp-kdf';
import { SrtpReplayWindow } from './srtp-replay';

/** The RFC 4568 crypto suites implemented (RFC 3711 default transforms). */
export type SrtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

/** All implemented suites, strongest first (the order an offer lists them). */
export const SRTP_CRYPTO_SUITES: readonly SrtpCryptoSuite[] = Object.freeze(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']);

/** Length of the master key || master salt for the AES_CM_128 suites (16 + 14 octets). */
export const SRTP_MASTER_KEY_AND_SALT_LENGTH = 30;

/** True when `name` is a suite {@link SrtpContext} implements. */
export function isSrtpCryptoSuite(name: string): name is SrtpCryptoSuite {
  return name === 'AES_CM_128_HMAC_SHA1_80' || name === 'AES_CM_128_HMAC_SHA1_32';
}

/** Options of {@link SrtpContext}. */
export interface SrtpContextOptions {
  /** Crypto suite (RFC 4568 name). */
  suite: SrtpCryptoSuite;
  /** Master key || master salt, 30 octets (the bytes of an SDES `inline:` key). Secret. */
  key: Uint8Array;
  /** How many SSRCs one context tracks before forgetting the oldest (default 64). */
  maxSsrcs?: number;
}

interface RtpSendState {
  roc: number;
  sl: number;
}

interface RtpReceiveState {
  roc: number;
  sl: number;
  readonly window: SrtpReplayWindow;
}

interface RtcpReceiveState {
  readonly window: SrtpReplayWindow;
}

/** Tag length of SRTCP: RFC 4568 §6.2 keeps 80 bits for SRTCP even in the _32 suite. */
const SRTCP_TAG_LENGTH = 10;
const MAX_ROC = 0xffffffff;
const MAX_SRTCP_INDEX = 0x7fffffff;

/** One direction's session keys (SRTP or SRTCP half). */
class SrtpSessionKeys {
  readonly ecb: Cipher;
  readonly salt: Buffer;
  readonly auth: Buffer;

  constructor(masterKey: Buffer, masterSalt: Buffer, encLabel: number, authLabel: number, saltLabel: number) {
    // A counter-mode keystream is E(k, IV + j); ECB over counter blocks gives the same bytes and,
    // unlike a CTR cipher, one ECB object can serve every packet.
    this.ecb = createCipheriv('aes-128-ecb', deriveSrtpSessionKey(masterKey, masterSalt, encLabel, 16), null);
    this.ecb.setAutoPadding(false);
    this.salt = deriveSrtpSessionKey(masterKey, masterSalt, saltLabel, 14);
    this.auth = deriveSrtpSessionKey(masterKey, masterSalt, authLabel, 20);
  }
}

/**
 * One SRTP cryptographic context (RFC 3711): protects RTP/RTCP we send under one master key, or
 * unprotects what the peer sends under its key. Use one context per direction. State (ROC,
 * highest sequence number, replay windows, SRTCP index) is kept per SSRC.
 * Key material never appears in errors, `util.inspect` or JSON.
 */
export class SrtpContext {
  /** The suite in use. */
  readonly suite: SrtpCryptoSuite;
  /** SRTP authentication tag length in octets (10 or 4). */
  readonly rtpTagLength: number;
  /** SRTCP authentication tag length in octets (always 10 for the implemented suites). */
  readonly rtcpTagLength = SRTCP_TAG_LENGTH;

  readonly #rtp: SrtpSessionKeys;
  readonly #rtcp: SrtpSessionKeys;
  readonly #maxSsrcs: number;
  readonly #rtpSend = new Map<number, RtpSendState>();
  readonly #rtpReceive = new Map<number, RtpReceiveState>();
  readonly #rtcpSend = new Map<number, { index: number }>();
  readonly #rtcpReceive = new Map<number, RtcpReceiveState>();
  #counters = Buffer.alloc(16 * 64);
  readonly #iv = Buffer.alloc(16);
  readonly #word = Buffer.alloc(4);

  constructor(options: SrtpContextOptions) {
    if (!isSrtpCryptoSuite(options.suite)) throw new SrtpError('SRTP_BAD_KEY', 'unsupported SRTP crypto suite');
    if (options.key.length !== SRTP_MASTER_KEY_AND_SALT_LENGTH) {
      throw new SrtpError('SRTP_BAD_KEY', `master key||salt must be ${SRTP_MASTER_KEY_AND_SALT_LENGTH} octets, got ${options.key.length}`);
    }
    this.suite = options.suite;
    this.rtpTagLength = options.suite === 'AES_CM_128_HMAC_SHA1_80' ? 10 : 4;
    this.#maxSsrcs = Math.max(1, options.maxSsrcs ?? 64);
    const key = Buffer.from(options.key.buffer, options.key.byteOffset, options.key.length);
    const masterKey = key.subarray(0, 16);
    const masterSalt = key.subarray(16, 30);
    this.#rtp = new SrtpSessionKeys(masterKey, masterSalt, SRTP_LABEL_RTP_ENCRYPTION, SRTP_LABEL_RTP_AUTH, SRTP_LABEL_RTP_SALT);
    this.#rtcp = new SrtpSessionKeys(masterKey, masterSalt, SRTP_LABEL_RTCP_ENCRYPTION, SRTP_LABEL_RTCP_AUTH, SRTP_LABEL_RTCP_SALT);
  }

  /** Encrypts and authenticates an RTP packet; returns a new buffer (packet + tag). */
  protectRtp(packet: Buffer): Buffer {
    const len = packet.length;
    const hdr = rtpHeaderLength(packet, len);
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    let st = this.#rtpSend.get(ssrc);
    let v: number;
    if (st === undefined) {
      v = 0;
      st = { roc: 0, sl: seq };
      this.#remember(this.#rtpSend, ssrc, st);
    } else {
      v = Math.max(0, estimateRoc(st.roc, st.sl, seq));
      if (v > MAX_ROC) throw new SrtpError('SRTP_KEY_EXHAUSTED', 'SRTP rollover counter exhausted; re-key');
      advanceIndex(st, v, seq);
    }
    const tagLen = this.rtpTagLength;
    const out = Buffer.allocUnsafe(len + tagLen);
    packet.copy(out, 0, 0, hdr);
    this.#rtpIv(ssrc, v, seq);
    this.#xor(this.#rtp.ecb, packet, hdr, len, out);
    this.#word.writeUInt32BE(v, 0);
    const tag = createHmac('sha1', this.#rtp.auth).update(out.subarray(0, len)).update(this.#word).digest();
    tag.copy(out, len, 0, tagLen);
    return out;
  }

  /**
   * Authenticates, replay-checks and decrypts an SRTP packet; returns a new buffer with the RTP
   * packet. Throws {@link SrtpError} (`SRTP_TOO_SHORT`, `SRTP_BAD_PACKET`, `SRTP_REPLAY`,
   * `SRTP_AUTH_FAILED`, `SRTP_KEY_EXHAUSTED`) and changes no state when it does.
   */
  unprotectRtp(packet: Buffer): Buffer {
    const tagLen = this.rtpTagLength;
    const authLen = packet.length - tagLen;
    if (authLen < 12) throw new SrtpError('SRTP_TOO_SHORT', `SRTP packet of ${packet.length} octets is too short`);
    const hdr = rtpHeaderLength(packet, authLen);
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const st = this.#rtpReceive.get(ssrc);
    const v = st === undefined ? 0 : estimateRoc(st.roc, st.sl, seq);
    if (v < 0) throw new SrtpError('SRTP_REPLAY', 'SRTP packet is older than the first one received');
    if (v > MAX_ROC) throw new SrtpError('SRTP_KEY_EXHAUSTED', 'SRTP rollover counter exhausted; re-key');
    const index = v * 65536 + seq;
    if (st !== undefined && !st.window.accepts(index)) throw new SrtpError('SRTP_REPLAY', `SRTP packet index ${index} replayed or too old`);
    this.#word.writeUInt32BE(v, 0);
    const tag = createHmac('sha1', this.#rtp.auth).update(packet.subarray(0, authLen)).update(this.#word).digest();
    if (!timingSafeEqual(tag.subarray(0, tagLen), packet.subarray(authLen))) {
      throw new SrtpError('SRTP_AUTH_FAILED', 'SRTP authentication tag mismatch');
    }
    const out = Buffer.allocUnsafe(authLen);
    packet.copy(out, 0, 0, hdr);
    this.#rtpIv(ssrc, v, seq);
    this.#xor(this.#rtp.ecb, packet, hdr, authLen, out);
    if (st === undefined) {
      const fresh: RtpReceiveState = { roc: v, sl: seq, window: new SrtpReplayWindow() };
      fresh.window.record(index);
      this.#remember(this.#rtpReceive, ssrc, fresh);
    } else {
      advanceIndex(st, v, seq);
      st.window.record(index);
    }
    return out;
  }

  /** Encrypts and authenticates an RTCP (compound) packet; appends E||SRTCP index and the tag. */
  protectRtcp(packet: Buffer): Buffer {
    const len = packet.length;
    if (len < 8) throw new SrtpError('SRTP_TOO_SHORT', `RTCP packet of ${len} octets is too short`);
    if (packet[0] >> 6 !== 2) throw new SrtpError('SRTP_BAD_PACKET', 'not an RTCP version 2 packet');
    const ssrc = packet.readUInt32BE(4);
    let st = this.#rtcpSend.get(ssrc);
    if (st === undefined) {
      st = { index: 0 };
      this.#remember(this.#rtcpSend, ssrc, st);
    }
    const index = st.index;
    if (index > MAX_SRTCP_INDEX) throw new SrtpError('SRTP_KEY_EXHAUSTED', 'SRTCP index exhausted; re-key');
    const out = Buffer.allocUnsafe(len + 4 + SRTCP_TAG_LENGTH);
    packet.copy(out, 0, 0, 8);
    this.#rtcpIv(ssrc, index);
    this.#xor(this.#rtcp.ecb, packet, 8, len, out);
    out.writeUInt32BE((0x80000000 | index) >>> 0, len);
    const tag = createHmac('sha1', this.#rtcp.auth).update(out.subarray(0, len + 4)).digest();
    tag.copy(out, len + 4, 0, SRTCP_TAG_LENGTH);
    st.index = index + 1;
    return out;
  }

  /**
   * Authenticates, replay-checks and (if the E bit is set) decrypts an SRTCP packet; returns the
   * RTCP packet. Same errors as {@link unprotectRtp}.
   */
  unprotectRtcp(packet: Buffer): Buffer {
    const authLen = packet.length - SRTCP_TAG_LENGTH;
    const len = authLen - 4;
    if (len < 8) throw new SrtpError('SRTP_TOO_SHORT', `SRTCP packet of ${packet.length} octets is too short`);
    if (packet[0] >> 6 !== 2) throw new SrtpError('SRTP_BAD_PACKET', 'not an RTCP version 2 packet');
    const ssrc = packet.readUInt32BE(4);
    const eIndex = packet.readUInt32BE(len);
    const index = eIndex & MAX_SRTCP_INDEX;
    const st = this.#rtcpReceive.get(ssrc);
    if (st !== undefined && !st.window.accepts(index)) throw new SrtpError('SRTP_REPLAY', `SRTCP index ${index} replayed or too old`);
    const tag = createHmac('sha1', this.#rtcp.auth).update(packet.subarray(0, authLen)).digest();
    if (!timingSafeEqual(tag.subarray(0, SRTCP_TAG_LENGTH), packet.subarray(authLen))) {
      throw new SrtpError('SRTP_AUTH_FAILED', 'SRTCP authentication tag mismatch');
    }
    const out = Buffer.allocUnsafe(len);
    if (eIndex >>> 31 === 1) {
      packet.copy(out, 0, 0, 8);
      this.#rtcpIv(ssrc, index);
      this.#xor(this.#rtcp.ecb, packet, 8, len, out);
    } else packet.copy(out, 0, 0, len);
    if (st === undefined) {
      const fresh: RtcpReceiveState = { window: new SrtpReplayWindow() };
      fresh.window.record(index);
      this.#remember(this.#rtcpReceive, ssrc, fresh);
    } else st.window.record(index);
    return out;
  }

  /** The current rollover counter we use (send side) for `ssrc`, or undefined before its first packet. */
  sendRoc(ssrc: number): number | undefined {
    return this.#rtpSend.get(ssrc >>> 0)?.roc;
  }

  /** The rollover counter accepted so far (receive side) for `ssrc`, or undefined. */
  receiveRoc(ssrc: number): number | undefined {
    return this.#rtpReceive.get(ssrc >>> 0)?.roc;
  }

  toJSON(): object {
    return { suite: this.suite, key: '[redacted]' };
  }

  [inspect.custom](): string {
    return `SrtpContext { suite: ${this.suite}, key: [redacted] }`;
  }

  #remember<T>(map: Map<number, T>, ssrc: number, state: T): void {
    if (map.size >= this.#maxSsrcs) {
      const oldest = map.keys().next();
      if (oldest.done !== true) map.delete(oldest.value);
    }
    map.set(ssrc, state);
  }

  /** IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), RFC 3711 §4.1.1. */
  #rtpIv(ssrc: number, roc: number, seq: number): void {
    const iv = this.#iv;
    const s = this.#rtp.salt;
    s.copy(iv, 0, 0, 14);
    xor32(iv, 4, ssrc);
    xor32(iv, 8, roc);
    iv[12] ^= seq >>> 8;
    iv[13] ^= seq & 0xff;
    iv[14] = 0;
    iv[15] = 0;
  }

  /** SRTCP IV: as for SRTP with the 31-bit SRTCP index in place of the 48-bit packet index. */
  #rtcpIv(ssrc: number, index: number): void {
    const iv = this.#iv;
    this.#rtcp.salt.copy(iv, 0, 0, 14);
    xor32(iv, 4, ssrc);
    xor32(iv, 10, index);
    iv[14] = 0;
    iv[15] = 0;
  }

  /** out[from..to) = src[from..to) XOR AES-CM keystream from the IV in #iv. */
  #xor(ecb: Cipher, src: Buffer, from: number, to: number, out: Buffer): void {
    const n = to - from;
    if (n <= 0) return;
    const blocks = (n + 15) >>> 4;
    const bytes = blocks << 4;
    if (this.#counters.length < bytes) this.#counters = Buffer.alloc(bytes);
    const ctr = this.#counters;
    const iv = this.#iv;
    for (let j = 0; j < blocks; j++) {
      const o = j << 4;
      iv.copy(ctr, o, 0, 14);
      // low 16 bits of the IV are zero, and a UDP packet needs < 2^16 blocks, so j never carries
      ctr[o + 14] = j >>> 8;
      ctr[o + 15] = j & 0xff;
    }
    const ks = ecb.update(ctr.subarray(0, bytes));
    for (let i = 0; i < n; i++) out[from + i] = src[from + i] ^ ks[i];
  }
}

/** RFC 3711 Appendix A: the ROC guess v for sequence number `seq` given the highest `sl`. */
function estimateRoc(roc: number, sl: number, seq: number): number {
  if (sl < 32768) return seq - sl > 32768 ? roc - 1 : roc;
  return sl - 32768 > seq ? roc + 1 : roc;
}

/** Takes the packet index (v, seq) as the highest seen when it is (RFC 3711 §3.3.1: ROC and s_l). */
function advanceIndex(st: { roc: number; sl: number }, v: number, seq: number): void {
  if (v > st.roc) {
    st.roc = v;
    st.sl = seq;
  } else if (v === st.roc && seq > st.sl) st.sl = seq;
}

/** XORs the 32-bit big-endian `v` into `buf[at, at + 4)` (IV construction). */
function xor32(buf: Buffer, at: number, v: number): void {
  buf[at] ^= v >>> 24;
  buf[at + 1] ^= (v >>> 16) & 0xff;
  buf[at + 2] ^= (v >>> 8) & 0xff;
  buf[at + 3] ^= v & 0xff;
}

/** Length of the RTP header (fixed part, CSRCs, extension) that stays in clear. */
function rtpHeaderLength(packet: Buffer, len: number): number {
  if (len < 12) throw new SrtpError('SRTP_TOO_SHORT', `RTP packet of ${len} octets is too short`);
  const b0 = packet[0];
  if (b0 >> 6 !== 2) throw new SrtpError('SRTP_BAD_PACKET', 'not an RTP version 2 packet');
  let hdr = 12 + 4 * (b0 & 0x0f);
  if ((b0 & 0x10) !== 0) {
    if (hdr + 4 > len) throw new SrtpError('SRTP_TOO_SHORT', 'RTP header extension runs past the packet');
    hdr += 4 + 4 * packet.readUInt16BE(hdr + 2);
  }
  if (hdr > len) throw new SrtpError('SRTP_TOO_SHORT', 'RTP header runs past the packet');
  return hdr;
}
