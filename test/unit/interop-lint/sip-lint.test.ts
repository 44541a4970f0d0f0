import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatLintFindings, lintSipMessage, lintSipMessages } from '../../interop/harness/sip-lint';

const FIX = join(__dirname, 'fixtures');
const sums = new Map(
  readFileSync(join(FIX, 'SHA256SUMS'), 'latin1')
    .trim()
    .split('\n')
    .map((l) => {
      const [hash, name] = l.split(/\s+/);
      return [name, hash] as const;
    }),
);
function fixture(name: string): Buffer {
  const b = readFileSync(join(FIX, name));
  expect(createHash('sha256').update(b).digest('hex')).toBe(sums.get(name));
  return b;
}

const SDP = [
  'v=0',
  'o=caller 4242 1 IN IP4 127.0.0.1',
  's=sipprobe',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 111 0 8 101',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

function invite(opts: { headers?: string[]; body?: string; drop?: string[]; cl?: string; startLine?: string } = {}): Buffer {
  const body = opts.body ?? SDP;
  const base = [
    'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: "Agent" <sip:agent@127.0.0.1:5060>',
    'From: "Zoë" <sip:caller@127.0.0.1:5062>;tag=1928301774',
    'Call-ID: a84b4c76e66710@127.0.0.1',
    'CSeq: 314159 INVITE',
    'Contact: <sip:caller@127.0.0.1:5062>',
    'X-Run-Id: run-1',
    'Content-Type: application/sdp',
    `Content-Length: ${opts.cl ?? Buffer.byteLength(body)}`,
  ].filter((l) => !(opts.drop ?? []).some((d) => l.toLowerCase().startsWith(`${d.toLowerCase()}:`)));
  const head = [opts.startLine ?? 'INVITE sip:agent@127.0.0.1:5060 SIP/2.0', ...base, ...(opts.headers ?? [])];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

function response(status: string, lines: string[], body = ''): Buffer {
  const all = [`SIP/2.0 ${status}`, ...lines, `Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from(`${all.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

const RESP_HEADERS = [
  'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK776asdhds;received=127.0.0.1',
  'From: <sip:caller@127.0.0.1>;tag=abc',
  'To: <sip:agent@127.0.0.1>;tag=xyz',
  'Call-ID: c1',
  'CSeq: 1 INVITE',
];

const rules = (b: Buffer): string[] => lintSipMessage(b).map((f) => f.rule);

describe('lintSipMessage: clean messages', () => {
  it('accepts a correct INVITE with SDP, UTF-8 display name and X- header', () => {
    expect(lintSipMessage(invite())).toEqual([]);
  });

  it('accepts responses (100 without To tag, 200 with SDP), ACK and BYE without body', () => {
    expect(lintSipMessage(response('100 Trying', RESP_HEADERS.map((l) => l.replace(';tag=xyz', ''))))).toEqual([]);
    expect(lintSipMessage(response('200 OK', [...RESP_HEADERS, 'Content-Type: application/sdp'], SDP))).toEqual([]);
    expect(lintSipMessage(response('486 Busy Here', RESP_HEADERS))).toEqual([]);
    const ack = invite({ startLine: 'ACK sip:agent@127.0.0.1:5060 SIP/2.0', body: '', drop: ['Content-Type', 'CSeq'], headers: ['CSeq: 314159 ACK'] });
    expect(lintSipMessage(ack)).toEqual([]);
  });

  it('accepts compact forms, folded header lines and keep-alives', () => {
    const body = SDP;
    const msg = Buffer.from(
      [
        'BYE sip:agent@127.0.0.1 SIP/2.0',
        'v: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx1',
        'f: <sip:a@127.0.0.1>',
        ' ;tag=folded',
        't: <sip:b@127.0.0.1>;tag=t',
        'i: c1',
        'CSeq: 2 BYE',
        'Max-Forwards: 0068',
        'c: application/sdp',
        `l: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
    expect(lintSipMessage(msg)).toEqual([]);
    expect(lintSipMessage(Buffer.from('\r\n\r\n'))).toEqual([]);
    expect(lintSipMessage(Buffer.from('\r\n'))).toEqual([]);
  });

  it.each(['freeswitch-g722-offer.sip', 'cirpack-183-answer.sip', 'ims-alcatel-lucent-offer.sip', 'sipdect-delayed-offer-answer.sip', 'zeromf.dat', 'noreason.dat', 'cparam01.dat'])(
    'accepts real/valid message %s',
    (name) => {
      expect(formatLintFindings(lintSipMessages([{ raw: fixture(name) }]))).toBe('');
    },
  );
});

describe('lintSipMessage: each rule fires', () => {
  it.each<[string, Buffer, string]>([
    ['no blank line', Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x\r\n'), 'framing'],
    ['bare LF', Buffer.from(invite().toString('latin1').replace('Max-Forwards: 70\r\n', 'Max-Forwards: 70\n'), 'latin1'), 'bare-lf'],
    ['bare CR', Buffer.from(invite().toString('latin1').replace('Max-Forwards: 70\r\n', 'Max-Forwards: 70\r'), 'latin1'), 'bare-cr'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nX-Bad: '), Buffer.from([0xc3, 0x28]), Buffer.from('\r\n\r\n')]), 'utf8'],
    ['lower-case method', invite({ startLine: 'invite sip:agent@127.0.0.1 SIP/2.0' }), 'start-line'],
    ['SIP/3.0', invite({ startLine: 'INVITE sip:agent@127.0.0.1 SIP/3.0' }), 'start-line'],
    ['status 700', response('700 Nope', RESP_HEADERS), 'start-line'],
    ['http URI', invite({ startLine: 'INVITE http://agent SIP/2.0' }), 'request-uri'],
    ['header without colon', invite({ headers: ['NoColonHere'] }), 'header-line'],
    ['non-token header name', invite({ headers: ['X-Bad(name): v'] }), 'header-name'],
    ['control char in value', invite({ headers: ['X-Bell: a\u0007b'] }), 'header-value'],
    ['missing Via', invite({ drop: ['Via'] }), 'missing-header'],
    ['missing From', invite({ drop: ['From'] }), 'missing-header'],
    ['missing To', invite({ drop: ['To'] }), 'missing-header'],
    ['missing Call-ID', invite({ drop: ['Call-ID'] }), 'missing-header'],
    ['missing CSeq', invite({ drop: ['CSeq'] }), 'missing-header'],
    ['missing Max-Forwards', invite({ drop: ['Max-Forwards'] }), 'missing-header'],
    ['two Call-IDs', invite({ headers: ['i: other'] }), 'duplicate-header'],
    ['bad Via', invite({ drop: ['Via'], headers: ['Via: SIP/2.0/FOO 127.0.0.1;branch=z9hG4bK1'] }), 'via'],
    ['RFC 2543 branch', invite({ drop: ['Via'], headers: ['Via: SIP/2.0/UDP 127.0.0.1;branch=abc'] }), 'via-branch'],
    ['no branch', invite({ drop: ['Via'], headers: ['Via: SIP/2.0/UDP 127.0.0.1'] }), 'via-branch'],
    ['bare cookie', invite({ drop: ['Via'], headers: ['Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK'] }), 'via-branch'],
    ['From without tag', invite({ drop: ['From'], headers: ['From: <sip:a@b>'] }), 'from-tag'],
    ['tag only inside the URI', invite({ drop: ['From'], headers: ['From: <sip:a@b;tag=1>'] }), 'from-tag'],
    ['180 without To tag', response('180 Ringing', RESP_HEADERS.map((l) => l.replace(';tag=xyz', ''))), 'to-tag'],
    ['Call-ID with space', invite({ drop: ['Call-ID'], headers: ['Call-ID: a b'] }), 'call-id'],
    ['CSeq x INVITE', invite({ drop: ['CSeq'], headers: ['CSeq: x INVITE'] }), 'cseq'],
    ['CSeq method mismatch', invite({ drop: ['CSeq'], headers: ['CSeq: 1 BYE'] }), 'cseq'],
    ['CSeq too big', invite({ drop: ['CSeq'], headers: ['CSeq: 2147483648 INVITE'] }), 'cseq'],
    ['Max-Forwards 256', invite({ drop: ['Max-Forwards'], headers: ['Max-Forwards: 256'] }), 'max-forwards'],
    ['Content-Length one too many', invite({ cl: String(Buffer.byteLength(SDP) + 1) }), 'content-length'],
    ['Content-Length one too few', invite({ cl: String(Buffer.byteLength(SDP) - 1) }), 'content-length'],
    ['Content-Length in chars not bytes', invite({ body: SDP.replace('s=sipprobe', 's=Zoë'), cl: String(SDP.replace('s=sipprobe', 's=Zoë').length) }), 'content-length'],
    ['missing Content-Length', invite({ drop: ['Content-Length'] }), 'content-length'],
    ['negative Content-Length', invite({ cl: '-1' }), 'content-length'],
    ['body without Content-Type', invite({ drop: ['Content-Type'] }), 'content-type'],
    ['SDP bare LF', invite({ body: SDP.replace(/\r\n/g, '\n') }), 'sdp-bare-lf'],
    ['SDP last line unterminated', invite({ body: SDP.replace(/\r\n$/, '') }), 'sdp-eol'],
    ['SDP empty line', invite({ body: SDP.replace('t=0 0\r\n', 't=0 0\r\n\r\n') }), 'sdp-empty-line'],
    ['SDP v=1', invite({ body: SDP.replace('v=0', 'v=1') }), 'sdp-version'],
    ['SDP s= before o=', invite({ body: SDP.replace('o=caller 4242 1 IN IP4 127.0.0.1\r\ns=sipprobe', 's=sipprobe\r\no=caller 4242 1 IN IP4 127.0.0.1') }), 'sdp-order'],
    ['SDP t= after m=', invite({ body: SDP.replace('t=0 0\r\n', '').replace('a=sendrecv\r\n', 'a=sendrecv\r\nt=0 0\r\n') }), 'sdp-order'],
    ['SDP bad line', invite({ body: SDP.replace('a=sendrecv', 'A=sendrecv') }), 'sdp-line'],
    ['SDP o= with 5 fields', invite({ body: SDP.replace('o=caller 4242 1 IN IP4 127.0.0.1', 'o=caller 4242 1 IN IP4') }), 'sdp-origin'],
    ['SDP o= non-numeric version', invite({ body: SDP.replace('o=caller 4242 1 ', 'o=caller 4242 v1 ') }), 'sdp-origin'],
    ['SDP missing o=', invite({ body: SDP.replace('o=caller 4242 1 IN IP4 127.0.0.1\r\n', '') }), 'sdp-origin'],
    ['SDP missing s=', invite({ body: SDP.replace('s=sipprobe\r\n', '') }), 'sdp-session-name'],
    ['SDP empty s=', invite({ body: SDP.replace('s=sipprobe', 's=') }), 'sdp-session-name'],
    ['SDP missing t=', invite({ body: SDP.replace('t=0 0\r\n', '') }), 'sdp-timing'],
    ['SDP bad t=', invite({ body: SDP.replace('t=0 0', 't=now') }), 'sdp-timing'],
    ['SDP bad c=', invite({ body: SDP.replace('c=IN IP4 127.0.0.1', 'c=IN IP4') }), 'sdp-connection'],
    ['SDP no c= anywhere', invite({ body: SDP.replace('c=IN IP4 127.0.0.1\r\n', '') }), 'sdp-connection'],
    ['SDP m=audio abc', invite({ body: SDP.replace('m=audio 40000', 'm=audio abc') }), 'sdp-media'],
    ['SDP port 70000', invite({ body: SDP.replace('m=audio 40000', 'm=audio 70000') }), 'sdp-media'],
    ['SDP PT x', invite({ body: SDP.replace('RTP/AVP 111 0 8 101', 'RTP/AVP 111 x 8 101') }), 'sdp-payload-type'],
    ['SDP PT 200', invite({ body: SDP.replace('RTP/AVP 111 0 8 101', 'RTP/AVP 111 0 8 101 200') }), 'sdp-payload-type'],
    ['SDP dynamic PT without rtpmap', invite({ body: SDP.replace('a=rtpmap:111 opus/48000/2\r\n', '') }), 'sdp-rtpmap'],
    ['SDP rtpmap without rate', invite({ body: SDP.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 opus') }), 'sdp-rtpmap'],
  ])('%s → %s', (_label, msg, rule) => {
    const found = rules(msg);
    expect(found).toContain(rule);
  });

  it('checks SDP only for application/sdp bodies', () => {
    const body = 'not sdp at all\r\n';
    const msg = invite({ body, drop: ['Content-Type'], headers: ['Content-Type: text/plain'] });
    expect(lintSipMessage(msg)).toEqual([]);
  });
});

describe('lintSipMessage: RFC 4475 messages a strict sender must never produce', () => {
  it.each<[string, string[]]>([
    ['clerr.dat', ['content-length']],
    ['ncl.dat', ['content-length']],
    ['mcl01.dat', ['duplicate-header', 'content-length']],
    ['scalar02.dat', ['cseq', 'max-forwards']],
    ['mismatch01.dat', ['cseq']],
    ['bigcode.dat', ['start-line']],
    ['lwsstart.dat', ['start-line']],
    ['badbranch.dat', ['via-branch']],
    ['insuf.dat', ['missing-header']],
    ['inv2543.dat', ['missing-header', 'via-branch', 'from-tag', 'content-length']],
    ['multi01.dat', ['duplicate-header']],
    ['wsinv.dat', ['via-branch']],
    ['mult-ip-in-sdp.sip', ['content-length', 'sdp-session-name']],
  ])('%s is flagged for %j', (name, expected) => {
    const found = rules(fixture(name));
    for (const r of expected) expect(found).toContain(r);
  });
});

describe('lintSipMessage: robustness', () => {
  it('never throws on arbitrary bytes and returns findings with rule and message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const f = lintSipMessage(bytes);
        for (const x of f) expect(typeof x.rule === 'string' && typeof x.message === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('flags every wrong Content-Length of a correct message, and accepts the right one', () => {
    const good = invite();
    const len = Buffer.byteLength(SDP);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), (cl) => {
        const found = rules(invite({ cl: String(cl) }));
        expect(found.includes('content-length')).toBe(cl !== len);
      }),
      { numRuns: 200 },
    );
    expect(lintSipMessage(good)).toEqual([]);
  });

  it('survives mutations of a valid message (one byte changed) without throwing', () => {
    const good = invite();
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const b = Buffer.from(good);
        b[at] = byte;
        lintSipMessage(b);
      }),
      { numRuns: 300 },
    );
  });

  it('stays linear on a huge header section', () => {
    const big = invite({ headers: Array.from({ length: 20000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}`) });
    const t = process.hrtime.bigint();
    expect(lintSipMessage(big)).toEqual([]);
    expect(Number(process.hrtime.bigint() - t) / 1e6).toBeLessThan(1000);
  });

  it('formats located findings one per line with frame and first line', () => {
    const out = formatLintFindings(lintSipMessages([{ raw: invite({ cl: '1' }), frame: 7 }]));
    expect(out).toMatch(/^frame 7 \(INVITE sip:agent@127\.0\.0\.1:5060 SIP\/2\.0\): \[content-length\] Content-Length 1 != body length \d+$/);
  });
});
