/** TestAgent transport/session-timer options: UDP and TCP on one port, checked options. */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { TestAgent } from '../../../src/agent';

describe('TestAgent alsoTcp / sessionTimer options', () => {
  it('alsoTcp listens on UDP and TCP at the same port (both answer OPTIONS)', async () => {
    const agent = new TestAgent({ alsoTcp: true });
    await agent.start();
    try {
      const { port } = agent.local;
      expect(agent.uri).toBe(`sip:agent@127.0.0.1:${port}`);
      const options = (proto: string, sentByPort: number): string =>
        `OPTIONS sip:agent@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/${proto} 127.0.0.1:${sentByPort};branch=z9hG4bK${proto}1\r\nMax-Forwards: 70\r\n` +
        `From: <sip:t@127.0.0.1>;tag=a\r\nTo: <sip:agent@127.0.0.1>\r\nCall-ID: opt-${proto}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      // TCP
      const tcpAnswer = await new Promise<string>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => s.write(options('TCP', s.localPort!)));
        let buf = '';
        s.on('data', (d) => {
          buf += d.toString('latin1');
          if (buf.includes('\r\n\r\n')) {
            s.destroy();
            resolve(buf);
          }
        });
        s.on('error', reject);
      });
      expect(tcpAnswer).toMatch(/^SIP\/2\.0 200 /);
      // UDP
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const udpAnswer = new Promise<string>((r) => sock.once('message', (m) => r(m.toString('latin1'))));
      sock.send(options('UDP', sock.address().port), port, '127.0.0.1');
      expect(await udpAnswer).toMatch(/^SIP\/2\.0 200 /);
      sock.close();
      expect(agent.requestsOf('OPTIONS').map((r) => r.protocol).sort()).toEqual(['tcp', 'udp']);
    } finally {
      await agent.stop();
    }
  });

  it('refuses alsoTcp with another transport and an impossible session timer', () => {
    expect(() => new TestAgent({ transport: 'tcp', alsoTcp: true })).toThrow(expect.objectContaining({ code: 'TEST_AGENT_OPTIONS' }));
    expect(() => new TestAgent({ sessionTimer: { sessionExpires: 30 } })).toThrow(expect.objectContaining({ code: 'TEST_AGENT_OPTIONS' }));
    expect(() => new TestAgent({ sessionTimer: { minSE: 60 } })).toThrow(expect.objectContaining({ code: 'TEST_AGENT_OPTIONS' }));
  });

  it('a taken fixed port fails start() typed and leaves the agent stopped', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const agent = new TestAgent({ alsoTcp: true, bind: { port } });
    try {
      await expect(agent.start()).rejects.toMatchObject({ code: 'SIP_TRANSPORT_BIND' });
      await expect(agent.start()).rejects.toMatchObject({ code: 'TEST_AGENT_STATE' });
    } finally {
      await agent.stop();
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
