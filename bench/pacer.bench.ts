/**
 * Pacing accuracy: 1, 100 and 500 RTP-like streams on one Pacer (system clock), each sending a
 * 172-byte datagram (12-byte RTP header + 160 bytes of G.711) per 20 ms tick from its own UDP
 * socket to one sink on 127.0.0.1. Deviation = |time the send call returned − scheduled time|. Stream starts are spread evenly over one ptime, as independent calls would be.
 *
 * Env: PACER_BENCH_SECONDS (default 10) per run; PACER_BENCH_STREAMS (default "1,100,500");
 * PACER_EARLY_MS / PACER_SPIN_MS override the pacer's defaults (for tuning).
 * sipprobe-only (no peer package does shared pacing), so this prints a plain table.
 */
import { createSocket, Socket } from 'node:dgram';
import { Pacer, PacingHistogram } from '../src/rtp/pacer';

const PTIME = 20;

interface Result {
  streams: number;
  seconds: number;
  sent: number;
  received: number;
  skipped: number;
  p50: number;
  p99: number;
  max: number;
  cpu: number;
  wakeups: number;
}

function bindSocket(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      s.off('error', reject);
      resolve();
    });
  });
}

function connectSocket(s: Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.connect(port, '127.0.0.1', () => {
      s.off('error', reject);
      resolve();
    });
  });
}

function numEnv(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

async function runOnce(streams: number, seconds: number): Promise<Result> {
  const sink = createSocket('udp4');
  let received = 0;
  sink.on('message', () => received++);
  await bindSocket(sink);
  const port = sink.address().port;
  const senders: Socket[] = [];
  for (let i = 0; i < streams; i++) {
    const s = createSocket('udp4');
    await bindSocket(s);
    await connectSocket(s, port);
    senders.push(s);
  }
  const payload = Buffer.alloc(172, 0xd5);
  payload[0] = 0x80;
  const hist = new PacingHistogram();
  const pacer = new Pacer({ earlyMs: numEnv('PACER_EARLY_MS'), spinMs: numEnv('PACER_SPIN_MS') });
  const t0 = performance.now() + 100;
  const end = t0 + seconds * 1000;
  let sent = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await new Promise<void>((resolve) => {
    let remaining = streams;
    for (let i = 0; i < streams; i++) {
      const sock = senders[i];
      const h = pacer.add({
        ptimeMs: PTIME,
        startAt: t0 + (i * PTIME) / streams,
        onTick: (_n, scheduled) => {
          if (scheduled >= end) {
            h.remove();
            if (--remaining === 0) resolve();
            return;
          }
          sock.send(payload);
          hist.record(Math.abs(performance.now() - scheduled));
          sent++;
        },
      });
    }
  });
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  const st = pacer.stats();
  await new Promise((r) => setTimeout(r, 200)); // let the sink drain
  for (const s of senders) s.close();
  sink.close();
  return {
    streams,
    seconds,
    sent,
    received,
    skipped: st.skipped,
    p50: hist.quantile(0.5),
    p99: hist.quantile(0.99),
    max: hist.max,
    cpu: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    wakeups: st.wakeups,
  };
}

export default async function (): Promise<void> {
  const seconds = numEnv('PACER_BENCH_SECONDS') ?? 10;
  const counts = (process.env.PACER_BENCH_STREAMS ?? '1,100,500').split(',').map(Number);
  console.log(`\n## Pacing accuracy (one Pacer, ${PTIME} ms ptime, 172-byte UDP to 127.0.0.1, ${seconds} s per run)`);
  console.log(
    ['streams', 'packets', 'received', 'skipped', 'p50 ms', 'p99 ms', 'max ms', 'CPU %', 'wakeups/s'].map((h) => h.padStart(9)).join(' '),
  );
  for (const n of counts) {
    const r = await runOnce(n, seconds);
    console.log(
      [
        r.streams,
        r.sent,
        r.received,
        r.skipped,
        r.p50.toFixed(2),
        r.p99.toFixed(2),
        r.max.toFixed(2),
        r.cpu.toFixed(1),
        Math.round(r.wakeups / r.seconds),
      ]
        .map((v) => String(v).padStart(9))
        .join(' '),
    );
    const expected = n * Math.round((seconds * 1000) / PTIME);
    if (Math.abs(r.sent - expected) > n) throw new Error(`pacer sent ${r.sent} packets, expected ≈ ${expected}`);
  }
}
