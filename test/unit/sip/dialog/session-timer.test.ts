import { FakeClock } from '../../../../src/clock';
import { parseMessage, SipRequest, SipResponse } from '../../../../src/sip';
import {
  formatSessionExpires,
  initialSessionTimerOffer,
  negotiateUasSessionTimer,
  parseMinSE,
  parseSessionExpires,
  resolveSessionTimerConfig,
  sessionExpiresOf,
  sessionTimerFromResponse,
  sessionTimerOfferAfter422,
  sessionTimerRequestHeaders,
  SipSessionTimer,
  SipSessionTimerError,
} from '../../../../src/sip/session-timer';

const head = [
  'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKst1',
  'From: <sip:a@127.0.0.1>;tag=1',
  'To: <sip:b@127.0.0.1>',
  'Call-ID: st-1',
  'CSeq: 1 INVITE',
  'Contact: <sip:a@127.0.0.1>',
];
const invite = (...extra: string[]): SipRequest => parseMessage(['INVITE sip:b@127.0.0.1 SIP/2.0', ...head, ...extra].join('\r\n') + '\r\n\r\n') as SipRequest;
const response = (status: number, ...extra: string[]): SipResponse =>
  parseMessage([`SIP/2.0 ${status} X`, ...head, ...extra].join('\r\n') + '\r\n\r\n') as SipResponse;

describe('Session-Expires / Min-SE values', () => {
  it('parses and formats', () => {
    expect(parseSessionExpires('1800')).toEqual({ interval: 1800 });
    expect(parseSessionExpires(' 4000 ;refresher=UAS;foo=bar')).toEqual({ interval: 4000, refresher: 'uas' });
    expect(formatSessionExpires({ interval: 90, refresher: 'uac' })).toBe('90;refresher=uac');
    expect(parseMinSE('120;x')).toBe(120);
    for (const bad of ['', 'abc', '-1', '1800;refresher=me', '99999999999']) {
      expect(() => parseSessionExpires(bad)).toThrow(SipSessionTimerError);
    }
    expect(() => parseMinSE('x')).toThrow(expect.objectContaining({ code: 'SIP_SESSION_TIMER_VALUE' }));
    expect(sessionExpiresOf(invite('x: 600;refresher=uac'))).toEqual({ interval: 600, refresher: 'uac' });
    expect(sessionExpiresOf(invite('Session-Expires: junk'))).toBeUndefined();
  });

  it('checks the configuration', () => {
    expect(resolveSessionTimerConfig()).toEqual({ enabled: true, sessionExpires: 1800, minSE: 90, refresher: undefined });
    expect(() => resolveSessionTimerConfig({ minSE: 89 })).toThrow(expect.objectContaining({ code: 'SIP_SESSION_TIMER_CONFIG' }));
    expect(() => resolveSessionTimerConfig({ minSE: 300, sessionExpires: 200 })).toThrow(SipSessionTimerError);
  });
});

describe('UAC side (RFC 4028 §7)', () => {
  it('offers its configuration and raises it after a 422', () => {
    const offer = initialSessionTimerOffer(resolveSessionTimerConfig({ sessionExpires: 100, minSE: 90, refresher: 'uac' }));
    expect(sessionTimerRequestHeaders(offer)).toEqual([
      ['Session-Expires', '100;refresher=uac'],
      ['Min-SE', '90'],
    ]);
    const retry = sessionTimerOfferAfter422(response(422, 'Min-SE: 300'), offer)!;
    expect(retry).toEqual({ sessionExpires: 300, minSE: 300, refresher: 'uac' });
    // a 422 that does not raise Min-SE (or has none) would loop: give up
    expect(sessionTimerOfferAfter422(response(422, 'Min-SE: 300'), retry)).toBeUndefined();
    expect(sessionTimerOfferAfter422(response(422), offer)).toBeUndefined();
  });

  it('reads the 2xx: no Session-Expires → no timer; refresher decides who refreshes', () => {
    expect(sessionTimerFromResponse(response(200))).toBeUndefined();
    expect(sessionTimerFromResponse(response(200, 'Session-Expires: 1800;refresher=uac'))).toEqual({ interval: 1800, weRefresh: true });
    expect(sessionTimerFromResponse(response(200, 'Session-Expires: 1800;refresher=uas'))).toEqual({ interval: 1800, weRefresh: false });
  });
});

describe('UAS side (RFC 4028 §9)', () => {
  const cfg = resolveSessionTimerConfig({ sessionExpires: 1800, minSE: 120 });

  it('rejects an interval below our Min-SE with 422', () => {
    expect(negotiateUasSessionTimer(invite('Supported: timer', 'Session-Expires: 90'), cfg)).toEqual({ kind: 'reject', minSE: 120 });
  });

  it('accepts with the requested refresher, or the UAC when it supports timers', () => {
    const a = negotiateUasSessionTimer(invite('Supported: timer', 'Session-Expires: 600;refresher=uas'), cfg);
    expect(a).toEqual({ kind: 'accept', headers: [['Session-Expires', '600;refresher=uas'], ['Require', 'timer']], timer: { interval: 600, weRefresh: true } });
    const b = negotiateUasSessionTimer(invite('Supported: 100rel, timer', 'Session-Expires: 600'), cfg);
    expect(b).toEqual({ kind: 'accept', headers: [['Session-Expires', '600;refresher=uac'], ['Require', 'timer']], timer: { interval: 600, weRefresh: false } });
  });

  it('lowers a long interval to ours but never below the request Min-SE', () => {
    const a = negotiateUasSessionTimer(invite('Supported: timer', 'Session-Expires: 7200', 'Min-SE: 3600'), cfg);
    expect(a.kind === 'accept' && a.timer.interval).toBe(3600);
    const b = negotiateUasSessionTimer(invite('Supported: timer', 'Session-Expires: 7200'), cfg);
    expect(b.kind === 'accept' && b.timer.interval).toBe(1800);
  });

  it('refreshes itself when the UAC does not support timers (a proxy asked)', () => {
    const d = negotiateUasSessionTimer(invite('Session-Expires: 600'), cfg);
    expect(d).toEqual({ kind: 'accept', headers: [['Session-Expires', '600;refresher=uas']], timer: { interval: 600, weRefresh: true } });
  });

  it('adds a timer for a UAC that supports it without asking, none otherwise or when disabled', () => {
    const d = negotiateUasSessionTimer(invite('Supported: timer'), cfg);
    expect(d.kind === 'accept' && d.timer).toEqual({ interval: 1800, weRefresh: false });
    expect(negotiateUasSessionTimer(invite(), cfg)).toEqual({ kind: 'none' });
    expect(negotiateUasSessionTimer(invite('Supported: timer', 'Session-Expires: 600'), resolveSessionTimerConfig({ enabled: false }))).toEqual({ kind: 'none' });
  });
});

describe('SipSessionTimer', () => {
  it('asks the refresher to refresh at half the interval', () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const t = new SipSessionTimer(clock, { onRefresh: () => calls.push('refresh'), onExpire: () => calls.push('expire') });
    t.start({ interval: 90, weRefresh: true });
    clock.advance(44_999);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(['refresh']);
    t.start({ interval: 90, weRefresh: true });
    clock.advance(45_000);
    expect(calls).toEqual(['refresh', 'refresh']);
    expect(clock.pending).toBe(0);
  });

  it('expires at interval − min(32, interval/3) when the peer refreshes, and a refresh restarts it', () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const t = new SipSessionTimer(clock, { onRefresh: () => calls.push('refresh'), onExpire: () => calls.push('expire') });
    t.start({ interval: 90, weRefresh: false });
    clock.advance(59_000); // 90 − 30
    t.start({ interval: 1800, weRefresh: false }); // the peer refreshed
    clock.advance(1_767_999); // 1800 − 32
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(['expire']);
  });

  it('stop leaves no timer behind', () => {
    const clock = new FakeClock();
    const t = new SipSessionTimer(clock, { onRefresh: () => undefined, onExpire: () => undefined });
    t.start({ interval: 90, weRefresh: false });
    t.stop();
    expect(clock.pending).toBe(0);
  });
});
