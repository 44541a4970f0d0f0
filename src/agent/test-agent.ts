/**
 * TestAgent: a scriptable SIP user agent server on sipprobe's own stack, standing in for a voice
 * agent in tests, in `sipprobe demo` and in vendors' own suites. It rings, rejects, challenges,
 * answers, plays, echoes, records, hangs up and re-INVITEs as its behaviour says, and keeps every
 * request it received so that tests can assert exactly what arrived.
 *
 * ```ts
 * const agent = new TestAgent({ behaviour: { ringMs: 500, record: '/tmp/rec' } });
 * const uri = await agent.start();            // sip:agent@127.0.0.1:40123
 * // … place a call to `uri` …
 * const call = await agent.nextCall();
 * expect(call.invite.headers.get('X-Run-Id')).toBe(runId);
 * await call.ended;
 * await agent.stop();
 * ```
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { inspect } from 'node:util';
import { systemClock, type Clock } from '../clock';
import type { SipRequest } from '../sip';
import { resolveSessionTimerConfig, type SipSessionTimerConfig } from '../sip/session-timer';
import type { SipTimerConfig } from '../sip/transaction/timers';
import type { SipTransportManagerOptions } from '../sip/transport/manager';
import type { SipTlsTransportOptions } from '../sip/transport/tls';
import type { SipTransportProtocol } from '../sip/transport/types';
import type { SipIncomingInvite } from '../sip/ua/uas-invite';
import { SipUserAgent, type SipTraceEvent } from '../sip/user-agent';
import { formatSipUri } from '../sip';
import { defaultGreetingPath } from './assets';
import { resolveTestAgentBehaviour, type ResolvedTestAgentBehaviour, type TestAgentBehaviour } from './behaviour';
import { TestAgentCall, type TestAgentCallHost } from './agent-call';
import { TestAgentError } from './errors';
import type { AgentMediaFactory } from './media';
import { mediaLegFactory, type TestAgentMediaOptions } from './media-leg';
import { requestIdentity, snapshotRequest, type TestAgentRequest } from './received';

/** A behaviour, or a function choosing one per call from its first INVITE. */
export type TestAgentBehaviourSource = TestAgentBehaviour | ((invite: TestAgentRequest) => TestAgentBehaviour);

/** Options of {@link TestAgent}. */
export interface TestAgentOptions {
  /** Where to listen. Default `127.0.0.1`, port 0 (ephemeral). */
  bind?: { address?: string; port?: number };
  /** Transport to listen on. Default `udp`. */
  transport?: SipTransportProtocol;
  /**
   * With `transport: 'udp'`: accept TCP on the same port too, as a SIP server on 5060 does, so
   * that requests a caller moves to TCP for their size (RFC 3261 §18.1.1) reach the agent.
   * The agent's URI stays the UDP one. Default false.
   */
  alsoTcp?: boolean;
  /**
   * With `transport: 'udp'`: own the SIP socket on a worker thread (as the Caller's `sipThread`),
   * for an agent that answers hundreds of concurrent calls and echoes their RTP in one process.
   * Default false.
   */
  sipThread?: boolean;
  /** Session timers of the agent's user agent (RFC 4028; default on, 1800 s, Min-SE 90). */
  sessionTimer?: SipSessionTimerConfig;
  /**
   * List UPDATE in Allow (default true). False makes a caller that refreshes the session do it
   * with re-INVITEs (RFC 4028), as with PBXs that do not take UPDATE; UPDATEs are still answered.
   */
  allowUpdate?: boolean;
  /** Certificate and key for `transport: 'tls'`. */
  tls?: Pick<SipTlsTransportOptions, 'cert' | 'key' | 'ca'>;
  /** What to do with calls; default `{}` (answer at once, play the greeting). */
  behaviour?: TestAgentBehaviourSource;
  /** User part of the agent's URI. Default `agent`. */
  user?: string;
  /** Media options (RTP bind address, port range). */
  media?: TestAgentMediaOptions;
  /** Time source for the agent's behaviour timers (ring, greeting, hang-up, re-INVITE). */
  clock?: Clock;
  /** SIP timer overrides (T1/T2/T4/D). */
  timers?: Partial<SipTimerConfig>;
  /** `Server`/`User-Agent` value. Default `sipprobe-testagent`. */
  productName?: string;
  /** Requests kept in `requests` (oldest dropped first). Default 10 000. */
  maxRequests?: number;
  /** Calls kept in `calls` once ended (oldest ended dropped first). Default 1 000. */
  maxCalls?: number;
}

/** Events of a {@link TestAgent}. */
export interface TestAgentEvents {
  /** A new call (its first INVITE arrived). */
  call: (call: TestAgentCall) => void;
  /** Every request received (retransmissions included, flagged). */
  request: (request: TestAgentRequest) => void;
  /** A behaviour function threw; the INVITE was answered 500. */
  behaviourError: (error: Error, invite: TestAgentRequest) => void;
}

const BYE_ON_STOP_MS = 1500;

/** A scriptable UAS for tests. */
export class TestAgent extends EventEmitter {
  /** Every call so far, in arrival order (bounded by `maxCalls`). */
  readonly calls: TestAgentCall[] = [];
  /** Every request received, in arrival order (bounded by `maxRequests`). */
  readonly requests: TestAgentRequest[] = [];
  readonly transport: SipTransportProtocol;
  // ES private: the options and behaviour may hold a digest password, and `{ ...agent }` or
  // Object.entries would copy TypeScript-private fields
  readonly #options: TestAgentOptions;
  private readonly clock: Clock;
  #behaviourSource: TestAgentBehaviourSource;
  private readonly defaultPlay: string;
  private ua: SipUserAgent | undefined;
  private startedAt = 0;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private agentUri: string | undefined;
  private readonly byCallId = new Map<string, TestAgentCall>();
  private readonly live = new Set<TestAgentCall>();
  private readonly snapshots = new WeakMap<SipRequest, TestAgentRequest>();
  private readonly seen = new Set<string>();
  private sequence = 0;
  private readonly waiters: Array<(c: TestAgentCall) => void> = [];
  private readonly mediaFactory: AgentMediaFactory;
  private stopping: Promise<void> | undefined;
  private readonly host: TestAgentCallHost;
  private readonly unclaimed: TestAgentCall[] = [];

  constructor(options: TestAgentOptions = {}) {
    super();
    this.#options = options;
    this.clock = options.clock ?? systemClock;
    this.transport = options.transport ?? 'udp';
    if (this.transport !== 'udp' && this.transport !== 'tcp' && this.transport !== 'tls') {
      throw new TestAgentError('TEST_AGENT_OPTIONS', 'transport must be udp, tcp or tls');
    }
    if (this.transport === 'tls' && !(options.tls?.cert && options.tls.key)) {
      throw new TestAgentError('TEST_AGENT_OPTIONS', 'transport tls needs tls.cert and tls.key');
    }
    const user = options.user ?? 'agent';
    if (!/^[A-Za-z0-9._~!$&'()*+,;=-]+$/.test(user)) throw new TestAgentError('TEST_AGENT_OPTIONS', 'user must be a plain SIP user part');
    const port = options.bind?.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TestAgentError('TEST_AGENT_OPTIONS', 'bind.port must be 0–65535');
    if (options.alsoTcp && this.transport !== 'udp') throw new TestAgentError('TEST_AGENT_OPTIONS', 'alsoTcp goes with transport udp');
    try {
      resolveSessionTimerConfig(options.sessionTimer);
    } catch (e) {
      throw new TestAgentError('TEST_AGENT_OPTIONS', `sessionTimer: ${(e as Error).message}`);
    }
    this.defaultPlay = defaultGreetingPath();
    this.#behaviourSource = options.behaviour ?? {};
    // a static behaviour is checked now, so that a typo fails at construction
    if (typeof this.#behaviourSource !== 'function') resolveTestAgentBehaviour(this.#behaviourSource, this.defaultPlay);
    this.mediaFactory = mediaLegFactory(options.media ?? {});
    this.host = {
      clock: this.clock,
      elapsed: () => this.elapsed(),
      mediaFactory: (req) => this.mediaFactory(req),
      released: (call) => {
        this.live.delete(call);
      },
    };
  }

  override on<E extends keyof TestAgentEvents>(event: E, listener: TestAgentEvents[E]): this {
    return super.on(event, listener);
  }

  override once<E extends keyof TestAgentEvents>(event: E, listener: TestAgentEvents[E]): this {
    return super.once(event, listener);
  }

  override off<E extends keyof TestAgentEvents>(event: E, listener: TestAgentEvents[E]): this {
    return super.off(event, listener);
  }

  /** The agent's SIP URI once started, e.g. `sip:agent@127.0.0.1:40123` (`;transport=tcp` for TCP). */
  get uri(): string {
    if (!this.agentUri) throw new TestAgentError('TEST_AGENT_STATE', 'the agent is not started');
    return this.agentUri;
  }

  /** The bound address and port once started. */
  get local(): { address: string; port: number } {
    const t = this.ua?.transports.transport(this.transport);
    if (!t || this.state !== 'running') throw new TestAgentError('TEST_AGENT_STATE', 'the agent is not started');
    return { address: t.local.address, port: t.local.port };
  }

  /** Calls not ended yet. */
  get activeCalls(): TestAgentCall[] {
    return this.calls.filter((c) => c.active);
  }

  /** Replaces the behaviour for calls that arrive from now on (checked at once when static). */
  setBehaviour(behaviour: TestAgentBehaviourSource): void {
    if (typeof behaviour !== 'function') resolveTestAgentBehaviour(behaviour, this.defaultPlay);
    this.#behaviourSource = behaviour;
  }

  /** Binds and starts answering. Resolves with the agent's SIP URI. */
  async start(): Promise<string> {
    if (this.state === 'running') return this.uri;
    if (this.state !== 'new') throw new TestAgentError('TEST_AGENT_STATE', 'a TestAgent cannot be started twice');
    this.state = 'starting';
    const o = this.#options;
    const address = o.bind?.address ?? '127.0.0.1';
    const alsoTcp = this.transport === 'udp' && o.alsoTcp === true;
    let ua: SipUserAgent | undefined;
    // UDP and TCP on one ephemeral port: pick a free TCP port, then bind both (retrying the
    // rare case of the UDP port being taken)
    for (let attempt = 0; ua === undefined; attempt++) {
      try {
        const port = alsoTcp && !o.bind?.port ? await freeTcpPort(address) : (o.bind?.port ?? 0);
        ua = await this.bindUa(address, port, alsoTcp);
      } catch (e) {
        if (!alsoTcp || o.bind?.port || attempt >= 4 || (e as { code?: unknown })?.code !== 'SIP_TRANSPORT_BIND') {
          this.state = 'stopped';
          throw e;
        }
      }
    }
    this.ua = ua;
    this.startedAt = this.clock.now();
    const local = ua.transports.transport(this.transport)!.local;
    this.agentUri = formatSipUri({
      scheme: this.transport === 'tls' ? 'sips' : 'sip',
      user: o.user ?? 'agent',
      host: local.address.includes(':') ? `[${local.address}]` : local.address,
      port: local.port,
      params: this.transport === 'tcp' ? [['transport', 'tcp']] : undefined,
    } as Parameters<typeof formatSipUri>[0]);
    this.state = 'running';
    return this.agentUri;
  }

  /** A started user agent listening on `port` (UDP and TCP when `alsoTcp`); closed again on failure. */
  private async bindUa(address: string, port: number, alsoTcp: boolean): Promise<SipUserAgent> {
    const o = this.#options;
    const transport: SipTransportManagerOptions = {
      address,
      udp: this.transport === 'udp' ? { port, ...(o.sipThread ? { thread: true } : {}) } : false,
      tcp: this.transport === 'tcp' || alsoTcp ? { port } : false,
      tls: this.transport === 'tls' ? { port, ...o.tls } : false,
    };
    const ua = new SipUserAgent({
      transport,
      timers: o.timers,
      productName: o.productName ?? 'sipprobe-testagent',
      contactUser: o.user ?? 'agent',
      unhandledInviteStatus: 480,
      ...(o.sessionTimer ? { sessionTimer: o.sessionTimer } : {}),
      ...(o.allowUpdate === false ? { allow: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'PRACK', 'NOTIFY', 'REFER'] } : {}),
    });
    ua.on('trace', this.onTrace);
    ua.on('invite', this.onInvite);
    try {
      await ua.start();
    } catch (e) {
      ua.off('trace', this.onTrace);
      ua.off('invite', this.onInvite);
      await ua.close().catch(() => undefined);
      throw e;
    }
    return ua;
  }

  /** Resolves with the next call to arrive (or the first one not yet handed out by an earlier `nextCall`). */
  nextCall(): Promise<TestAgentCall> {
    const ready = this.unclaimed.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Requests with a given method (any case). */
  requestsOf(method: string): TestAgentRequest[] {
    const m = method.toUpperCase();
    return this.requests.filter((r) => r.method === m);
  }

  /** Forgets recorded calls and requests (between tests of a shared agent). Live calls go on. */
  clearHistory(): void {
    this.requests.length = 0;
    for (let i = this.calls.length - 1; i >= 0; i--) if (!this.calls[i].active) this.calls.splice(i, 1);
    this.seen.clear();
  }

  /**
   * Ends every call (BYE for answered calls, waiting at most 1.5 s for its answer; 480 for
   * ringing ones), finalises recordings, closes every socket and timer. Calls the agent already
   * hung up get no second BYE and no wait, so with nothing active it returns at once. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (!wasRunning && !this.ua) return;
    await Promise.all([...this.live].map((c) => c.shutdown(BYE_ON_STOP_MS)));
    const ua = this.ua;
    this.ua = undefined;
    if (ua) {
      ua.off('invite', this.onInvite);
      await ua.close();
      ua.off('trace', this.onTrace);
    }
    this.byCallId.clear();
    this.live.clear();
  }

  /** Shows state and counts only (behaviours may hold passwords). */
  [inspect.custom](): string {
    return `TestAgent { ${this.state}${this.agentUri ? ` ${this.agentUri}` : ''}, calls: ${this.calls.length}, requests: ${this.requests.length} }`;
  }

  /** Plain view without behaviours (they may hold passwords). */
  toJSON(): Record<string, unknown> {
    return { uri: this.agentUri ?? null, transport: this.transport, state: this.state, calls: this.calls.map((c) => c.toJSON()), requests: this.requests.length };
  }

  /** ms since start on the agent's clock. */
  private elapsed(): number {
    return this.clock.now() - this.startedAt;
  }


  private readonly onTrace = (e: SipTraceEvent): void => {
    if (e.direction !== 'in' || e.message.kind !== 'request') return;
    const msg = e.message;
    const id = requestIdentity(msg);
    const retransmission = this.seen.has(id);
    if (!retransmission) {
      this.seen.add(id);
      if (this.seen.size > 20_000) this.seen.delete(this.seen.values().next().value as string);
    }
    const snap = snapshotRequest(msg, { protocol: e.protocol, remote: e.remote, t: this.elapsed(), retransmission });
    this.snapshots.set(msg, snap);
    this.requests.push(snap);
    const max = this.#options.maxRequests ?? 10_000;
    if (this.requests.length > max) this.requests.splice(0, this.requests.length - max);
    this.byCallId.get(snap.callId)?.noteRequest(snap);
    this.emit('request', snap);
  };

  private readonly onInvite = (incoming: SipIncomingInvite): void => {
    if (this.state !== 'running') {
      incoming.reject(480);
      return;
    }
    const snap =
      this.snapshots.get(incoming.request) ??
      snapshotRequest(incoming.request, { protocol: incoming.protocol, remote: { address: '', port: 0 }, t: this.elapsed(), retransmission: false });
    let call = this.byCallId.get(snap.callId);
    if (!call || !call.awaitingCredentials) {
      let behaviour: ResolvedTestAgentBehaviour;
      try {
        const src = this.#behaviourSource;
        behaviour = resolveTestAgentBehaviour(typeof src === 'function' ? src(snap) : src, this.defaultPlay);
      } catch (e) {
        incoming.reject(500, { reason: 'TestAgent behaviour error' });
        this.emit('behaviourError', e instanceof Error ? e : new Error(String(e)), snap);
        return;
      }
      call = new TestAgentCall(this.host, this.sequence++, snap, behaviour);
      call.noteRequest(snap);
      this.byCallId.set(snap.callId, call);
      this.live.add(call);
      this.calls.push(call);
      this.trimCalls();
      call.handleInvite(incoming, snap);
      this.emit('call', call);
      const w = this.waiters.shift();
      if (w) w(call);
      else if (this.unclaimed.push(call) > 1000) this.unclaimed.shift();
      return;
    }
    call.handleInvite(incoming, snap);
  };

  private trimCalls(): void {
    const max = this.#options.maxCalls ?? 1000;
    while (this.calls.length > max) {
      const i = this.calls.findIndex((c) => !c.active);
      if (i < 0) break;
      const [gone] = this.calls.splice(i, 1);
      if (this.byCallId.get(gone.callId) === gone) this.byCallId.delete(gone.callId);
    }
  }
}

/** A TCP port free at the moment on `address` (the OS's pick for port 0). */
function freeTcpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
