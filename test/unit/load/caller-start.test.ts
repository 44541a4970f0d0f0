import { loadCallerOptions, loadCallOptions, type LoadCallTemplate } from '../../../src/load/caller-start';

const base: LoadCallTemplate = { target: 'sip:agent@127.0.0.1:5080', transport: 'udp', runId: 'R' };

describe('load call template → Caller options', () => {
  it('maps every template field onto the Caller’s real option names', () => {
    const signal = new AbortController().signal;
    const o = loadCallOptions(
      { ...base, scenarioId: 'S', resultIdPrefix: 'res', auth: { username: 'u', password: 'p' }, headers: { 'X-A': 'b' }, codecs: ['PCMA'], play: '/a.wav', durationMs: 1500, ringTimeoutMs: 4000, recordDir: '/rec' },
      6,
      signal,
    );
    expect(o).toEqual({
      target: base.target,
      auth: { username: 'u', password: 'p' },
      run: { runId: 'R', scenarioId: 'S', resultId: 'res-7' },
      headers: { 'X-A': 'b' },
      codecs: ['PCMA'],
      play: '/a.wav',
      durationMs: 1500,
      record: '/rec/call-7.wav',
      timeouts: { ringMs: 4000 },
      signal,
    });
  });

  it('--dtmf becomes a script: prompt, digits, silence for the duration, hang-up', () => {
    expect(loadCallOptions({ ...base, play: '/p.wav', dtmf: '12#', durationMs: 700 }, 0).script).toEqual([{ play: '/p.wav' }, { dtmf: '12#' }, { silence: 700 }, { hangup: true }]);
    expect(loadCallOptions({ ...base, dtmf: '5' }, 0)).toMatchObject({ script: [{ dtmf: '5' }, { silence: 2000 }, { hangup: true }] });
    expect(loadCallOptions({ ...base, dtmf: '5' }, 0).play).toBeUndefined();
  });

  it('passes media: false / evaluate: false and generates no result id without a prefix', () => {
    const o = loadCallOptions({ ...base, media: false, evaluate: false, durationMs: 0 }, 3);
    expect(o.media).toBe(false);
    expect(o.evaluate).toBe(false);
    expect(loadCallOptions(base, 0).evaluate).toBeUndefined();
    expect(o.run).toEqual({ runId: 'R' });
    expect(loadCallOptions(base, 0).media).toBeUndefined();
  });

  it('binds where asked, puts the UDP SIP socket on its own thread unless told not to, skips TLS verification only when insecure, keeps the RTP range', () => {
    expect(loadCallerOptions(base)).toEqual({ bind: { address: '127.0.0.1', port: 0 }, transport: 'udp', sipThread: true });
    expect(loadCallerOptions({ ...base, sipThread: false })).toEqual({ bind: { address: '127.0.0.1', port: 0 }, transport: 'udp' });
    expect(loadCallerOptions({ ...base, bind: '[::1]:5070', transport: 'tls', insecure: true, rtpPorts: { min: 20000, max: 20999 } })).toEqual({
      bind: { address: '::1', port: 5070 },
      transport: 'tls',
      tls: { rejectUnauthorized: false },
      rtpPorts: { min: 20000, max: 20999 },
    });
  });
});
