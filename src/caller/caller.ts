/**
 * `Caller`: owns one SIP user agent (one socket/listener for the chosen transport), an RTP port
 * pool and the RTP pacer, and places any number of concurrent test calls.
 */
import { inspect } from 'node:util';
import { systemClock, type Clock } from '../clock';
import { Pacer, sharedPacer } from '../rtp/pacer';
import { RtpPortPool } from '../rtp/port-pool';
import { SipTransportManager, type SipTransportManagerOptions } from '../sip/transport/manager';
import type { SipAddress, SipTransportProtocol } from '../sip/transport/types';
import { SipUserAgent, type SipTraceEvent } from '../sip/user-agent';
import { isWildcardAddress, LocalAddressBook } from '../call-media/local-address';
import { Call, type CallAdvertisement } from './call';
import { checkCallTarget, withFromHost } from './target';
import { CallerError } from './errors';
import { buildInviteRequest, inviteWarnings, prepareInvite, type RenderedInvite } from './invite';
import type { CallerOptions, CallOptions } from './options';
import { advertisedAddressOf, callerUaOptions } from './ua-options';
import { serializeMessage } from '../sip/serializer';
import { buildMediaOffer } from '../call-media/media-leg';
import { serializeSdp } from '../sdp/serializer';

/**
 * The Caller's transports when bound to a wildcard address: our Via sent-by and Contact host
 * toward a destination is the local address the OS routes to it from (looked up by the call
 * before its INVITE), not `0.0.0.0`. Where the core names no destination, the latest address
 * found stands in.
 */
class RoutedTransportManager extends SipTransportManager {
  readonly #book: LocalAddressBook;

  constructor(options: SipTransportManagerOptions, book: LocalAddressBook) {
    super(options);
    this.#book = book;
  }

  override sentBy(protocol: SipTransportProtocol, flow?: SipAddress): SipAddress {
    const s = super.sentBy(protocol, flow);
    if (!isWildcardAddress(s.address)) return s;
    const address = (flow ? this.#book.get(flow.address) : undefined) ?? this.#book.latest;
    return address === undefined ? s : { address, port: s.port };
  }
}

/**
 * Places instrumented test calls.
 *
 * ```ts
 * const caller = new Caller({ bind: { address: '127.0.0.1' }, transport: 'udp' });
 * const call = caller.call({ target: 'sip:agent@127.0.0.1:5080', play: 'question.wav', record: 'call.wav' });
 * call.on('answered', () => …);
 * const result = await call.result;   // never rejects: failures are outcomes
 * await caller.close();
 * ```
 */
export class Caller {
  private readonly options: CallerOptions;
  private readonly ua: SipUserAgent;
  private readonly clock: Clock;
  private readonly pool: RtpPortPool;
  private readonly pacer: Pacer;
  private readonly ownsPacer: boolean;
  private readonly calls = new Set<Call>();
  /** `advertise.address`, checked. */
  private readonly advertised: string | undefined;
  /** Our address per destination, with a wildcard bind and nothing advertised. */
  private readonly routes: LocalAddressBook | null;
  /** Transports the Caller made itself (wildcard bind) and so closes itself. */
  private readonly ownTransports: SipTransportManager | null;
  // One trace listener routing by Call-ID: a listener per call would cost O(active calls) per message.
  private readonly traces = new Map<string, (ev: SipTraceEvent) => void>();
  private startPromise: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: CallerOptions = {}) {
    const t = options.transport ?? 'udp';
    if (t !== 'udp' && t !== 'tcp' && t !== 'tls') throw new CallerError('CALLER_BAD_OPTION', 'transport must be udp, tcp or tls');
    this.advertised = advertisedAddressOf(options);
    this.options = { ...options };
    this.clock = options.clock ?? systemClock;
    const base = callerUaOptions(options);
    // Signalling bursts (a load ramp's responses) must not hold back frames that fall due meanwhile.
    const uaOptions = { ...base, transport: { ...base.transport, beforeMessage: () => this.pacer.poll() } };
    // Bound to a wildcard with nothing advertised: Via/Contact name the address routed to each target.
    const routed = this.advertised === undefined && isWildcardAddress(options.bind?.address ?? '127.0.0.1');
    this.routes = routed ? new LocalAddressBook() : null;
    this.ownTransports = this.routes ? new RoutedTransportManager({ address: '127.0.0.1', ...uaOptions.transport }, this.routes) : null;
    this.ua = new SipUserAgent(this.ownTransports ? { ...uaOptions, transport: undefined, transports: this.ownTransports } : uaOptions);
    this.ua.on('trace', (ev) => {
      let callId: string | undefined;
      try {
        callId = ev.message.callId;
      } catch {
        return;
      }
      if (callId !== undefined) this.traces.get(callId)?.(ev);
    });
    this.pool = new RtpPortPool(options.rtpPorts ?? {});
    this.ownsPacer = !options.pacer && this.clock !== systemClock;
    this.pacer = options.pacer ?? (this.ownsPacer ? new Pacer({ clock: this.clock }) : sharedPacer());
  }

  /** Binds the SIP transport (done on the first call otherwise). */
  start(): Promise<void> {
    if (this.closing) return Promise.reject(new CallerError('CALLER_CLOSED', 'the caller is closed'));
    this.startPromise ??= this.ua.start();
    return this.startPromise;
  }

  /** Our SIP address for the transport (after {@link start}). */
  get sipAddress(): { address: string; port: number } {
    return this.ua.transports.sentBy(this.options.transport ?? 'udp');
  }

  /** Calls in progress. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /**
   * Places a call. Returns at once; progress comes as events, the outcome as `call.result`.
   * @throws {@link CallerError} `CALLER_BAD_OPTION` / `CALLER_CLOSED`, or a `TestHeaderError`
   *   subclass (e.g. `HeaderInjectionError`) for a bad header or profile: nothing is sent then.
   */
  call(options: CallOptions): Call {
    if (this.closing) throw new CallerError('CALLER_CLOSED', 'the caller is closed');
    if (options?.media === false && (options.play !== undefined || options.script !== undefined || options.record !== undefined)) {
      throw new CallerError('CALLER_BAD_OPTION', 'media: false sends no audio: play, script and record need media');
    }
    // a load run starts calls back to back; frames due meanwhile go out first
    this.pacer.poll();
    const ready = this.start();
    ready.catch(() => undefined);
    const call = new Call(
      { ua: this.ua, ready, clock: this.clock, portPool: this.pool, pacer: this.pacer, options: this.options, traces: this.traces, advertise: (t) => this.advertisementFor(t) },
      options,
    );
    this.calls.add(call);
    void call.result.then(() => this.calls.delete(call));
    return call;
  }

  /**
   * What a call to `target` advertises as our address (Via, Contact, From, SDP): `advertise`,
   * else — bound to a wildcard — the local address routed to the target's first resolved
   * address; nothing (the bound address as is) otherwise.
   */
  private async advertisementFor(target: string): Promise<CallAdvertisement> {
    if (this.advertised !== undefined) return { address: this.advertised };
    if (!this.routes) return {};
    let remote: string | undefined;
    try {
      remote = (await this.ua.transports.resolve(target))[0]?.address;
    } catch {
      // the INVITE fails on the same resolution and reports it
    }
    if (remote === undefined) return {};
    const address = await this.routes.lookup(remote);
    if (address !== null) return { address };
    const bound = this.options.bind?.address ?? '127.0.0.1';
    return { warning: `ADVERTISE_UNKNOWN: bound to ${bound} and no local address routes to the target: Via, Contact and SDP name ${bound}` };
  }

  /**
   * The INVITE this caller would send for `options`, built on the bound transport (real
   * Contact and Via) with the same builders as {@link call}; nothing is sent.
   */
  async renderInvite(options: CallOptions): Promise<RenderedInvite> {
    checkCallTarget(options?.target);
    await this.start();
    const protocol = this.options.transport ?? 'udp';
    const rtpPort = this.pool.min;
    const adv = await this.advertisementFor(options.target);
    const sdp = serializeSdp(buildMediaOffer({ address: adv.address ?? this.options.bind?.address ?? '127.0.0.1', port: rtpPort, codecs: options.codecs }));
    const prepared = prepareInvite(withFromHost(this.options, adv.address), options, sdp);
    const bytes = serializeMessage(buildInviteRequest(this.ua, prepared.inviteOptions, protocol));
    return { bytes, text: bytes.toString('utf8'), headerSet: prepared.headerSet, warnings: inviteWarnings(prepared.headerSet, bytes.length, protocol) };
  }

  /**
   * Hangs up every call (CANCEL or BYE), waits for their results, closes the SIP transport,
   * RTP sockets and timers. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const pending = [...this.calls];
      for (const c of pending) c.hangup();
      await Promise.all(pending.map((c) => c.result));
      await this.ua.close();
      await this.ownTransports?.close();
      if (this.ownsPacer) this.pacer.close();
    })();
    return this.closing;
  }

  /** Debug view. */
  toJSON(): Record<string, unknown> {
    return { transport: this.options.transport ?? 'udp', activeCalls: this.calls.size };
  }

  /** The debug view for `util.inspect` too: the options hold TLS keys (and per-call credentials pass through). */
  [inspect.custom](): string {
    return `Caller ${JSON.stringify(this.toJSON())}`;
  }
}
