import { normalizeAdvertisedAddress } from '../call-media/local-address';
import type { SipUserAgentOptions } from '../sip/user-agent';
import { CallerError } from './errors';
import type { CallerOptions } from './options';

/**
 * How long the TCP connection for a large UDP request may take before the request goes over
 * UDP after all: short, because the INVITE waits for it (a peer that drops TCP SYNs would
 * otherwise delay every large INVITE by the default 10 s).
 */
const SWITCH_CONNECT_TIMEOUT_MS = 2000;

/**
 * The user-agent options a Caller runs with: one listening transport, the one asked for. A UDP
 * Caller also gets a TCP transport that does not listen, for the RFC 3261 §18.1.1 switch: a
 * request over 1300 bytes goes over TCP to the same address and port (its Contact and Via name
 * that connection), unless `largeUdpToTcp` is false.
 */
export function callerUaOptions(o: CallerOptions): SipUserAgentOptions {
  const advertised = advertisedAddressOf(o);
  const transport = o.transport ?? 'udp';
  const address = o.bind?.address ?? '127.0.0.1';
  const port = o.bind?.port ?? 0;
  const switchTcp = transport === 'udp' && o.largeUdpToTcp !== false;
  return {
    transport: {
      address,
      udp: transport === 'udp' ? { address, port, ...(o.sipThread ? { thread: true } : {}) } : false,
      tcp: transport === 'tcp' ? { address, port } : switchTcp ? { address, port: 0, accept: false, connectTimeoutMs: SWITCH_CONNECT_TIMEOUT_MS } : false,
      tls: transport === 'tls' ? { address, port, accept: o.tls?.cert !== undefined, ...o.tls } : false,
      largeUdpToTcp: switchTcp,
      ...(advertised !== undefined ? { advertisedHost: advertised } : {}),
    },
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.sipTimers ? { timers: o.sipTimers } : {}),
    productName: o.userAgent === undefined ? 'sipprobe' : o.userAgent,
    contactUser: o.fromUser ?? 'sipprobe',
  };
}

/**
 * `advertise.address`, checked and normalised (an IP literal or host name; nothing that could
 * inject into Via, Contact or SDP), or undefined when not set.
 * @throws {@link CallerError} `CALLER_BAD_OPTION` (the message does not repeat the value)
 */
export function advertisedAddressOf(o: CallerOptions): string | undefined {
  if (o.advertise === undefined) return undefined;
  const a = normalizeAdvertisedAddress(o.advertise?.address);
  if (a === null) throw new CallerError('CALLER_BAD_OPTION', 'advertise.address must be an IPv4/IPv6 literal or a host name (not a wildcard)');
  return a;
}
