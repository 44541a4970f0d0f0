/** Requests the transaction layer builds itself: the ACK for a non-2xx final response, and CANCEL. */
import { SipHeaderList } from '../header-list';
import { SipRequest, type SipResponse } from '../message';

function base(method: string, invite: SipRequest, to: string): SipRequest {
  const src = invite.headers;
  const h = new SipHeaderList();
  // only the top Via: ACK/CANCEL travel hop by hop with the INVITE's branch (§17.1.1.3, §9.1)
  const via = src.first('Via');
  if (via !== undefined) h.add('Via', via);
  h.add('Max-Forwards', '70');
  for (const r of src.linesByKey('route')) h.add('Route', r);
  const from = src.getByKey('from');
  if (from !== undefined) h.add('From', from);
  h.add('To', to);
  const callId = src.getByKey('call-id');
  if (callId !== undefined) h.add('Call-ID', callId);
  h.add('CSeq', `${invite.cseq?.seq ?? 0} ${method}`);
  return new SipRequest(method, invite.uri, h);
}

/**
 * The ACK for a 3xx–6xx response to `invite` (RFC 3261 §17.1.1.3): same Request-URI, top Via
 * (branch), Call-ID, From, Route set and CSeq number; To taken from the response (its tag).
 */
export function buildSipNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  return base('ACK', invite, response.headers.getByKey('to') ?? invite.headers.getByKey('to') ?? '');
}

/**
 * A CANCEL for `invite` (RFC 3261 §9.1): same Request-URI, top Via, Call-ID, From, To (no tag
 * added), Route set and CSeq number. Send it to where the INVITE went.
 */
export function buildSipCancel(invite: SipRequest): SipRequest {
  return base('CANCEL', invite, invite.headers.getByKey('to') ?? '');
}
