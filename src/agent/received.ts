/**
 * Snapshots of the requests a TestAgent received, so that tests can assert exactly which headers
 * arrived. A snapshot is plain data: it does not change when the live message does.
 */
import { sipHeaderKey, serializeMessage, type SipRequest } from '../sip';
import type { SipTransportProtocol } from '../sip/transport/types';

/** One header line as received: name as written, value raw. */
export interface TestAgentHeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * The header lines of a received request with case-insensitive, compact-form aware lookup
 * (`get('i')` finds `Call-ID`). Lines keep their order and their names as written.
 */
export class TestAgentHeaders implements Iterable<TestAgentHeaderField> {
  /** Every header line in order. */
  readonly list: readonly TestAgentHeaderField[];
  private readonly index = new Map<string, string[]>();

  constructor(fields: Iterable<TestAgentHeaderField>) {
    const list: TestAgentHeaderField[] = [];
    for (const f of fields) {
      list.push({ name: f.name, value: f.value });
      const k = sipHeaderKey(f.name);
      const values = this.index.get(k);
      if (values) values.push(f.value);
      else this.index.set(k, [f.value]);
    }
    this.list = Object.freeze(list);
  }

  /** The first value of a header (any case, compact forms too), or undefined. */
  get(name: string): string | undefined {
    return this.index.get(sipHeaderKey(name))?.[0];
  }

  /** Every value of a header, in order. */
  getAll(name: string): string[] {
    return [...(this.index.get(sipHeaderKey(name)) ?? [])];
  }

  /** True when at least one line of the header arrived. */
  has(name: string): boolean {
    return this.index.has(sipHeaderKey(name));
  }

  /** Names of the lines that start with `X-` (any case), as written, in order. */
  xHeaderNames(): string[] {
    return this.list.filter((f) => /^x-/i.test(f.name)).map((f) => f.name);
  }

  /** `{ name: value }` of every `X-` header line, names as written (a repeated name keeps its first value). */
  xHeaders(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.list) if (/^x-/i.test(f.name) && !(f.name in out)) out[f.name] = f.value;
    return out;
  }

  [Symbol.iterator](): Iterator<TestAgentHeaderField> {
    return this.list[Symbol.iterator]();
  }

  /** JSON form: the list of lines. */
  toJSON(): readonly TestAgentHeaderField[] {
    return this.list;
  }
}

/** A request as the TestAgent received it. */
export interface TestAgentRequest {
  /** Method, e.g. `INVITE`, `ACK`, `BYE`, `CANCEL`, `OPTIONS`. */
  readonly method: string;
  /** Request-URI as received. */
  readonly uri: string;
  /** Call-ID ('' when absent). */
  readonly callId: string;
  /** CSeq number (NaN when unreadable). */
  readonly cseq: number;
  /** The message as parsed, serialised again: header names, values and order as received, CRLF line ends. */
  readonly raw: string;
  /** Header lines with case-insensitive lookup. */
  readonly headers: TestAgentHeaders;
  /** Body as UTF-8 text ('' when none). */
  readonly body: string;
  readonly protocol: SipTransportProtocol;
  /** The sender's address and port. */
  readonly remote: { readonly address: string; readonly port: number };
  /** Milliseconds since the agent started (its clock). */
  readonly t: number;
  /** Wall-clock time of arrival, ISO 8601. */
  readonly at: string;
  /** True when an identical request (same method, Call-ID, CSeq and Via branch) arrived before. */
  readonly retransmission: boolean;
  /** The live parsed message, for assertions the snapshot does not cover. */
  readonly message: SipRequest;
}

/** Builds a snapshot of a received request. */
export function snapshotRequest(
  message: SipRequest,
  info: { protocol: SipTransportProtocol; remote: { address: string; port: number }; t: number; retransmission: boolean },
): TestAgentRequest {
  let callId = '';
  let cseq = Number.NaN;
  try {
    callId = message.callId ?? '';
    cseq = message.cseq?.seq ?? Number.NaN;
  } catch {
    // a request that reached us parsed but with an unreadable header: keep what we have
  }
  let raw: string;
  try {
    raw = serializeMessage(message).toString('utf8');
  } catch {
    raw = '';
  }
  return Object.freeze({
    method: message.method,
    uri: message.uri,
    callId,
    cseq,
    raw,
    headers: new TestAgentHeaders(message.headers),
    body: message.body.toString('utf8'),
    protocol: info.protocol,
    remote: { address: info.remote.address, port: info.remote.port },
    t: info.t,
    at: new Date().toISOString(),
    retransmission: info.retransmission,
    message,
  });
}

/** Identity of a request for retransmission detection (RFC 3261 §17.2.3 matching, simplified). */
export function requestIdentity(message: SipRequest): string {
  let branch = '';
  let callId = '';
  let cseq = '';
  try {
    branch = message.topVia?.branch ?? '';
    callId = message.callId ?? '';
    cseq = String(message.cseq?.seq ?? '');
  } catch {
    // unreadable headers make a weak identity; duplicates are then merely not flagged
  }
  return `${message.method}\n${callId}\n${cseq}\n${branch}`;
}
