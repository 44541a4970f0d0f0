/**
 * The INVITE of a test call, built one way for both the real call and the dry run: the test
 * headers (ids, profile `X-` keys, extra headers) and the SDP offer become `SipInviteOptions`,
 * and the request itself comes from `SipUserAgent.buildInvite`, the builder the real send uses
 * (Contact and the top Via stamped as the transport stamps it).
 */
import { buildMediaOffer } from '../call-media/media-leg';
import { buildTestHeaders, type TestHeaderSet } from '../headers/build';
import { inviteSizeWarning } from '../headers/size-warning';
import type { SipRequest } from '../sip/message';
import { serializeMessage } from '../sip/serializer';
import type { SipInviteOptions } from '../sip/ua/uac-invite';
import { SipUserAgent } from '../sip/user-agent';
import { serializeSdp } from '../sdp/serializer';
import { callerUaOptions } from './ua-options';
import type { CallerOptions, CallOptions, CallerTransport } from './options';

/** The parts of a call's INVITE that do not depend on the network. */
export interface PreparedInvite {
  /** Validated test headers, ids (generated ones listed), warnings. */
  readonly headerSet: TestHeaderSet;
  /** What the user-agent core is asked to send. */
  readonly inviteOptions: SipInviteOptions;
}

/** Our From URI for a call. */
export function fromUriFor(caller: CallerOptions, call: Pick<CallOptions, 'fromUser'>): string {
  const host = caller.fromHost ?? caller.bind?.address ?? '127.0.0.1';
  const user = call.fromUser ?? caller.fromUser ?? 'sipprobe';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `sip:${user}@${h}`;
}

/**
 * Validates the call's headers and assembles the INVITE options around an SDP offer. The test
 * headers (ids, profile `X-` keys, extra headers) go on the INVITE and, as
 * `dialogInviteHeaders`, on every re-INVITE of the call (session refreshes included).
 * @throws a `TestHeaderError` subclass for a bad profile/header (nothing is sent).
 */
export function prepareInvite(caller: CallerOptions, call: CallOptions, sdpOffer: string): PreparedInvite {
  const headerSet = buildTestHeaders(call.run, call.profile, call.headers);
  const transport: CallerTransport = caller.transport ?? 'udp';
  const from = fromUriFor(caller, call);
  const headers = headerSet.headers.map((h) => [h.name, h.value] as [string, string]);
  const inviteOptions: SipInviteOptions = {
    target: call.target,
    from: caller.fromDisplayName !== undefined ? { uri: from, displayName: caller.fromDisplayName } : from,
    headers,
    body: sdpOffer,
    contentType: 'application/sdp',
    transport,
    // every INVITE of the call carries the test headers: re-INVITEs (session refreshes) too
    dialogInviteHeaders: headers.map(([k, v]) => [k, v] as [string, string]),
  };
  return { headerSet, inviteOptions };
}

/**
 * Builds the INVITE request the core would send for `inviteOptions` on `ua` over `protocol`
 * (`SipUserAgent.buildInvite`: the real send path's builder), Contact and top Via included, with
 * a fresh Call-ID, From tag and branch (as every real call has).
 */
export function buildInviteRequest(ua: SipUserAgent, inviteOptions: SipInviteOptions, protocol: CallerTransport): SipRequest {
  return ua.buildInvite(inviteOptions, { protocol });
}

/** Result of {@link renderInvite}. */
export interface RenderedInvite {
  /** The INVITE exactly as it would go on the wire (Call-ID, tags, branch, RTP port and SDP session id differ per call). */
  bytes: Buffer;
  /** The same as text. */
  text: string;
  headerSet: TestHeaderSet;
  /** Header warnings plus the >1300-bytes-on-UDP check. */
  warnings: string[];
}

/**
 * Dry run: the INVITE `caller.call(options)` would send, without sending anything or binding a
 * socket. Uses the same builders as the real call (test headers, SDP offer, the core's INVITE
 * builder); the Contact/Via port is the configured bind port (0 = not yet known, then omitted)
 * and the SDP names RTP port `rtpPort` (default the first port of the RTP range).
 * @throws a `TestHeaderError` subclass for a bad profile/header, `SipUserAgentError` for a bad target.
 */
export function renderInvite(options: CallOptions, callerOptions: CallerOptions = {}, rtpPort?: number): RenderedInvite {
  const address = callerOptions.bind?.address ?? '127.0.0.1';
  const port = rtpPort ?? callerOptions.rtpPorts?.min ?? 10000;
  const sdp = serializeSdp(buildMediaOffer({ address, port: port + (port & 1), codecs: options.codecs }));
  const prepared = prepareInvite(callerOptions, options, sdp);
  const ua = new SipUserAgent(callerUaOptions(callerOptions));
  const protocol = callerOptions.transport ?? 'udp';
  const req = buildInviteRequest(ua, prepared.inviteOptions, protocol);
  const bytes = serializeMessage(req);
  return { bytes, text: bytes.toString('utf8'), headerSet: prepared.headerSet, warnings: inviteWarnings(prepared.headerSet, bytes.length, protocol) };
}

/** Warning texts for the result: the header builder's, plus the UDP size check. */
export function inviteWarnings(headerSet: TestHeaderSet, inviteBytes: number, protocol: string): string[] {
  const out = headerSet.warnings.map((w) => `${w.code}: ${w.message}`);
  const size = inviteSizeWarning(inviteBytes, protocol);
  if (size) out.push(`${size.code}: ${size.message}`);
  return out;
}
