/**
 * An in-memory stand-in for `SipTransportManager` so that user-agent tests can run on a
 * FakeClock: everything sent is recorded (serialized and re-parsed, as the peer would see it),
 * and messages are injected as if they had arrived from 127.0.0.1:5070 over UDP.
 */
import { EventEmitter } from 'node:events';
import { parseMessage, serializeMessage, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip';
import type { SipTransportManager } from '../../src/sip/transport/manager';
import type { SipDestination, SipInbound, SipSent, SipTransport } from '../../src/sip/transport/types';
import { stampSipVia } from '../../src/sip/transport/via-stamp';
import { isSipUri, parseUri } from '../../src/sip/uri';
import { FakeClock } from '../../src/clock';
import { SipUserAgent, type SipUserAgentOptions } from '../../src/sip/user-agent';

/** One recorded send. */
export interface FakeSent {
  readonly message: SipMessage;
  readonly bytes: Buffer;
  readonly retransmission: boolean;
  readonly to: { address: string; port: number };
}

const LOCAL = { address: '127.0.0.1', port: 5060 };
const REMOTE = { address: '127.0.0.1', port: 5070 };

/** Fake transports; cast with {@link asManager} to pass as `SipUserAgentOptions.transports`. */
export class FakeSipTransports extends EventEmitter {
  readonly sent: FakeSent[] = [];
  private readonly udp: SipTransport;

  constructor() {
    super();
    const self = this;
    this.udp = {
      protocol: 'udp',
      reliable: false,
      local: LOCAL,
      stats: { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, keepAlivesIn: 0, connections: 0 },
      listen: async () => undefined,
      send: async () => undefined,
      hasFlow: () => true,
      close: async () => undefined,
      on() {
        return self.udp;
      },
      off() {
        return self.udp;
      },
    } as SipTransport;
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {}

  transport(): SipTransport {
    return this.udp;
  }

  sentBy(): { address: string; port: number } {
    return LOCAL;
  }

  contactUri(_protocol: string, user?: string): string {
    return `sip:${user ?? 'ua'}@127.0.0.1:5060`;
  }

  async resolve(uri: string): Promise<SipDestination[]> {
    const u = parseUri(uri);
    if (!isSipUri(u)) throw new Error('not sip');
    return [{ protocol: 'udp', address: u.host, port: u.port ?? 5060 }];
  }

  async sendRequest(req: SipRequest, dest: SipDestination): Promise<SipSent> {
    if (!req.headers.has('Via')) req.headers.prepend('Via', 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKfake' + this.sent.length);
    stampSipVia(req, 'udp', LOCAL, true);
    return this.record(req, { address: dest.address, port: dest.port });
  }

  async sendResponse(res: SipResponse): Promise<SipSent> {
    return this.record(res, REMOTE);
  }

  private record(msg: SipMessage, to: { address: string; port: number }): SipSent {
    const bytes = serializeMessage(msg);
    this.sent.push({ message: parseMessage(bytes), bytes, retransmission: false, to });
    return {
      protocol: 'udp',
      reliable: false,
      local: LOCAL,
      remote: to,
      size: bytes.length,
      retransmit: async () => {
        this.sent.push({ message: parseMessage(bytes), bytes, retransmission: true, to });
      },
    };
  }

  /** Delivers a message as if it came from the peer (serialized and parsed first). */
  inject(msg: SipMessage | string): void {
    const message = parseMessage(typeof msg === 'string' ? msg : serializeMessage(msg));
    const inbound: SipInbound = { message, protocol: 'udp', local: LOCAL, remote: REMOTE, transport: this.udp };
    this.emit('message', inbound);
  }

  /** Sent requests of a method. */
  requests(method: string): SipRequest[] {
    return this.sent.filter((s) => s.message.kind === 'request' && s.message.method === method).map((s) => s.message as SipRequest);
  }

  /** Sent responses with a status (and CSeq method). */
  responses(status: number, method?: string): SipResponse[] {
    return this.sent
      .filter((s) => s.message.kind === 'response' && s.message.status === status && (method === undefined || s.message.cseq?.method === method))
      .map((s) => s.message as SipResponse);
  }

  /** This object typed as the manager the UA expects. */
  asManager(): SipTransportManager {
    return this as unknown as SipTransportManager;
  }
}

/** Lets pending promise callbacks (sends, resolutions) run. */
export async function flushSip(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A started user agent on fake transports and a FakeClock (close `ua` after the test). */
export async function startFakeUa(options: Omit<SipUserAgentOptions, 'transports' | 'clock'> = {}): Promise<{ clock: FakeClock; net: FakeSipTransports; ua: SipUserAgent }> {
  const clock = new FakeClock();
  const net = new FakeSipTransports();
  const ua = new SipUserAgent({ ...options, transports: net.asManager(), clock });
  await ua.start();
  return { clock, net, ua };
}
