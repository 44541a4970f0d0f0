import * as dgram from 'node:dgram';
import { RtpPortPool, RtpPortPoolError } from '../../../src/rtp/port-pool';

// A range of its own so that concurrent test files (and other helpers' tests) rarely collide;
// collisions are exactly what EADDRINUSE skipping is for anyway.
const BASE = 41000 + (process.pid % 200) * 20;

function bindRaw(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

function closeRaw(s: dgram.Socket): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}

describe('RtpPortPool', () => {
  test('range validation', () => {
    expect(() => new RtpPortPool({ min: 100, max: 2000 })).toThrow(RtpPortPoolError);
    expect(() => new RtpPortPool({ min: 30000, max: 20000 })).toThrow(expect.objectContaining({ code: 'RTP_PORT_RANGE_INVALID' }));
    expect(() => new RtpPortPool({ min: 20001, max: 20002 })).toThrow(expect.objectContaining({ code: 'RTP_PORT_RANGE_INVALID' }));
    expect(() => new RtpPortPool({ min: 20000, max: 70000 })).toThrow(RtpPortPoolError);
    const p = new RtpPortPool({ min: 20001, max: 20010 });
    // Even ports 20002..20008 (20010 would need RTCP on 20011, outside the range).
    expect(p.min).toBe(20002);
    expect(p.maxEven).toBe(20008);
    expect(p.capacity).toBe(4);
    expect(new RtpPortPool({ min: 20000, max: 20001 }).capacity).toBe(1);
  });

  test('binds IPv6 sockets for an IPv6 address', async () => {
    const pool = new RtpPortPool({ min: BASE + 44, max: BASE + 47 });
    const a = await pool.allocate({ address: '::1' });
    try {
      expect(a.rtpSocket.address()).toMatchObject({ address: '::1', family: 'IPv6', port: a.port });
      expect(a.rtcpSocket!.address()).toMatchObject({ address: '::1', family: 'IPv6', port: a.port + 1 });
    } finally {
      await a.release();
    }
    const b = await pool.allocate({ address: '127.0.0.1', rtcp: false });
    expect(b.rtpSocket.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    await b.release();
  });

  test('allocates even RTP ports with RTCP on port + 1, round-robin, and releases them', async () => {
    const pool = new RtpPortPool({ min: BASE, max: BASE + 7 });
    const a = await pool.allocate();
    const b = await pool.allocate();
    expect(a.port % 2).toBe(0);
    expect(a.port).toBe(BASE);
    expect(b.port).toBe(BASE + 2);
    expect(a.rtpSocket.address().port).toBe(a.port);
    expect(a.rtcpSocket!.address().port).toBe(a.port + 1);
    expect(a.address).toBe('127.0.0.1');
    expect(pool.allocated).toBe(2);
    await a.release();
    await a.release(); // idempotent
    expect(pool.allocated).toBe(1);
    // Round-robin: the freed port is not handed out again at once.
    const c = await pool.allocate();
    expect(c.port).toBe(BASE + 4);
    const d = await pool.allocate();
    expect(d.port).toBe(BASE + 6);
    const e = await pool.allocate();
    expect(e.port).toBe(BASE); // wrapped to the freed one
    await expect(pool.allocate()).rejects.toMatchObject({ code: 'RTP_PORTS_EXHAUSTED' });
    await Promise.all([b.release(), c.release(), d.release(), e.release()]);
    expect(pool.allocated).toBe(0);
  });

  test('rtcp-mux allocations bind only the even port', async () => {
    const pool = new RtpPortPool({ min: BASE + 8, max: BASE + 11 });
    const a = await pool.allocate({ rtcp: false });
    expect(a.rtcpSocket).toBeNull();
    expect(a.port).toBe(BASE + 8);
    // The odd port stays free for others.
    const raw = await bindRaw(a.port + 1);
    await closeRaw(raw);
    await a.release();
  });

  test('skips ports held by someone else (EADDRINUSE on RTP or on RTCP)', async () => {
    const pool = new RtpPortPool({ min: BASE + 12, max: BASE + 17 });
    const heldRtp = await bindRaw(BASE + 12);
    const heldRtcp = await bindRaw(BASE + 15);
    try {
      const a = await pool.allocate();
      expect(a.port).toBe(BASE + 16);
      await expect(pool.allocate()).rejects.toMatchObject({ code: 'RTP_PORTS_EXHAUSTED' });
      await a.release();
      // The even port whose RTCP port was taken was released again, not leaked.
      const probe = await bindRaw(BASE + 14);
      await closeRaw(probe);
    } finally {
      await closeRaw(heldRtp);
      await closeRaw(heldRtcp);
    }
  });

  test('concurrent allocations never share a port', async () => {
    const pool = new RtpPortPool({ min: BASE + 20, max: BASE + 39 });
    const all = await Promise.all(Array.from({ length: 10 }, () => pool.allocate()));
    const ports = all.map((a) => a.port);
    expect(new Set(ports).size).toBe(10);
    expect(ports.every((p) => p % 2 === 0)).toBe(true);
    await Promise.all(all.map((a) => a.release()));
  });

  test('an address that is not on this host is a typed bind error', async () => {
    const pool = new RtpPortPool({ min: BASE + 40, max: BASE + 43 });
    await expect(pool.allocate({ address: '192.0.2.1' })).rejects.toMatchObject({ code: 'RTP_BIND_FAILED' });
    expect(pool.allocated).toBe(0);
  });

  test('RTP sockets hand a packet to the kernel inside send() (no lookup tick): one sent just before close still leaves', async () => {
    const receiver = await bindRaw(0);
    const got: string[] = [];
    receiver.on('message', (m) => got.push(m.toString()));
    const to = receiver.address().port;
    const pool = new RtpPortPool({ min: BASE + 44, max: BASE + 51 });
    try {
      const a = await pool.allocate();
      a.rtpSocket.send(Buffer.from('literal'), to, '127.0.0.1');
      a.rtpSocket.close(); // the same tick: a send still waiting for its lookup would be dropped
      // control: a socket with Node's default lookup loses exactly that packet
      const plain = await bindRaw(0);
      plain.send(Buffer.from('default lookup'), to, '127.0.0.1');
      plain.close();
      // a name still resolves (through dns.lookup, on a later tick)
      const b = await pool.allocate();
      b.rtpSocket.send(Buffer.from('by name'), to, 'localhost');
      await new Promise((r) => setTimeout(r, 200));
      expect(got.sort()).toEqual(['by name', 'literal']);
      await a.release(); // its RTCP socket; the RTP one is closed already
      await b.release();
      expect(pool.allocated).toBe(0);
    } finally {
      await closeRaw(receiver);
    }
  });
});
