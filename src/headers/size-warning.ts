import type { TestHeaderWarning } from './build';

/** RFC 3261 §18.1.1: a request this large (or larger, path MTU 1500 minus headroom) should not go over UDP. */
export const UDP_INVITE_WARN_BYTES = 1300;

/**
 * Warning for an INVITE of `bytes` bytes sent over `transport`: over 1300 bytes on UDP risks IP
 * fragmentation (RFC 3261 §18.1.1); `undefined` when there is nothing to say.
 */
export function inviteSizeWarning(bytes: number, transport: string): TestHeaderWarning | undefined {
  if (transport.toLowerCase() !== 'udp' || !(bytes > UDP_INVITE_WARN_BYTES)) return undefined;
  return {
    code: 'INVITE_OVER_UDP_LIMIT',
    message: `INVITE is ${bytes} bytes on UDP, over ${UDP_INVITE_WARN_BYTES} (RFC 3261 §18.1.1): it may be fragmented or dropped; prefer TCP`,
  };
}
