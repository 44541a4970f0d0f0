/**
 * A UDP socket owned by a worker thread of its own. libuv reads at most 32 datagrams from a
 * socket per event-loop turn, so a SIP socket sharing a loop with hundreds of busy RTP sockets
 * falls behind whenever a turn grows long: responses wait in the kernel until an INVITE is
 * retransmitted (and some peers, SIPp among them, abort a call on such a retransmission). On its
 * own thread the socket is read as fast as datagrams come; they reach this thread in batches
 * through the worker's message port, which delivers everything queued at once.
 */
import { Worker } from 'node:worker_threads';
import type { SipAddress } from './types';

/**
 * The worker's whole program, as source text: it needs nothing but `node:dgram`, and a string
 * runs the same from the TypeScript sources, the tests and the bundle (a module file would need
 * a loader in each). Datagrams read in one of its loop turns go out as one message, as do the
 * completions of its sends.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const sock = dgram.createSocket({ type: workerData.type });
let inbox = [];
let acks = [];
let flushing = false;
function flush() {
  flushing = false;
  if (inbox.length > 0) { parentPort.postMessage({ t: 'in', m: inbox }); inbox = []; }
  if (acks.length > 0) { parentPort.postMessage({ t: 'sent', a: acks }); acks = []; }
}
function later() {
  if (!flushing) { flushing = true; setImmediate(flush); }
}
const fail = (e) => ({ code: e.code === undefined ? null : String(e.code), message: String(e.message) });
sock.once('error', (e) => parentPort.postMessage({ t: 'bind-error', e: fail(e) }));
sock.bind(workerData.port, workerData.address, () => {
  sock.removeAllListeners('error');
  sock.on('error', () => undefined);
  try {
    if (sock.getRecvBufferSize() < workerData.recvBuffer) sock.setRecvBufferSize(workerData.recvBuffer);
  } catch {}
  const a = sock.address();
  sock.on('message', (d, r) => { inbox.push(d, r.address, r.port); later(); });
  parentPort.postMessage({ t: 'bound', address: a.address, port: a.port });
});
parentPort.on('message', (m) => {
  if (m.t === 'send') {
    try {
      sock.send(m.d, m.p, m.a, (e) => { acks.push(m.id, e ? fail(e) : null); later(); });
    } catch (e) {
      acks.push(m.id, fail(e));
      later();
    }
  } else if (m.t === 'close') {
    flush();
    sock.close(() => parentPort.close());
  }
});
`;

/** Why a bind or a send failed, as the worker reports it. */
export interface UdpThreadError {
  code: string | null;
  message: string;
}

type FromWorker =
  | { t: 'bound'; address: string; port: number }
  | { t: 'bind-error'; e: UdpThreadError }
  | { t: 'in'; m: (Uint8Array | string | number)[] }
  | { t: 'sent'; a: (number | UdpThreadError | null)[] };

/** What every send still pending or attempted after the thread's end is rejected with (one shared, frozen object). */
const ENDED: UdpThreadError = Object.freeze({ code: 'ERR_SOCKET_DGRAM_NOT_RUNNING', message: 'the socket thread has ended' });

interface PendingSend {
  resolve(): void;
  reject(e: UdpThreadError): void;
}

/** The main-thread side of a UDP socket that lives on its own worker thread. */
export class UdpSocketThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, PendingSend>();
  private nextId = 0;
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    worker: Worker,
    readonly local: SipAddress,
    private readonly onDatagram: (data: Buffer, remote: SipAddress) => void,
  ) {
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.exit = new Promise((resolve) =>
      worker.once('exit', () => {
        this.exited = true;
        for (const p of this.pending.values()) p.reject(ENDED);
        this.pending.clear();
        resolve();
      }),
    );
    // an error inside the worker ends it; the 'exit' handler above fails what was pending
    worker.on('error', () => undefined);
  }

  /**
   * Starts the thread and binds its socket; resolves once bound.
   * @throws the bind error as the worker saw it (`code`, `message`)
   */
  static open(
    o: { type: 'udp4' | 'udp6'; address: string; port: number; recvBufferBytes: number },
    onDatagram: (data: Buffer, remote: SipAddress) => void,
  ): Promise<UdpSocketThread> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { type: o.type, address: o.address, port: o.port, recvBuffer: o.recvBufferBytes },
      // the thread only relays datagrams: a small heap, and no inherited process arguments
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      execArgv: [],
    });
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(Object.assign(new Error('the socket thread ended before binding'), { code: null }));
      const onError = (e: Error): void => reject(e); // 'exit' follows; the first settlement wins
      worker.once('exit', onExit);
      worker.on('error', onError);
      worker.once('message', (m: FromWorker) => {
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (m.t === 'bound') resolve(new UdpSocketThread(worker, { address: m.address, port: m.port }, onDatagram));
        else {
          const e = m.t === 'bind-error' ? m.e : { code: null, message: 'unexpected message from the socket thread' };
          void worker.terminate();
          reject(Object.assign(new Error(e.message), { code: e.code }));
        }
      });
    });
  }

  /** Sends one datagram; resolves when the worker's socket has sent it. */
  send(data: Buffer, port: number, address: string): Promise<void> {
    if (this.exited) return Promise.reject(ENDED);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ t: 'send', id, d: data, p: port, a: address });
    });
  }

  /** Closes the socket and ends the thread; a send not acknowledged by then is rejected. */
  close(): Promise<void> {
    if (!this.exited) this.worker.postMessage({ t: 'close' });
    return this.exit;
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'in') {
      const b = m.m;
      for (let i = 0; i + 2 < b.length; i += 3) {
        const d = b[i] as Uint8Array; // a Buffer arrives as a plain Uint8Array; wrap it, no copy
        this.onDatagram(Buffer.from(d.buffer, d.byteOffset, d.byteLength), { address: b[i + 1] as string, port: b[i + 2] as number });
      }
    } else if (m.t === 'sent') {
      const a = m.a;
      for (let i = 0; i + 1 < a.length; i += 2) {
        const id = a[i] as number;
        const p = this.pending.get(id);
        if (!p) continue;
        this.pending.delete(id);
        const e = a[i + 1] as UdpThreadError | null;
        if (e) p.reject(e);
        else p.resolve();
      }
    }
  }
}
