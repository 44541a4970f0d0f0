/**
 * SIP parse and serialize throughput: sipprobe vs the npm packages `sip`, `jssip` and `sip.js`
 * on a corpus of realistic messages. Every parse includes reading method/status, Call-ID, CSeq,
 * the top Via branch, the From tag and the body length, so lazy parsing cannot skip the work;
 * each peer's answers are checked against the expected values first and wrong ones reported.
 */
import { compare } from './harness';
import { parseMessage, serializeMessage, type SipMessage } from '../src/sip';

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const sipPkg = require('sip') as { parse(s: string): any; stringify(m: any): string };
const jssipParser = require('jssip/lib/Parser.js') as { parseMessage(data: string, ua: unknown): any };
const sipjsCore = require('sip.js/lib/core') as { Parser: { parseMessage(data: string, logger: unknown): any }; LoggerFactory: new () => any };

const SDP_OFFER = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 9 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');
const SDP_ANSWER = SDP_OFFER.replace(/alice/g, 'agent').replace(/192\.0\.2\.10/g, '198.51.100.7').replace('49170', '20000');

const msg = (lines: string[], body = ''): string => lines.join('\r\n') + `\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body;
const common = (method: string, seq: number, toTag = false): string[] => [
  'From: "Alice Caller" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
  `To: <sip:agent@voice.example.com>${toTag ? ';tag=314159' : ''}`,
  'Call-ID: 3848276298220188511@atlanta.example.com',
  `CSeq: ${seq} ${method}`,
];

interface Expected {
  first: string | number;
  callId: string;
  cseq: number;
  branch: string;
  fromTag: string;
  bodyLength: number;
}

/** The corpus, exported for profiling scripts. */
export const CORPUS: { name: string; text: string; expect: Expected }[] = [];
const add = (name: string, text: string, first: string | number, cseq: number, branch: string, body: string, callId = '3848276298220188511@atlanta.example.com', fromTag = '9fxced76sl'): void => {
  CORPUS.push({ name, text, expect: { first, callId, cseq, branch, fromTag, bodyLength: Buffer.byteLength(body) } });
};

add(
  'INVITE+SDP',
  msg(
    [
      'INVITE sip:agent@voice.example.com SIP/2.0',
      'Via: SIP/2.0/UDP edge.example.com:5060;branch=z9hG4bKedge1;rport',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bK74bf9;rport=5060',
      'Max-Forwards: 69',
      'Route: <sip:core.example.com;lr>',
      'Record-Route: <sip:edge.example.com;lr>',
      ...common('INVITE', 1),
      'Contact: <sip:alice@192.0.2.10:5060;transport=udp>',
      'Proxy-Authorization: Digest username="alice", realm="voice.example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:agent@voice.example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5',
      'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE',
      'Supported: replaces, timer',
      'User-Agent: sipprobe-bench/1.0',
      'X-Run-Id: run-42',
      'Content-Type: application/sdp',
    ],
    SDP_OFFER,
  ),
  'INVITE',
  1,
  'z9hG4bKedge1',
  SDP_OFFER,
);
add('100 Trying', msg(['SIP/2.0 100 Trying', 'Via: SIP/2.0/UDP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bK74bf9;rport=5060', ...common('INVITE', 1)]), 100, 1, 'z9hG4bK74bf9', '');
add(
  '180 comma Via',
  msg(['SIP/2.0 180 Ringing', 'Via: SIP/2.0/UDP edge.example.com:5060;branch=z9hG4bKedge1;rport=5060, SIP/2.0/UDP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bK74bf9;rport=5060', 'Record-Route: <sip:edge.example.com;lr>', ...common('INVITE', 1, true), 'Contact: <sip:agent@198.51.100.7:5080>']),
  180,
  1,
  'z9hG4bKedge1',
  '',
);
add(
  '200 OK+SDP',
  msg(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bK74bf9;rport=5060', 'Record-Route: <sip:edge.example.com;lr>', ...common('INVITE', 1, true), 'Contact: <sip:agent@198.51.100.7:5080>', 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS', 'Content-Type: application/sdp'], SDP_ANSWER),
  200,
  1,
  'z9hG4bK74bf9',
  SDP_ANSWER,
);
add('ACK', msg(['ACK sip:agent@198.51.100.7:5080 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKack01;rport', 'Max-Forwards: 70', 'Route: <sip:edge.example.com;lr>', ...common('ACK', 1, true)]), 'ACK', 1, 'z9hG4bKack01', '');
add('BYE', msg(['BYE sip:agent@198.51.100.7:5080 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbye02;rport', 'Max-Forwards: 70', 'Route: <sip:edge.example.com;lr>', ...common('BYE', 2, true), 'X-Result-Id: res-7']), 'BYE', 2, 'z9hG4bKbye02', '');
add(
  'REGISTER+Authorization',
  msg([
    'REGISTER sip:voice.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKreg02;rport',
    'Max-Forwards: 70',
    'From: <sip:alice@voice.example.com>;tag=reg77',
    'To: <sip:alice@voice.example.com>',
    'Call-ID: reg-843817637684230@192.0.2.10',
    'CSeq: 2 REGISTER',
    'Contact: <sip:alice@192.0.2.10:5060>;expires=3600',
    'Authorization: Digest username="alice", realm="voice.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sip:voice.example.com", response="dfe56131d1958046689d83306477ecc", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
    'Expires: 3600',
  ]),
  'REGISTER',
  2,
  'z9hG4bKreg02',
  '',
  'reg-843817637684230@192.0.2.10',
  'reg77',
);
add(
  '401',
  msg([
    'SIP/2.0 401 Unauthorized',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bKreg01;rport=5060',
    'From: <sip:alice@voice.example.com>;tag=reg77',
    'To: <sip:alice@voice.example.com>;tag=as1b2c3d',
    'Call-ID: reg-843817637684230@192.0.2.10',
    'CSeq: 1 REGISTER',
    'WWW-Authenticate: Digest realm="voice.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=SHA-256, qop="auth"',
    'WWW-Authenticate: Digest realm="voice.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=MD5, qop="auth"',
  ]),
  401,
  1,
  'z9hG4bKreg01',
  '',
  'reg-843817637684230@192.0.2.10',
  'reg77',
);
add(
  '407',
  msg(['SIP/2.0 407 Proxy Authentication Required', 'Via: SIP/2.0/UDP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bK74bf0;rport=5060', ...common('INVITE', 1, true), 'Proxy-Authenticate: Digest realm="voice.example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", algorithm=MD5']),
  407,
  1,
  'z9hG4bK74bf0',
  '',
);
add(
  'OPTIONS compact',
  msg(['OPTIONS sip:agent@voice.example.com SIP/2.0', 'v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKopt9;rport', 'Max-Forwards: 70', 'f: <sip:alice@atlanta.example.com>;tag=opt5', 't: <sip:agent@voice.example.com>', 'i: opt-1928@192.0.2.10', 'CSeq: 5 OPTIONS', 'm: <sip:alice@192.0.2.10:5060>', 'k: replaces', 'Accept: application/sdp']).replace('Content-Length: 0', 'l: 0'),
  'OPTIONS',
  5,
  'z9hG4bKopt9',
  '',
  'opt-1928@192.0.2.10',
  'opt5',
);

type Extract = (text: string, buf: Buffer) => Expected;

const sipprobeFields = (m: SipMessage): Expected => ({
  first: m.kind === 'request' ? m.method : m.status,
  callId: m.callId!,
  cseq: m.cseq!.seq,
  branch: m.topVia!.branch!,
  fromTag: m.from!.tag!,
  bodyLength: m.body.length,
});

const jssipUa = {}; // IncomingRequest only stores it (JsSIP SIPMessage.js); parsing never calls into it
const sipjsLogger = new sipjsCore.LoggerFactory().getLogger('bench');
sipjsLogger.level = 0; // errors only

const PARSERS: { name: string; parse: Extract }[] = [
  { name: 'sipprobe parseMessage', parse: (_t, b) => sipprobeFields(parseMessage(b)) },
  {
    name: 'sip (npm) parse',
    parse: (t) => {
      const m = sipPkg.parse(t);
      return { first: m.method ?? m.status, callId: m.headers['call-id'], cseq: Number(m.headers.cseq.seq), branch: m.headers.via[0].params.branch, fromTag: m.headers.from.params.tag, bodyLength: Buffer.byteLength(m.content ?? '', 'binary') };
    },
  },
  {
    name: 'jssip Parser.parseMessage',
    parse: (t) => {
      const m = jssipParser.parseMessage(t, jssipUa);
      return { first: m.status_code ?? m.method, callId: m.call_id, cseq: m.cseq, branch: m.via_branch, fromTag: m.from_tag, bodyLength: Buffer.byteLength(m.body ?? '') };
    },
  },
  {
    name: 'sip.js Parser.parseMessage',
    parse: (t) => {
      const m = sipjsCore.Parser.parseMessage(t, sipjsLogger);
      return { first: m.statusCode ?? m.method, callId: m.callId, cseq: m.cseq, branch: m.viaBranch, fromTag: m.fromTag, bodyLength: Buffer.byteLength(m.body ?? '') };
    },
  },
];

function correctness(): void {
  console.log('\n## SIP parse correctness (method/status, Call-ID, CSeq, top Via branch, From tag, body length)');
  for (const p of PARSERS) {
    const wrong: string[] = [];
    for (const c of CORPUS) {
      let got: Expected | string;
      try {
        got = p.parse(c.text, Buffer.from(c.text));
      } catch (e) {
        got = `threw ${(e as Error).message}`;
      }
      if (typeof got === 'string') {
        wrong.push(`${c.name}: ${got}`);
        continue;
      }
      for (const k of Object.keys(c.expect) as (keyof Expected)[]) {
        if (got[k] !== c.expect[k]) wrong.push(`${c.name}: ${k} = ${JSON.stringify(got[k])}, expected ${JSON.stringify(c.expect[k])}`);
      }
    }
    console.log(`${p.name.padEnd(34)} ${wrong.length === 0 ? 'all correct' : 'WRONG: ' + wrong.join('; ')}`);
  }
}

export default async function (): Promise<void> {
  correctness();
  const texts = CORPUS.map((c) => c.text);
  const bufs = texts.map((t) => Buffer.from(t));
  const k = CORPUS.length;
  let acc = 0;
  compare(
    `SIP parse + field access, ${k}-message corpus`,
    'msgs',
    PARSERS.map((p) => ({
      name: p.name,
      run: (n: number) => {
        for (let i = 0; i < n; i++) {
          const r = p.parse(texts[i % k], bufs[i % k]);
          acc += r.cseq + r.bodyLength + r.branch.length;
        }
        return acc;
      },
    })),
  );

  const parsedProbe = bufs.map((b) => parseMessage(b));
  const parsedSip = texts.map((t) => sipPkg.parse(t));
  // a serializer must produce a message its own parser reads back the same
  for (let i = 0; i < k; i++) {
    const back = sipprobeFields(parseMessage(serializeMessage(parsedProbe[i])));
    if (JSON.stringify(back) !== JSON.stringify(CORPUS[i].expect)) throw new Error(`sipprobe round trip differs on ${CORPUS[i].name}`);
    const s = sipPkg.parse(sipPkg.stringify(parsedSip[i]));
    if (s.headers['call-id'] !== CORPUS[i].expect.callId) console.log(`sip (npm) stringify round trip differs on ${CORPUS[i].name}`);
  }
  compare(`SIP serialize, ${k}-message corpus`, 'msgs', [
    {
      name: 'sipprobe serializeMessage',
      run: (n: number) => {
        for (let i = 0; i < n; i++) acc += serializeMessage(parsedProbe[i % k]).length;
        return acc;
      },
    },
    {
      name: 'sip (npm) stringify → Buffer',
      run: (n: number) => {
        for (let i = 0; i < n; i++) acc += Buffer.from(sipPkg.stringify(parsedSip[i % k]), 'binary').length;
        return acc;
      },
    },
  ]);
}
