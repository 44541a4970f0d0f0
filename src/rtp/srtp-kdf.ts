import { createCipheriv, type Cipher } from 'node:crypto';
import { SrtpError } from './srtp-errors';

/** RFC 3711 §4.3.1 key derivation labels. */
export const SRTP_LABEL_RTP_ENCRYPTION = 0x00;
/** RFC 3711 §4.3.1 label of the SRTP authentication key. */
export const SRTP_LABEL_RTP_AUTH = 0x01;
/** RFC 3711 §4.3.1 label of the SRTP salting key. */
export const SRTP_LABEL_RTP_SALT = 0x02;
/** RFC 3711 §4.3.2 label of the SRTCP encryption key. */
export const SRTP_LABEL_RTCP_ENCRYPTION = 0x03;
/** RFC 3711 §4.3.2 label of the SRTCP authentication key. */
export const SRTP_LABEL_RTCP_AUTH = 0x04;
/** RFC 3711 §4.3.2 label of the SRTCP salting key. */
export const SRTP_LABEL_RTCP_SALT = 0x05;

const ZERO_BLOCKS = Buffer.alloc(128);

/**
 * AES-128 counter-mode keystream (RFC 3711 §4.1.1): `length` octets of E(k, IV), E(k, IV+1), …
 * where `iv` is the 16-octet initial counter block. Used for key derivation and the B.2 vectors;
 * packet encryption uses the reusable ECB engine in `SrtpContext` instead.
 */
export function srtpAesCmKeystream(key: Buffer, iv: Buffer, length: number): Buffer {
  if (key.length !== 16 || iv.length !== 16) throw new SrtpError('SRTP_BAD_KEY', 'AES-CM needs a 16-octet key and a 16-octet IV');
  const cipher: Cipher = createCipheriv('aes-128-ctr', key, iv);
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = Math.min(ZERO_BLOCKS.length, length - done);
    cipher.update(ZERO_BLOCKS.subarray(0, n)).copy(out, done);
    done += n;
  }
  cipher.final();
  return out;
}

/**
 * The AES-CM PRF of RFC 3711 §4.3.1/§4.3.3 with key_derivation_rate 0:
 * x = master_salt XOR (label || 0^48), keystream from IV = x * 2^16 under the master key.
 */
export function deriveSrtpSessionKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  if (masterKey.length !== 16) throw new SrtpError('SRTP_BAD_KEY', `master key must be 16 octets, got ${masterKey.length}`);
  if (masterSalt.length !== 14) throw new SrtpError('SRTP_BAD_KEY', `master salt must be 14 octets, got ${masterSalt.length}`);
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0);
  // label occupies the octet just above the 48-bit (index DIV kdr) field, i.e. salt octet 7
  iv[7] ^= label & 0xff;
  return srtpAesCmKeystream(masterKey, iv, length);
}
