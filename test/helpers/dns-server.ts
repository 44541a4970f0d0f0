/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) for tests: answers SRV and A queries from a
 * table, NXDOMAIN for names it does not know, an empty answer for other types. Enough of RFC 1035
 * for node:dns (c-ares) to talk to; it records every query so tests can see what was asked.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface DnsTable {
  srv?: Record<string, Array<{ priority: number; weight: number; port: number; target: string }>>;
  a?: Record<string, string[]>;
}

function encodeName(name: string): Buffer {
  const parts = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

function rr(type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

export class TestDnsServer {
  readonly queries: Array<{ name: string; type: number }> = [];
  private readonly sock: Socket = createSocket('udp4');

  constructor(private readonly table: DnsTable) {}

  async start(): Promise<string> {
    this.sock.on('message', (m, rinfo) => {
      const reply = this.answer(m);
      if (reply) this.sock.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    return `127.0.0.1:${this.sock.address().port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()));
  }

  private answer(q: Buffer): Buffer | null {
    if (q.length < 17) return null;
    let p = 12;
    const labels: string[] = [];
    while (p < q.length && q[p] !== 0) {
      labels.push(q.toString('ascii', p + 1, p + 1 + q[p]));
      p += 1 + q[p];
    }
    const qEnd = p + 5;
    if (qEnd > q.length) return null;
    const name = labels.join('.').toLowerCase();
    const type = q.readUInt16BE(p + 1);
    this.queries.push({ name, type });
    const answers: Buffer[] = [];
    const srv = this.table.srv?.[name];
    const a = this.table.a?.[name];
    if (type === 33 && srv) {
      for (const s of srv) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(s.priority, 0);
        fixed.writeUInt16BE(s.weight, 2);
        fixed.writeUInt16BE(s.port, 4);
        answers.push(rr(33, Buffer.concat([fixed, encodeName(s.target)])));
      }
    } else if (type === 1 && a) {
      for (const ip of a) answers.push(rr(1, Buffer.from(ip.split('.').map(Number))));
    }
    const known = srv !== undefined || a !== undefined;
    const head = Buffer.alloc(12);
    q.copy(head, 0, 0, 2); // id
    head.writeUInt16BE(known ? 0x8580 : 0x8583, 2); // response, authoritative, RD, RA; NXDOMAIN when unknown
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(answers.length, 6);
    return Buffer.concat([head, q.subarray(12, qEnd), ...answers]);
  }
}
