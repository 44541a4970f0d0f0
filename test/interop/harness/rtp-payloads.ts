/** RTP packets of one direction out of a capture, with their payloads (tshark's RTP dissector). */
import { runTool } from './process';

/** One captured RTP packet. */
export interface CapturedRtpPacket {
  /** Seconds since the first packet of the capture. */
  time: number;
  payloadType: number;
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
}

/**
 * Every RTP packet from `srcPort` to `dstPort` (UDP on loopback), in capture order. RTP is
 * recognised by port (`-d udp.port==srcPort,rtp`), so no SDP is needed in the capture.
 */
export async function rtpPackets(pcap: string, srcPort: number, dstPort: number): Promise<CapturedRtpPacket[]> {
  const r = await runTool(
    'tshark',
    ['-r', pcap, '-d', `udp.port==${srcPort},rtp`, '-Y', `udp.srcport==${srcPort} && udp.dstport==${dstPort} && rtp`,
      '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.time_relative', '-e', 'rtp.p_type', '-e', 'rtp.seq', '-e', 'rtp.timestamp', '-e', 'rtp.marker', '-e', 'rtp.payload'],
    120,
  );
  if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
  const out: CapturedRtpPacket[] = [];
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const f = line.split('\t');
    if (f.length < 6 || f[0] === '') continue;
    out.push({
      time: Number(f[0]),
      payloadType: Number(f[1]),
      seq: Number(f[2]),
      timestamp: Number(f[3]),
      marker: f[4] === '1' || f[4] === 'True',
      payload: Buffer.from(f[5].replace(/:/g, ''), 'hex'),
    });
  }
  return out;
}
