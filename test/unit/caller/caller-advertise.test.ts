/** CallerOptions.advertise checks, and the dry-run INVITE of a wildcard-bound or advertising Caller (nothing sent). */
import { inspect } from 'node:util';
import { Caller, CallerError } from '../../../src/caller';
import type { SipRequest } from '../../../src/sip/message';
import { parseMessage } from '../../../src/sip/parser';

function refusal(address: unknown): CallerError {
  try {
    new Caller({ advertise: { address } as { address: string } });
  } catch (e) {
    return e as CallerError;
  }
  throw new Error('expected CALLER_BAD_OPTION');
}

describe('CallerOptions.advertise is checked (it goes into Via, Contact and SDP verbatim)', () => {
  test.each([
    ['CR/LF', '203.0.113.7\r\nVia: SIP/2.0/UDP evil'],
    ['LF', 'host\nX-Evil: 1'],
    ['NUL', 'host\0'],
    ['space', '203.0.113.7 '],
    ['inner space', 'my host'],
    ['tab', 'host\t'],
    ['parameter', 'host;transport=tcp'],
    ['user part', 'evil@host'],
    ['port', '203.0.113.7:5060'],
    ['angle bracket', 'host>'],
    ['quote', '"host"'],
    ['wildcard v4', '0.0.0.0'],
    ['wildcard v6', '::'],
    ['zone id', 'fe80::1%eth0'],
    ['empty', ''],
    ['bad octet', '300.1.1.1'],
    ['garbage', '%%%'],
    ['unicode', 'höst.example'],
    ['number', 42],
    ['null', null],
  ])('%s is CALLER_BAD_OPTION, the value not echoed', (_what, address) => {
    const e = refusal(address);
    expect(e).toBeInstanceOf(CallerError);
    expect(e.code).toBe('CALLER_BAD_OPTION');
    expect(e.message).toMatch(/advertise/);
    expect(inspect(e)).not.toMatch(/evil/i);
  });

  test('advertise that is not an object is refused too', () => {
    expect(() => new Caller({ advertise: 'x' as unknown as { address: string } })).toThrow(expect.objectContaining({ code: 'CALLER_BAD_OPTION' }));
  });
});

async function dryInvite(caller: Caller, target = 'sip:agent@127.0.0.1:5999'): Promise<{ req: SipRequest; text: string }> {
  try {
    const r = await caller.renderInvite({ target });
    return { req: parseMessage(r.bytes) as SipRequest, text: r.text };
  } finally {
    await caller.close();
  }
}

describe('renderInvite names the advertised address', () => {
  test('IPv6 advertise on an IPv4 bind: bracketed in Via/Contact/From, c=/o= IN IP6', async () => {
    const { req, text } = await dryInvite(new Caller({ advertise: { address: '[2001:db8::7]' } }));
    expect(req.topVia!.host).toBe('[2001:db8::7]');
    expect(req.headers.get('Contact')).toMatch(/^<sip:sipprobe@\[2001:db8::7\]:\d+>$/);
    expect(req.headers.get('From')).toMatch(/^<sip:sipprobe@\[2001:db8::7\]>;tag=/);
    expect(text).toContain('\r\nc=IN IP6 2001:db8::7\r\n');
    expect(text).toMatch(/\r\no=\S+ \d+ \d+ IN IP6 2001:db8::7\r\n/);
    expect(text).not.toContain('127.0.0.1\r\n');
  });

  test('bound to 0.0.0.0: the address routed to the target (127.0.0.1), never 0.0.0.0', async () => {
    const { req, text } = await dryInvite(new Caller({ bind: { address: '0.0.0.0' } }));
    expect(req.topVia!.host).toBe('127.0.0.1');
    expect(req.headers.get('Contact')).toMatch(/^<sip:sipprobe@127\.0\.0\.1:\d+>$/);
    expect(text).toContain('\r\nc=IN IP4 127.0.0.1\r\n');
    expect(text).not.toContain('0.0.0.0');
  });

  test('a specific bind is advertised as is (no probing, no change)', async () => {
    const { req, text } = await dryInvite(new Caller({ bind: { address: '127.0.0.1' } }));
    expect(req.topVia!.host).toBe('127.0.0.1');
    expect(text).toContain('\r\nc=IN IP4 127.0.0.1\r\n');
  });
});
