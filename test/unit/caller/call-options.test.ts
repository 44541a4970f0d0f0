/** Call options the Caller checks before anything is sent: latch, voicemail and timeouts.silenceMs. */
import { Caller, CallerError, type CallOptions } from '../../../src/caller';

let caller: Caller;
beforeAll(() => {
  caller = new Caller({ rtpPorts: { min: 45200, max: 45300 } });
});
afterAll(() => caller.close());

const target = 'sip:agent@127.0.0.1:9';

function refusal(options: Omit<CallOptions, 'target'>): CallerError {
  try {
    caller.call({ target, ...options });
  } catch (e) {
    return e as CallerError;
  }
  throw new Error('expected CALLER_BAD_OPTION');
}

describe('timeouts.silenceMs', () => {
  test.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '10s' as unknown as number])('%p is refused', (v) => {
    const e = refusal({ timeouts: { silenceMs: v } });
    expect(e).toBeInstanceOf(CallerError);
    expect(e.code).toBe('CALLER_BAD_OPTION');
    expect(e.message).toMatch(/silenceMs/);
    expect(caller.activeCalls).toBe(0);
  });

  test('with media: false it is refused (nothing would ever be heard)', () => {
    expect(refusal({ media: false, timeouts: { silenceMs: 1000 } }).message).toMatch(/needs media/);
  });

  test('a positive value is taken (the call starts; aborted here before the INVITE)', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await caller.call({ target, timeouts: { silenceMs: 1500 }, signal: ac.signal }).result;
    expect(r.error?.code).toBe('CALL_ABORTED');
  });
});

describe('latch', () => {
  test.each(['first', 'SDP', '', 1 as unknown as string])('%p is refused', (v) => {
    expect(refusal({ latch: v as 'sdp' }).code).toBe('CALLER_BAD_OPTION');
  });
});

describe('voicemail', () => {
  test.each(['on', 'HANGUP', '', true as unknown as string])('%p is refused', (v) => {
    const e = refusal({ voicemail: v as 'detect' });
    expect(e.code).toBe('CALLER_BAD_OPTION');
    expect(e.message).toMatch(/voicemail/);
  });

  test("'hangup' with media: false is refused (no audio, no beep)", () => {
    expect(refusal({ media: false, voicemail: 'hangup' }).message).toMatch(/needs media/);
  });
});
