/** What UDP, TCP and TLS transports share: typed events, counters and inbound processing. */
import { EventEmitter } from 'node:events';
import type { SipMessage } from '../message';
import { SipParseError } from '../parse-error';
import { salvageSipRequestHead } from './salvage';
import { annotateSipReceivedVia } from './via-stamp';
import {
  emptySipTransportStats,
  type SipAddress,
  type SipInbound,
  type SipTransport,
  type SipTransportEvents,
  type SipTransportProtocol,
  type SipTransportStats,
  type SipTransportTarget,
} from './types';

/** @internal */
export abstract class SipTransportBase extends EventEmitter implements SipTransport {
  abstract readonly protocol: SipTransportProtocol;
  abstract readonly reliable: boolean;
  readonly stats: SipTransportStats = emptySipTransportStats();
  protected bound: SipAddress = { address: '0.0.0.0', port: 0 };
  protected closed = false;

  get local(): SipAddress {
    return this.bound;
  }

  abstract listen(): Promise<void>;
  abstract send(data: Buffer, target: SipTransportTarget): Promise<void>;
  abstract hasFlow(remote: SipAddress): boolean;
  abstract flowLocal(remote: SipAddress): SipAddress | undefined;
  abstract openFlow(target: SipTransportTarget): Promise<SipAddress>;
  abstract close(): Promise<void>;

  override on<E extends keyof SipTransportEvents>(event: E, listener: SipTransportEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof SipTransportEvents>(event: E, listener: SipTransportEvents[E]): this {
    return super.off(event, listener);
  }

  /** Hands a parsed message up with its bytes as received, after the §18.2.1 Via annotations for requests. */
  protected deliver(message: SipMessage, local: SipAddress, remote: SipAddress, raw?: Buffer): void {
    this.stats.messagesIn++;
    if (message.kind === 'request' && !annotateSipReceivedVia(message, remote)) {
      // a request whose Via cannot be read cannot be answered: the core may still log it
      this.malformed(new SipParseError('SIP_PARSE_VALUE', 'missing or malformed top Via', 0), undefined, local, remote);
      return;
    }
    const inbound: SipInbound = { message, protocol: this.protocol, local, remote, raw, transport: this };
    this.emit('message', inbound);
  }

  /** Counts and reports unparsable input; salvages a request head for a 400 when possible. */
  protected malformed(error: unknown, raw: Buffer | undefined, local: SipAddress, remote: SipAddress): void {
    this.stats.malformed++;
    const err = error instanceof SipParseError ? error : new SipParseError('SIP_PARSE_HEADER', 'unparsable message', 0);
    const request = raw ? salvageSipRequestHead(raw) : undefined;
    if (request) annotateSipReceivedVia(request, remote);
    this.emit('malformed', { error: err, protocol: this.protocol, local, remote, transport: this, request });
  }
}
