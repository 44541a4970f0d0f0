/**
 * The SIPp → SIPp reference runs, done the way ../shared/interop/bench-sipp.sh does them (same
 * scenarios, same UAS/UAC options incl. message tracing), but spawned from Node through the
 * interop harness so the benchmark has no dependency on the shared kit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSippUac, startSippUas } from '../../test/interop/harness';
import { CpuWatch, descendantNamed, udpCounters } from './proc';

/** Outcome of one SIPp UAC run. */
export interface SippRun {
  ok: number;
  failed: number;
  wallMs: number;
  uacCpu: number;
  uasCpu: number;
  /** Achieved call rate as SIPp printed it. */
  callRate: string;
  peakConcurrent: number | null;
  /** rtp mode: share of the caller's RTP the UAS echo never read, percent. */
  rtpNotEchoedPercent?: number;
  rtpExpected?: number;
  udpRcvbufDrops?: number;
  /** Calls the UAS aborted (unexpected message, e.g. an INVITE retransmitted after its 200). */
  uasAborted: number;
}

/** Calls a SIPp UAS aborted, from its error log in `logDir` (0 when it logged none). */
export function sippAborted(logDir: string): number {
  let n = 0;
  for (const f of readdirSync(logDir)) {
    if (!f.endsWith('.errors.log')) continue;
    n += readFileSync(join(logDir, f), 'latin1').split('\n').filter((l) => l.includes('Aborting call')).length;
  }
  return n;
}

function screenField(screen: string, label: string): string {
  const line = screen.split('\n').find((l) => l.includes(label));
  if (!line) return '';
  const cells = line.split('|');
  return (cells[2] ?? '').trim();
}

async function runUac(uasPort: number, uasPid: number, uasLogDir: string, opts: { rate: number; calls: number; limit: number; delayMs: number; media?: { play: string }; maxSeconds: number }): Promise<SippRun> {
  const sippUas = descendantNamed(uasPid, 'sipp');
  const uasWatch = sippUas ? new CpuWatch(sippUas) : null;
  const t0 = performance.now();
  const uac = await startSippUac({
    targetPort: uasPort,
    scenario: 'basic',
    rate: opts.rate,
    calls: opts.calls,
    delayMs: opts.delayMs,
    media: opts.media ?? 'none',
    maxSeconds: opts.maxSeconds,
    extraArgs: ['-l', String(opts.limit)],
  });
  const sippUac = descendantNamed(uac.process.pid, 'sipp');
  const uacWatch = sippUac ? new CpuWatch(sippUac, 50) : null;
  await uac.wait();
  const wallMs = performance.now() - t0;
  const screen = uac.screenLog();
  const peak = /Peak was (\d+) calls/.exec(screen);
  return {
    ok: Number(screenField(screen, 'Successful call')) || 0,
    failed: Number(screenField(screen, 'Failed call')) || 0,
    wallMs,
    uacCpu: uacWatch?.stop(wallMs) ?? NaN,
    uasCpu: uasWatch?.stop(wallMs) ?? NaN,
    callRate: screenField(screen, 'Call Rate'),
    peakConcurrent: peak ? Number(peak[1]) : null,
    uasAborted: sippAborted(uasLogDir),
  };
}

/** bench-sipp.sh cps RATE CALLS: SIPp UAC → SIPp UAS (uas-basic, no media), hold 0. */
export async function sippCallRate(rate: number, calls: number): Promise<SippRun> {
  const maxSeconds = Math.ceil(calls / rate) + 60;
  const uas = await startSippUas({ scenario: 'basic', media: 'none', maxSeconds });
  try {
    return await runUac(uas.port, uas.process.pid, uas.logDir, { rate, calls, limit: rate * 5 + 100, delayMs: 0, maxSeconds: Math.ceil(calls / rate) + 40 });
  } finally {
    await uas.stop();
  }
}

/**
 * bench-sipp.sh rtp C HOLD: C simultaneous calls, each streaming G.711 (rtp_stream, 50 pkt/s)
 * for HOLD s to a SIPp UAS that echoes it. Loss = RTP the UAS echo thread never read (SIPp's
 * caller does not read the echo, so this is the only loss SIPp lets us see).
 */
export async function sippConcurrentRtp(concurrent: number, holdS: number, toneWav: string): Promise<SippRun> {
  const uas = await startSippUas({ scenario: 'basic', media: 'echo', maxSeconds: holdS + 90 });
  try {
    const before = udpCounters();
    const run = await runUac(uas.port, uas.process.pid, uas.logDir, {
      rate: Math.max(1, Math.floor(concurrent / 2)),
      calls: concurrent,
      limit: concurrent,
      delayMs: holdS * 1000,
      media: { play: toneWav },
      maxSeconds: holdS + 60,
    });
    const after = udpCounters();
    const expected = concurrent * holdS * 50;
    const echoed = after.inDatagrams - before.inDatagrams - 7 * concurrent;
    return { ...run, rtpExpected: expected, rtpNotEchoedPercent: (100 * (expected - echoed)) / expected, udpRcvbufDrops: after.rcvbufErrors - before.rcvbufErrors };
  } finally {
    await uas.stop();
  }
}
