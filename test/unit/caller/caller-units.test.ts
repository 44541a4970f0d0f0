import { inspect } from 'node:util';
import fc from 'fast-check';
import { Caller, classifyFinalStatus, redactSipCredentials, renderInvite } from '../../../src/caller';
import { HeaderInjectionError } from '../../../src/headers';
import { parseMessage } from '../../../src/sip/parser';
import type { SipRequest } from '../../../src/sip/message';

describe('classifyFinalStatus', () => {
  test.each([
    [486, false, 'busy'],
    [600, false, 'busy'],
    [408, false, 'no-answer'],
    [480, false, 'no-answer'],
    [487, true, 'no-answer'],
    [487, false, 'rejected'],
    [403, false, 'rejected'],
    [603, false, 'rejected'],
    [488, false, 'rejected'],
    [500, false, 'rejected'],
    [302, false, 'rejected'],
    [401, false, 'auth-failed'],
    [407, false, 'auth-failed'],
  ])('%i (after our CANCEL: %s) → %s', (status, cancelled, outcome) => {
    expect(classifyFinalStatus(status, 'Reason', cancelled).outcome).toBe(outcome);
  });
  test('488 is reported as a codec mismatch with the code kept', () => {
    expect(classifyFinalStatus(488, 'Not Acceptable Here', false).endReason).toBe('codec mismatch (488 Not Acceptable Here)');
  });
});

describe('redactSipCredentials', () => {
  test('Authorization and Proxy-Authorization values go, any case, folded lines too; other headers stay', () => {
    const text =
      'INVITE sip:a@b SIP/2.0\r\nauthorization: Digest username="u", response="abc"\r\nPROXY-AUTHORIZATION:Digest realm="r",\r\n  response="def"\r\nX-Authorization-Note: keep\r\n\r\n';
    const out = redactSipCredentials(text);
    expect(out).not.toMatch(/abc|def|username="u"/);
    expect(out).toContain('authorization: Digest [redacted]\r\n');
    expect(out).toContain('PROXY-AUTHORIZATION:Digest [redacted]\r\n');
    expect(out).toContain('X-Authorization-Note: keep');
  });
  test('property: whatever the value, it never survives', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9=",. ]{8,60}$/), (v) => {
        const secret = `SECRET${v}`;
        expect(redactSipCredentials(`Authorization: Digest ${secret}\r\nVia: x\r\n`)).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });
});

describe('renderInvite (pure)', () => {
  const target = 'sip:agent@127.0.0.1:5080';

  test('parses back as an INVITE with the test headers in order, an SDP offer and telephone-event', () => {
    const r = renderInvite({ target, run: { runId: 'R', scenarioId: 'S', resultId: 'X' }, headers: { 'X-A': 1 }, codecs: ['PCMA', 'PCMU'] });
    const msg = parseMessage(r.bytes) as SipRequest;
    expect(msg.method).toBe('INVITE');
    expect(msg.uri).toBe(target);
    const xs = [...msg.headers].filter((h) => /^x-/i.test(h.name)).map((h) => `${h.name}: ${h.value}`);
    expect(xs).toEqual(['X-Run-Id: R', 'X-Scenario-Id: S', 'X-Result-Id: X', 'X-A: 1']);
    const sdp = msg.body.toString();
    expect(sdp).toMatch(/^m=audio \d+ RTP\/AVP 8 0 101\r$/m);
    expect(sdp).toContain('a=rtpmap:101 telephone-event/8000');
    expect(msg.headers.get('Content-Type')).toBe('application/sdp');
    expect(r.warnings).toEqual([]);
  });

  test('names the advertised address in Via, Contact, From and SDP; refuses a bad one and a password in the target', () => {
    const r = renderInvite({ target }, { advertise: { address: '198.51.100.7' } });
    const msg = parseMessage(r.bytes) as SipRequest;
    expect(msg.topVia?.host).toBe('198.51.100.7');
    expect(msg.headers.get('Contact')).toContain('@198.51.100.7');
    expect(msg.from?.uri).toContain('@198.51.100.7');
    expect(msg.body.toString()).toMatch(/^c=IN IP4 198\.51\.100\.7\r$/m);
    expect(() => renderInvite({ target }, { advertise: { address: '1.2.3.4\r\nVia: x' } })).toThrow(expect.objectContaining({ code: 'CALLER_BAD_OPTION' }));
    let thrown: unknown;
    try {
      renderInvite({ target: 'sip:agent:hunter2@127.0.0.1' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'CALLER_BAD_OPTION' });
    expect(String((thrown as Error).message)).not.toContain('hunter2');
  });

  test('refuses header injection, reserved ids and standard headers; nothing is built', () => {
    expect(() => renderInvite({ target, headers: { 'X-Evil': 'a\r\nBYE sip:x SIP/2.0' } })).toThrow(HeaderInjectionError);
    expect(() => renderInvite({ target, headers: { 'x-run-id': 'again' } })).toThrow(expect.objectContaining({ code: expect.stringMatching(/RESERVED/) }));
    expect(() => renderInvite({ target, headers: { Via: 'SIP/2.0/UDP evil' } })).toThrow();
  });

  test('property: no profile value can add a line to the INVITE', () => {
    const base = renderInvite({ target, profile: { information: { main_agent_variables: { 'X-V': 'x' } } } }).text;
    const baseline = base.slice(0, base.indexOf('\r\n\r\n')).split('\r\n').length;
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (v) => {
        let text: string;
        try {
          text = renderInvite({ target, profile: { information: { main_agent_variables: { 'X-V': v } } } }).text;
        } catch (e) {
          expect((e as { code?: string }).code).toEqual(expect.any(String));
          return;
        }
        const head = text.slice(0, text.indexOf('\r\n\r\n'));
        expect(head.split('\r\n').filter((l) => l.startsWith('X-V:')).length).toBe(1);
        const lines = head.split('\r\n');
        expect(lines.every((l) => !/[\r\n]/.test(l))).toBe(true);
        expect(lines.length).toBe(baseline);
      }),
      { numRuns: 300 },
    );
  });

  test('the password of auth never reaches the dry run or inspect', () => {
    const opts = { target, auth: { username: 'u', password: 'pw-zzz-123' } };
    const r = renderInvite(opts);
    expect(r.text + inspect(r, { depth: 10 })).not.toContain('pw-zzz-123');
  });
});

describe('Caller in util.inspect', () => {
  it('shows no TLS key material (the options hold it)', async () => {
    const caller = new Caller({ transport: 'tls', tls: { key: '-----BEGIN PRIVATE KEY-----\nS3CRETKEYMATERIAL\n', cert: 'CERT' } });
    try {
      const shown = inspect(caller, { depth: 20, showHidden: true });
      expect(shown).toContain('"transport":"tls"');
      expect(shown).not.toContain('S3CRETKEYMATERIAL');
    } finally {
      await caller.close();
    }
  });
});
