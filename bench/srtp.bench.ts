/**
 * SRTP protect + unprotect of one 20 ms G.711 packet (12-byte header, 160-byte payload,
 * AES_CM_128_HMAC_SHA1_80), packets per second: sipprobe's SrtpContext against werift-rtp's
 * SrtpSession. Before timing, each side must unprotect what the other protected.
 */
import { RtpPacket, SrtpSession, ProtectionProfileAes128CmHmacSha1_80 } from 'werift-rtp';
import { compare } from './harness';
import { SrtpContext } from '../src/rtp/srtp';

const KEY = Buffer.from(Array.from({ length: 30 }, (_, i) => (i * 7 + 3) & 0xff));
const SUITE = 'AES_CM_128_HMAC_SHA1_80' as const;

function packet(seq: number): Buffer {
  const b = Buffer.alloc(172, 0xd5);
  b[0] = 0x80;
  b[1] = 0x00;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(0x5eed1234, 8);
  return b;
}

function werift(): SrtpSession {
  const k = KEY.subarray(0, 16);
  const s = KEY.subarray(16);
  return new SrtpSession({ keys: { localMasterKey: k, localMasterSalt: s, remoteMasterKey: k, remoteMasterSalt: s }, profile: ProtectionProfileAes128CmHmacSha1_80 });
}

function crossCheck(): void {
  const tx = new SrtpContext({ suite: SUITE, key: KEY });
  const rx = new SrtpContext({ suite: SUITE, key: KEY });
  const w = werift();
  for (let i = 0; i < 100; i++) {
    const p = packet(i);
    if (!w.decrypt(tx.protectRtp(p)).equals(p)) throw new Error(`werift cannot unprotect sipprobe's packet ${i}`);
    const parsed = RtpPacket.deSerialize(p);
    if (!rx.unprotectRtp(w.encrypt(parsed.payload, parsed.header)).equals(p)) throw new Error(`sipprobe cannot unprotect werift's packet ${i}`);
  }
  console.log('SRTP: sipprobe and werift-rtp unprotect each other\'s packets (100 of each)');
}

export default async function (): Promise<void> {
  crossCheck();
  const plain = packet(0);
  let seqOurs = 0;
  let seqTheirs = 0;
  const tx = new SrtpContext({ suite: SUITE, key: KEY });
  const rx = new SrtpContext({ suite: SUITE, key: KEY });
  const w = werift();
  const header = RtpPacket.deSerialize(plain).header;
  const payload = plain.subarray(12);
  compare('SRTP protect + unprotect (AES_CM_128_HMAC_SHA1_80, 172-byte RTP)', 'packets', [
    {
      name: 'sipprobe SrtpContext',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          plain.writeUInt16BE(seqOurs++ & 0xffff, 2);
          acc += rx.unprotectRtp(tx.protectRtp(plain)).length;
        }
        return acc;
      },
    },
    {
      name: 'werift-rtp SrtpSession',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          header.sequenceNumber = seqTheirs++ & 0xffff;
          acc += w.decrypt(w.encrypt(payload, header)).length;
        }
        return acc;
      },
    },
  ]);
}
