/**
 * Strict wire check of one SIP message (RFC 3261 syntax essentials + RFC 4566 SDP), because
 * Wireshark accepts a wrong Content-Length, `CSeq: x INVITE`, `m=audio abc` and more without a
 * single malformed flag. Re-expresses every rule of the shared kit's sip-lint.pl and adds a few
 * stricter ones (marked "beyond sip-lint.pl"). Pure: bytes in, findings out; never throws.
 */

/** One problem found in a message. */
export interface LintFinding {
  /** Stable rule id, e.g. `content-length`, `sdp-rtpmap`. */
  readonly rule: string;
  /** What is wrong, quoting at most a short piece of the offending line. */
  readonly message: string;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Compact header forms (RFC 3261 §7.3.3 and later RFCs) → full lower-case names. */
const COMPACT: Record<string, string> = {
  v: 'via', f: 'from', t: 'to', i: 'call-id', l: 'content-length', c: 'content-type', m: 'contact',
  e: 'content-encoding', k: 'supported', s: 'subject', o: 'event', u: 'allow-events', r: 'refer-to',
  b: 'referred-by', x: 'session-expires', a: 'accept-contact', j: 'reject-contact', d: 'request-disposition',
  y: 'identity', n: 'identity-info',
};

/** Headers that may appear once only (RFC 3261 §7.3.1: only comma-list headers may repeat). */
const SINGLE = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

function short(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return JSON.stringify(cut);
}

/** Header params after the URI part: the `<…>` and a quoted display name removed first. */
function headerParams(value: string): string {
  const noQuoted = value.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const gt = noQuoted.lastIndexOf('>');
  return gt >= 0 ? noQuoted.slice(gt + 1) : noQuoted;
}

function hasParam(value: string, name: string): string | undefined {
  for (const part of headerParams(value).split(';').slice(1)) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (k === name) return eq < 0 ? '' : part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Lints one complete SIP message (one UDP datagram, or one message framed out of a stream). */
export function lintSipMessage(raw: Uint8Array): LintFinding[] {
  const findings: LintFinding[] = [];
  const p = (rule: string, message: string): void => {
    findings.push({ rule, message });
  };
  const msg = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  // Keep-alives (CRLF / CRLFCRLF) are not messages.
  if (/^[\r\n\t ]*$/.test(msg.toString('latin1'))) return findings;

  const sep = msg.indexOf('\r\n\r\n');
  if (sep < 0) {
    p('framing', 'no CRLFCRLF after the header section');
    return findings;
  }
  const headBytes = msg.subarray(0, sep);
  const body = msg.subarray(sep + 4);
  const head = headBytes.toString('latin1');
  if (/(?<!\r)\n/.test(head)) p('bare-lf', 'bare LF (not CRLF) in header section');
  if (/\r(?!\n)/.test(head)) p('bare-cr', 'bare CR (not CRLF) in header section'); // beyond sip-lint.pl
  try {
    utf8.decode(headBytes);
  } catch {
    p('utf8', 'header section is not valid UTF-8'); // beyond sip-lint.pl
  }

  const lines = head.split('\r\n');
  const start = lines.shift() ?? '';
  let isReq = false;
  let method = '';
  let status = 0;
  const req = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) SIP\/2\.0$/.exec(start);
  const resp = /^SIP\/2\.0 ([1-6]\d\d) (.*)$/.exec(start);
  if (req && /^[A-Z]+$/.test(req[1])) {
    isReq = true;
    method = req[1];
    if (!/^(sips?|tel):/i.test(req[2])) p('request-uri', `Request-URI ${short(req[2])} is not sip:/sips:/tel:`);
  } else if (resp) {
    status = Number(resp[1]);
  } else {
    p('start-line', `bad start line ${short(start)}`);
    return findings;
  }

  // Unfold and collect headers.
  const h = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const l of lines) {
    if (/^[ \t]/.test(l) && last) {
      last[last.length - 1] += ` ${l.trim()}`;
      continue;
    }
    const m = /^([^:\s]+)[ \t]*:[ \t]*(.*)$/.exec(l);
    if (!m) {
      p('header-line', `bad header line ${short(l)}`);
      last = undefined;
      continue;
    }
    if (!TOKEN.test(m[1])) p('header-name', `header name ${short(m[1])} is not a token`); // beyond sip-lint.pl
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(m[2])) p('header-value', `control character in ${short(m[1])} value`); // beyond
    let n = m[1].toLowerCase();
    if (n.length === 1 && COMPACT[n]) n = COMPACT[n];
    let list = h.get(n);
    if (!list) h.set(n, (list = []));
    list.push(m[2].replace(/[ \t]+$/, ''));
    last = list;
  }
  const first = (n: string): string | undefined => h.get(n)?.[0];

  for (const need of ['via', 'from', 'to', 'call-id', 'cseq']) if (!h.has(need)) p('missing-header', `missing ${need}`);
  if (isReq && !h.has('max-forwards')) p('missing-header', 'missing Max-Forwards');
  for (const n of SINGLE) {
    const v = h.get(n);
    if (v && v.length > 1) p('duplicate-header', `${n} appears ${v.length} times`); // beyond sip-lint.pl
  }

  const via = first('via');
  if (via !== undefined) {
    const top = via.split(',')[0].trim();
    if (!/^SIP\s*\/\s*2\.0\s*\/\s*(UDP|TCP|TLS|SCTP|WS|WSS)\s+\S+/i.test(top)) p('via', `bad Via ${short(top)}`);
    const branch = hasParam(top, 'branch');
    if (isReq) {
      if (branch === undefined || !branch.startsWith('z9hG4bK')) p('via-branch', `top Via branch not z9hG4bK*: ${short(top)}`);
      else if (branch === 'z9hG4bK') p('via-branch', 'top Via branch is only the magic cookie'); // beyond sip-lint.pl
    }
  }
  const from = first('from');
  if (isReq && from !== undefined && !hasParam(from, 'tag')) p('from-tag', 'From without tag');
  const to = first('to');
  // RFC 3261 §8.2.6.2: a UAS adds a To tag to every response but 100. Beyond sip-lint.pl.
  if (status > 100 && to !== undefined && !hasParam(to, 'tag')) p('to-tag', `${status} response without To tag`);
  const callId = first('call-id');
  if (callId !== undefined && !/^\S+$/.test(callId)) p('call-id', `bad Call-ID ${short(callId)}`); // beyond

  const cseq = first('cseq');
  if (cseq !== undefined) {
    const m = /^(\d+)\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(cseq);
    if (!m) p('cseq', `bad CSeq ${short(cseq)}`);
    else {
      if (m[1].length > 10 || Number(m[1]) > 2147483647) p('cseq', `CSeq number ${m[1].slice(0, 20)} > 2**31-1`);
      if (isReq && m[2] !== method) p('cseq', `CSeq method ${m[2]} != request method ${method}`);
    }
  }
  const mf = first('max-forwards');
  if (mf !== undefined && !(/^\d+$/.test(mf) && Number(mf) <= 255)) p('max-forwards', `bad Max-Forwards ${short(mf)}`); // beyond

  const cl = first('content-length');
  if (cl === undefined) p('content-length', 'missing Content-Length');
  else if (!/^\d+$/.test(cl)) p('content-length', `bad Content-Length ${short(cl)}`);
  else if (Number(cl) !== body.length) p('content-length', `Content-Length ${cl.slice(0, 20)} != body length ${body.length}`);
  const ct = first('content-type');
  if (body.length > 0 && ct === undefined) p('content-type', 'body without Content-Type');
  if (body.length > 0 && ct !== undefined && /^application\/sdp\s*(;|$)/i.test(ct)) lintSdp(body, p);
  return findings;
}

/** RFC 4566 checks of an SDP body. */
function lintSdp(bodyBytes: Buffer, p: (rule: string, message: string) => void): void {
  const body = bodyBytes.toString('latin1');
  if (/(?<!\r)\n/.test(body)) p('sdp-bare-lf', 'SDP: bare LF (not CRLF)');
  if (!body.endsWith('\n')) p('sdp-eol', 'SDP: last line not terminated by CRLF'); // beyond sip-lint.pl
  const all = body.split(/\r?\n/);
  if (all[all.length - 1] === '') all.pop();
  if (all.some((l) => l === '')) p('sdp-empty-line', 'SDP: empty line'); // beyond sip-lint.pl
  const s = all.filter((l) => l.length > 0);
  if (s[0] !== 'v=0') p('sdp-version', 'SDP: first line is not v=0');
  // Beyond sip-lint.pl: RFC 4566 §5 order, o= second and s= third.
  if (s.length > 1 && !s[1].startsWith('o=')) p('sdp-order', 'SDP: o= is not the second line');
  if (s.length > 2 && !s[2].startsWith('s=')) p('sdp-order', 'SDP: s= is not the third line');
  let o = 0;
  let sn = 0;
  let t = 0;
  let sessC = false;
  let inMedia = false;
  const media: Array<{ c: boolean; fmts: string[]; proto: string; map: Set<string> }> = [];
  for (const l of s) {
    const m = /^([a-z])=(.*)$/.exec(l);
    if (!m) {
      p('sdp-line', `SDP: bad line ${short(l)}`);
      continue;
    }
    const [, k, v] = m;
    if (k === 'o') {
      o++;
      const f = v.split(' ');
      if (f.length !== 6) p('sdp-origin', `SDP: o= needs 6 fields: ${short(v)}`);
      else if (!/^\d+$/.test(f[1]) || !/^\d+$/.test(f[2]) || f[3] !== 'IN' || !/^IP[46]$/.test(f[4])) {
        p('sdp-origin', `SDP: bad o= ${short(v)}`); // beyond sip-lint.pl
      }
    } else if (k === 's') {
      sn++;
      if (v === '') p('sdp-session-name', 'SDP: empty s='); // beyond sip-lint.pl
    } else if (k === 't') {
      t++;
      if (inMedia) p('sdp-order', 'SDP: t= after m='); // beyond sip-lint.pl
      if (!/^\d+ \d+$/.test(v)) p('sdp-timing', `SDP: bad t= ${short(v)}`); // beyond
    } else if (k === 'c') {
      if (inMedia) media[media.length - 1].c = true;
      else sessC = true;
      if (!/^IN IP[46] \S+$/.test(v)) p('sdp-connection', `SDP: bad c= ${short(v)}`);
    } else if (k === 'm') {
      inMedia = true;
      const mm = /^(\w+) (\d+)(\/\d+)? (\S+) (.+)$/.exec(v);
      if (mm) {
        if (Number(mm[2]) > 65535) p('sdp-media', `SDP: m= port ${mm[2].slice(0, 12)} > 65535`);
        media.push({ c: false, fmts: mm[5].split(' '), proto: mm[4], map: new Set() });
      } else {
        p('sdp-media', `SDP: bad m= ${short(v)}`);
        media.push({ c: false, fmts: [], proto: '', map: new Set() });
      }
    } else if (k === 'a' && v.startsWith('rtpmap:') && media.length) {
      const r = /^rtpmap:(\d+) [^/\s]+\/\d+(\/\d+)?$/.exec(v);
      if (!r) p('sdp-rtpmap', `SDP: bad ${short(v)}`); // beyond sip-lint.pl
      else media[media.length - 1].map.add(r[1]);
    }
  }
  if (!o) p('sdp-origin', 'SDP: missing o=');
  if (!sn) p('sdp-session-name', 'SDP: missing s=');
  if (!t) p('sdp-timing', 'SDP: missing t=');
  if (o > 1 || sn > 1) p('sdp-order', 'SDP: more than one o= or s='); // beyond sip-lint.pl
  for (const m of media) {
    if (!sessC && !m.c) p('sdp-connection', 'SDP: m= without c= (none at session level either)');
    if (!/RTP/.test(m.proto)) continue;
    for (const pt of m.fmts) {
      if (!/^\d+$/.test(pt)) p('sdp-payload-type', `SDP: payload type ${short(pt)} not numeric`);
      else if (Number(pt) > 127) p('sdp-payload-type', `SDP: payload type ${pt.slice(0, 12)} > 127`); // beyond
      else if (Number(pt) >= 96 && !m.map.has(pt)) p('sdp-rtpmap', `SDP: dynamic payload type ${pt} without a=rtpmap`);
    }
  }
}

/** A finding located in a capture. */
export interface LocatedLintFinding extends LintFinding {
  /** Frame number, when from a capture. */
  readonly frame?: number;
  /** The message's first line. */
  readonly firstLine: string;
}

/** Lints many messages (e.g. `decodeSip` output) and returns every finding with its location. */
export function lintSipMessages(msgs: ReadonlyArray<{ raw: Uint8Array; frame?: number }>): LocatedLintFinding[] {
  const out: LocatedLintFinding[] = [];
  for (const m of msgs) {
    const b = Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength);
    const end = b.indexOf('\r\n');
    const firstLine = b.subarray(0, end < 0 ? Math.min(80, b.length) : Math.min(end, 120)).toString('latin1');
    for (const f of lintSipMessage(m.raw)) out.push({ ...f, frame: m.frame, firstLine });
  }
  return out;
}

/** One line per finding, `frame N (first line): [rule] message`, for assertion messages. */
export function formatLintFindings(findings: readonly LocatedLintFinding[]): string {
  return findings.map((f) => `frame ${f.frame ?? '?'} (${f.firstLine}): [${f.rule}] ${f.message}`).join('\n');
}
