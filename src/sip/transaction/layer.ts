/** The transaction layer: creates, matches and dispatches the four transaction kinds. */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../../clock';
import { generateSipBranch } from '../branch';
import type { SipRequest, SipResponse } from '../message';
import type { SipDestination, SipInbound } from '../transport/types';
import type { SipTransactionBase, SipTransactionContext } from './base';
import { SipInviteClientTransaction, SipNonInviteClientTransaction, type SipClientTransaction, type SipClientTransactionHandlers } from './client';
import { SipTransactionError } from './errors';
import { sipClientTransactionKey, sipServerTransactionKey } from './keys';
import type { SipTransactionSender } from './sender';
import { SipInviteServerTransaction, SipNonInviteServerTransaction, type SipServerTransaction } from './server';
import { resolveSipTimers, type SipTimerConfig } from './timers';

/** Options of {@link SipTransactionLayer}. */
export interface SipTransactionLayerOptions {
  /** Sends requests and responses (a `SipTransportManager`, or a fake in tests). */
  sender: SipTransactionSender;
  /** Time source for every timer (default: the system clock). */
  clock?: Clock;
  /** T1/T2/T4/D overrides. */
  timers?: Partial<SipTimerConfig>;
  /** INVITE server transactions send 100 Trying after 200 ms without a TU response (default true). */
  autoTrying?: boolean;
}

/** Events of {@link SipTransactionLayer} (the UA core's inputs). */
export interface SipTransactionLayerEvents {
  /**
   * A new request (not a retransmission, not an ACK): a server transaction was created; the
   * core answers through `tx.respond()` / `tx.reply()`. A CANCEL arrives here too (find its
   * INVITE with `findInviteForCancel`).
   */
  request: (tx: SipServerTransaction, inbound: SipInbound) => void;
  /**
   * An ACK the layer does not absorb: the ACK for a 2xx (matching an INVITE server transaction
   * in Accepted, passed as `tx`, or matching none once it has terminated).
   */
  ack: (inbound: SipInbound, tx: SipInviteServerTransaction | undefined) => void;
  /** A response matching no client transaction (e.g. a 2xx retransmission after Timer M). */
  strayResponse: (inbound: SipInbound) => void;
  /**
   * A message parsed but whose Via/CSeq could not be read for matching. A request here may be
   * answered 400 by the core if it can; it has no transaction.
   */
  unmatchable: (inbound: SipInbound, error: unknown) => void;
}

/**
 * Runs every transaction of one user agent. Feed it with {@link receive} from the transport's
 * `'message'` event; start client transactions with {@link sendRequest}.
 */
export class SipTransactionLayer extends EventEmitter {
  /** Timer values in force. */
  readonly timers: SipTimerConfig;
  readonly clock: Clock;
  private readonly sender: SipTransactionSender;
  private readonly autoTrying: boolean;
  private readonly clients = new Map<string, SipClientTransaction>();
  private readonly servers = new Map<string, SipServerTransaction>();
  private readonly ctx: SipTransactionContext;
  private closed = false;

  constructor(options: SipTransactionLayerOptions) {
    super();
    this.sender = options.sender;
    this.clock = options.clock ?? systemClock;
    this.timers = resolveSipTimers(options.timers);
    this.autoTrying = options.autoTrying !== false;
    this.ctx = {
      clock: this.clock,
      timers: this.timers,
      onTerminated: (tx) => this.forget(tx),
    };
  }

  override on<E extends keyof SipTransactionLayerEvents>(event: E, listener: SipTransactionLayerEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof SipTransactionLayerEvents>(event: E, listener: SipTransactionLayerEvents[E]): this {
    return super.off(event, listener);
  }

  /** Live client transactions. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Live server transactions. */
  get serverCount(): number {
    return this.servers.size;
  }

  /**
   * Starts a client transaction for `request` towards `destination`. A request without a Via
   * gets one with a fresh branch (`z9hG4bK` + crypto); a request that has one keeps its branch
   * (CANCEL reuses its INVITE's). Throws {@link SipTransactionError} for ACK (the dialog sends
   * ACKs for 2xx itself), a missing CSeq, or a branch+method already in use.
   */
  sendRequest(request: SipRequest, destination: SipDestination, handlers: SipClientTransactionHandlers = {}): SipClientTransaction {
    if (this.closed) throw new SipTransactionError('SIP_TRANSACTION_STATE', 'transaction layer is closed');
    if (request.method === 'ACK') throw new SipTransactionError('SIP_TRANSACTION_REQUEST', 'ACK does not create a client transaction');
    let cseq;
    try {
      cseq = request.cseq;
    } catch (e) {
      throw new SipTransactionError('SIP_TRANSACTION_REQUEST', 'malformed CSeq', { cause: e });
    }
    if (!cseq || cseq.method !== request.method) throw new SipTransactionError('SIP_TRANSACTION_REQUEST', 'CSeq missing or not matching the method');
    if (!request.headers.has('Via')) request.headers.prepend('Via', `SIP/2.0/${destination.protocol.toUpperCase()} 0.0.0.0;branch=${generateSipBranch()}`);
    let key: string | undefined;
    try {
      key = sipClientTransactionKey(request);
    } catch (e) {
      throw new SipTransactionError('SIP_TRANSACTION_REQUEST', 'malformed top Via', { cause: e });
    }
    if (!key) throw new SipTransactionError('SIP_TRANSACTION_REQUEST', 'top Via has no branch');
    if (this.clients.has(key)) throw new SipTransactionError('SIP_TRANSACTION_REQUEST', 'a transaction with this branch and method exists');
    const tx =
      request.method === 'INVITE'
        ? new SipInviteClientTransaction(this.ctx, key, request, destination, this.sender, handlers)
        : new SipNonInviteClientTransaction(this.ctx, key, request, destination, this.sender, handlers);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Dispatches one received message (wire to `SipTransportManager`'s `'message'` event). */
  receive(inbound: SipInbound): void {
    if (this.closed) return;
    const msg = inbound.message;
    if (msg.kind === 'response') this.receiveResponse(msg, inbound);
    else this.receiveRequest(msg, inbound);
  }

  private receiveResponse(res: SipResponse, inbound: SipInbound): void {
    let key: string | undefined;
    try {
      key = sipClientTransactionKey(res);
    } catch (e) {
      this.emit('unmatchable', inbound, e);
      return;
    }
    const tx = key === undefined ? undefined : this.clients.get(key);
    if (tx) tx.receiveResponse(res);
    else this.emit('strayResponse', inbound);
  }

  private receiveRequest(req: SipRequest, inbound: SipInbound): void {
    let key: string | undefined;
    try {
      key = sipServerTransactionKey(req);
    } catch (e) {
      this.emit('unmatchable', inbound, e);
      return;
    }
    if (key === undefined) {
      this.emit('unmatchable', inbound, new SipTransactionError('SIP_TRANSACTION_REQUEST', 'request without Via or CSeq'));
      return;
    }
    const existing = this.servers.get(key);
    if (req.method === 'ACK') {
      if (existing instanceof SipInviteServerTransaction) {
        if (existing.receiveRequest(req)) this.emit('ack', inbound, existing);
      } else this.emit('ack', inbound, undefined);
      return;
    }
    if (existing) {
      // a retransmission of the request (same branch, sent-by and method)
      existing.receiveRequest(req);
      return;
    }
    const tx =
      req.method === 'INVITE'
        ? new SipInviteServerTransaction(this.ctx, key, inbound, this.sender, { autoTrying: this.autoTrying })
        : new SipNonInviteServerTransaction(this.ctx, key, inbound, this.sender);
    this.servers.set(key, tx);
    this.emit('request', tx, inbound);
  }

  /**
   * The INVITE server transaction a CANCEL targets (RFC 3261 §9.2: same top Via branch and
   * sent-by, method INVITE), if it is still alive.
   */
  findInviteForCancel(cancel: SipRequest): SipInviteServerTransaction | undefined {
    let key: string | undefined;
    try {
      key = sipServerTransactionKey(cancel, 'INVITE');
    } catch {
      return undefined;
    }
    const tx = key === undefined ? undefined : this.servers.get(key);
    return tx instanceof SipInviteServerTransaction ? tx : undefined;
  }

  /** The live client transaction with this branch and CSeq method. */
  findClientTransaction(branch: string, method: string): SipClientTransaction | undefined {
    return this.clients.get(`${branch}\u0000${method}`);
  }

  private forget(tx: SipTransactionBase<string>): void {
    if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
  }

  /** Terminates every transaction and stops every timer (no error reported). Idempotent. */
  close(): void {
    this.closed = true;
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.abort();
    this.clients.clear();
    this.servers.clear();
  }
}
