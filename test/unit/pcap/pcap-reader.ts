/**
 * A deliberately separate pcap/Ethernet/IP/UDP/TCP reader and checksum for the tests, written
 * with DataView so it shares no code with src/report.
 */
export interface ReadFrame {
  sec: number;
  usec: number;
  data: Uint8Array;
}

export function readPcap(file: Uint8Array): { linktype: number; snaplen: number; version: string; frames: ReadFrame[] } {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('not a little-endian classic pcap');
  const frames: ReadFrame[] = [];
  let off = 24;
  while (off < file.byteLength) {
    const sec = dv.getUint32(off, true);
    const usec = dv.getUint32(off + 4, true);
    const incl = dv.getUint32(off + 8, true);
    const orig = dv.getUint32(off + 12, true);
    if (incl !== orig) throw new Error('truncated record');
    if (off + 16 + incl > file.byteLength) throw new Error('record runs past the end');
    frames.push({ sec, usec, data: file.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return {
    version: `${dv.getUint16(4, true)}.${dv.getUint16(6, true)}`,
    snaplen: dv.getUint32(16, true),
    linktype: dv.getUint32(20, true),
    frames,
  };
}

/** RFC 1071 checksum written as a reduce over 16-bit words (the test's independent version). */
export function internetChecksum(...parts: Uint8Array[]): number {
  const bytes: number[] = [];
  for (const p of parts) {
    for (const b of p) bytes.push(b);
    // Parts here are all even-length except possibly the last.
  }
  if (bytes.length % 2) bytes.push(0);
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += bytes[i] * 256 + bytes[i + 1];
    sum = (sum % 65536) + Math.floor(sum / 65536);
  }
  return 0xffff - sum;
}

export interface Decoded {
  ethertype: number;
  /** Bytes after the IP datagram (Ethernet minimum-size padding). */
  padding: number;
  ipVersion: 4 | 6;
  ipHeader: Uint8Array;
  src: Uint8Array;
  dst: Uint8Array;
  protocol: number;
  l4: Uint8Array;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  /** TCP only */
  seq?: number;
  ack?: number;
  flags?: number;
  /** Checksum recomputed over the pseudo-header and segment with the checksum field zeroed. */
  expectedL4Checksum: number;
  l4Checksum: number;
}

export function decodeFrame(frame: Uint8Array): Decoded {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const ethertype = dv.getUint16(12);
  let padding = 0;
  let ipHeader: Uint8Array, src: Uint8Array, dst: Uint8Array, protocol: number, l4: Uint8Array, ipVersion: 4 | 6;
  if (ethertype === 0x0800) {
    ipVersion = 4;
    const ihl = (frame[14] & 0x0f) * 4;
    const total = dv.getUint16(16);
    // Real captures pad short frames to the 60-byte Ethernet minimum.
    if (14 + total > frame.length) throw new Error(`IPv4 total length ${total} vs frame ${frame.length}`);
    padding = frame.length - 14 - total;
    ipHeader = frame.subarray(14, 14 + ihl);
    protocol = frame[23];
    src = frame.subarray(26, 30);
    dst = frame.subarray(30, 34);
    l4 = frame.subarray(14 + ihl, 14 + total);
  } else if (ethertype === 0x86dd) {
    ipVersion = 6;
    const payloadLen = dv.getUint16(18);
    if (54 + payloadLen > frame.length) throw new Error('IPv6 payload length mismatch');
    padding = frame.length - 54 - payloadLen;
    ipHeader = frame.subarray(14, 54);
    protocol = frame[20];
    src = frame.subarray(22, 38);
    dst = frame.subarray(38, 54);
    l4 = frame.subarray(54, 54 + payloadLen);
  } else {
    throw new Error(`ethertype ${ethertype}`);
  }
  const l4dv = new DataView(l4.buffer, l4.byteOffset, l4.byteLength);
  const srcPort = l4dv.getUint16(0);
  const dstPort = l4dv.getUint16(2);
  const tcp = protocol === 6;
  const headerLen = tcp ? (l4[12] >> 4) * 4 : 8;
  if (!tcp && l4dv.getUint16(4) !== l4.length) throw new Error('UDP length mismatch');
  const checksumAt = tcp ? 16 : 6;
  const zeroed = Uint8Array.from(l4);
  zeroed[checksumAt] = 0;
  zeroed[checksumAt + 1] = 0;
  const pseudo = ipVersion === 4 ? new Uint8Array(12) : new Uint8Array(40);
  pseudo.set(src, 0);
  pseudo.set(dst, src.length);
  const pdv = new DataView(pseudo.buffer);
  if (ipVersion === 4) {
    pseudo[9] = protocol;
    pdv.setUint16(10, l4.length);
  } else {
    pdv.setUint32(32, l4.length);
    pseudo[39] = protocol;
  }
  let expected = internetChecksum(pseudo, zeroed);
  if (!tcp && expected === 0) expected = 0xffff;
  return {
    ethertype,
    padding,
    ipVersion,
    ipHeader,
    src,
    dst,
    protocol,
    l4,
    srcPort,
    dstPort,
    payload: l4.subarray(headerLen),
    seq: tcp ? l4dv.getUint32(4) : undefined,
    ack: tcp ? l4dv.getUint32(8) : undefined,
    flags: tcp ? l4[13] : undefined,
    expectedL4Checksum: expected,
    l4Checksum: l4dv.getUint16(checksumAt),
  };
}
