/** Pure parts of the TestAgent: behaviour checking, the turn energy gate, request snapshots, file names, assets. */
import { existsSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { parseMessage } from '../../../src/sip';
import {
  TestAgentError,
  TurnEnergyGate,
  defaultGreetingPath,
  defaultQuestionPath,
  frameDbfs,
  recordingFileName,
  resolveTestAgentBehaviour,
  sipprobePackageRoot,
  TestAgent,
} from '../../../src/agent';
import { snapshotRequest, requestIdentity } from '../../../src/agent/received';

const G = '/g.wav';

describe('resolveTestAgentBehaviour', () => {
  it('fills defaults: answer at once, greeting, no ring', () => {
    const b = resolveTestAgentBehaviour({}, G);
    expect(b).toMatchObject({ ringMs: 0, play: G, echo: false, neverAnswer: false, greetingDelayMs: 0 });
    expect(b.reject).toBeUndefined();
  });

  it('play null means silence; turn.play defaults to play', () => {
    expect(resolveTestAgentBehaviour({ play: null }, G).play).toBeNull();
    expect(resolveTestAgentBehaviour({ play: '/x.wav', turn: { afterSilenceMs: 100 } }, G).turn?.play).toBe('/x.wav');
    expect(resolveTestAgentBehaviour({ earlyMedia: { play: '/e.wav' } }, G).earlyMedia?.play).toBe('/e.wav');
  });

  it.each([
    [{ reject: 200 }, /300–699/],
    [{ reject: { status: 486, reason: 'a\r\nX-Evil: 1' } }, /one line/],
    [{ reject: 486, neverAnswer: true }, /exclude/],
    [{ ringMs: -1 }, /non-negative/],
    [{ hangupAfterMs: Number.NaN }, /non-negative/],
    [{ auth: { username: '', password: 'p' } }, /username/],
    [{ auth: { username: 'u', password: 'p', algorithms: ['MD4' as never] } }, /unknown digest algorithm/],
    [{ auth: { username: 'u', password: 'p', maxChallenges: 0 } }, /maxChallenges/],
    [{ turn: {} as never }, /afterSilenceMs/],
    [{ codecs: [] }, /codecs/],
    [{ play: 'a\0b' }, /file path/],
  ])('refuses %j', (b, msg) => {
    expect(() => resolveTestAgentBehaviour(b as never, G)).toThrow(TestAgentError);
    expect(() => resolveTestAgentBehaviour(b as never, G)).toThrow(msg);
  });

  it('keeps the password out of JSON, spreads and inspect but usable', () => {
    const b = resolveTestAgentBehaviour({ auth: { username: 'u', password: 'hunter2' } }, G);
    expect(b.auth!.password).toBe('hunter2');
    expect(JSON.stringify(b)).not.toContain('hunter2');
    expect(inspect(b, { depth: 5 })).not.toContain('hunter2');
    expect(JSON.stringify({ ...b.auth })).not.toContain('hunter2');
  });

  it('a TestAgent refuses a bad static behaviour at construction', () => {
    expect(() => new TestAgent({ behaviour: { reject: 99 } })).toThrow(TestAgentError);
    expect(() => new TestAgent({ transport: 'tls' })).toThrow(/cert/);
    expect(() => new TestAgent({ user: 'a b' })).toThrow(/user part/);
  });
});

describe('TurnEnergyGate', () => {
  const frame = (amp: number): Int16Array => {
    const f = new Int16Array(160);
    for (let i = 0; i < 160; i++) f[i] = Math.round(amp * Math.sin(i / 3));
    return f;
  };

  it('reports speech start and the end of the last voiced frame after the hangover', () => {
    const g = new TurnEnergyGate({ hangoverMs: 200, minSpeechMs: 60 });
    const events: unknown[] = [];
    let t = 0;
    const feed = (amp: number, n: number): void => {
      for (let i = 0; i < n; i++) {
        t += 20;
        const e = g.push(frame(amp), t, 20);
        if (e) events.push(e);
      }
    };
    feed(0, 5); // 100 ms silence
    feed(8000, 10); // 200 ms speech: 120..300
    feed(0, 20); // 400 ms silence
    expect(events).toEqual([
      { kind: 'speech-start', t: 100 },
      { kind: 'speech-end', t: 300, speechMs: 200 },
    ]);
  });

  it('ignores clicks shorter than minSpeechMs', () => {
    const g = new TurnEnergyGate({ hangoverMs: 100, minSpeechMs: 100 });
    const out = [g.push(frame(9000), 20, 20), g.push(frame(0), 40, 20), ...Array.from({ length: 10 }, (_, i) => g.push(frame(0), 60 + 20 * i, 20))];
    expect(out.filter(Boolean)).toEqual([]);
  });

  it('frameDbfs: full-scale square is 0 dBFS, silence −Infinity', () => {
    expect(frameDbfs(new Int16Array(160).fill(-32768))).toBeCloseTo(0, 5);
    expect(frameDbfs(new Int16Array(160))).toBe(-Infinity);
    expect(frameDbfs(new Int16Array(0))).toBe(-Infinity);
  });

  it('never throws and emits alternating events for any input', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 32767 }), fc.integer({ min: 1, max: 40 })), { maxLength: 200 }), (frames) => {
        const g = new TurnEnergyGate();
        let t = 0;
        let last: string | undefined;
        for (const [amp, d] of frames) {
          t += d;
          const e = g.push(frame(amp), t, d);
          if (e) {
            expect(e.kind).not.toBe(last);
            last = e.kind;
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('request snapshots', () => {
  const raw =
    'INVITE sip:agent@127.0.0.1:5080 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc\r\nFrom: <sip:p@h>;tag=1\r\nTo: <sip:agent@h>\r\ni: call-1\r\nCSeq: 7 INVITE\r\nX-Run-Id: r1\r\nx-tier: gold\r\nX-Tier: silver\r\nContent-Length: 0\r\n\r\n';

  it('keeps names, order and values; lookups are case-insensitive and compact-form aware', () => {
    const msg = parseMessage(Buffer.from(raw));
    if (msg.kind !== 'request') throw new Error('request expected');
    const s = snapshotRequest(msg, { protocol: 'udp', remote: { address: '127.0.0.1', port: 5060 }, t: 5, retransmission: false });
    expect(s.callId).toBe('call-1');
    expect(s.cseq).toBe(7);
    expect(s.headers.get('call-id')).toBe('call-1');
    expect(s.headers.get('X-RUN-ID')).toBe('r1');
    expect(s.headers.getAll('x-tier')).toEqual(['gold', 'silver']);
    expect(s.headers.xHeaderNames()).toEqual(['X-Run-Id', 'x-tier', 'X-Tier']);
    expect(s.headers.xHeaders()).toEqual({ 'X-Run-Id': 'r1', 'x-tier': 'gold', 'X-Tier': 'silver' });
    expect(s.raw.split('\r\n')[0]).toBe('INVITE sip:agent@127.0.0.1:5080 SIP/2.0');
    expect(s.raw).toContain('\r\nx-tier: gold\r\n');
    expect(Object.isFrozen(s)).toBe(true);
    expect(requestIdentity(msg)).toBe('INVITE\ncall-1\n7\nz9hG4bKabc');
  });
});

describe('recording file names', () => {
  it('are safe for any Call-ID', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(100_000), (id, i) => {
        const n = recordingFileName(i, id);
        expect(n).toMatch(/^call-\d{4,}(-[A-Za-z0-9._-]{1,64})?\.wav$/);
        expect(n).not.toContain('/');
        expect(n).not.toContain('..');
      }),
      { numRuns: 300 },
    );
    expect(recordingFileName(0, '../../etc/passwd')).toBe('call-0001-____etc_passwd.wav');
  });
});

describe('assets', () => {
  it('finds the package root and the shipped WAVs', () => {
    expect(sipprobePackageRoot()).toBeDefined();
    expect(existsSync(defaultGreetingPath())).toBe(true);
    expect(existsSync(defaultQuestionPath())).toBe(true);
  });
});
