/**
 * SIP transaction layer (RFC 3261 §17 with the RFC 6026 Accepted state).
 *
 * How a user-agent core uses it:
 *
 * ```ts
 * const transports = new SipTransportManager({ address: '127.0.0.1' });
 * await transports.start();
 * const layer = new SipTransactionLayer({ sender: transports, clock });   // clock optional
 * transports.on('message', (m) => layer.receive(m));
 * transports.on('malformed', (m) => { if (m.request) transports.sendResponse(createResponse(m.request, 400), …) });
 *
 * // UAC: build the request WITHOUT a Via (the layer adds one with a fresh z9hG4bK branch; the
 * // transport stamps sent-by, transport and rport). Resolve the next hop first.
 * const [dest] = await transports.resolve(transports.nextHopUri(invite));
 * const tx = layer.sendRequest(invite, dest, {
 *   onResponse(res) { … },        // 1xx; every 2xx incl. retransmissions/forks (ACK each from the dialog);
 *                                 // a 3xx–6xx once (its ACK was already sent by the transaction)
 *   onError(err) { … },           // SipTransactionTimeoutError (timer 'B'/'F') or SipTransactionTransportError
 *   onTerminated() { … },
 * });
 * // CANCEL (after a provisional): layer.sendRequest(tx.createCancel(), tx.flowDestination, …)
 * // ACK for a 2xx is NOT a transaction: the dialog sends it with transports.sendRequest(ack,
 * // tx.flowDestination) using a new branch (generateSipBranch()).
 *
 * // UAS:
 * layer.on('request', (stx, inbound) => {
 *   // stx.request; stx.reply(180, …) / stx.respond(createResponse(stx.request, 200, …, { toTag }))
 *   // illegal responses (e.g. 180 after 486) throw SipTransactionStateError.
 *   // A 2xx to INVITE moves it to Accepted: the TU retransmits the 2xx (stx.respond again)
 *   // until the ACK arrives on layer 'ack'.
 *   // CANCEL: layer.findInviteForCancel(stx.request) gives the INVITE's server transaction.
 * });
 * layer.on('ack', (inbound, inviteTx) => …);         // ACKs for 2xx (absorbed ACKs for non-2xx are not reported)
 * layer.on('strayResponse', (inbound) => …);         // e.g. a 2xx retransmission after Timer M
 * layer.on('unmatchable', (inbound, err) => …);      // Via/CSeq unreadable: answer 400 if possible
 * stx.on('failed', (err) => …);                      // Timer H (no ACK) or transport failure
 * …
 * layer.close(); await transports.close();
 * ```
 *
 * Timers come from T1/T2/T4 (500 ms / 4 s / 5 s) and D (32 s); on TCP/TLS there are no
 * retransmissions and Timers D, I, J, K are zero. INVITE retransmissions (Timer A) double
 * without a cap (§17.1.1.2); non-INVITE (E) and response (G) retransmissions cap at T2.
 */
export {
  SipTransactionError,
  SipTransactionTimeoutError,
  SipTransactionTransportError,
  SipTransactionStateError,
  type SipTransactionErrorCode,
  type SipTimeoutTimer,
} from './errors';
export { SIP_DEFAULT_TIMERS, resolveSipTimers, type SipTimerConfig } from './timers';
export { type SipTimerName } from './base';
export { type SipTransactionSender } from './sender';
export {
  SipInviteClientTransaction,
  SipNonInviteClientTransaction,
  type SipClientTransaction,
  type SipClientTransactionHandlers,
  type SipInviteClientState,
  type SipNonInviteClientState,
} from './client';
export {
  SipInviteServerTransaction,
  SipNonInviteServerTransaction,
  type SipServerTransaction,
  type SipServerTransactionEvents,
  type SipInviteServerState,
  type SipNonInviteServerState,
  type SipInviteServerOptions,
} from './server';
export { buildSipNon2xxAck, buildSipCancel } from './requests';
export { sipClientTransactionKey, sipServerTransactionKey } from './keys';
export { SipTransactionLayer, type SipTransactionLayerOptions, type SipTransactionLayerEvents } from './layer';
