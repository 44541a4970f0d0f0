/** Top-Via rewriting done by the transport layer (RFC 3261 §18.1.1, §18.2.1; RFC 3581). */
import type { SipMessage, SipRequest } from '../message';
import { formatVia, type SipVia } from '../via';
import type { SipAddress, SipTransportProtocol } from './types';

function otherParams(v: SipVia, drop: readonly string[]): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (const [k, val] of v.params) if (!drop.includes(k)) out.push([k, val]);
  return out;
}

function replaceTopVia(msg: SipMessage, value: string): void {
  msg.headers.removeFirstValue('Via');
  msg.headers.prepend('Via', value);
}

/** IPv6 literals go into sent-by with brackets. */
export function sentByHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * Sets the top Via's transport and sent-by to what we actually send from, keeping branch and
 * any other parameters, and adds an empty `rport` (RFC 3581 §3) when asked. Throws
 * `SipParseError` if the existing top Via is malformed. The request must have a Via.
 */
export function stampSipVia(req: SipRequest, protocol: SipTransportProtocol, sentBy: SipAddress, rport: boolean): void {
  const v = req.topVia;
  if (!v) throw new Error('request without Via');
  const value = formatVia({
    transport: protocol,
    host: sentByHost(sentBy.address),
    port: sentBy.port,
    branch: v.branch,
    rport: rport || v.rport !== undefined ? true : undefined,
    params: otherParams(v, ['branch', 'rport', 'received']),
  });
  replaceTopVia(req, value);
}

/**
 * Server side of §18.2.1 and RFC 3581 §4: `received` when the sent-by host is not the source
 * address, and `rport=<source port>` (plus `received`) when the client asked for rport.
 * Returns false (leaving the message untouched) when the top Via is missing or malformed.
 */
export function annotateSipReceivedVia(req: SipRequest, remote: SipAddress): boolean {
  let v: SipVia | undefined;
  try {
    v = req.topVia;
  } catch {
    return false;
  }
  if (!v) return false;
  const hostBare = v.host.startsWith('[') ? v.host.slice(1, -1) : v.host;
  const wantRport = v.rport !== undefined;
  const needReceived = wantRport || hostBare.toLowerCase() !== remote.address.toLowerCase();
  if (!needReceived) return true;
  const params = otherParams(v, ['branch', 'rport', 'received']);
  params.push(['received', remote.address]);
  const value = formatVia({
    transport: v.transport,
    host: v.host,
    port: v.port,
    branch: v.branch,
    rport: wantRport ? remote.port : undefined,
    params,
  });
  replaceTopVia(req, value);
  return true;
}
