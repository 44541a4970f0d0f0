import { RtpPacket, SrtcpSession, SrtpSession, ProtectionProfileAes128CmHmacSha1_80 } from 'werift-rtp';
import { SrtpContext } from '../../../src/rtp/srtp';

// Independent implementation: werift-rtp's SRTP (it implements AES_CM_128_HMAC_SHA1_80 only, so
// the _32 suite cannot be cross-checked here).
const ourKey = Buffer.from(Array.from({ length: 30 }, (_, i) => (i * 13 + 1) & 0xff));
const theirKey = Buffer.from(Array.from({ length: 30 }, (_, i) => (i * 29 + 7) & 0xff));

function weriftSessions(): { srtp: SrtpSession; srtcp: SrtcpSession } {
  // werift's "local" protects what it sends (their key); "remote" unprotects ours
  const keys = {
    localMasterKey: theirKey.subarray(0, 16),
    localMasterSalt: theirKey.subarray(16),
    remoteMasterKey: ourKey.subarray(0, 16),
    remoteMasterSalt: ourKey.subarray(16),
  };
  return {
    srtp: new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 }),
    srtcp: new SrtcpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 }),
  };
}

function rtp(seq: number, ssrc: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = 0x00;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}

function rtcpRr(ssrc: number, n: number): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x81;
  b[1] = 201;
  b.writeUInt16BE(7, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(0x01020304, 8);
  b.writeUInt32BE(n, 16);
  return b;
}

test('our protect → werift unprotect, 400 packets across a sequence wrap', () => {
  const ours = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: ourKey });
  const { srtp } = weriftSessions();
  for (let n = 0; n < 400; n++) {
    const p = rtp(65300 + n, 0xfeedbeef, Buffer.alloc(160, (n * 3) & 0xff));
    expect(srtp.decrypt(ours.protectRtp(p)).equals(p)).toBe(true);
  }
  expect(ours.sendRoc(0xfeedbeef)).toBe(1);
});

test('werift protect → our unprotect, 400 packets across a sequence wrap', () => {
  const ours = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: theirKey });
  const { srtp } = weriftSessions();
  for (let n = 0; n < 400; n++) {
    const p = rtp(65300 + n, 0x1234, Buffer.alloc(160, n & 0xff));
    const parsed = RtpPacket.deSerialize(p);
    const ct = srtp.encrypt(parsed.payload, parsed.header);
    expect(ours.unprotectRtp(ct).equals(p)).toBe(true);
  }
  expect(ours.receiveRoc(0x1234)).toBe(1);
});

test('SRTCP both ways with werift', () => {
  const oursTx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: ourKey });
  const oursRx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: theirKey });
  const { srtcp } = weriftSessions();
  for (let n = 0; n < 50; n++) {
    const p = rtcpRr(0xcafe, n);
    expect(srtcp.decrypt(oursTx.protectRtcp(p)).equals(p)).toBe(true);
    expect(oursRx.unprotectRtcp(srtcp.encrypt(p)).equals(p)).toBe(true);
  }
});
