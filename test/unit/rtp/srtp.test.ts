import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  SRTP_LABEL_RTCP_AUTH,
  SRTP_LABEL_RTCP_ENCRYPTION,
  SRTP_LABEL_RTCP_SALT,
  SRTP_LABEL_RTP_AUTH,
  SRTP_LABEL_RTP_ENCRYPTION,
  SRTP_LABEL_RTP_SALT,
  deriveSrtpSessionKey,
  srtpAesCmKeystream,
} from '../../../src/rtp/srtp-kdf';
import { SrtpContext, type SrtpCryptoSuite } from '../../../src/rtp/srtp';
import { SrtpError } from '../../../src/rtp/srtp-errors';
import { SrtpReplayWindow } from '../../../src/rtp/srtp-replay';

const FIX = join(__dirname, '../../fixtures/srtp');
const appB = JSON.parse(readFileSync(join(FIX, 'rfc3711-appendix-b.json'), 'utf8'));
const libsrtp = JSON.parse(readFileSync(join(FIX, 'libsrtp-driver.json'), 'utf8'));
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

function rtp(seq: number, ssrc: number, payload: Buffer, ts = seq * 160): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = 0;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}

function expectCode(fn: () => unknown, code: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SrtpError);
  expect((err as SrtpError).code).toBe(code);
}

const key30 = Buffer.concat([hex(libsrtp.master_key), hex(libsrtp.master_salt)]);

describe('RFC 3711 Appendix B', () => {
  test('B.2 AES-CM keystream (first and last blocks of the 65282-block segment)', () => {
    const v = appB.b2_aes_cm_keystream;
    const segment = srtpAesCmKeystream(hex(v.session_key), hex(v.offset), 65282 * 16);
    const start = hex(v.offset).readUInt16BE(14);
    for (const b of v.blocks) {
      const j = hex(b.counter).readUInt16BE(14) - start;
      expect(segment.subarray(j * 16, j * 16 + 16).toString('hex').toUpperCase()).toBe(b.keystream);
    }
  });

  test('B.3 key derivation: cipher key, cipher salt, 94-octet auth key', () => {
    const v = appB.b3_key_derivation;
    const mk = hex(v.master_key);
    const ms = hex(v.master_salt);
    expect(deriveSrtpSessionKey(mk, ms, SRTP_LABEL_RTP_ENCRYPTION, 16).toString('hex').toUpperCase()).toBe(v.cipher_key);
    expect(deriveSrtpSessionKey(mk, ms, SRTP_LABEL_RTP_SALT, 14).toString('hex').toUpperCase()).toBe(v.cipher_salt);
    expect(hex(v.auth_key_94_octets).length).toBe(94);
    expect(deriveSrtpSessionKey(mk, ms, SRTP_LABEL_RTP_AUTH, 94).toString('hex').toUpperCase()).toBe(v.auth_key_94_octets);
  });

  test('SRTCP labels give different keys from the SRTP ones', () => {
    const mk = hex(appB.b3_key_derivation.master_key);
    const ms = hex(appB.b3_key_derivation.master_salt);
    const keys = [SRTP_LABEL_RTP_ENCRYPTION, SRTP_LABEL_RTCP_ENCRYPTION, SRTP_LABEL_RTCP_AUTH, SRTP_LABEL_RTCP_SALT].map((l) =>
      deriveSrtpSessionKey(mk, ms, l, 14).toString('hex'),
    );
    expect(new Set(keys).size).toBe(4);
  });

  test('bad master key/salt lengths are typed errors', () => {
    expectCode(() => deriveSrtpSessionKey(Buffer.alloc(15), Buffer.alloc(14), 0, 16), 'SRTP_BAD_KEY');
    expectCode(() => deriveSrtpSessionKey(Buffer.alloc(16), Buffer.alloc(12), 0, 16), 'SRTP_BAD_KEY');
    expectCode(() => new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: Buffer.alloc(29) }), 'SRTP_BAD_KEY');
    expectCode(() => new SrtpContext({ suite: 'AES_CM_256_HMAC_SHA1_80' as SrtpCryptoSuite, key: Buffer.alloc(30) }), 'SRTP_BAD_KEY');
  });
});

describe('libsrtp srtp_driver reference packets', () => {
  test('SRTP protect gives the reference ciphertext and unprotect reverses it', () => {
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: key30 });
    const pt = hex(libsrtp.srtp_plaintext);
    const ct = tx.protectRtp(pt);
    expect(ct.toString('hex')).toBe(libsrtp.srtp_ciphertext);
    expect(pt.toString('hex')).toBe(libsrtp.srtp_plaintext); // input untouched
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: key30 });
    expect(rx.unprotectRtp(hex(libsrtp.srtp_ciphertext)).toString('hex')).toBe(libsrtp.srtp_plaintext);
  });

  test('SRTCP: the second packet (index 1) gives the reference ciphertext', () => {
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: key30 });
    const pt = hex(libsrtp.rtcp_plaintext);
    const first = tx.protectRtcp(pt);
    expect(first.readUInt32BE(first.length - 14)).toBe(0x80000000); // RFC 3711 §3.4: index starts at 0
    expect(tx.protectRtcp(pt).toString('hex')).toBe(libsrtp.srtcp_ciphertext);
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: key30 });
    expect(rx.unprotectRtcp(hex(libsrtp.srtcp_ciphertext)).toString('hex')).toBe(libsrtp.rtcp_plaintext);
    expect(rx.unprotectRtcp(first).toString('hex')).toBe(libsrtp.rtcp_plaintext); // older, still in window
  });

  test('every truncation of the reference packets is refused with a typed error', () => {
    const full = hex(libsrtp.srtp_ciphertext);
    for (let len = full.length - 1; len >= 0; len--) {
      const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: key30 });
      expect(() => rx.unprotectRtp(full.subarray(0, len))).toThrow(SrtpError);
    }
    const fullc = hex(libsrtp.srtcp_ciphertext);
    for (let len = fullc.length - 1; len >= 0; len--) {
      const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: key30 });
      expect(() => rx.unprotectRtcp(fullc.subarray(0, len))).toThrow(SrtpError);
    }
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', key: key30 });
    expectCode(() => rx.unprotectRtp(full.subarray(0, 21)), 'SRTP_TOO_SHORT');
  });
});

describe.each<SrtpCryptoSuite>(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'])('%s', (suite) => {
  const key = Buffer.from(Array.from({ length: 30 }, (_, i) => (i * 7 + 3) & 0xff));
  const tagLen = suite === 'AES_CM_128_HMAC_SHA1_80' ? 10 : 4;

  test('tag lengths: SRTP per suite, SRTCP always 80 bits', () => {
    const c = new SrtpContext({ suite, key });
    expect(c.rtpTagLength).toBe(tagLen);
    expect(c.protectRtp(rtp(1, 5, Buffer.alloc(160, 0xd5))).length).toBe(12 + 160 + tagLen);
    expect(c.protectRtcp(hex(libsrtp.rtcp_plaintext)).length).toBe(24 + 4 + 10);
  });

  test('encryption matches an independent AES-128-CTR with the RFC 3711 IV', () => {
    const c = new SrtpContext({ suite, key });
    const ssrc = 0x12345678;
    // push the ROC to 1 so the IV's ROC bits are exercised
    c.protectRtp(rtp(65535, ssrc, Buffer.alloc(4)));
    const payload = Buffer.from(Array.from({ length: 333 }, (_, i) => i & 0xff));
    const out = c.protectRtp(rtp(7, ssrc, payload));
    expect(c.sendRoc(ssrc)).toBe(1);
    const ks = deriveSrtpSessionKey(key.subarray(0, 16), key.subarray(16), SRTP_LABEL_RTP_ENCRYPTION, 16);
    const salt = deriveSrtpSessionKey(key.subarray(0, 16), key.subarray(16), SRTP_LABEL_RTP_SALT, 14);
    const iv = Buffer.alloc(16);
    salt.copy(iv);
    const x = Buffer.alloc(16);
    x.writeUInt32BE(ssrc, 4);
    x.writeUInt32BE(1, 8);
    x.writeUInt16BE(7, 12);
    for (let i = 0; i < 16; i++) iv[i] ^= x[i];
    const expected = createCipheriv('aes-128-ctr', ks, iv).update(payload);
    expect(out.subarray(12, 12 + 333).equals(expected)).toBe(true);
  });

  test('round trip over a sequence wrap, with CSRCs and a header extension', () => {
    const tx = new SrtpContext({ suite, key });
    const rx = new SrtpContext({ suite, key });
    for (let n = 0; n < 300; n++) {
      const seq = (65400 + n) & 0xffff;
      const p = rtp(seq, 0xabc, Buffer.alloc(20 + (n % 50), n & 0xff));
      if (n % 3 === 0) {
        // CC=1 and an extension of one word
        const withExt = Buffer.alloc(p.length + 12);
        p.copy(withExt, 0, 0, 12);
        withExt[0] = 0x80 | 0x10 | 0x01;
        withExt.writeUInt32BE(0x11111111, 12);
        withExt.writeUInt16BE(0xbede, 16);
        withExt.writeUInt16BE(1, 18);
        withExt.writeUInt32BE(0x22222222, 20);
        p.copy(withExt, 24, 12);
        const ct = tx.protectRtp(withExt);
        expect(ct.subarray(0, 24).equals(withExt.subarray(0, 24))).toBe(true);
        expect(rx.unprotectRtp(ct).equals(withExt)).toBe(true);
      } else {
        expect(rx.unprotectRtp(tx.protectRtp(p)).equals(p)).toBe(true);
      }
    }
    expect(tx.sendRoc(0xabc)).toBe(1);
    expect(rx.receiveRoc(0xabc)).toBe(1);
  });

  test('reordering across the wrap is decrypted with the right ROC', () => {
    const tx = new SrtpContext({ suite, key });
    const rx = new SrtpContext({ suite, key });
    const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];
    const ct = seqs.map((s) => tx.protectRtp(rtp(s, 9, Buffer.from([s & 0xff, 1, 2, 3]))));
    const order = [0, 1, 2, 6, 3, 7, 4, 5, 9, 8];
    for (const i of order) expect(rx.unprotectRtp(ct[i]).equals(rtp(seqs[i], 9, Buffer.from([seqs[i] & 0xff, 1, 2, 3])))).toBe(true);
    expect(rx.receiveRoc(9)).toBe(1);
  });

  test('flipped bit → SRTP_AUTH_FAILED; replay → SRTP_REPLAY; state unchanged by failures', () => {
    const tx = new SrtpContext({ suite, key });
    const rx = new SrtpContext({ suite, key });
    const a = tx.protectRtp(rtp(100, 1, Buffer.alloc(40, 1)));
    for (const pos of [1, 5, 13, a.length - 1]) {
      const bad = Buffer.from(a);
      bad[pos] ^= 0x04;
      expectCode(() => rx.unprotectRtp(bad), 'SRTP_AUTH_FAILED');
    }
    expect(rx.unprotectRtp(a).length).toBe(52);
    expectCode(() => rx.unprotectRtp(a), 'SRTP_REPLAY');
    const c = tx.protectRtcp(hex(libsrtp.rtcp_plaintext));
    const badc = Buffer.from(c);
    badc[10] ^= 1;
    expectCode(() => rx.unprotectRtcp(badc), 'SRTP_AUTH_FAILED');
    rx.unprotectRtcp(c);
    expectCode(() => rx.unprotectRtcp(c), 'SRTP_REPLAY');
    const other = new SrtpContext({ suite, key: Buffer.alloc(30, 9) });
    expectCode(() => other.unprotectRtp(tx.protectRtp(rtp(101, 1, Buffer.alloc(4)))), 'SRTP_AUTH_FAILED');
  });

  test('replay window: 64 packets back accepted once, older refused', () => {
    const tx = new SrtpContext({ suite, key });
    const rx = new SrtpContext({ suite, key });
    const pkts = Array.from({ length: 200 }, (_, i) => tx.protectRtp(rtp(1000 + i, 2, Buffer.alloc(8, i))));
    rx.unprotectRtp(pkts[0]);
    rx.unprotectRtp(pkts[150]);
    expectCode(() => rx.unprotectRtp(pkts[86]), 'SRTP_REPLAY'); // 150-86 = 64: outside
    expect(rx.unprotectRtp(pkts[87]).length).toBe(20); // 63 back: inside
    expectCode(() => rx.unprotectRtp(pkts[87]), 'SRTP_REPLAY');
    rx.unprotectRtp(pkts[199]);
    expectCode(() => rx.unprotectRtp(pkts[150]), 'SRTP_REPLAY');
    expect(rx.unprotectRtp(pkts[151]).length).toBe(20);
  });

  test('SRTCP with E=0 (unencrypted) is authenticated and returned as is', () => {
    const rx = new SrtpContext({ suite, key });
    const tx = new SrtpContext({ suite, key });
    const pt = hex(libsrtp.rtcp_plaintext);
    const enc = tx.protectRtcp(pt);
    expect(enc.subarray(8, 24).equals(pt.subarray(8))).toBe(false);
    expect(rx.unprotectRtcp(enc).equals(pt)).toBe(true);
  });

  test('keys never shown', () => {
    const c = new SrtpContext({ suite, key });
    const shown = inspect(c, { depth: 5, showHidden: true }) + JSON.stringify(c);
    expect(shown).toContain('redacted');
    expect(shown).not.toContain(key.toString('hex').slice(0, 8));
    expect(shown).not.toContain(key.toString('base64').slice(0, 8));
  });
});

describe('SrtpReplayWindow', () => {
  test('slots are cleared when the top jumps', () => {
    const w = new SrtpReplayWindow();
    w.record(5);
    w.record(69); // 5 and 69 share a slot
    expect(w.accepts(5)).toBe(false); // too old
    expect(w.accepts(68)).toBe(true);
    expect(w.accepts(69)).toBe(false);
    w.record(70 + 64 * 3);
    expect(w.accepts(70 + 64 * 3 - 1)).toBe(true);
    expect(w.top).toBe(262);
  });
});
