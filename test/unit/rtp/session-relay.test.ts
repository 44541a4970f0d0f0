/** The lossy UDP relay test helper (test/helpers/udp-relay.ts) used by the RTP loopback tests. */
import * as dgram from 'node:dgram';
import { UdpRelay, seededRandom } from '../../helpers/udp-relay';

async function sock(): Promise<{ s: dgram.Socket; port: number; got: number[]; close: () => Promise<void> }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const got: number[] = [];
  s.on('message', (m) => got.push(m.readUInt32BE(0)));
  return { s, port: s.address().port, got, close: () => new Promise((r) => s.close(() => r())) };
}

function num(n: number, tag = 0): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(n);
  b[4] = tag;
  return b;
}

async function waitFor(pred: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function run(seed: number) {
  const client = await sock();
  const server = await sock();
  const relay = await UdpRelay.create({ target: { address: '127.0.0.1', port: server.port }, seed, forward: { drop: 0.2, duplicate: 0.2, reorder: 0.2 }, holdMs: 50 });
  try {
    for (let i = 0; i < 100; i++) await new Promise<void>((r) => client.s.send(num(i), relay.frontPort, '127.0.0.1', () => r()));
    const c = relay.forward.counters;
    await waitFor(() => server.got.length === c.forwarded && c.received === 100);
    await new Promise((r) => setTimeout(r, 80));
    return { got: [...server.got], counters: { ...c } };
  } finally {
    await relay.close();
    await client.close();
    await server.close();
  }
}

describe('UdpRelay (test helper)', () => {
  test('seededRandom is deterministic and uniform enough', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const xs = Array.from({ length: 10000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  test('counters describe exactly what came out, and a seed always gives the same result', async () => {
    const r1 = await run(99);
    const r2 = await run(99);
    expect(r1).toEqual(r2);
    const { got, counters: c } = r1;
    expect(c.received).toBe(100);
    expect(c.impaired).toBe(100);
    expect(got.length).toBe(c.forwarded);
    expect(c.forwarded).toBe(100 - c.dropped + c.duplicated);
    expect(new Set(got).size).toBe(100 - c.dropped);
    // Each duplicate arrives twice; each reordered one after a higher number.
    const counts = new Map<number, number>();
    for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
    expect([...counts.values()].filter((n) => n === 2).length).toBe(c.duplicated);
    let inversions = 0;
    let max = -1;
    for (const g of got) {
      if (g < max && counts.get(g) === 1) inversions++;
      max = Math.max(max, g);
    }
    expect(inversions).toBe(c.reordered);
    expect(c.dropped).toBeGreaterThan(5);
    expect(c.duplicated).toBeGreaterThan(5);
    expect(c.reordered).toBeGreaterThan(5);
  });

  test('backward datagrams go to the client; skipFirst, impairCount and filter limit impairment', async () => {
    const client = await sock();
    const server = await sock();
    const relay = await UdpRelay.create({
      target: { address: '127.0.0.1', port: server.port },
      seed: 5,
      forward: { drop: 1 },
      backward: { drop: 1 },
      skipFirst: 2,
      impairCount: 3,
      filter: (d) => d[4] === 0,
      holdMs: 20,
    });
    try {
      // Backward before any client: nowhere to go.
      await new Promise<void>((r) => server.s.send(num(1000), relay.backPort, '127.0.0.1', () => r()));
      await waitFor(() => relay.backward.counters.received === 1);
      expect(relay.backward.counters.noClient).toBe(1);
      for (let i = 0; i < 8; i++) await new Promise<void>((r) => client.s.send(num(i, i === 3 ? 1 : 0), relay.frontPort, '127.0.0.1', () => r()));
      await waitFor(() => relay.forward.counters.received === 8);
      await new Promise((r) => setTimeout(r, 30));
      // Eligible (tag 0): 0,1,2,4,5,6,7 → skip 0,1; drop 2,4,5; pass 6,7. Datagram 3 is filtered out.
      expect(server.got.sort((a, b) => a - b)).toEqual([0, 1, 3, 6, 7]);
      expect(relay.forward.counters).toMatchObject({ impaired: 3, dropped: 3, forwarded: 5 });
      // Replies from the server reach the client through the front port; a stranger's do not.
      await new Promise<void>((r) => server.s.send(num(2000, 1), relay.backPort, '127.0.0.1', () => r()));
      const stranger = await sock();
      await new Promise<void>((r) => stranger.s.send(num(3000, 1), relay.backPort, '127.0.0.1', () => r()));
      await waitFor(() => client.got.length === 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(client.got).toEqual([2000]);
      await stranger.close();
      // setImpaired(false) lets everything pass.
      relay.setImpaired(false);
    } finally {
      await relay.close();
      await client.close();
      await server.close();
    }
  });
});
