import type { SipRequest, SipResponse } from '../message';
import type { SipDestination, SipInbound, SipSent } from '../transport/types';

/**
 * What the transaction layer needs from below. `SipTransportManager` implements it; tests may
 * pass a fake. Both methods reject with a `SipTransportError` on failure.
 */
export interface SipTransactionSender {
  /** Sends a request (stamping its top Via) and reports where it went and how to resend it. */
  sendRequest(request: SipRequest, destination: SipDestination): Promise<SipSent>;
  /** Sends a response to the request received as `inbound` (§18.2.2 routing). */
  sendResponse(response: SipResponse, inbound: SipInbound): Promise<SipSent>;
}
