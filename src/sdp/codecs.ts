import { parseUint } from './text';

/**
 * What sipprobe knows about RTP audio codecs in SDP: the codecs it can offer, and the RFC 3551 static
 * payload types so that `m=audio … 0 8` without `a=rtpmap` is still understood.
 */

/** A codec sipprobe can offer and negotiate. */
export interface SdpCodecInfo {
  /** Encoding name with the conventional spelling (`PCMU`, `opus`, `telephone-event`). */
  name: string;
  /** RTP clock rate written in `a=rtpmap` (8000 for G.722 although it samples at 16 kHz, RFC 3551 §4.5.2). */
  clockRate: number;
  /** Channels written in `a=rtpmap` (opus is always `/2`, RFC 7587 §7). */
  channels: number;
  /** Static payload type, or undefined for dynamic ones. */
  staticPayloadType?: number;
  /** Audio sample rate of the codec itself. */
  sampleRate: number;
  /** `a=fmtp` parameters we put in offers and answers. */
  fmtp?: string;
}

/** The codecs sipprobe offers, by lower-case name. */
export const SDP_AUDIO_CODECS: Readonly<Record<string, Readonly<SdpCodecInfo>>> = Object.freeze({
  pcmu: Object.freeze({ name: 'PCMU', clockRate: 8000, channels: 1, staticPayloadType: 0, sampleRate: 8000 }),
  pcma: Object.freeze({ name: 'PCMA', clockRate: 8000, channels: 1, staticPayloadType: 8, sampleRate: 8000 }),
  g722: Object.freeze({ name: 'G722', clockRate: 8000, channels: 1, staticPayloadType: 9, sampleRate: 16000 }),
  opus: Object.freeze({ name: 'opus', clockRate: 48000, channels: 2, sampleRate: 48000, fmtp: 'minptime=10;useinbandfec=1' }),
  'telephone-event': Object.freeze({ name: 'telephone-event', clockRate: 8000, channels: 1, sampleRate: 8000, fmtp: '0-16' }),
});

/** Looks a codec up by name, case-insensitively (`pcmu`, `OPUS`). */
export function findSdpCodec(name: string): Readonly<SdpCodecInfo> | undefined {
  const key = name.toLowerCase();
  return Object.prototype.hasOwnProperty.call(SDP_AUDIO_CODECS, key) ? SDP_AUDIO_CODECS[key] : undefined;
}

/** RFC 3551 tables 4 and 5: static payload types, usable without `a=rtpmap`. */
const STATIC_PAYLOAD_TYPES: ReadonlyArray<readonly [number, string, number, number?]> = [
  [0, 'PCMU', 8000, 1],
  [3, 'GSM', 8000, 1],
  [4, 'G723', 8000, 1],
  [5, 'DVI4', 8000, 1],
  [6, 'DVI4', 16000, 1],
  [7, 'LPC', 8000, 1],
  [8, 'PCMA', 8000, 1],
  [9, 'G722', 8000, 1],
  [10, 'L16', 44100, 2],
  [11, 'L16', 44100, 1],
  [12, 'QCELP', 8000, 1],
  [13, 'CN', 8000, 1],
  [14, 'MPA', 90000],
  [15, 'G728', 8000, 1],
  [16, 'DVI4', 11025, 1],
  [17, 'DVI4', 22050, 1],
  [18, 'G729', 8000, 1],
  [25, 'CelB', 90000],
  [26, 'JPEG', 90000],
  [28, 'nv', 90000],
  [31, 'H261', 90000],
  [32, 'MPV', 90000],
  [33, 'MP2T', 90000],
  [34, 'H263', 90000],
];

/** Encoding of an RFC 3551 static payload type. `channels` is absent for video. */
export interface SdpStaticPayloadType {
  name: string;
  clockRate: number;
  channels?: number;
}

const STATIC_BY_PT: (SdpStaticPayloadType | undefined)[] = [];
for (const [pt, name, clockRate, channels] of STATIC_PAYLOAD_TYPES) {
  STATIC_BY_PT[pt] = Object.freeze(channels === undefined ? { name, clockRate } : { name, clockRate, channels });
}

/** The RFC 3551 static assignment for `pt`, if any. */
export function staticPayloadType(pt: number): SdpStaticPayloadType | undefined {
  return pt >= 0 && pt < STATIC_BY_PT.length ? STATIC_BY_PT[pt] : undefined;
}

/**
 * `a=fmtp` parameters as a map (`key=value;key2=value2`). Keys are lower-cased (RFC 7587 and most
 * payload formats define them case-insensitively); a bare token becomes a key with value ''.
 */
export function parseFmtpParameters(fmtp: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of fmtp.split(';')) {
    const p = part.trim();
    if (p.length === 0) continue;
    const eq = p.indexOf('=');
    if (eq < 0) out.set(p.toLowerCase(), '');
    else out.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
  }
  return out;
}

/** RFC 7587 §6.1 receiver parameters of opus. Unset fields were not given (defaults apply). */
export interface SdpOpusParameters {
  maxplaybackrate?: number;
  spropMaxcapturerate?: number;
  maxaveragebitrate?: number;
  stereo?: boolean;
  spropStereo?: boolean;
  cbr?: boolean;
  useinbandfec?: boolean;
  usedtx?: boolean;
  minptime?: number;
  ptime?: number;
  maxptime?: number;
}

function flag(v: string | undefined): boolean | undefined {
  return v === '1' ? true : v === '0' ? false : undefined;
}

function positive(v: string | undefined): number | undefined {
  if (v === undefined || v.length === 0 || v.length > 10) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Reads the RFC 7587 parameters from an opus `a=fmtp` value; invalid values are treated as absent. */
export function parseOpusFmtp(fmtp: string): SdpOpusParameters {
  const p = parseFmtpParameters(fmtp);
  const out: SdpOpusParameters = {};
  const set = <K extends keyof SdpOpusParameters>(k: K, v: SdpOpusParameters[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('maxplaybackrate', positive(p.get('maxplaybackrate')));
  set('spropMaxcapturerate', positive(p.get('sprop-maxcapturerate')));
  set('maxaveragebitrate', positive(p.get('maxaveragebitrate')));
  set('stereo', flag(p.get('stereo')));
  set('spropStereo', flag(p.get('sprop-stereo')));
  set('cbr', flag(p.get('cbr')));
  set('useinbandfec', flag(p.get('useinbandfec')));
  set('usedtx', flag(p.get('usedtx')));
  set('minptime', positive(p.get('minptime')));
  set('ptime', positive(p.get('ptime')));
  set('maxptime', positive(p.get('maxptime')));
  return out;
}

/**
 * The events of a telephone-event `a=fmtp` value (RFC 4733 §2.4.1, e.g. `0-15,66,70`), sorted and
 * without duplicates. Invalid parts are skipped; events are 0-255. Absent fmtp means 0-15 (§7.1.1).
 */
export function parseTelephoneEvents(fmtp: string | undefined): number[] {
  if (fmtp === undefined) return Array.from({ length: 16 }, (_, i) => i);
  const seen = new Uint8Array(256);
  for (const part of fmtp.split(',')) {
    const p = part.trim();
    const dash = p.indexOf('-');
    const lo = parseUint((dash < 0 ? p : p.slice(0, dash)).trim(), 255);
    const hi = dash < 0 ? lo : parseUint(p.slice(dash + 1).trim(), 255);
    if (lo < 0 || hi < lo) continue;
    for (let e = lo; e <= hi; e++) seen[e] = 1;
  }
  const out: number[] = [];
  for (let e = 0; e < 256; e++) if (seen[e]) out.push(e);
  return out;
}
