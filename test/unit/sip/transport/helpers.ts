import { once } from 'node:events';
import type { SipInbound, SipMalformedInbound, SipTransport, SipTransportManager } from '../../../../src/sip/transport';

/** Resolves with the next `'message'` of a transport or manager. */
export function nextMessage(t: SipTransport | SipTransportManager, timeoutMs = 3000): Promise<SipInbound> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      t.off('message', on);
      reject(new Error('no message'));
    }, timeoutMs);
    const on = (m: SipInbound): void => {
      clearTimeout(timer);
      t.off('message', on);
      resolve(m);
    };
    t.on('message', on);
  });
}

/** Resolves with the next `'malformed'` report. */
export function nextMalformed(t: SipTransport | SipTransportManager, timeoutMs = 3000): Promise<SipMalformedInbound> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      t.off('malformed', on);
      reject(new Error('no malformed report'));
    }, timeoutMs);
    const on = (m: SipMalformedInbound): void => {
      clearTimeout(timer);
      t.off('malformed', on);
      resolve(m);
    };
    t.on('malformed', on);
  });
}

/** Collects `n` messages (one listener throughout: several may be emitted in one tick). */
export function messages(t: SipTransport | SipTransportManager, n: number, timeoutMs = 3000): Promise<SipInbound[]> {
  return new Promise((resolve, reject) => {
    const out: SipInbound[] = [];
    const timer = setTimeout(() => {
      t.off('message', on);
      reject(new Error(`got ${out.length} of ${n} messages`));
    }, timeoutMs);
    const on = (m: SipInbound): void => {
      out.push(m);
      if (out.length < n) return;
      clearTimeout(timer);
      t.off('message', on);
      resolve(out);
    };
    t.on('message', on);
  });
}

export { once };

export function options(cseq: number, extra = '', body = ''): string {
  return (
    'OPTIONS sip:uas@127.0.0.1 SIP/2.0\r\n' +
    `Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKt${cseq}\r\n` +
    'Max-Forwards: 70\r\nFrom: <sip:uac@127.0.0.1>;tag=f\r\nTo: <sip:uas@127.0.0.1>\r\n' +
    `Call-ID: frame-${cseq}\r\nCSeq: ${cseq} OPTIONS\r\n${extra}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
