/**
 * Digest `response` values are redacted in the call's pcap (same length, `x`), every other byte
 * as on the wire: the pure byte function, and CallCapture writing it (trace bytes untouched).
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallCapture, redactDigestResponses } from '../../../src/caller/capture';
import { parseMessage } from '../../../src/sip';
import type { SipTraceEvent } from '../../../src/sip/user-agent';
import { decodeFrame, readPcap } from '../pcap/pcap-reader';

const HEX = '0123456789abcdef0123456789abcdef';

function msg(headers: string[], body = ''): Buffer {
  return Buffer.from(
    [
      'INVITE sip:agent@127.0.0.1:5080 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKr1',
      'From: <sip:probe@127.0.0.1>;tag=1',
      'To: <sip:agent@127.0.0.1>',
      'Call-ID: redact-1',
      'CSeq: 2 INVITE',
      ...headers,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
    'latin1',
  );
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Asserts `after` differs from `before` exactly at the given [from, to) ranges, which are all 'x'. */
function onlyChanged(before: Uint8Array, after: Uint8Array, ranges: Array<[number, number]>): void {
  expect(after.length).toBe(before.length);
  const inRange = (i: number): boolean => ranges.some(([a, b]) => i >= a && i < b);
  for (let i = 0; i < before.length; i++) {
    if (inRange(i)) expect(after[i]).toBe(0x78);
    else if (after[i] !== before[i]) throw new Error(`byte ${i} changed outside the response value`);
  }
}

/** Ranges of every occurrence of `value` in `buf`. */
function rangesOf(buf: Buffer, value: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = buf.indexOf(value); i >= 0; i = buf.indexOf(value, i + 1)) out.push([i, i + value.length]);
  return out;
}

describe('redactDigestResponses', () => {
  it('overwrites the quoted response of Authorization with x of the same length, nothing else', () => {
    const auth = `Authorization: Digest username="alice", realm="agents", nonce="abc123", uri="sip:agent@127.0.0.1:5080", response="${HEX}", algorithm=MD5`;
    const before = msg([auth], 'v=0\r\n');
    const after = redactDigestResponses(before);
    expect(after).not.toBe(before);
    expect(text(before)).toContain(HEX); // the input is left alone
    onlyChanged(before, after, rangesOf(before, HEX));
    expect(text(after)).toContain(`response="${'x'.repeat(32)}"`);
    // still parses, with the same Content-Length and body
    const m = parseMessage(Buffer.from(after));
    expect(m.body.toString()).toBe('v=0\r\n');
    expect(m.headers.get('authorization')).toContain(`response="${'x'.repeat(32)}"`);
  });

  it('handles Proxy-Authorization, several headers, any case, spaces around =, tokens, folding; SHA-256 length kept', () => {
    const sha = 'f'.repeat(64);
    const headers = [
      `proxy-authorization:Digest username="a",realm="p",nonce="n",uri="sip:x",RESPONSE = "${sha}",qop=auth,nc=00000001,cnonce="c"`,
      `AUTHORIZATION : Digest username="a", realm="r",`,
      ` nonce="n2", uri="sip:x",`,
      `\tresponse=${HEX}`,
    ];
    const before = msg(headers);
    const after = redactDigestResponses(before);
    onlyChanged(before, after, [...rangesOf(before, sha), ...rangesOf(before, HEX)]);
  });

  it('leaves response= inside another quoted value, other headers and the body alone', () => {
    const headers = [
      `Authorization: Digest username="response=${HEX}", realm="r", nonce="n", uri="sip:x", response="${'a'.repeat(32)}"`,
      `X-Note: response="${HEX}"`,
      `Authentication-Info: rspauth="${HEX}"`,
    ];
    const before = msg(headers, `Authorization: Digest response="${HEX}"\r\n`);
    const after = redactDigestResponses(before);
    onlyChanged(before, after, rangesOf(before, 'a'.repeat(32)));
    expect(text(after).split(HEX)).toHaveLength(5); // username, X-Note, rspauth, body: 4 occurrences kept
  });

  it('returns the input itself when there is nothing to redact; survives truncated and hostile input', () => {
    const plain = msg(['X-A: b']);
    expect(redactDigestResponses(plain)).toBe(plain);
    const cut = msg([`Authorization: Digest response="${HEX}`]);
    const r = redactDigestResponses(cut.subarray(0, cut.indexOf(HEX) + 10));
    expect(text(r)).toMatch(/response="x{10}$/);
    for (const s of ['', '\r\n', 'INVITE', 'Authorization: response', 'X\nAuthorization:"\\', 'a\nAuthorization: Digest ,,,=,"",response=,response="\\']) {
      expect(() => redactDigestResponses(Buffer.from(s, 'latin1'))).not.toThrow();
    }
  });

  it('stays linear on hostile input (many lines, no colon; one huge field)', () => {
    const lines = Buffer.from('INVITE sip:a@b SIP/2.0\r\n' + 'x\r\n'.repeat(40_000) + 'Authorization: Digest response="' + 'a'.repeat(32) + '"\r\n\r\n', 'latin1');
    const field = Buffer.from('INVITE sip:a@b SIP/2.0\r\nAuthorization: Digest ' + 'a=b,'.repeat(50_000) + 'response=' + 'c'.repeat(32) + '\r\n\r\n', 'latin1');
    const t0 = performance.now();
    expect(text(redactDigestResponses(lines))).toContain(`response="${'x'.repeat(32)}"`);
    expect(text(redactDigestResponses(field))).toContain(`response=${'x'.repeat(32)}`);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('property: same length, only bytes inside response values change, and they become x', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/).filter((t) => t.toLowerCase() !== 'response');
    const hexv = fc.stringMatching(/^[0-9a-f]{32}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(token, token), { maxLength: 4 }), hexv, fc.boolean(), fc.boolean(), (params, resp, proxy, quoted) => {
        const list = [...params.map(([k, v]) => `${k}="${v}"`), `response=${quoted ? `"${resp}"` : resp}`];
        const before = msg([`${proxy ? 'Proxy-Authorization' : 'Authorization'}: Digest ${list.join(', ')}`]);
        const after = redactDigestResponses(before);
        const at = before.indexOf(`response=`) + 'response='.length + (quoted ? 1 : 0);
        onlyChanged(before, after, [[at, at + 32]]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CallCapture redaction', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipprobe-redact-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function event(raw: Buffer, protocol: 'udp' | 'tcp'): SipTraceEvent {
    return { direction: 'out', message: parseMessage(raw), protocol, remote: { address: '127.0.0.1', port: 5080 }, local: { address: '127.0.0.1', port: 5060 }, raw, retransmission: false };
  }

  it.each(['udp', 'tcp'] as const)('writes the redacted bytes over %s (trace bytes unchanged); redactDigest: false keeps them', async (protocol) => {
    const raw = msg([`Proxy-Authorization: Digest username="u", realm="r", nonce="n", uri="sip:x", response="${HEX}"`]);
    const copy = Buffer.from(raw);
    const file = join(dir, 'r.pcap');
    const cap = await CallCapture.open(file);
    cap.sip(event(raw, protocol), { address: '127.0.0.1', port: 5060 });
    expect(await cap.finish()).toBe(true);
    expect(raw.equals(copy)).toBe(true);
    const bytes = readFileSync(file);
    expect(bytes.includes(HEX)).toBe(false);
    const [frame] = readPcap(bytes).frames.map((f) => decodeFrame(f.data));
    expect(frame.protocol).toBe(protocol === 'udp' ? 17 : 6);
    onlyChanged(raw, frame.payload, rangesOf(raw, HEX));

    const plainFile = join(dir, 'p.pcap');
    const plain = await CallCapture.open(plainFile, { redactDigest: false });
    plain.sip(event(raw, protocol), { address: '127.0.0.1', port: 5060 });
    await plain.finish();
    expect(readFileSync(plainFile).includes(HEX)).toBe(true);
  });
});
