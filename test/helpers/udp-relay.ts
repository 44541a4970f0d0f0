/**
 * A lossy UDP relay for tests (RTP, SIP over UDP, anything datagram based): clients send to the
 * relay's front port, the relay forwards to the target from its back port, and the target's
 * replies to the back port go to the client (the last source seen on the front port). Each
 * direction drops, duplicates and reorders datagrams with fixed probabilities from its own
 * seeded PRNG, so a given seed and input sequence always give the same impairments, and counts
 * exactly what it did so that tests can assert receive statistics exactly.
 *
 * Reordering holds one datagram back and releases it right after the next forwarded one (or
 * after `holdMs` if nothing follows, which then counts as `flushed`, not reordered).
 */
import * as dgram from 'node:dgram';

/** Probabilities (0–1, summing to at most 1) applied to each impaired datagram of a direction. */
export interface UdpImpairment {
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
}

/** Options of {@link UdpRelay.create}. */
export interface UdpRelayOptions {
  /** Where front-port datagrams go. */
  readonly target: { readonly address: string; readonly port: number };
  /** PRNG seed; the backward direction uses seed + 1. */
  readonly seed: number;
  /** Client → target impairments. Default none. */
  readonly forward?: UdpImpairment;
  /** Target → client impairments. Default none. */
  readonly backward?: UdpImpairment;
  /** Per direction, the first N datagrams pass unimpaired (e.g. an RTP receiver's probation). Default 0. */
  readonly skipFirst?: number;
  /** Per direction, only this many datagrams after `skipFirst` are impaired; the rest pass. Default all. */
  readonly impairCount?: number;
  /** Which datagrams may be impaired (and count in `skipFirst`/`impairCount`); others just pass. Default all. */
  readonly filter?: (data: Buffer) => boolean;
  /** Longest a reordered datagram is held when nothing follows it, ms. Default 100. */
  readonly holdMs?: number;
  /** Address to bind both ports on. Default 127.0.0.1. */
  readonly address?: string;
}

/** What one direction of the relay did. */
export interface UdpRelayCounters {
  /** Datagrams that arrived. */
  received: number;
  /** Datagrams subject to impairment (passed the filter, after skipFirst, within impairCount). */
  impaired: number;
  /** Datagrams sent on (duplicates count twice). */
  forwarded: number;
  dropped: number;
  /** Datagrams sent twice. */
  duplicated: number;
  /** Held datagrams released after a later one. */
  reordered: number;
  /** Held datagrams released by the hold timer (nothing overtook them). */
  flushed: number;
  /** Backward datagrams dropped because no client had sent anything yet. */
  noClient: number;
}

function counters(): UdpRelayCounters {
  return { received: 0, impaired: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, flushed: 0, noClient: 0 };
}

/** Mulberry32: small, fast, deterministic; for test impairments only (not for anything secret). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction of a {@link UdpRelay}: its impairment state and counters. */
export class UdpRelayDirection {
  readonly counters = counters();
  private readonly rng: () => number;
  private held: Buffer | null = null;
  private holdTimer: NodeJS.Timeout | null = null;
  private eligible = 0;

  constructor(
    seed: number,
    private readonly imp: Required<UdpImpairment>,
    private readonly opts: { skipFirst: number; impairCount: number; filter: (d: Buffer) => boolean; holdMs: number },
    private readonly send: (data: Buffer) => boolean,
  ) {
    this.rng = seededRandom(seed);
  }

  /** When false, impairments pause (datagrams pass, the PRNG is not advanced). */
  enabled = true;

  onDatagram(data: Buffer): void {
    const c = this.counters;
    c.received++;
    const matches = this.opts.filter(data);
    let action: 'pass' | 'drop' | 'duplicate' | 'reorder' = 'pass';
    if (matches) {
      const index = this.eligible++;
      if (this.enabled && index >= this.opts.skipFirst && index < this.opts.skipFirst + this.opts.impairCount) {
        c.impaired++;
        const r = this.rng();
        const { drop, duplicate, reorder } = this.imp;
        if (r < drop) action = 'drop';
        else if (r < drop + duplicate) action = 'duplicate';
        else if (r < drop + duplicate + reorder && this.held === null) action = 'reorder';
      }
    }
    if (action === 'drop') {
      c.dropped++;
      return;
    }
    if (action === 'reorder') {
      this.held = data;
      this.holdTimer = setTimeout(() => this.release('flushed'), this.opts.holdMs);
      return;
    }
    this.forward(data);
    if (action === 'duplicate') {
      c.duplicated++;
      this.forward(data);
    }
    if (matches && this.held) this.release('reordered');
  }

  private forward(data: Buffer): void {
    if (this.send(data)) this.counters.forwarded++;
  }

  private release(how: 'reordered' | 'flushed'): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.counters[how]++;
    this.forward(held);
  }

  close(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.held = null;
  }
}

/** The relay. Create with {@link UdpRelay.create}; always {@link close} it. */
export class UdpRelay {
  /** Port clients send to (use it as the "remote" of the client side). */
  readonly frontPort: number;
  /** Port the relay sends to the target from (the target sees this as the client). */
  readonly backPort: number;
  readonly address: string;
  /** Client → target. */
  readonly forward: UdpRelayDirection;
  /** Target → client. */
  readonly backward: UdpRelayDirection;
  private client: { address: string; port: number } | null = null;

  private constructor(
    private readonly front: dgram.Socket,
    private readonly back: dgram.Socket,
    options: UdpRelayOptions,
  ) {
    this.address = options.address ?? '127.0.0.1';
    this.frontPort = front.address().port;
    this.backPort = back.address().port;
    const common = {
      skipFirst: options.skipFirst ?? 0,
      impairCount: options.impairCount ?? Infinity,
      filter: options.filter ?? (() => true),
      holdMs: options.holdMs ?? 100,
    };
    const full = (i?: UdpImpairment): Required<UdpImpairment> => ({ drop: i?.drop ?? 0, duplicate: i?.duplicate ?? 0, reorder: i?.reorder ?? 0 });
    const { target } = options;
    this.forward = new UdpRelayDirection(options.seed, full(options.forward), common, (d) => {
      back.send(d, target.port, target.address);
      return true;
    });
    this.backward = new UdpRelayDirection(options.seed + 1, full(options.backward), common, (d) => {
      const c = this.client;
      if (!c) {
        this.backward.counters.noClient++;
        return false;
      }
      front.send(d, c.port, c.address);
      return true;
    });
    front.on('message', (msg, rinfo) => {
      this.client = { address: rinfo.address, port: rinfo.port };
      this.forward.onDatagram(msg);
    });
    back.on('message', (msg, rinfo) => {
      // Only the target's datagrams are relayed back; anything else is not part of the flow.
      if (rinfo.port === target.port && rinfo.address === target.address) this.backward.onDatagram(msg);
    });
  }

  /** Binds two ephemeral ports on `address` and starts relaying. */
  static async create(options: UdpRelayOptions): Promise<UdpRelay> {
    const address = options.address ?? '127.0.0.1';
    const bind = (): Promise<dgram.Socket> =>
      new Promise((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        s.once('error', reject);
        s.bind(0, address, () => {
          s.off('error', reject);
          resolve(s);
        });
      });
    const front = await bind();
    const back = await bind();
    return new UdpRelay(front, back, options);
  }

  /** Stops impairing (both directions) so that the flow's tail passes cleanly, or resumes it. */
  setImpaired(on: boolean): void {
    this.forward.enabled = on;
    this.backward.enabled = on;
  }

  /** Closes both sockets and cancels hold timers. */
  async close(): Promise<void> {
    this.forward.close();
    this.backward.close();
    await Promise.all([new Promise<void>((r) => this.front.close(() => r())), new Promise<void>((r) => this.back.close(() => r()))]);
  }
}
