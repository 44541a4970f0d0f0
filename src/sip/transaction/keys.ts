/** Transaction matching keys (RFC 3261 §17.1.3, §17.2.3, with the RFC 2543 fallback of §17.2.3). */
import { isRfc3261Branch } from '../branch';
import type { SipMessage, SipRequest } from '../message';
import { defaultSipPort } from '../transport/types';
import type { SipVia } from '../via';

/** Client side: branch of the top Via + CSeq method. Undefined when either is missing. */
export function sipClientTransactionKey(msg: SipMessage): string | undefined {
  const branch = msg.topVia?.branch;
  const method = msg.cseq?.method;
  if (branch === undefined || method === undefined) return undefined;
  return `${branch}\u0000${method}`;
}

function sentBy(v: SipVia): string {
  const proto = v.transport === 'TLS' ? 'tls' : 'udp';
  return `${v.host.toLowerCase()}:${v.port ?? defaultSipPort(proto)}`;
}

/**
 * Server side: branch + sent-by + method, with ACK keyed as the INVITE it acknowledges
 * (and, via `asMethod`, a CANCEL looked up as its INVITE). Requests without the magic cookie
 * (RFC 2543) fall back to Call-ID, From tag, CSeq number, Request-URI and top Via.
 * Throws `SipParseError` when Via/CSeq/From are malformed; undefined when missing.
 */
export function sipServerTransactionKey(req: SipRequest, asMethod?: string): string | undefined {
  const v = req.topVia;
  const cseq = req.cseq;
  if (!v || !cseq) return undefined;
  let method = asMethod ?? req.method;
  if (method === 'ACK') method = 'INVITE';
  if (isRfc3261Branch(v.branch)) return `${v.branch}\u0000${sentBy(v)}\u0000${method}`;
  return `2543\u0000${req.callId ?? ''}\u0000${req.from?.tag ?? ''}\u0000${cseq.seq}\u0000${req.uri}\u0000${sentBy(v)}\u0000${v.branch ?? ''}\u0000${method}`;
}
