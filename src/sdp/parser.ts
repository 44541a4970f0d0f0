import { SdpParseError } from './errors';
import { parseUint, tokens, trimEnd } from './text';
import type { Sdp, SdpBandwidth, SdpConnection, SdpMedia, SdpOrigin } from './model';

/** Bounds applied before and during parsing so hostile input costs at most linear time and bounded memory. */
export interface SdpParseLimits {
  /** Maximum input length in bytes (Buffer) or UTF-16 units (string). Default 65536. */
  maxBytes?: number;
  /** Maximum number of lines. Default 2048. */
  maxLines?: number;
}

const DEFAULT_MAX_BYTES = 65536;
const DEFAULT_MAX_LINES = 2048;

const CH_CR = 13;
const CH_SPACE = 32;
const CH_TAB = 9;
const CH_EQ = 61;

function parseOrigin(v: string, line: number): SdpOrigin {
  const t = tokens(v);
  if (t.length !== 6) throw new SdpParseError('SDP_BAD_ORIGIN', `o= needs 6 fields, got ${t.length}`, line);
  return { username: t[0], sessionId: t[1], sessionVersion: t[2], netType: t[3], addrType: t[4], address: t[5] };
}

function parseConnection(v: string, line: number): SdpConnection {
  const t = tokens(v);
  if (t.length !== 3) throw new SdpParseError('SDP_BAD_CONNECTION', `c= needs 3 fields, got ${t.length}`, line);
  const raw = t[2];
  const slash = raw.indexOf('/');
  if (slash < 0) return { netType: t[0], addrType: t[1], address: raw };
  const conn: SdpConnection = { netType: t[0], addrType: t[1], address: raw.slice(0, slash) };
  const rest = raw.slice(slash + 1);
  const slash2 = rest.indexOf('/');
  const first = parseUint(slash2 < 0 ? rest : rest.slice(0, slash2), 0xffffffff);
  if (first < 0 || conn.address.length === 0) throw new SdpParseError('SDP_BAD_CONNECTION', 'bad c= address suffix', line);
  if (slash2 >= 0) {
    const count = parseUint(rest.slice(slash2 + 1), 0xffffffff);
    if (count < 0) throw new SdpParseError('SDP_BAD_CONNECTION', 'bad c= address count', line);
    conn.ttl = first;
    conn.count = count;
  } else if (t[1] === 'IP6') {
    // RFC 8866 §5.7: IPv6 multicast has no TTL, the single suffix is the address count.
    conn.count = first;
  } else {
    conn.ttl = first;
  }
  return conn;
}

function parseBandwidth(v: string, line: number): SdpBandwidth {
  const t = trimEnd(v);
  const colon = t.indexOf(':');
  const value = colon > 0 ? parseUint(t.slice(colon + 1), Number.MAX_SAFE_INTEGER) : -1;
  if (value < 0 || t.indexOf(' ') >= 0 || t.indexOf('\t') >= 0) throw new SdpParseError('SDP_BAD_BANDWIDTH', 'b= must be <type>:<integer>', line);
  return { type: t.slice(0, colon), value };
}

function parseMedia(v: string, line: number): SdpMedia {
  const t = tokens(v);
  if (t.length < 3) throw new SdpParseError('SDP_BAD_MEDIA', 'm= needs <media> <port> <proto> <fmt>…', line);
  const portField = t[1];
  const slash = portField.indexOf('/');
  const port = parseUint(slash < 0 ? portField : portField.slice(0, slash), 65535);
  if (port < 0) throw new SdpParseError('SDP_BAD_MEDIA', 'm= port is not a number in 0-65535', line);
  const media: SdpMedia = {
    type: t[0],
    port,
    proto: t[2],
    formats: t.slice(3),
    bandwidths: [],
    attributes: [],
    extraLines: [],
  };
  if (slash >= 0) {
    const count = parseUint(portField.slice(slash + 1), 65535);
    if (count < 1) throw new SdpParseError('SDP_BAD_MEDIA', 'm= port count is not a positive number', line);
    media.portCount = count;
  }
  return media;
}

function decode(input: string | Uint8Array, maxBytes: number): string {
  if (typeof input === 'string') {
    if (input.length > maxBytes) throw new SdpParseError('SDP_TOO_LARGE', `SDP longer than ${maxBytes}`, 0);
    return input;
  }
  if (input.byteLength > maxBytes) throw new SdpParseError('SDP_TOO_LARGE', `SDP longer than ${maxBytes} bytes`, 0);
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
}

/**
 * Parses an SDP body (RFC 8866). Lenient where deployed devices are sloppy: LF-only line ends, blank
 * lines, trailing blanks, missing `s=`/`t=`, any line order inside a section. Throws `SdpParseError`
 * (with `code` and 1-based `line`) for anything else, and for input beyond `limits`.
 */
export function parseSdp(input: string | Uint8Array, limits?: SdpParseLimits): Sdp {
  const maxLines = limits?.maxLines ?? DEFAULT_MAX_LINES;
  const text = decode(input, limits?.maxBytes ?? DEFAULT_MAX_BYTES);
  const len = text.length;

  let version = -1;
  let origin: SdpOrigin | undefined;
  const sdp: Sdp = {
    version: 0,
    origin: undefined as unknown as SdpOrigin,
    emails: [],
    phones: [],
    bandwidths: [],
    timings: [],
    attributes: [],
    media: [],
    extraLines: [],
  };
  let media: SdpMedia | undefined;
  let lineNo = 0;
  let seenAny = false;
  let pos = 0;

  while (pos < len) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = len;
    lineNo++;
    if (lineNo > maxLines) throw new SdpParseError('SDP_TOO_MANY_LINES', `more than ${maxLines} lines`, lineNo);
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === CH_CR) end--;
    const start = pos;
    pos = nl + 1;

    // Blank (or blank-only) lines occur at the end of real bodies; skip them.
    let firstNonBlank = start;
    while (firstNonBlank < end) {
      const c = text.charCodeAt(firstNonBlank);
      if (c !== CH_SPACE && c !== CH_TAB) break;
      firstNonBlank++;
    }
    if (firstNonBlank === end) continue;
    if (firstNonBlank !== start || end - start < 2 || text.charCodeAt(start + 1) !== CH_EQ) {
      throw new SdpParseError('SDP_BAD_LINE', 'line is not <type>=<value>', lineNo);
    }
    const type = text.charCodeAt(start);
    const value = text.slice(start + 2, end);
    if (value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      throw new SdpParseError('SDP_BAD_CHARACTER', 'CR or NUL inside a line', lineNo);
    }

    if (!seenAny) {
      seenAny = true;
      if (type !== 118 /* v */) throw new SdpParseError('SDP_MISSING_VERSION', 'SDP must start with v=', lineNo);
    }

    switch (type) {
      case 97 /* a */: {
        const colon = value.indexOf(':');
        if (colon < 0) {
          const name = trimEnd(value);
          if (name.length === 0) throw new SdpParseError('SDP_BAD_ATTRIBUTE', 'empty attribute name', lineNo);
          (media ? media.attributes : sdp.attributes).push({ name });
        } else {
          if (colon === 0) throw new SdpParseError('SDP_BAD_ATTRIBUTE', 'empty attribute name', lineNo);
          (media ? media.attributes : sdp.attributes).push({ name: value.slice(0, colon), value: value.slice(colon + 1) });
        }
        break;
      }
      case 109 /* m */:
        media = parseMedia(value, lineNo);
        sdp.media.push(media);
        break;
      case 99 /* c */: {
        const conn = parseConnection(value, lineNo);
        const owner = media ?? sdp;
        if (owner.connection) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'more than one c= in a section', lineNo);
        owner.connection = conn;
        break;
      }
      case 98 /* b */:
        (media ? media.bandwidths : sdp.bandwidths).push(parseBandwidth(value, lineNo));
        break;
      case 105 /* i */:
        if (media) media.info = value;
        else sdp.info = value;
        break;
      case 107 /* k */:
        if (media) media.key = value;
        else sdp.key = value;
        break;
      case 118 /* v */:
        if (version >= 0 || media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'v= repeated', lineNo);
        version = parseUint(trimEnd(value), 0);
        if (version !== 0) throw new SdpParseError('SDP_BAD_VERSION', 'only v=0 is defined', lineNo);
        break;
      case 111 /* o */:
        if (origin || media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'o= repeated or inside a media section', lineNo);
        origin = parseOrigin(value, lineNo);
        break;
      case 115 /* s */:
        if (sdp.name !== undefined || media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 's= repeated or inside a media section', lineNo);
        sdp.name = value;
        break;
      case 117 /* u */:
        if (media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'u= inside a media section', lineNo);
        sdp.uri = value;
        break;
      case 101 /* e */:
        if (media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'e= inside a media section', lineNo);
        sdp.emails.push(value);
        break;
      case 112 /* p */:
        if (media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'p= inside a media section', lineNo);
        sdp.phones.push(value);
        break;
      case 116 /* t */: {
        if (media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 't= inside a media section', lineNo);
        const t = tokens(value);
        const startT = t.length === 2 ? parseUint(t[0], Number.MAX_SAFE_INTEGER) : -1;
        const stopT = t.length === 2 ? parseUint(t[1], Number.MAX_SAFE_INTEGER) : -1;
        if (startT < 0 || stopT < 0) throw new SdpParseError('SDP_BAD_TIMING', 't= needs two integers', lineNo);
        sdp.timings.push({ start: startT, stop: stopT, repeats: [] });
        break;
      }
      case 114 /* r */:
        if (media || sdp.timings.length === 0) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'r= without a preceding t=', lineNo);
        sdp.timings[sdp.timings.length - 1].repeats.push(value);
        break;
      case 122 /* z */:
        if (media) throw new SdpParseError('SDP_UNEXPECTED_LINE', 'z= inside a media section', lineNo);
        sdp.zones = value;
        break;
      default:
        if (type < 97 || type > 122) throw new SdpParseError('SDP_BAD_LINE', 'line type must be a lower-case letter', lineNo);
        (media ? media.extraLines : sdp.extraLines).push({ type: String.fromCharCode(type), value });
    }
  }

  if (!seenAny) throw new SdpParseError('SDP_EMPTY', 'empty SDP', 0);
  if (!origin) throw new SdpParseError('SDP_MISSING_ORIGIN', 'SDP has no o= line', 0);
  sdp.origin = origin;
  return sdp;
}

