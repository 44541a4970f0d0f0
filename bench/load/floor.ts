/**
 * The floor of the concurrent-media benchmark: C bare UDP streams, paced by the same {@link Pacer}
 * on one event loop to the same SIPp RTP echo, each sending a 172-byte packet every 20 ms and
 * reading the echo — no SIP, no jitter buffer, codec, statistics or speech detection. It shows
 * what Node and this machine do with the datagrams alone, beside the same SIPp: the distance from
 * this row to the sipprobe rows is sipprobe's own per-frame and per-call work, not the peer's.
 */
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Pacer, type PacedStream, type PacerStats } from '../../src/rtp/pacer';
import { ipLiteralLookup } from '../../src/rtp/port-pool';

export interface BareStreamsOptions {
  /** The SIPp UAS's RTP port (it echoes whatever reaches it). */
  echoPort: number;
  concurrent: number;
  /** Streams started per second (the media step's call rate). */
  ratePerSec: number;
  /** How long each stream sends. */
  seconds: number;
}

export interface BareStreamsResult {
  sent: number;
  received: number;
  lossPercent: number;
  pacing: PacerStats;
}

const PACKET_BYTES = 12 + 160; // an RTP header and 20 ms of G.711

export async function bareStreams(o: BareStreamsOptions): Promise<BareStreamsResult> {
  const pacer = new Pacer();
  const packet = Buffer.alloc(PACKET_BYTES);
  packet[0] = 0x80;
  const frames = o.seconds * 50;
  const sockets: Socket[] = [];
  const streams: PacedStream[] = [];
  let sent = 0;
  let received = 0;
  let ended = 0;
  let allEnded: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allEnded = resolve));
  const onEcho = (): void => {
    received++;
    pacer.poll(); // as RtpSession does: frames due while a busy turn reads datagrams go out
  };
  const t0 = performance.now();
  try {
    for (let i = 0; i < o.concurrent; i++) {
      const at = t0 + (i * 1000) / o.ratePerSec;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // as sipprobe's RTP sockets do: the packet leaves inside its tick, not on the next one
      const socket = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => resolve());
      });
      socket.on('message', onEcho);
      const stream: PacedStream = pacer.add({
        ptimeMs: 20,
        histogram: false,
        onTick: (index) => {
          sent++;
          socket.send(packet, o.echoPort, '127.0.0.1');
          if (index < frames - 1) return;
          stream.remove();
          if (++ended === o.concurrent) allEnded();
        },
      });
      streams.push(stream);
    }
    await done;
    await new Promise((r) => setTimeout(r, 300)); // the last echoes
  } finally {
    for (const s of streams) s.remove();
    for (const s of sockets) s.close();
  }
  return { sent, received, lossPercent: sent > 0 ? (100 * (sent - received)) / sent : NaN, pacing: pacer.stats() };
}

/**
 * {@link bareStreams} on a worker thread of its own, so that whatever the calling thread does
 * meanwhile (e.g. setting up calls) shares the machine with the streams but not their event loop.
 */
export function bareStreamsOnThread(o: BareStreamsOptions): Promise<BareStreamsResult> {
  const worker = new Worker(join(__dirname, 'floor-thread.ts'), { workerData: o, execArgv: ['--require', require.resolve('tsx/cjs')] });
  return new Promise<BareStreamsResult>((resolve, reject) => {
    worker.once('message', (m: { result?: BareStreamsResult; error?: string }) => (m.result ? resolve(m.result) : reject(new Error(`floor thread: ${m.error}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`floor thread exited (${code}) without a result`)));
  }).finally(() => void worker.terminate());
}
