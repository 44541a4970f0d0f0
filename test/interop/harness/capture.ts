/** tshark capture on the loopback interface, limited to given ports. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnPeer, makeLogDir, pollUntil, delay, type ManagedProcess } from './process';

/** Ports or inclusive ranges `[lo, hi]` to capture (UDP and TCP). */
export type CapturePorts = ReadonlyArray<number | readonly [number, number]>;

/** A running capture. */
export interface Capture {
  /** Where the pcap is written. */
  readonly pcapPath: string;
  /** The process. */
  readonly process: ManagedProcess;
  /** Stops the capture (the file is closed properly) and resolves with the pcap path. */
  stop(): Promise<string>;
}

/** Options of {@link startCapture}. */
export interface CaptureOptions {
  /** Output file; default `capture.pcap` in a fresh log folder. */
  pcapPath?: string;
  /** Hard lifetime, seconds (tshark `-a duration`), default 60. */
  maxSeconds?: number;
}

/** BPF filter for the ports: `(udp or tcp) and (port A or portrange B-C)`. */
export function captureFilter(ports: CapturePorts): string {
  if (ports.length === 0) throw new Error('startCapture: no ports');
  const terms = ports.map((p) => {
    if (typeof p === 'number') {
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`bad port ${p}`);
      return `port ${p}`;
    }
    const [lo, hi] = p;
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi <= 65535 && lo <= hi)) throw new Error(`bad range ${lo}-${hi}`);
    return `portrange ${lo}-${hi}`;
  });
  return `(udp or tcp) and (${terms.join(' or ')})`;
}

/**
 * Starts `tshark -i lo -f FILTER -F pcap -w FILE` and resolves once it captures (tshark said
 * "Capture started" + 0.5 s settle, as the shared kit found necessary). Loopback only.
 */
export async function startCapture(ports: CapturePorts, opts: CaptureOptions = {}): Promise<Capture> {
  const filter = captureFilter(ports);
  const dir = makeLogDir('capture');
  const pcapPath = opts.pcapPath ?? join(dir, 'capture.pcap');
  const consoleFile = join(dir, 'tshark.console.log');
  const max = opts.maxSeconds ?? 60;
  const proc = spawnPeer({
    name: 'tshark',
    command: 'tshark',
    args: ['-i', 'lo', '-f', filter, '-a', `duration:${max}`, '-F', 'pcap', '-w', pcapPath, '-q'],
    logFile: consoleFile,
    maxSeconds: max + 5,
  });
  const started = (): boolean => {
    try {
      return readFileSync(consoleFile, 'utf8').includes('Capture started');
    } catch {
      return false;
    }
  };
  try {
    await pollUntil('tshark capture started', started, { timeoutMs: 15_000, proc });
  } catch (e) {
    await proc.stop();
    throw new Error(`${(e as Error).message}\n${existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8') : ''}`);
  }
  await delay(500);
  return {
    pcapPath,
    process: proc,
    stop: async () => {
      // Let the last datagrams reach the capture before it closes.
      await delay(300);
      await proc.stop(5000);
      if (!existsSync(pcapPath) || statSync(pcapPath).size < 24) throw new Error(`capture ${pcapPath} is missing or empty`);
      return pcapPath;
    },
  };
}
