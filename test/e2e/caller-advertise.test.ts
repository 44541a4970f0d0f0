/**
 * Our advertised address over loopback. A Caller bound to 0.0.0.0 must name the address it is
 * reached on (127.0.0.1 toward a TestAgent on 127.0.0.1) in Via sent-by, Contact, From and SDP
 * o=/c= — never 0.0.0.0, which in c= means hold. An explicit `advertise` overrides it.
 */
import { TestAgent, type TestAgentBehaviourSource, type TestAgentRequest } from '../../src/agent';
import { Caller, type CallResult } from '../../src/caller';
import { runCli } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { parseSdp } from '../../src/sdp';
import { parseUri } from '../../src/sip/uri';
import { parseNameAddr } from '../../src/sip/name-addr';

jest.setTimeout(30_000);

const agentPool = new RtpPortPool({ min: 38000, max: 38100 });

function hostOf(nameAddr: string | undefined): string {
  const uri = parseUri(parseNameAddr(nameAddr ?? '').uri);
  if (!('host' in uri)) throw new Error(`not a SIP URI: ${nameAddr}`);
  return uri.host;
}

/** Everything in a received request that names our address. */
function advertisedIn(req: TestAgentRequest): { via: string; contact?: string; from: string; origin?: string; connection?: string } {
  const via = req.message.topVia!.host;
  const out: ReturnType<typeof advertisedIn> = { via, from: hostOf(req.headers.get('From')) };
  if (req.headers.has('Contact')) out.contact = hostOf(req.headers.get('Contact'));
  if (req.body) {
    const sdp = parseSdp(req.body);
    out.origin = `${sdp.origin.addrType} ${sdp.origin.address}`;
    const c = sdp.connection ?? sdp.media[0]?.connection;
    out.connection = c ? `${c.addrType} ${c.address}` : undefined;
  }
  return out;
}

async function withAgent<T>(transport: 'udp' | 'tcp', behaviour: TestAgentBehaviourSource, fn: (agent: TestAgent) => Promise<T>): Promise<T> {
  const agent = new TestAgent({ transport, behaviour, media: { portPool: agentPool } });
  await agent.start();
  try {
    return await fn(agent);
  } finally {
    await agent.stop();
  }
}

async function place(caller: Caller, options: Parameters<Caller['call']>[0]): Promise<CallResult> {
  try {
    return await caller.call(options).result;
  } finally {
    await caller.close();
  }
}

describe.each(['udp', 'tcp'] as const)('bound to 0.0.0.0 over %s', (transport) => {
  test('the INVITE, ACK and BYE name 127.0.0.1 (the route to the agent) in Via, Contact, From and SDP o=/c=; media flows both ways', async () => {
    await withAgent(transport, { play: null }, async (agent) => {
      const caller = new Caller({ transport, bind: { address: '0.0.0.0' }, rtpPorts: { min: 38200, max: 38300 } });
      const r = await place(caller, { target: agent.uri, durationMs: 600 });
      expect(r.outcome).toBe('completed');
      const call = agent.calls[0];
      await call.ended;
      const invite = call.invite;
      expect(advertisedIn(invite)).toEqual({ via: '127.0.0.1', contact: '127.0.0.1', from: '127.0.0.1', origin: 'IP4 127.0.0.1', connection: 'IP4 127.0.0.1' });
      expect(invite.raw).not.toContain('0.0.0.0');
      const sentInvite = r.messages.find((m) => m.direction === 'sent' && m.firstLine.startsWith('INVITE '))!;
      expect(sentInvite.raw).not.toContain('0.0.0.0');
      for (const method of ['ACK', 'BYE']) {
        const req = call.requests.find((q) => q.method === method)!;
        expect(req).toBeDefined();
        expect(req.message.topVia!.host).toBe('127.0.0.1');
        expect(req.raw).not.toContain('0.0.0.0');
      }
      // the agent sent its RTP to our c= address (0.0.0.0 would have been hold: nothing sent)
      expect(r.rtp!.received.packets).toBeGreaterThan(10);
      expect(r.rtp!.sent.packets).toBeGreaterThan(10);
      expect(r.warnings.filter((w) => w.startsWith('ADVERTISE'))).toEqual([]);
    });
  });
});

describe('advertise', () => {
  test('advertise 127.0.0.1 with bind 0.0.0.0: named everywhere and the call completes with media', async () => {
    await withAgent('udp', { play: null }, async (agent) => {
      const caller = new Caller({ bind: { address: '0.0.0.0' }, advertise: { address: '127.0.0.1' }, rtpPorts: { min: 38200, max: 38300 } });
      const r = await place(caller, { target: agent.uri, durationMs: 400 });
      expect(r.outcome).toBe('completed');
      expect(advertisedIn(agent.calls[0].invite)).toEqual({ via: '127.0.0.1', contact: '127.0.0.1', from: '127.0.0.1', origin: 'IP4 127.0.0.1', connection: 'IP4 127.0.0.1' });
      expect(r.rtp!.received.packets).toBeGreaterThan(5);
    });
  });

  test('an advertised host name replaces the routed address in Via, Contact, From, o= and c= (and CANCEL)', async () => {
    await withAgent('udp', { neverAnswer: true, ringMs: 0 }, async (agent) => {
      const caller = new Caller({ bind: { address: '0.0.0.0' }, advertise: { address: 'localhost' }, rtpPorts: { min: 38200, max: 38300 } });
      const r = await place(caller, { target: agent.uri, timeouts: { ringMs: 400 } });
      expect(r.outcome).toBe('no-answer');
      const call = agent.calls[0];
      expect(advertisedIn(call.invite)).toEqual({ via: 'localhost', contact: 'localhost', from: 'localhost', origin: 'IP4 localhost', connection: 'IP4 localhost' });
      const cancel = call.requests.find((q) => q.method === 'CANCEL');
      expect(cancel?.message.topVia!.host).toBe('localhost');
    });
  });

  test('a caller-chosen fromHost stays in From; Via/Contact/SDP take the advertised address', async () => {
    await withAgent('udp', { play: null }, async (agent) => {
      const caller = new Caller({ bind: { address: '0.0.0.0' }, advertise: { address: '127.0.0.1' }, fromHost: 'probe.example.com', rtpPorts: { min: 38200, max: 38300 } });
      await place(caller, { target: agent.uri, durationMs: 200 });
      expect(advertisedIn(agent.calls[0].invite)).toMatchObject({ via: '127.0.0.1', contact: '127.0.0.1', from: 'probe.example.com', connection: 'IP4 127.0.0.1' });
    });
  });
});

describe('CLI', () => {
  function io(): CliIo & { out: string; err: string } {
    const o = { out: '', err: '' } as CliIo & { out: string; err: string };
    o.stdout = { write: (t: string) => (o.out += t) };
    o.stderr = { write: (t: string) => (o.err += t) };
    o.env = {};
    o.cwd = process.cwd();
    o.signal = new AbortController().signal;
    return o;
  }

  test('sipprobe call --bind 0.0.0.0 names 127.0.0.1; --advertise overrides it', async () => {
    // first call answered, second left ringing (its advertised host is not resolved by anyone)
    await withAgent('udp', (invite) => (invite.headers.get('X-Case') === 'ring' ? { neverAnswer: true } : { play: null }), async (agent) => {
      const x = io();
      expect(await runCli(['call', agent.uri, '--bind', '0.0.0.0', '--duration', '300ms', '--json', '-'], x)).toBe(0);
      expect(advertisedIn(agent.calls[0].invite)).toMatchObject({ via: '127.0.0.1', contact: '127.0.0.1', connection: 'IP4 127.0.0.1' });
      const y = io();
      expect(await runCli(['call', agent.uri, '-H', 'X-Case: ring', '--bind', '0.0.0.0', '--advertise', 'localhost', '--ring-timeout', '500ms', '--json', '-'], y)).toBe(1);
      expect(JSON.parse(y.out).outcome).toBe('no-answer');
      expect(advertisedIn(agent.calls[1].invite)).toMatchObject({ via: 'localhost', contact: 'localhost', connection: 'IP4 localhost' });
    });
  });

  test('--advertise with a line break or a space is exit 2 before anything is sent', async () => {
    const x = io();
    expect(await runCli(['call', 'sip:agent@127.0.0.1:9', '--advertise', '1.2.3.4\r\nVia: evil'], x)).toBe(2);
    expect(x.err).toMatch(/--advertise/);
    expect(x.err).not.toContain('evil');
    expect(await runCli(['load', 'sip:agent@127.0.0.1:9', '--calls', '1', '--advertise', 'a b'], io())).toBe(2);
  });
});
