/** Reading captures back with tshark: SIP messages as raw bytes, dissector complaints, RTP streams. */
import { runTool } from './process';

/** One SIP message found in a capture. */
export interface CapturedSipMessage {
  /** Frame number (UDP); for TCP the frame of the stream's first payload segment. */
  readonly frame: number;
  /** Seconds since the first captured frame. */
  readonly time: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly transport: 'udp' | 'tcp';
  /** The exact bytes of the message (UDP payload, or one message framed out of a TCP stream). */
  readonly raw: Buffer;
  /** First line, for messages. */
  readonly firstLine: string;
}

/** Options of {@link decodeSip}. */
export interface DecodeSipOptions {
  /**
   * Ports whose UDP payloads are SIP whatever Wireshark thinks. Without them only what
   * Wireshark's SIP dissector/heuristics recognise is returned — a message broken enough to
   * escape the heuristics would then be missed by the lint, so pass the SIP ports.
   */
  sipPorts?: readonly number[];
}

function hexToBuffer(hex: string): Buffer {
  return Buffer.from(hex.replace(/[^0-9a-fA-F]/g, ''), 'hex');
}

function firstLineOf(raw: Buffer): string {
  const end = raw.indexOf('\r\n');
  return raw.subarray(0, end < 0 ? Math.min(raw.length, 200) : end).toString('latin1');
}

async function tshark(args: string[]): Promise<string> {
  const r = await runTool('tshark', args, 120);
  if (r.code !== 0) throw new Error(`tshark ${args.join(' ')} failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
  return r.stdout.toString('utf8');
}

function baseArgs(pcap: string, sipPorts: readonly number[]): string[] {
  const a = ['-r', pcap, '--enable-heuristic', 'sip_udp', '--enable-heuristic', 'sip_tcp'];
  for (const p of sipPorts) a.push('-d', `udp.port==${p},sip`, '-d', `tcp.port==${p},sip`);
  return a;
}

/** Splits a TCP byte stream into SIP messages by Content-Length (keep-alive CRLFs skipped). */
export function frameSipStream(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    while (at + 1 < stream.length && stream[at] === 0x0d && stream[at + 1] === 0x0a) at += 2;
    if (at >= stream.length) break;
    const sep = stream.indexOf('\r\n\r\n', at);
    if (sep < 0) {
      out.push(stream.subarray(at));
      break;
    }
    const head = stream.subarray(at, sep).toString('latin1');
    const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
    const len = m ? Number(m[1]) : 0;
    const end = Math.min(stream.length, sep + 4 + len);
    out.push(stream.subarray(at, end));
    at = end;
  }
  return out;
}

/**
 * Every SIP message in `pcap`, in capture order, as raw bytes: UDP datagrams one by one, TCP
 * streams reassembled and framed by Content-Length.
 */
export async function decodeSip(pcap: string, opts: DecodeSipOptions = {}): Promise<CapturedSipMessage[]> {
  const ports = opts.sipPorts ?? [];
  const portFilter = ports.length ? ` || udp.port in {${ports.join(', ')}}` : '';
  const udpText = await tshark([
    ...baseArgs(pcap, ports),
    '-Y', `udp && (sip${portFilter})`,
    '-T', 'fields', '-E', 'separator=\t',
    '-e', 'frame.number', '-e', 'frame.time_relative', '-e', 'ip.src', '-e', 'udp.srcport',
    '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'udp.payload',
  ]);
  const msgs: CapturedSipMessage[] = [];
  for (const line of udpText.split('\n')) {
    const f = line.split('\t');
    if (f.length < 7 || !f[6]) continue;
    const raw = hexToBuffer(f[6]);
    msgs.push({
      frame: Number(f[0]), time: Number(f[1]), src: f[2], srcPort: Number(f[3]), dst: f[4], dstPort: Number(f[5]),
      transport: 'udp', raw, firstLine: firstLineOf(raw),
    });
  }
  const tcpPortFilter = ports.length ? ` || tcp.port in {${ports.join(', ')}}` : '';
  const streamText = await tshark([
    ...baseArgs(pcap, ports),
    '-Y', `tcp.len > 0 && (sip${tcpPortFilter})`,
    '-T', 'fields', '-E', 'separator=\t',
    '-e', 'tcp.stream', '-e', 'frame.number', '-e', 'frame.time_relative', '-e', 'ip.src', '-e', 'tcp.srcport',
    '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'tcp.payload',
  ]);
  // Reassemble per stream and direction from the segments in order (loopback: no loss/reordering).
  const flows = new Map<string, { first: string[]; chunks: Buffer[] }>();
  for (const line of streamText.split('\n')) {
    const f = line.split('\t');
    if (f.length < 8 || !f[7]) continue;
    const key = `${f[0]}|${f[3]}:${f[4]}>${f[5]}:${f[6]}`;
    let flow = flows.get(key);
    if (!flow) flows.set(key, (flow = { first: f, chunks: [] }));
    flow.chunks.push(hexToBuffer(f[7]));
  }
  for (const { first: f, chunks } of flows.values()) {
    for (const raw of frameSipStream(Buffer.concat(chunks))) {
      msgs.push({
        frame: Number(f[1]), time: Number(f[2]), src: f[3], srcPort: Number(f[4]), dst: f[5], dstPort: Number(f[6]),
        transport: 'tcp', raw, firstLine: firstLineOf(raw),
      });
    }
  }
  return msgs.sort((a, b) => a.time - b.time || a.frame - b.frame);
}

/** What Wireshark's dissectors complain about (decode.sh's malformed/expert counts). */
export interface DissectorReport {
  /** Frames flagged `_ws.malformed`. */
  readonly malformedFrames: number[];
  /** Frames with an expert-info entry of severity error. */
  readonly expertErrorFrames: number[];
  /** Frames with an expert-info entry of severity warning (informative; decode.sh does not fail on them). */
  readonly expertWarningFrames: number[];
}

/** Runs the dissectors over `pcap` and lists malformed frames and expert errors/warnings. */
export async function dissectorReport(pcap: string, opts: DecodeSipOptions = {}): Promise<DissectorReport> {
  const args = [...baseArgs(pcap, opts.sipPorts ?? []), '-o', 'rtp.heuristic_rtp:TRUE', '--enable-heuristic', 'rtp_udp'];
  const frames = async (filter: string): Promise<number[]> =>
    (await tshark([...args, '-Y', filter, '-T', 'fields', '-e', 'frame.number']))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  return {
    malformedFrames: await frames('_ws.malformed'),
    expertErrorFrames: await frames('_ws.expert.severity >= 0x00800000'),
    expertWarningFrames: await frames('_ws.expert.severity == 0x00600000'),
  };
}

/** One row of `tshark -z rtp,streams`. */
export interface RtpStreamStats {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly ssrc: number;
  readonly payload: string;
  readonly packets: number;
  readonly lost: number;
  readonly maxDeltaMs: number;
  readonly maxJitterMs: number;
  readonly meanJitterMs: number;
}

/** RTP streams in `pcap` (found from SDP and the rtp_udp heuristic), as tshark reports them. */
export async function rtpStreams(pcap: string): Promise<RtpStreamStats[]> {
  const text = await tshark(['-r', pcap, '-o', 'rtp.heuristic_rtp:TRUE', '--enable-heuristic', 'rtp_udp',
    '--enable-heuristic', 'sip_udp', '-q', '-z', 'rtp,streams']);
  const out: RtpStreamStats[] = [];
  // "   Start time      End time     Src IP addr  Port    Dest IP addr  Port       SSRC          Payload  Pkts         Lost   Min Delta(ms)  Mean Delta(ms)   Max Delta(ms)  Min Jitter(ms) Mean Jitter(ms)  Max Jitter(ms) Problem?"
  for (const line of text.split('\n')) {
    const m =
      /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.+?)\s+(\d+)\s+(-?\d+)\s+\(.*?\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (!m) continue;
    out.push({
      src: m[1], srcPort: Number(m[2]), dst: m[3], dstPort: Number(m[4]), ssrc: Number.parseInt(m[5], 16),
      payload: m[6].trim(), packets: Number(m[7]), lost: Number(m[8]), maxDeltaMs: Number(m[11]),
      meanJitterMs: Number(m[13]), maxJitterMs: Number(m[14]),
    });
  }
  return out;
}
