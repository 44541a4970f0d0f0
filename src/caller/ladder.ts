/**
 * The SIP ladder of a call as it lands in the result: every message with a monotonic time,
 * credentials and SDP key material redacted before the text is kept anywhere.
 */
import { serializeMessage } from '../sip/serializer';
import type { SipRequest, SipResponse } from '../sip/message';
import { redactSdpKeys } from '../sdp/redact';
import type { LadderMessage } from './result';

const CREDENTIAL_LINE = /^((?:proxy-)?authorization[ \t]*:[ \t]*)([^\r\n]*)((?:\r?\n[ \t]+[^\r\n]*)*)/gim;

/** Replaces every Authorization / Proxy-Authorization value (all of it after the scheme) with `[redacted]`. */
export function redactSipCredentials(text: string): string {
  return text.replace(CREDENTIAL_LINE, (_m, head: string, value: string) => {
    const scheme = /^[A-Za-z][A-Za-z0-9-]*/.exec(value.trim());
    return `${head}${scheme ? scheme[0] + ' ' : ''}[redacted]`;
  });
}

/** First line of a message. */
export function firstLineOf(msg: SipRequest | SipResponse): string {
  return msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
}

/**
 * A ladder entry for one message, text redacted: `wire` (the bytes as sent or received) when
 * given, else the message serialized again.
 */
export function ladderEntry(
  msg: SipRequest | SipResponse,
  t: number,
  direction: 'sent' | 'received',
  transport: 'udp' | 'tcp' | 'tls',
  local: string,
  remote: string,
  wire?: Buffer,
): LadderMessage {
  let raw: string;
  try {
    raw = (wire ?? serializeMessage(msg)).toString('utf8');
  } catch {
    raw = firstLineOf(msg);
  }
  return {
    t: Math.round(t * 1000) / 1000,
    at: new Date().toISOString(),
    direction,
    transport,
    local,
    remote,
    firstLine: redactSipCredentials(firstLineOf(msg)),
    raw: redactSdpKeys(redactSipCredentials(raw)),
  };
}

/** `host:port` with IPv6 brackets. */
export function hostPort(a: { address: string; port: number }): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
