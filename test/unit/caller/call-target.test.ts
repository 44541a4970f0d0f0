/** The Caller refuses a target URI that carries a password, without repeating the password anywhere. */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { Caller, CallerError } from '../../../src/caller';

let caller: Caller;
beforeAll(() => {
  caller = new Caller({ rtpPorts: { min: 45000, max: 45100 } });
});
afterAll(() => caller.close());

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('Caller.call target with a password', () => {
  test.each([
    ['sip:alice:Pa55-w0rd-Zq@127.0.0.1:5080', 'Pa55-w0rd-Zq'],
    ['sips:alice:Pa55%2Dw0rd@agent.example.com', 'Pa55'],
    ['sip:bob:s3cr3t$&=+,@127.0.0.1;transport=tcp', 's3cr3t'],
  ])('%s → CALLER_BAD_OPTION, password not in message, inspect or JSON', (target, secret) => {
    const e = thrownBy(() => caller.call({ target }));
    expect(e).toBeInstanceOf(CallerError);
    expect((e as CallerError).code).toBe('CALLER_BAD_OPTION');
    expect((e as Error).message).toMatch(/password/);
    expect((e as Error).message).not.toContain(secret);
    expect(inspect(e)).not.toContain(secret);
    expect(JSON.stringify(e)).not.toContain(secret);
    expect(caller.activeCalls).toBe(0);
  });

  test('an empty password (sip:user:@host) is refused too', () => {
    const e = thrownBy(() => caller.call({ target: 'sip:alice:@127.0.0.1:5080' }));
    expect((e as CallerError).code).toBe('CALLER_BAD_OPTION');
  });

  test('property: whatever the password, the error never shows it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9&=+$,_.!~*'()-]{6,30}$/), (pw) => {
        const secret = `Q${pw}`;
        const e = thrownBy(() => caller.call({ target: `sip:alice:${secret}@127.0.0.1:5080` }));
        expect((e as CallerError).code).toBe('CALLER_BAD_OPTION');
        expect(inspect(e)).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });

  test('a user without a password is still a valid target (nothing sent: the signal is already aborted)', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await caller.call({ target: 'sip:alice@127.0.0.1:9', signal: ac.signal }).result;
    expect(r.target).toBe('sip:alice@127.0.0.1:9');
    expect(r.error?.code).toBe('CALL_ABORTED');
    expect(r.messages).toHaveLength(0);
  });
});
