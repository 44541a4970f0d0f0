/**
 * RTP marshal + unmarshal, packets per second: sipprobe's writeRtp (into a reused buffer) followed
 * by parseRtp (views into the datagram), against werift-rtp's RtpPacket serialize/deSerialize.
 * Before timing, both must produce the same bytes for the same packets (plain, marker + CSRCs,
 * RFC 8285 one-byte extension) and read each other's bytes to the same fields.
 */
import { RtpHeader, RtpPacket } from 'werift-rtp';
import { compare } from './harness';
import { buildRtpExtension, parseRtp, parseRtpExtensionElements, serializeRtp, writeRtp, type RtpPacketInit } from '../src/rtp/packet';

const PAYLOAD = Buffer.alloc(160, 0xd5); // one 20 ms G.711 frame
const SSRC = 0x5eed1234;

function crossCheck(): void {
  const variants: { ours: RtpPacketInit; theirs: Partial<RtpHeader> }[] = [
    { ours: { payloadType: 0, sequenceNumber: 1000, timestamp: 160000, ssrc: SSRC, payload: PAYLOAD }, theirs: { payloadType: 0, sequenceNumber: 1000, timestamp: 160000, ssrc: SSRC } },
    {
      ours: { payloadType: 8, marker: true, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: SSRC, csrcs: [1, 0xabcdef01], payload: PAYLOAD },
      theirs: { payloadType: 8, marker: true, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: SSRC, csrc: [1, 0xabcdef01], csrcLength: 2 },
    },
    {
      ours: {
        payloadType: 111,
        sequenceNumber: 7,
        timestamp: 960,
        ssrc: SSRC,
        extension: buildRtpExtension([{ id: 1, data: Uint8Array.of(0x85) }, { id: 3, data: Uint8Array.of(1, 2, 3) }]),
        payload: PAYLOAD,
      },
      theirs: {
        payloadType: 111,
        sequenceNumber: 7,
        timestamp: 960,
        ssrc: SSRC,
        extension: true,
        extensions: [{ id: 1, payload: Buffer.of(0x85) }, { id: 3, payload: Buffer.of(1, 2, 3) }],
      },
    },
  ];
  for (const [i, v] of variants.entries()) {
    const ours = serializeRtp(v.ours);
    const theirs = new RtpPacket(new RtpHeader(v.theirs), PAYLOAD).serialize();
    if (!ours.equals(theirs)) throw new Error(`variant ${i}: bytes differ\n ours   ${ours.toString('hex')}\n werift ${theirs.toString('hex')}`);
    const a = parseRtp(theirs);
    const b = RtpPacket.deSerialize(ours);
    const same =
      a.payloadType === b.header.payloadType &&
      a.marker === b.header.marker &&
      a.sequenceNumber === b.header.sequenceNumber &&
      a.timestamp === b.header.timestamp &&
      a.ssrc === b.header.ssrc &&
      a.csrcs.join() === b.header.csrc.join() &&
      Buffer.from(a.payload).equals(b.payload) &&
      JSON.stringify((a.extension ? parseRtpExtensionElements(a.extension)! : []).map((e) => [e.id, [...e.data]])) ===
        JSON.stringify(b.header.extensions.map((e) => [e.id, [...e.payload]]));
    if (!same) throw new Error(`variant ${i}: parsed fields differ`);
  }
  console.log(`RTP: sipprobe and werift-rtp produce identical bytes and fields for ${variants.length} packet variants`);
}

export default async function (): Promise<void> {
  crossCheck();
  const out = Buffer.alloc(1500);
  compare('RTP marshal + unmarshal (12-byte header, 160-byte payload)', 'packets', [
    {
      name: 'sipprobe writeRtp + parseRtp',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const len = writeRtp({ payloadType: 0, sequenceNumber: i & 0xffff, timestamp: (i * 160) >>> 0, ssrc: SSRC, payload: PAYLOAD }, out);
          const p = parseRtp(out.subarray(0, len));
          acc += p.sequenceNumber + p.payload.length;
        }
        return acc;
      },
    },
    {
      name: 'werift-rtp RtpPacket',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const bytes = new RtpPacket(new RtpHeader({ payloadType: 0, sequenceNumber: i & 0xffff, timestamp: (i * 160) >>> 0, ssrc: SSRC }), PAYLOAD).serialize();
          const p = RtpPacket.deSerialize(bytes);
          acc += p.header.sequenceNumber + p.payload.length;
        }
        return acc;
      },
    },
  ]);
}
