/**
 * `SipInviteOptions.dialogInviteHeaders`: extra headers repeated on every INVITE we send in the
 * call — the session-refresh re-INVITE (RFC 4028, we are the refresher) and our own
 * re-INVITEs — checked like any extra header. FakeClock: the refresh fires at half the interval.
 */
import { FakeClock } from '../../../../src/clock';
import { createResponse, type SipRequest } from '../../../../src/sip';
import type { SipCall } from '../../../../src/sip/ua/call';
import type { SipInviteOptions } from '../../../../src/sip/ua/uac-invite';
import { SipUserAgent } from '../../../../src/sip/user-agent';
import { FakeSipTransports, flushSip, startFakeUa } from '../../../helpers/sip-fake-transports';

let clock: FakeClock;
let net: FakeSipTransports;
let ua: SipUserAgent;

beforeEach(async () => ({ clock, net, ua } = await startFakeUa()));
afterEach(() => ua.close());

const TEST_HEADERS: [string, string][] = [
  ['X-Run-Id', 'run-1'],
  ['X-Scenario-Id', 'scn-1'],
  ['X-Result-Id', 'res-1'],
  ['X-Plan', 'gold'],
];

/** An answered call whose 2xx made us the refresher with a 90 s session (no UPDATE: refreshes are re-INVITEs). */
async function answered(extra: Partial<SipInviteOptions> = {}): Promise<{ call: SipCall; invite: SipRequest }> {
  const inv = ua.invite({
    target: 'sip:agent@127.0.0.1:5070',
    from: 'sip:probe@127.0.0.1',
    body: 'v=0\r\n',
    contentType: 'application/sdp',
    headers: TEST_HEADERS,
    ...extra,
  });
  await flushSip();
  const invite = net.requests('INVITE')[0];
  net.inject(
    createResponse(invite, 200, undefined, {
      toTag: 'far',
      contact: '<sip:agent@127.0.0.1:5070>',
      body: 'v=0\r\n',
      contentType: 'application/sdp',
      headers: [
        ['Session-Expires', '90;refresher=uac'],
        ['Require', 'timer'],
        ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS'],
      ],
    }),
  );
  await flushSip();
  const r = await inv.result;
  if (r.kind !== 'answered') throw new Error(r.kind);
  return { call: r.call, invite };
}

const xHeaders = (req: SipRequest): [string, string][] => [...req.headers].filter((f) => /^x-/i.test(f.name)).map((f) => [f.name, f.value]);

describe('dialogInviteHeaders', () => {
  it('the session-refresh re-INVITE carries the same X- headers as the INVITE', async () => {
    const { call, invite } = await answered({ dialogInviteHeaders: TEST_HEADERS });
    expect(call.sessionTimer).toEqual({ interval: 90, weRefresh: true });
    expect(xHeaders(invite)).toEqual(TEST_HEADERS);
    clock.advance(44_999);
    await flushSip();
    expect(net.requests('INVITE')).toHaveLength(1);
    clock.advance(1);
    await flushSip();
    const refresh = net.requests('INVITE')[1];
    expect(refresh.to?.tag).toBe('far');
    expect(refresh.headers.get('session-expires')).toBe('90;refresher=uac');
    expect(xHeaders(refresh)).toEqual(TEST_HEADERS);
    net.inject(createResponse(refresh, 200, undefined, { contact: '<sip:agent@127.0.0.1:5070>', body: 'v=0\r\n', contentType: 'application/sdp', headers: { 'Session-Expires': '90;refresher=uac' } }));
    await flushSip();
    // the next refresh carries them again
    clock.advance(45_000);
    await flushSip();
    const again = net.requests('INVITE')[2];
    expect(again.cseq!.seq).toBe(refresh.cseq!.seq + 1);
    expect(xHeaders(again)).toEqual(TEST_HEADERS);
    expect(call.active).toBe(true);
  });

  it('our own re-INVITE carries them too; per-request headers replace same-named ones', async () => {
    const { call } = await answered({ dialogInviteHeaders: TEST_HEADERS });
    const p = call.reinvite({ body: 'v=0\r\no=2\r\n', contentType: 'application/sdp' }, { headers: { 'X-Plan': 'silver', 'X-Turn': '2' } });
    await flushSip();
    const re = net.requests('INVITE')[1];
    expect(xHeaders(re)).toEqual([
      ['X-Run-Id', 'run-1'],
      ['X-Scenario-Id', 'scn-1'],
      ['X-Result-Id', 'res-1'],
      ['X-Plan', 'silver'],
      ['X-Turn', '2'],
    ]);
    net.inject(createResponse(re, 200, undefined, { contact: '<sip:agent@127.0.0.1:5070>', body: 'v=0\r\n', contentType: 'application/sdp' }));
    expect((await p).status).toBe(200);
  });

  it('without them, re-INVITEs carry no extra headers (headers are the initial INVITE only)', async () => {
    await answered();
    clock.advance(45_000);
    await flushSip();
    expect(xHeaders(net.requests('INVITE')[1])).toEqual([]);
  });

  it('a later change to the caller’s list does not leak into the call (snapshot)', async () => {
    const list: [string, string][] = [['X-Run-Id', 'a']];
    const { call } = await answered({ dialogInviteHeaders: list });
    list.push(['X-Late', 'b']);
    list[0][1] = 'changed';
    void call.reinvite(undefined);
    await flushSip();
    expect(xHeaders(net.requests('INVITE')[1])).toEqual([['X-Run-Id', 'a']]);
  });

  it('is checked like other headers: core, re-INVITE-owned and injected headers are refused before anything is sent', () => {
    const base = { target: 'sip:agent@127.0.0.1:5070', from: 'sip:probe@127.0.0.1' };
    const bads: [string, string][][] = [[['Via', 'SIP/2.0/UDP evil']], [['CSeq', '9 INVITE']], [['Session-Expires', '90']], [['x', '90']], [['Contact', '<sip:evil@h>']], [['Require', '100rel']]];
    for (const bad of bads) {
      expect(() => ua.invite({ ...base, dialogInviteHeaders: bad })).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
      expect(() => ua.buildInvite({ ...base, dialogInviteHeaders: bad })).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
    }
    expect(() => ua.invite({ ...base, dialogInviteHeaders: { 'X-Evil': 'a\r\nBYE sip:x SIP/2.0' } })).toThrow(expect.objectContaining({ code: expect.any(String) }));
    expect(() => ua.invite({ ...base, dialogInviteHeaders: [['X Bad', 'v']] })).toThrow(expect.objectContaining({ code: expect.any(String) }));
    expect(net.requests('INVITE')).toHaveLength(0);
  });
});

describe('SipUserAgentOptions.allow', () => {
  it('lists the configured methods in Allow (here: no UPDATE) and refuses non-tokens', async () => {
    const n = new FakeSipTransports();
    const a = new SipUserAgent({ transports: n.asManager(), clock, allow: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS'] });
    await a.start();
    try {
      a.invite({ target: 'sip:agent@127.0.0.1:5070', from: 'sip:probe@127.0.0.1' });
      await flushSip();
      expect(n.requests('INVITE')[0].headers.get('allow')).toBe('INVITE, ACK, BYE, CANCEL, OPTIONS');
    } finally {
      await a.close();
    }
    expect(() => new SipUserAgent({ transports: n.asManager(), allow: ['INVITE\r\nX: y'] })).toThrow(expect.objectContaining({ code: 'SIP_UA_OPTIONS' }));
  });
});
