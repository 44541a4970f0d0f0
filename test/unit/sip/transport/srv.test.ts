/**
 * RFC 3263 §4.2 SRV resolution through real DNS messages: a tiny DNS server on 127.0.0.1 answers
 * node:dns (c-ares), so the queries, the record parsing and the ordering are the real ones.
 */
import { createDnsSipHostResolver, orderSrvRecords, resolveSipDestinations, type SipSrvRecord } from '../../../../src/sip/transport';
import { TestDnsServer } from '../../../helpers/dns-server';

const SRV = 33;
let dns: TestDnsServer;
let resolver: ReturnType<typeof createDnsSipHostResolver>;

beforeAll(async () => {
  dns = new TestDnsServer({
    srv: {
      '_sip._udp.voice.test': [
        { priority: 20, weight: 0, port: 5080, target: 'b.voice.test' },
        { priority: 10, weight: 0, port: 5070, target: 'a.voice.test' },
      ],
      '_sips._tcp.voice.test': [{ priority: 1, weight: 1, port: 5071, target: 'a.voice.test' }],
      '_sip._udp.closed.test': [{ priority: 0, weight: 0, port: 0, target: '.' }],
    },
    a: { 'a.voice.test': ['127.0.0.2'], 'b.voice.test': ['127.0.0.3'], 'plain.test': ['127.0.0.4'], 'closed.test': ['127.0.0.5'] },
  });
  resolver = createDnsSipHostResolver([await dns.start()]);
});
afterAll(() => dns.close());

describe('SRV (RFC 3263 §4.2)', () => {
  it('a name without a port goes to its SRV targets in priority order, each at its own port', async () => {
    await expect(resolveSipDestinations('sip:agent@voice.test', { resolver })).resolves.toEqual([
      { protocol: 'udp', address: '127.0.0.2', port: 5070, serverName: 'voice.test', pinned: false },
      { protocol: 'udp', address: '127.0.0.3', port: 5080, serverName: 'voice.test', pinned: false },
    ]);
  });

  it('sips: asks _sips._tcp and keeps the URI host as the TLS server name', async () => {
    await expect(resolveSipDestinations('sips:agent@voice.test', { resolver })).resolves.toEqual([
      { protocol: 'tls', address: '127.0.0.2', port: 5071, serverName: 'voice.test', pinned: true },
    ]);
    expect(dns.queries).toContainEqual({ name: '_sips._tcp.voice.test', type: SRV });
  });

  it('an explicit port or maddr skips SRV; a name without SRV records falls back to A and port 5060', async () => {
    const before = dns.queries.length;
    await expect(resolveSipDestinations('sip:agent@voice.test:5090', { resolver })).rejects.toMatchObject({ code: 'SIP_TRANSPORT_DNS' });
    await expect(resolveSipDestinations('sip:agent@plain.test', { resolver })).resolves.toEqual([
      { protocol: 'udp', address: '127.0.0.4', port: 5060, serverName: 'plain.test', pinned: false },
    ]);
    const asked = dns.queries.slice(before);
    expect(asked.filter((q) => q.type === SRV).map((q) => q.name)).toEqual(['_sip._udp.plain.test']);
  });

  it('an SRV target "." means no SIP service there: a typed error, no fallback', async () => {
    await expect(resolveSipDestinations('sip:agent@closed.test', { resolver })).rejects.toMatchObject({ code: 'SIP_TRANSPORT_DNS', message: expect.stringContaining('SRV target') });
  });

  it('localhost is never asked of DNS (RFC 6761)', async () => {
    const before = dns.queries.length;
    const got = await resolveSipDestinations('sip:agent@localhost', { resolver: { lookup: async () => ['127.0.0.1'], srv: resolver.srv } });
    expect(got).toEqual([{ protocol: 'udp', address: '127.0.0.1', port: 5060, serverName: 'localhost', pinned: false }]);
    expect(dns.queries.length).toBe(before);
  });
});

describe('orderSrvRecords (RFC 2782)', () => {
  const rec = (priority: number, weight: number, name: string): SipSrvRecord => ({ priority, weight, port: 5060, name });

  it('keeps every record, lowest priority first', () => {
    const input = [rec(30, 5, 'c'), rec(10, 0, 'a1'), rec(20, 7, 'b'), rec(10, 3, 'a2')];
    for (let i = 0; i < 50; i++) {
      const out = orderSrvRecords(input);
      expect(out.map((r) => r.name).sort()).toEqual(['a1', 'a2', 'b', 'c']);
      expect(out.map((r) => r.priority)).toEqual([10, 10, 20, 30]);
    }
  });

  it('within a priority, picks by weight (90:10 → the heavy one first about 89 % of the time)', () => {
    let heavyFirst = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) if (orderSrvRecords([rec(1, 10, 'light'), rec(1, 90, 'heavy')])[0].name === 'heavy') heavyFirst++;
    // P(heavy first) = 90/101; 2000 draws put the share within ±4 % with overwhelming probability
    expect(heavyFirst / n).toBeGreaterThan(0.85);
    expect(heavyFirst / n).toBeLessThan(0.93);
  });
});
