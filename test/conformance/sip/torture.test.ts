/**
 * RFC 4475 (49) and RFC 5118 (12) torture messages from test/fixtures/sip-torture (copied from
 * /work/shared/conformance/sip-torture). Each entry: the fixture is checked against its sha256,
 * then must-accept messages must parse and every key fact is asserted; invalid messages must
 * be rejected with a SipParseError or a validation result in expected_status. Tally printed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseMessageWithEnd,
  parseMessage,
  parseUri,
  SipParseError,
  splitMultipartBody,
  validateMessage,
  type SipMessage,
  type SipUri,
  type SipVia,
} from '../../../src/sip';

interface Entry {
  file: string;
  name: string;
  section: string;
  verdict: 'valid' | 'invalid' | 'valid-semantic-error';
  parser_must_accept: boolean;
  liberal_accept_permitted: boolean;
  expected_status: (number | 'discard')[];
  key_facts: Record<string, unknown>;
  rfc: string;
}

const DIR = join(__dirname, '../../fixtures/sip-torture');
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  entries: (Entry & { sha256?: string; size?: number })[];
};

const sentBy = (v: SipVia | undefined): string | undefined => (v ? v.host + (v.port !== undefined ? `:${v.port}` : '') : undefined);
const sipUri = (u: string): SipUri => parseUri(u) as SipUri;
const sdpLines = (m: SipMessage, prefix: string): string[] =>
  m.body
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.startsWith(prefix));

/** Value of a key fact computed from the parsed message (and the raw bytes for wire-level facts). */
function fact(name: string, m: SipMessage, raw: Buffer, end: number): unknown {
  const req = m.kind === 'request' ? m : undefined;
  const res = m.kind === 'response' ? m : undefined;
  switch (name) {
    case 'kind':
      return m.kind;
    case 'method':
      return req?.method;
    case 'method_is_register':
      return req?.method === 'REGISTER';
    case 'request_uri':
      return req?.uri;
    case 'request_uri_scheme':
      return req?.requestUri.scheme;
    case 'request_uri_user_unescaped':
      return (req?.requestUri as SipUri).user;
    case 'request_uri_host':
      return (req?.requestUri as SipUri).host;
    case 'request_uri_port':
      return (req?.requestUri as SipUri).port ?? null;
    case 'sip_version':
      return m.version;
    case 'status_code':
      return res?.status;
    case 'reason_phrase':
      return res?.reason;
    case 'reason_phrase_starts_with':
      return res?.reason.slice(0, (res?.reason.length ?? 0) > 0 ? 14 : 0);
    case 'reason_phrase_contains_utf8':
      return [...(res?.reason ?? '')].some((c) => c.charCodeAt(0) > 127);
    case 'status_line':
      return `${m.version} ${res?.status} ${res?.reason}`;
    case 'via_count':
      return m.vias.length;
    case 'via_transports':
      return m.vias.map((v) => v.transport);
    case 'via_branch':
      return m.topVia?.branch;
    case 'via_has_branch':
      return m.topVia?.branch !== undefined;
    case 'top_via_sent_by':
      return sentBy(m.topVia);
    case 'second_via_sent_by':
      return m.vias[1]?.host;
    case 'top_via_received':
      return m.topVia?.received;
    case 'bottom_via_received':
      return m.vias[m.vias.length - 1]?.received;
    case 'max_forwards':
      return m.maxForwards;
    case 'max_forwards_present':
      return m.headers.has('max-forwards');
    case 'max_forwards_values':
      return m.headers.lines('Max-Forwards').length;
    case 'cseq_number':
      return m.cseq?.seq;
    case 'cseq_method':
      return m.cseq?.method;
    case 'cseq_values':
      return m.headers.lines('CSeq').length;
    case 'call_id':
      return m.callId;
    case 'call_id_values':
      return m.headers.lines('i').length;
    case 'content_length':
    case 'content_length_declared':
      return m.contentLength;
    case 'content_length_header_present':
      return m.headers.has('content-length');
    case 'body_length':
    case 'body_length_wire_crlf':
      return m.body.length;
    case 'content_type':
      return m.contentType?.raw;
    case 'subject':
      return m.headers.get('subject');
    case 'accept':
      return m.headers.get('accept');
    case 'route_count':
      return m.routes.length;
    case 'from_uri':
      return m.from?.uri;
    case 'from_display_name':
      return m.from?.displayName;
    case 'from_has_tag':
      return m.from?.tag !== undefined;
    case 'from_uri_user_unescaped':
      return sipUri(m.from!.uri).user;
    case 'to_uri':
      return m.to?.uri;
    case 'to_display_name':
      return m.to?.displayName;
    case 'to_uri_user_unescaped':
      return sipUri(m.to!.uri).user;
    case 'contact_count':
    case 'contact_values':
      return m.contacts.length;
    case 'contact_uri':
      return m.contacts[0]?.uri;
    case 'contact_host':
      return sipUri(m.contacts[0].uri).host;
    case 'contact_params':
      return Object.fromEntries(m.contacts[0].params);
    case 'contact_uri_users_unescaped':
      return m.contacts.map((c) => sipUri(c.uri).user);
    case 'require':
      return m.require;
    case 'proxy_require':
      return m.headers.getAll('proxy-require');
    case 'authorization_scheme':
      return m.authorization[0]?.split(/[ \t]/)[0];
    case 'missing_headers':
      return (['Call-ID', 'From', 'To'] as const).filter((h) => !m.headers.has(h));
    case 'trailing_octets_after_message':
      return raw.length - end;
    case 'body_parts':
    case 'body_part_types': {
      const parts = splitMultipartBody(m.body, m.contentType!.params.get('boundary')!);
      return name === 'body_parts' ? parts.length : parts.map((p) => p.contentType);
    }
    case 'sdp_connection':
      return sdpLines(m, 'c=')[0]?.slice(2);
    case 'sdp_media_connections': {
      const body = m.body.toString('utf8');
      return body
        .slice(body.indexOf('\nm='))
        .split(/\r?\n/)
        .filter((l) => l.startsWith('c='))
        .map((l) => l.slice(2));
    }
    default:
      throw new Error(`unknown key fact ${name}`);
  }
}

/** Facts of invalid entries that describe the defect itself: the rejection must be for that defect. */
const DEFECT_CODES: Record<string, string[]> = {
  content_length_raw: ['SIP_PARSE_CONTENT_LENGTH'],
  content_length_values: ['SIP_PARSE_CONTENT_LENGTH'],
  status_code_raw: ['SIP_PARSE_STATUS'],
  request_uri_raw: ['SIP_PARSE_START_LINE'],
  request_line: ['SIP_PARSE_START_LINE', 'SIP_PARSE_VERSION', 'SIP_PARSE_URI'],
  cseq_number_raw: ['SIP_PARSE_VALUE'],
};

/** RFC 5118 wire files whose declared Content-Length does not match the body (see the conformance README). */
function fixLength(raw: Buffer, facts: Record<string, unknown>): Buffer {
  const declared = facts.content_length_declared;
  const actual = facts.body_length_wire_crlf;
  if (typeof declared !== 'number' || typeof actual !== 'number' || declared === actual) return raw;
  const text = raw.toString('latin1');
  const fixed = text.replace(`Content-Length: ${declared}\r\n`, `Content-Length: ${actual}\r\n`);
  if (fixed === text) throw new Error('Content-Length line not found');
  return Buffer.from(fixed, 'latin1');
}

const tally = { pass: 0, total: manifest.entries.length, failed: [] as string[] };
afterAll(() => {
  console.log(`SIP torture tally: ${tally.pass}/${tally.total}${tally.failed.length ? ' — failed: ' + tally.failed.join(', ') : ''}`);
});

test('manifest has all 61 entries', () => {
  expect(manifest.entries).toHaveLength(61);
});

describe.each(manifest.entries.map((e) => [`${e.name} (${e.section}, ${e.verdict})`, e] as const))('%s', (_title, e) => {
  it('meets the manifest', () => {
    let original: Buffer;
    try {
      original = readFileSync(join(DIR, e.file));
    } catch {
      tally.failed.push(e.name);
      throw new Error(`fixture missing: ${e.file}`);
    }
    try {
      if (e.sha256 !== undefined) expect(createHash('sha256').update(original).digest('hex')).toBe(e.sha256);
      const facts = e.key_facts;
      if (e.parser_must_accept) {
        const raw = e.rfc === 'RFC 5118' ? fixLength(original, facts) : original;
        const fixedLength = raw !== original;
        if (fixedLength) {
          // the declared length is asserted on the original bytes: beyond the datagram it is an
          // error (like clerr); shorter, the rest of the datagram is ignored
          const declared = facts.content_length_declared as number;
          if (declared > (facts.body_length_wire_crlf as number)) {
            expect(() => parseMessage(original)).toThrow(expect.objectContaining({ code: 'SIP_PARSE_CONTENT_LENGTH' }));
          } else {
            const m = parseMessage(original);
            expect([m.contentLength, m.body.length]).toEqual([declared, declared]);
          }
        }
        const { message, end } = parseMessageWithEnd(raw);
        for (const [k, v] of Object.entries(facts)) {
          if (k === 'body_length_archive_lf') continue; // describes the LF-only archive copy, not the wire bytes we parse
          if (fixedLength && k === 'content_length_declared') continue; // asserted on the original above
          expect({ fact: k, value: fact(k, message, raw, end) }).toEqual({ fact: k, value: v });
        }
        const v = validateMessage(message);
        if (e.verdict === 'valid-semantic-error') {
          expect(v.ok).toBe(false);
          if (!v.ok) expect(e.expected_status).toContain(v.status);
        } else if (!v.ok) {
          // a valid message may still be refused, but only with a status the RFC names
          expect(e.expected_status).toContain(v.status);
        }
      } else {
        // lenient (default) mode never fails with anything but SipParseError
        try {
          parseMessage(original);
        } catch (err) {
          expect(err).toBeInstanceOf(SipParseError);
        }
        let parsed: SipMessage | undefined;
        let error: unknown;
        try {
          parsed = parseMessage(original, { strict: true });
        } catch (err) {
          error = err;
        }
        if (parsed === undefined) {
          expect(error).toBeInstanceOf(SipParseError);
          const code = (error as SipParseError).code;
          for (const k of Object.keys(facts)) if (DEFECT_CODES[k]) expect({ fact: k, codes: DEFECT_CODES[k] }).toEqual({ fact: k, codes: expect.arrayContaining([code]) });
          if (facts.method !== undefined) expect(original.toString('latin1').startsWith(`${facts.method as string} `)).toBe(true);
        } else {
          // only where the RFC lets a liberal element accept; then validation must refuse it
          expect(e.liberal_accept_permitted).toBe(true);
          for (const [k, v] of Object.entries(facts)) {
            expect({ fact: k, value: fact(k, parsed, original, original.length) }).toEqual({ fact: k, value: v });
          }
          const v = validateMessage(parsed);
          expect(v.ok).toBe(false);
          if (!v.ok) expect(e.expected_status).toContain(v.status);
        }
      }
      tally.pass++;
    } catch (err) {
      tally.failed.push(e.name);
      throw err;
    }
  });
});
