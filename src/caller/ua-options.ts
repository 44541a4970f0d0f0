import type { SipUserAgentOptions } from '../sip/user-agent';
import type { CallerOptions } from './options';

/** The user-agent options a Caller runs with: exactly one transport, the one asked for. */
export function callerUaOptions(o: CallerOptions): SipUserAgentOptions {
  const transport = o.transport ?? 'udp';
  const address = o.bind?.address ?? '127.0.0.1';
  const port = o.bind?.port ?? 0;
  return {
    transport: {
      address,
      udp: transport === 'udp' ? { address, port } : false,
      tcp: transport === 'tcp' ? { address, port } : false,
      tls: transport === 'tls' ? { address, port, accept: o.tls?.cert !== undefined, ...o.tls } : false,
    },
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.sipTimers ? { timers: o.sipTimers } : {}),
    productName: o.userAgent === undefined ? 'sipprobe' : o.userAgent,
    contactUser: o.fromUser ?? 'sipprobe',
  };
}
