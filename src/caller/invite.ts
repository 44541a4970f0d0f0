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
import type { DigestClient } from '../digest/client';
import type { SipByeChallenge, SipCallEnd } from '../sip/ua/call';
import type { SipAuthenticator } from '../sip/ua/core';
import type { SipInviteOptions, SipTcpFallback } from '../sip/ua/uac-invite';
import { SipUserAgent } from '../sip/user-agent';
import { serializeSdp } from '../sdp/serializer';
import { advertisedAddressOf, callerUaOptions } from './ua-options';
import type { CallerOptions, CallOptions, CallerTransport } from './options';
import { checkCallTarget, withFromHost } from './target';

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
 * `dialogInviteHeaders`, on every re-INVITE of the call (session refreshes included). With
 * `digest` (the call's credentials, the client that answers the INVITE's challenges), a BYE the
 * agent challenges is answered once with them (see {@link digestAuthenticator}).
 * @throws a `TestHeaderError` subclass for a bad profile/header (nothing is sent).
 */
export function prepareInvite(caller: CallerOptions, call: CallOptions, sdpOffer: string, digest?: DigestClient | null): PreparedInvite {
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
    ...(digest ? { authenticate: digestAuthenticator(digest) } : {}),
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
  checkCallTarget(options?.target);
  const advertised = advertisedAddressOf(callerOptions);
  const address = advertised ?? callerOptions.bind?.address ?? '127.0.0.1';
  const port = rtpPort ?? callerOptions.rtpPorts?.min ?? 10000;
  const sdp = serializeSdp(buildMediaOffer({ address, port: port + (port & 1), codecs: options.codecs }));
  const prepared = prepareInvite(withFromHost(callerOptions, advertised), options, sdp);
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

/**
 * The SIP layer's authenticator for a call's in-dialog requests (a challenged BYE) on the
 * call's digest client: the same credentials, realms and nonce counts as the INVITE's retries.
 * Throws the client's typed errors (`DigestAuthFailedError` …), which the SIP layer reports.
 */
export function digestAuthenticator(digest: DigestClient): SipAuthenticator {
  return (challenge, request) =>
    digest
      .respond(
        { www: challenge.wwwAuthenticate, proxy: challenge.proxyAuthenticate },
        { method: request.method, uri: request.uri, body: request.body, authorization: request.authorization, proxyAuthorization: request.proxyAuthorization },
      )
      .map((h) => [h.header, h.value] as [string, string]);
}

const BYE_CHALLENGE_TEXT: Record<SipByeChallenge['outcome'], string> = {
  accepted: 'answered with credentials and accepted',
  refused: 'answered with credentials, then refused',
  'challenged-again': 'challenged again after our credentials (refused)',
  'no-credentials': 'not answered: no credentials for this call',
  'credentials-error': 'not answered: the credentials could not be computed',
  'no-response': 'answered with credentials, but no final response came',
};

/**
 * The result warning for a call whose BYE was challenged and not accepted:
 * `BYE_AUTH_FAILED: …` (the dialog ended anyway); undefined when there was no challenge or the
 * BYE with credentials was accepted.
 */
export function byeChallengeWarning(end: SipCallEnd | undefined): string | undefined {
  const c = end?.byeChallenge;
  if (!c || c.outcome === 'accepted') return undefined;
  const final = end?.response && c.outcome !== 'no-credentials' && c.outcome !== 'credentials-error' ? ` (${end.response.status})` : '';
  return `BYE_AUTH_FAILED: the BYE was challenged (${c.status}) and ${BYE_CHALLENGE_TEXT[c.outcome]}${final}${c.code ? ` [${c.code}]` : ''}; the call was ended locally`;
}

/**
 * The result warning for an INVITE that was too large for UDP but went over it because the TCP
 * connection to the same address failed (`SipOutgoingInvite.tcpFallback`):
 * `INVITE_TCP_FALLBACK: …`; undefined when there was no fallback.
 */
export function tcpFallbackWarning(fallback: SipTcpFallback | undefined): string | undefined {
  if (!fallback) return undefined;
  const why = fallback.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return `INVITE_TCP_FALLBACK: the ${fallback.bytes}-byte INVITE went over UDP: TCP to the same address failed (${fallback.code}: ${why}) (RFC 3261 §18.1.1)`;
}
