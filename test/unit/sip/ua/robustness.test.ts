/**
 * Hostile and mutated input into a user agent with calls in progress: nothing throws, every
 * response we send parses back, carries the request's Call-ID and CSeq, and no timer is left
 * behind after close.
 */
import fc from 'fast-check';
import { FakeClock } from '../../../../src/clock';
import { parseMessage, serializeMessage, type SipResponse } from '../../../../src/sip';
import { SipUserAgent } from '../../../../src/sip/user-agent';
import { FakeSipTransports, flushSip } from '../../../helpers/sip-fake-transports';

const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'UPDATE', 'PRACK', 'NOTIFY', 'REFER', 'MESSAGE', 'SUBSCRIBE', 'FOO'];

function template(method: string, branch: string, toTag: string | undefined, cseq: number, extra: string[], body: string): string {
  return [
    `${method} sip:ua@127.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}`,
    'Max-Forwards: 70',
    'From: <sip:peer@127.0.0.1>;tag=peer',
    `To: <sip:ua@127.0.0.1>${toTag === undefined ? '' : ';tag=' + toTag}`,
    'Call-ID: fuzz-1',
    `CSeq: ${cseq} ${method}`,
    'Contact: <sip:peer@127.0.0.1:5070>',
    ...extra,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const EXTRA = fc.constantFrom(
  'Require: 100rel',
  'Require: bogus',
  'Supported: timer',
  'Session-Expires: 30',
  'Session-Expires: 1800;refresher=uas',
  'Session-Expires: junk',
  'Min-SE: x',
  'RAck: 1 1 INVITE',
  'RAck: garbage',
  'Record-Route: <sip:p1.example.com;lr>',
  'Record-Route: <sip:p1 .example.com',
  'Contact: *',
  'Contact: <sip:[::1>',
  'Accept: text/html',
  'Content-Type: text/plain',
  'Event: refer',
  'Refer-To: <sip:x@127.0.0.1>',
  'CSeq: 9 INVITE',
  'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKextra',
);

/** Byte-level mutation: replace a slice with random printable text or cut the message. */
const mutate = (s: string, at: number, len: number, junk: string, cut: boolean): string => {
  const i = Math.min(at, s.length);
  return cut ? s.slice(0, i) : s.slice(0, i) + junk + s.slice(Math.min(s.length, i + len));
};

describe('user agent robustness', () => {
  it('never throws on mutated requests and responses; every response it sends is well formed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            method: fc.constantFrom(...METHODS),
            response: fc.boolean(),
            status: fc.integer({ min: 100, max: 699 }),
            useLocalTag: fc.boolean(),
            cseq: fc.integer({ min: 0, max: 20 }),
            extra: fc.array(EXTRA, { maxLength: 3 }),
            body: fc.constantFrom('', 'v=0\r\n'),
            mutateAt: fc.integer({ min: 0, max: 400 }),
            mutateLen: fc.integer({ min: 0, max: 20 }),
            junk: fc.string({ maxLength: 12 }),
            doMutate: fc.boolean(),
            cut: fc.boolean(),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (steps) => {
          const clock = new FakeClock();
          const net = new FakeSipTransports();
          const ua = new SipUserAgent({ transports: net.asManager(), clock });
          await ua.start();
          const tags: string[] = [];
          let n = 0;
          ua.on('invite', (inv) => {
            tags.push(inv.localTag);
            const k = n++ % 4;
            try {
              if (k === 0) inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' });
              else if (k === 1) inv.provisional(180, { reliable: true });
              else if (k === 2) inv.reject(486);
              else inv.provisional(183);
            } catch (e) {
              // only typed API errors are acceptable here
              expect((e as { code?: string }).code).toMatch(/^SIP_/);
            }
          });
          // one outgoing call too, so that responses have something to match
          const out = ua.invite({ target: 'sip:peer@127.0.0.1:5070', from: 'sip:ua@127.0.0.1', body: 'v=0\r\n' });
          await flushSip();
          const sentInvite = net.requests('INVITE')[0];
          let i = 0;
          for (const s of steps) {
            let text: string;
            if (s.response) {
              const lines = [
                `SIP/2.0 ${s.status} X`,
                `Via: ${sentInvite.headers.get('via')}`,
                `From: ${sentInvite.headers.get('from')}`,
                `To: ${sentInvite.headers.get('to')}${s.status > 100 ? ';tag=t' + (s.cseq % 3) : ''}`,
                `Call-ID: ${sentInvite.callId}`,
                `CSeq: 1 INVITE`,
                'Contact: <sip:peer@127.0.0.1:5070>',
                ...s.extra,
                'Content-Length: 0',
                '',
                '',
              ];
              text = lines.join('\r\n');
            } else {
              const toTag = s.useLocalTag && tags.length > 0 ? tags[tags.length - 1] : s.method === 'ACK' || s.method === 'BYE' ? 'nope' : undefined;
              text = template(s.method, `z9hG4bKf${i++}`, toTag, s.cseq, s.extra, s.body);
            }
            if (s.doMutate) text = mutate(text, s.mutateAt, s.mutateLen, s.junk, s.cut);
            let parsed = true;
            try {
              parseMessage(text);
            } catch {
              parsed = false;
            }
            if (parsed) net.inject(text);
            else (net as unknown as { emit(e: string, v: unknown): void }).emit('malformed', { error: { code: 'SIP_PARSE_HEADER', message: 'x' }, protocol: 'udp', local: { address: '127.0.0.1', port: 5060 }, remote: { address: '127.0.0.1', port: 5070 }, transport: net.transport() });
            await flushSip();
            clock.advance(300);
          }
          clock.advance(70_000);
          await flushSip();
          for (const sent of net.sent) {
            const reparsed = parseMessage(serializeMessage(sent.message));
            expect(reparsed.callId).toBeDefined();
            if (reparsed.kind === 'response') {
              const res = reparsed as SipResponse;
              expect(res.status).toBeGreaterThanOrEqual(100);
              expect(res.cseq).toBeDefined();
              if (res.status > 100) expect(res.to?.tag).toBeDefined();
            }
          }
          out.cancel();
          await ua.close();
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000); // 150 runs of up to 12 exchanges: half a second alone, far more beside the e2e suites
});
