import { parseCli, parseDuration, UsageError } from '../../../src/cli/args';

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1.5s', 1500],
    ['3', 3000],
    ['1h', 3_600_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text, '--x')).toBe(ms));

  it.each(['', 'ten', '-1s', '1d', '1 s s'])('refuses %j', (text) => {
    expect(() => parseDuration(text, '--x')).toThrow(UsageError);
  });
});

describe('parseCli', () => {
  it('parses a full call command line with repeated -H', () => {
    const cmd = parseCli(
      ['call', 'sip:agent@127.0.0.1:5080', '--run-id', 'r1', '-H', 'X-A: 1', '-H', 'X-B: 2', '-u', 'alice', '-p', 's3cret',
        '--transport', 'TCP', '--codecs', 'opus, pcmu', '--duration', '5s', '--ring-timeout', '10s', '--json', '-', '--min-mos', '3.5'],
      {},
    );
    expect(cmd).toMatchObject({
      command: 'call',
      options: {
        target: 'sip:agent@127.0.0.1:5080',
        runId: 'r1',
        headers: ['X-A: 1', 'X-B: 2'],
        username: 'alice',
        password: 's3cret',
        transport: 'tcp',
        codecs: ['opus', 'pcmu'],
        durationMs: 5000,
        ringTimeoutMs: 10_000,
        json: '-',
        minMos: 3.5,
        insecure: false,
      },
    });
  });

  it('takes the password from SIPPROBE_PASSWORD when -p is absent', () => {
    const cmd = parseCli(['call', 'sip:a@127.0.0.1', '-u', 'alice'], { SIPPROBE_PASSWORD: 'from-env' });
    expect(cmd.command === 'call' && cmd.options.password).toBe('from-env');
  });

  it('parses agent and demo with defaults', () => {
    expect(parseCli(['agent'], {})).toMatchObject({ command: 'agent', options: { port: 5080, address: '127.0.0.1', transport: 'udp', echo: false } });
    expect(parseCli(['agent', '--port', '0', '--reject', '486', '--ring-delay', '1s'], {})).toMatchObject({
      options: { port: 0, reject: 486, ringDelayMs: 1000 },
    });
    expect(parseCli(['demo'], {})).toEqual({ command: 'demo', options: { json: undefined, record: undefined, report: undefined } });
  });

  it('parses load with a rate in calls/s', () => {
    expect(parseCli(['load', 'sip:a@127.0.0.1', '--calls', '10', '--concurrency', '2', '--rate', '5/s', '--ramp', '2s'], {})).toMatchObject({
      command: 'load',
      options: { calls: 10, concurrency: 2, rate: 5, rampMs: 2000 },
    });
  });

  it('parses --no-media and --no-evaluate for load, and leaves media on by default', () => {
    const off = parseCli(['load', 'sip:a@127.0.0.1', '--calls', '5', '--no-media', '--no-evaluate'], {});
    expect(off).toMatchObject({ command: 'load', options: { media: false, evaluate: false } });
    const on = parseCli(['load', 'sip:a@127.0.0.1', '--calls', '5'], {});
    expect(on.command === 'load' && 'media' in on.options).toBe(false);
    expect(on.command === 'load' && 'evaluate' in on.options).toBe(false);
    expect(() => parseCli(['call', 'sip:a@127.0.0.1', '--no-media'], {})).toThrow(UsageError);
  });

  it.each([
    [['frobnicate']],
    [['call']],
    [['call', 'sip:a@b', 'extra']],
    [['call', 'sip:a@b', '--nope']],
    [['call', 'sip:a@b', '--transport', 'sctp']],
    [['call', 'sip:a@b', '--duration', 'soon']],
    [['call', 'sip:a@b', '--min-mos', '9']],
    [['agent', '--port', '70000']],
    [['agent', '--reject', '200']],
    [['load', 'sip:a@b']],
    [['report', 'r.json']],
  ])('refuses %j with a UsageError', (argv) => {
    expect(() => parseCli(argv, {})).toThrow(UsageError);
  });
});
