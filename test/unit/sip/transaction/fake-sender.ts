/** A recording SipTransactionSender for transaction tests: every send is stamped with fake-clock time. */
import type { FakeClock } from '../../../../src/clock';
import { parseMessage, serializeMessage, type SipMessage, type SipRequest, type SipResponse } from '../../../../src/sip';
import { SipTransportError, type SipDestination, type SipInbound, type SipSent, type SipTransport } from '../../../../src/sip/transport';
import type { SipTransactionSender } from '../../../../src/sip/transaction';

export interface SendRecord {
  at: number;
  /** Parsed copy of what went on the wire (so later mutation of the original cannot change it). */
  message: SipMessage;
  retransmission: boolean;
}

export class FakeSender implements SipTransactionSender {
  readonly sends: SendRecord[] = [];
  failNext = false;
  failRetransmit = false;

  constructor(
    private readonly clock: FakeClock,
    readonly reliable = false,
  ) {}

  private record(msg: SipMessage, retransmission: boolean): void {
    this.sends.push({ at: this.clock.now(), message: parseMessage(serializeMessage(msg)), retransmission });
  }

  private result(msg: SipMessage, remote: { address: string; port: number }): SipSent {
    const snapshot = serializeMessage(msg);
    return {
      protocol: this.reliable ? 'tcp' : 'udp',
      reliable: this.reliable,
      local: { address: '127.0.0.1', port: 5060 },
      remote,
      size: snapshot.length,
      retransmit: () => {
        if (this.failRetransmit) return Promise.reject(new SipTransportError('SIP_TRANSPORT_SEND', 'fake failure'));
        this.record(parseMessage(snapshot), true);
        return Promise.resolve();
      },
    };
  }

  sendRequest(request: SipRequest, destination: SipDestination): Promise<SipSent> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new SipTransportError('SIP_TRANSPORT_CONNECT', 'fake refused'));
    }
    this.record(request, false);
    return Promise.resolve(this.result(request, destination));
  }

  sendResponse(response: SipResponse, inbound: SipInbound): Promise<SipSent> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new SipTransportError('SIP_TRANSPORT_SEND', 'fake failure'));
    }
    this.record(response, false);
    return Promise.resolve(this.result(response, inbound.remote));
  }

  /** Send times of messages matching `pred`. */
  times(pred: (m: SipMessage) => boolean = () => true): number[] {
    return this.sends.filter((s) => pred(s.message)).map((s) => s.at);
  }
}

/** Lets promise callbacks (send results) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

export const DEST_UDP: SipDestination = { protocol: 'udp', address: '127.0.0.1', port: 5070 };
export const DEST_TCP: SipDestination = { protocol: 'tcp', address: '127.0.0.1', port: 5070 };

/** An inbound message as if received from 127.0.0.1:5070 on a (reliable or not) transport. */
export function inbound(text: string, reliable = false): SipInbound {
  const transport = { protocol: reliable ? 'tcp' : 'udp', reliable } as unknown as SipTransport;
  return {
    message: parseMessage(text),
    protocol: reliable ? 'tcp' : 'udp',
    local: { address: '127.0.0.1', port: 5060 },
    remote: { address: '127.0.0.1', port: 5070 },
    transport,
  };
}

/** A request from the far end (as the server side sees it). */
export function farRequest(method: string, opts: { branch?: string; cseq?: number; cseqMethod?: string; sentBy?: string; toTag?: string } = {}): string {
  const branch = opts.branch ?? 'z9hG4bKfar1';
  return (
    `${method} sip:us@127.0.0.1:5060 SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${opts.sentBy ?? '127.0.0.1:5070'};branch=${branch}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:them@127.0.0.1>;tag=ft\r\n' +
    `To: <sip:us@127.0.0.1>${opts.toTag ? ';tag=' + opts.toTag : ''}\r\n` +
    'Call-ID: call-1@127.0.0.1\r\n' +
    `CSeq: ${opts.cseq ?? 1} ${opts.cseqMethod ?? method}\r\n` +
    'Content-Length: 0\r\n\r\n'
  );
}

/** A response to one of our requests (top Via = ours, so it carries our branch). */
export function responseTo(req: SipRequest, status: number, toTag = 'tt', reason = 'X'): string {
  const via = req.headers.first('Via');
  const cseq = req.headers.get('CSeq');
  const to = req.headers.get('To');
  return (
    `SIP/2.0 ${status} ${reason}\r\n` +
    `Via: ${via}\r\n` +
    `From: ${req.headers.get('From')}\r\n` +
    `To: ${to}${status > 100 ? ';tag=' + toTag : ''}\r\n` +
    `Call-ID: ${req.headers.get('Call-ID')}\r\n` +
    `CSeq: ${cseq}\r\n` +
    'Content-Length: 0\r\n\r\n'
  );
}
