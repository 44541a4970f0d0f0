import { inviteSizeWarning, UDP_INVITE_WARN_BYTES } from '../../../src/headers';

describe('inviteSizeWarning', () => {
  it('warns only for UDP INVITEs over 1300 bytes', () => {
    expect(UDP_INVITE_WARN_BYTES).toBe(1300);
    expect(inviteSizeWarning(1300, 'udp')).toBeUndefined();
    const w = inviteSizeWarning(1301, 'udp');
    expect(w?.code).toBe('INVITE_OVER_UDP_LIMIT');
    expect(w?.message).toContain('1301');
    expect(inviteSizeWarning(5000, 'UDP')?.code).toBe('INVITE_OVER_UDP_LIMIT');
    expect(inviteSizeWarning(5000, 'tcp')).toBeUndefined();
    expect(inviteSizeWarning(5000, 'tls')).toBeUndefined();
    expect(inviteSizeWarning(Number.NaN, 'udp')).toBeUndefined();
  });
});
