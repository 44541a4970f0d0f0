import { SdpSerializeError } from './errors';
import type { Sdp, SdpAttribute, SdpBandwidth, SdpConnection, SdpExtraLine } from './model';

/** Every emitted value goes through here: a CR, LF or NUL would split or corrupt the line (injection). */
function checked(v: string, what: string): string {
  if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\0') >= 0) {
    throw new SdpSerializeError(`${what} contains CR, LF or NUL`);
  }
  return v;
}

/** A token field (no blanks allowed, not empty): o= fields, c= fields, m= fields. */
function token(v: string, what: string): string {
  if (v.length === 0 || v.indexOf(' ') >= 0 || v.indexOf('\t') >= 0) throw new SdpSerializeError(`${what} must be a non-empty token`);
  return checked(v, what);
}

function uint(v: number, max: number, what: string): string {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new SdpSerializeError(`${what} must be an integer in 0-${max}`);
  return String(v);
}

function connectionLine(c: SdpConnection): string {
  let addr = token(c.address, 'c= address');
  if (c.ttl !== undefined) addr += '/' + uint(c.ttl, 0xffffffff, 'c= ttl');
  if (c.count !== undefined) addr += '/' + uint(c.count, 0xffffffff, 'c= count');
  return `c=${token(c.netType, 'c= nettype')} ${token(c.addrType, 'c= addrtype')} ${addr}\r\n`;
}

function bandwidthLines(bs: SdpBandwidth[]): string {
  let out = '';
  for (const b of bs) out += `b=${token(b.type, 'b= type')}:${uint(b.value, Number.MAX_SAFE_INTEGER, 'b= value')}\r\n`;
  return out;
}

function attributeLines(as: SdpAttribute[]): string {
  let out = '';
  for (const a of as) {
    if (a.name.length === 0 || a.name.indexOf(':') >= 0) throw new SdpSerializeError('attribute name must be non-empty without ":"');
    out += a.value === undefined ? `a=${checked(a.name, 'attribute name')}\r\n` : `a=${checked(a.name, 'attribute name')}:${checked(a.value, 'attribute value')}\r\n`;
  }
  return out;
}

function extraLines(ls: SdpExtraLine[]): string {
  let out = '';
  for (const l of ls) {
    const c = l.type.length === 1 ? l.type.charCodeAt(0) : 0;
    if (c < 97 || c > 122) throw new SdpSerializeError('extra line type must be one lower-case letter');
    out += `${l.type}=${checked(l.value, 'extra line')}\r\n`;
  }
  return out;
}

/**
 * Writes an SDP model as text with CRLF line ends, in RFC 8866 line order. A missing `s=` is written
 * as `s=-` and missing timing as `t=0 0` (both are mandatory on the wire). Lines parsed from canonical
 * input come back byte for byte. Throws `SdpSerializeError` for values that would break a line.
 */
export function serializeSdp(sdp: Sdp): string {
  const o = sdp.origin;
  let out = `v=${uint(sdp.version, 0, 'v=')}\r\n`;
  out += `o=${token(o.username, 'o= username')} ${token(o.sessionId, 'o= sess-id')} ${token(o.sessionVersion, 'o= sess-version')} ${token(o.netType, 'o= nettype')} ${token(o.addrType, 'o= addrtype')} ${token(o.address, 'o= address')}\r\n`;
  out += `s=${sdp.name === undefined ? '-' : checked(sdp.name, 's=')}\r\n`;
  if (sdp.info !== undefined) out += `i=${checked(sdp.info, 'i=')}\r\n`;
  if (sdp.uri !== undefined) out += `u=${checked(sdp.uri, 'u=')}\r\n`;
  for (const e of sdp.emails) out += `e=${checked(e, 'e=')}\r\n`;
  for (const p of sdp.phones) out += `p=${checked(p, 'p=')}\r\n`;
  if (sdp.connection) out += connectionLine(sdp.connection);
  out += bandwidthLines(sdp.bandwidths);
  if (sdp.timings.length === 0) out += 't=0 0\r\n';
  for (const t of sdp.timings) {
    out += `t=${uint(t.start, Number.MAX_SAFE_INTEGER, 't= start')} ${uint(t.stop, Number.MAX_SAFE_INTEGER, 't= stop')}\r\n`;
    for (const r of t.repeats) out += `r=${checked(r, 'r=')}\r\n`;
  }
  if (sdp.zones !== undefined) out += `z=${checked(sdp.zones, 'z=')}\r\n`;
  if (sdp.key !== undefined) out += `k=${checked(sdp.key, 'k=')}\r\n`;
  out += attributeLines(sdp.attributes);
  out += extraLines(sdp.extraLines);
  for (const m of sdp.media) {
    let port = uint(m.port, 65535, 'm= port');
    if (m.portCount !== undefined) port += '/' + uint(m.portCount, 65535, 'm= port count');
    out += `m=${token(m.type, 'm= media')} ${port} ${token(m.proto, 'm= proto')}`;
    for (const f of m.formats) out += ' ' + token(f, 'm= format');
    out += '\r\n';
    if (m.info !== undefined) out += `i=${checked(m.info, 'i=')}\r\n`;
    if (m.connection) out += connectionLine(m.connection);
    out += bandwidthLines(m.bandwidths);
    if (m.key !== undefined) out += `k=${checked(m.key, 'k=')}\r\n`;
    out += attributeLines(m.attributes);
    out += extraLines(m.extraLines);
  }
  return out;
}
