import { once } from 'node:events';
import type { SipInbound, SipMalformedInbound, SipTransport, SipTransportManager } from '../../../../src/sip/transport';

type Source = SipTransport | SipTransportManager;

/** Collects `n` events of one name (one listener throughout: several may be emitted in one tick). */
function collect<T>(t: Source, event: 'message' | 'malformed', n: number, timeoutMs: number): Promise<T[]> {
  // Both classes are typed emitters with different event maps; the union's `on` is not callable.
  const emitter = t as unknown as NodeJS.EventEmitter;
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`got ${out.length} of ${n} '${event}' events`));
    }, timeoutMs);
    const on = (m: T): void => {
      out.push(m);
      if (out.length < n) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(out);
    };
    emitter.on(event, on);
  });
}

/** Resolves with the next `'message'` of a transport or manager. */
export async function nextMessage(t: Source, timeoutMs = 3000): Promise<SipInbound> {
  return (await collect<SipInbound>(t, 'message', 1, timeoutMs))[0];
}

/** Resolves with the next `'malformed'` report. */
export async function nextMalformed(t: Source, timeoutMs = 3000): Promise<SipMalformedInbound> {
  return (await collect<SipMalformedInbound>(t, 'malformed', 1, timeoutMs))[0];
}

/** Collects `n` messages. */
export function messages(t: Source, n: number, timeoutMs = 3000): Promise<SipInbound[]> {
  return collect<SipInbound>(t, 'message', n, timeoutMs);
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
