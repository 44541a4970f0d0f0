/**
 * `npm run bench:load`: sipprobe's load runner side by side with SIPp (Debian's sip-tester) on
 * this machine, in one run.
 *
 * 1. Call rate: INVITE/100/180/200/ACK/BYE/200 against a SIPp UAS (uas-basic, no media) at
 *    rising rates; the highest rate with 0 failed calls, CPU %. Anchor: SIPp UAC → same UAS.
 * 2. Concurrent media: C calls, each streaming G.711 both ways (we send, the UAS echoes) for the
 *    hold time; loss %, p99 pacing error (the run summary's: every frame of every call, merged
 *    over the workers' pacers when sharded), CPU %, memory (heap + external) per active call.
 *    Anchor: SIPp UAC with rtp_stream → SIPp UAS -rtp_echo (bench-sipp.sh rtp). When our loss against SIPp's echo is
 *    over 1 %, the same C also runs against a sipprobe TestAgent echo in a child process, to
 *    tell which side limits. When sipprobe misses a target at some C, a floor row follows: C bare
 *    UDP streams paced by the same Pacer on one loop to the same echo (bench/load/floor.ts) —
 *    what Node and the machine do without SIP or any per-frame media work — and a second one:
 *    the same bare streams on a worker thread of their own while the main thread sets up the
 *    same C calls (no media) at the same rate through the same SIPp, i.e. what pacing would be
 *    if sipprobe's media ran on a thread of its own and cost nothing beyond the datagrams.
 * 3. A ratio table (sipprobe / SIPp) with the core count.
 *
 * Env (all optional): LOAD_BENCH_QUICK=1 (short run, < 2 min), LOAD_BENCH_RATES="500,1000,…",
 * LOAD_BENCH_RATE_SECONDS (per rate step), LOAD_BENCH_MEDIA_CONC="200,400,…",
 * LOAD_BENCH_MEDIA_SECONDS (hold), LOAD_BENCH_SKIP="rate,media,sipp" (parts to skip),
 * LOAD_BENCH_WORKERS="1,2" (worker threads for the call-rate ladder, one Caller each; one ladder
 * per value), LOAD_BENCH_EVALUATE=1 (media calls keep their audio for turn metrics/MOS),
 * LOAD_BENCH_DIST=1 (sipprobe's side runs on the built bundle in dist/, as `npm run bench:load`
 * does after building; otherwise the sources under tsx), LOAD_BENCH_SIP_THREAD=0 (the UDP SIP
 * socket in the calls' own event loop instead of on its own thread).
 *
 * A call-rate step is clean when it kept its rate (≥ 95 % achieved) with no failed or aborted call.
 * CPU % is of one core, every thread of the process, between the first and the last finished
 * call (module loading, worker start-up and the tail left out); calls/s over the same window.
 * The machine's load average is printed with each step: other work on the box shows there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { makeLogDir, runTool, stopAllPeers, startSippUas, type SippPeer } from '../../test/interop/harness';
import type { LoadSummary } from '../../src/load';
import { bareStreams, bareStreamsOnThread } from './floor';
import { memoryPerActiveCall } from './memory-run';
import { busiestThreadCpu, CpuWatch, descendantNamed, selfCpu } from './proc';
import { sippAborted, sippCallRate, sippConcurrentRtp, type SippRun } from './sipp-anchor';
import { clientRun, openSipprobe, shardedMediaRun, shardedSignallingRun, startAgentChild, SteadyWindow } from './sipprobe';

const QUICK = process.env.LOAD_BENCH_QUICK === '1';
const list = (name: string, dflt: number[]): number[] => {
  const v = process.env[name];
  return v ? v.split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n) && n > 0) : dflt;
};
const num = (name: string, dflt: number, min = 1): number => {
  const text = process.env[name];
  const v = Number(text);
  return text !== undefined && text.trim() !== '' && Number.isFinite(v) && v >= min ? v : dflt;
};
const SKIP = new Set((process.env.LOAD_BENCH_SKIP ?? '').split(',').map((s) => s.trim()));
const RATES = list('LOAD_BENCH_RATES', QUICK ? [500, 1000, 2000] : [250, 500, 1000, 1500, 2000, 2500]);
const RATE_SECONDS = num('LOAD_BENCH_RATE_SECONDS', QUICK ? 2 : 5);
const MEDIA_CONC = list('LOAD_BENCH_MEDIA_CONC', QUICK ? [200, 400] : [200, 400, 800, 1000]);
const MEDIA_SECONDS = num('LOAD_BENCH_MEDIA_SECONDS', QUICK ? 4 : 10);
const WORKERS = list('LOAD_BENCH_WORKERS', [1, 2]);
const EVALUATE = process.env.LOAD_BENCH_EVALUATE === '1';
/** Worker threads for an extra media row when one event loop is not clean (0 = none). */
const MEDIA_WORKERS = num('LOAD_BENCH_MEDIA_WORKERS', 2, 0);
const load1 = (): string => loadavg()[0].toFixed(2);

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');

interface RateRow {
  who: string;
  rate: number;
  ok: number;
  failed: number;
  achieved: number;
  cpu: number;
  uasCpu: number;
  setupP50: number;
  setupP99: number;
  load: string;
  /** sipprobe: calls whose BYE got no answer (the peer had dropped the call); SIPp UAS: calls it aborted. */
  retried: number;
  uasAborted: number;
}

interface MediaRow {
  who: string;
  concurrent: number;
  ok: number;
  failed: number;
  lossPercent: number;
  /** The run summary's p99 |send time − due time| over every RTP frame sent (NaN: not known). */
  pacingP99Ms: number;
  /** Frames the pacers skipped after event-loop stalls. */
  pacingSkipped: number;
  cpu: number;
  /** CPU % of one core of the busiest thread (the event loop) while every call streams; NaN: not measured. */
  loopCpu: number;
  peerCpu: number;
  memPerCallKiB: number;
  load: string;
}

/** A media table row from a run's summary plus what the bench measured beside it. */
function mediaRow(who: string, concurrent: number, s: LoadSummary, measured: Pick<MediaRow, 'cpu' | 'loopCpu' | 'peerCpu' | 'memPerCallKiB' | 'load'>): MediaRow {
  return {
    who,
    concurrent,
    ok: s.calls.ok,
    failed: s.calls.failed,
    lossPercent: s.rtp.lossPercent?.mean ?? NaN,
    pacingP99Ms: s.pacing?.p99Ms ?? NaN,
    pacingSkipped: s.pacing?.skipped ?? NaN,
    ...measured,
  };
}

async function sipprobeRateStep(rate: number, workers: number): Promise<RateRow> {
  const calls = Math.round(rate * RATE_SECONDS);
  const uas = await startSippUas({ scenario: 'basic', media: 'none', maxSeconds: RATE_SECONDS + 90 });
  const target = `sip:agent@127.0.0.1:${uas.port}`;
  const load = load1();
  try {
    const sippPid = descendantNamed(uas.process.pid, 'sipp');
    const uasWatch = sippPid ? new CpuWatch(sippPid) : null;
    const cpu = selfCpu();
    const steady = new SteadyWindow();
    // Results go to disk as in `sipprobe load`: writing them is part of the cost.
    const s = await shardedSignallingRun({
      target,
      plan: { calls, concurrency: rate * 5 + 100, ratePerSec: rate },
      workers,
      resultsPath: join(uas.logDir, 'sipprobe-calls.jsonl'),
      onSample: () => steady.mark(),
    });
    const { wallMs } = cpu();
    const w = steady.result();
    const byeLost = countLines(join(uas.logDir, 'sipprobe-calls.jsonl'), 'BYE_NO_RESPONSE');
    return {
      who: workers > 1 ? `sipprobe×${workers}` : 'sipprobe',
      rate,
      ok: s.calls.ok,
      failed: s.calls.failed,
      achieved: w.callsPerSec,
      cpu: w.cpuPercent,
      uasCpu: uasWatch?.stop(wallMs) ?? NaN,
      setupP50: s.setupMs?.p50 ?? NaN,
      setupP99: s.setupMs?.p99 ?? NaN,
      load,
      retried: byeLost,
      uasAborted: sippAborted(uas.logDir),
    };
  } finally {
    await uas.stop();
  }
}

async function sippRateStep(rate: number): Promise<RateRow> {
  const load = load1();
  const r: SippRun = await sippCallRate(rate, Math.round(rate * RATE_SECONDS));
  return { who: 'SIPp', rate, ok: r.ok, failed: r.failed, achieved: (r.ok + r.failed) / (r.wallMs / 1000), cpu: r.uacCpu, uasCpu: r.uasCpu, setupP50: NaN, setupP99: NaN, load, retried: NaN, uasAborted: r.uasAborted };
}

function printRateRows(rows: RateRow[]): void {
  console.log(`${'caller'.padEnd(10)}${'rate'.padStart(7)}${'ok'.padStart(8)}${'failed'.padStart(8)}${'calls/s'.padStart(10)}${'CPU %'.padStart(8)}${'UAS CPU %'.padStart(11)}${'setup p50'.padStart(11)}${'p99'.padStart(9)}${'load1'.padStart(7)}${'BYE lost'.padStart(9)}${'UAS aborted'.padStart(12)}`);
  for (const r of rows) {
    console.log(`${r.who.padEnd(10)}${String(r.rate).padStart(7)}${String(r.ok).padStart(8)}${String(r.failed).padStart(8)}${f1(r.achieved).padStart(10)}${f1(r.cpu).padStart(8)}${f1(r.uasCpu).padStart(11)}${(f2(r.setupP50) + ' ms').padStart(11)}${f2(r.setupP99).padStart(9)}${r.load.padStart(7)}${(Number.isNaN(r.retried) ? '-' : String(r.retried)).padStart(9)}${String(r.uasAborted).padStart(12)}`);
  }
}

/** Runs rates upwards until the first step with failures; returns every step. */
async function rateLadder(step: (rate: number) => Promise<RateRow>): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  for (const rate of RATES) {
    const r = await step(rate);
    rows.push(r);
    console.log(`  ${r.who} ${rate}/s: ${r.ok} ok, ${r.failed} failed, ${f1(r.achieved)} calls/s, CPU ${f1(r.cpu)} %, UAS aborted ${r.uasAborted}`);
    if (!isClean(r)) break;
  }
  return rows;
}

/**
 * Clean = the rate was kept (at least 95 % of it achieved), no failed call and no call the UAS
 * gave up on: a late response makes the caller retransmit the INVITE, SIPp aborts that call, and
 * our side still ends it (BYE unanswered) as "completed" — that is not a clean call. A caller
 * that falls behind its schedule still finishes every call, later: that step did not run at its rate.
 */
const CLEAN_RATE_SHARE = 0.95;
const isClean = (r: RateRow): boolean =>
  r.failed === 0 && r.ok > 0 && r.uasAborted === 0 && !(r.retried > 0) && r.achieved >= CLEAN_RATE_SHARE * r.rate;
const highestClean = (rows: RateRow[]): number => bestClean(rows)?.rate ?? 0;
const bestClean = (rows: RateRow[]): RateRow | undefined => rows.filter(isClean).reduce<RateRow | undefined>((m, r) => (m === undefined || r.rate > m.rate ? r : m), undefined);
/** What the clean step really achieved: a loop that falls behind its schedule still finishes every call, later. */
const cleanStepText = (r: RateRow | undefined): string => (r === undefined ? '' : ` (achieved ${f1(r.achieved)} calls/s${Number.isFinite(r.setupP50) ? `, setup p50 ${f2(r.setupP50)} ms` : ''})`);

/** Lines of a file containing `needle` (0 when the file is missing). */
function countLines(path: string, needle: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.includes(needle)).length;
}

/** Calls per second while a media step starts its calls (SIPp's anchor run uses the same: C/2). */
const mediaRate = (concurrent: number): number => Math.max(1, Math.floor(concurrent / 2));

/**
 * CPU while every call of a media step streams: from 1 s after the last call started to 1 s
 * before the first ends. `cpuPercent` is the whole process; `loopCpu` its busiest thread, i.e.
 * the event loop (one loop, or the busiest worker's) that sends, reads and paces the RTP.
 */
class MediaSteadyCpu {
  private process: (() => { cpuPercent: number }) | null = null;
  private thread: (() => number) | null = null;
  private result = { cpuPercent: NaN, loopCpu: NaN };
  private readonly timers: NodeJS.Timeout[];

  constructor(concurrent: number) {
    const rampS = concurrent / mediaRate(concurrent);
    this.timers = [
      setTimeout(() => {
        this.process = selfCpu();
        this.thread = busiestThreadCpu();
      }, (rampS + 1) * 1000),
      setTimeout(() => {
        if (this.process && this.thread) this.result = { cpuPercent: this.process().cpuPercent, loopCpu: this.thread() };
      }, Math.max(rampS + 2, MEDIA_SECONDS - 1) * 1000),
    ];
  }

  /** The steady window's CPU (NaN when the run ended before the window closed). */
  stop(): { cpuPercent: number; loopCpu: number } {
    for (const t of this.timers) clearTimeout(t);
    return this.result;
  }
}

async function sipprobeMediaStep(concurrent: number, target: { uri: string; peerPid: number | null }, label: string, wav: string): Promise<MediaRow> {
  const client = await openSipprobe({ target: target.uri, holdMs: MEDIA_SECONDS * 1000, media: 'tone', wav, evaluate: EVALUATE });
  const load = load1();
  try {
    const peerWatch = target.peerPid ? new CpuWatch(target.peerPid) : null;
    const cpu = selfCpu();
    const rate = mediaRate(concurrent);
    const steady = new MediaSteadyCpu(concurrent);
    const s: LoadSummary = await clientRun(client, {
      target: target.uri,
      plan: { calls: concurrent, concurrency: concurrent, ratePerSec: rate },
      resultsPath: join(makeLogDir('bench-load-media'), 'sipprobe-calls.jsonl'),
    });
    const { cpuPercent: wholeCpu, wallMs } = cpu();
    const { cpuPercent: steadyCpu, loopCpu } = steady.stop();
    const cpuPercent = Number.isFinite(steadyCpu) ? steadyCpu : wholeCpu;
    // Memory in a separate short run: a forced full GC stalls the event loop, and that stall
    // must not land in the pacing and loss numbers above.
    const mem = await memoryPerActiveCall({ uri: target.uri, wav, calls: concurrent, evaluate: EVALUATE });
    console.log(`  memory per active call (${mem.active} calls streaming, after a warm-up): ${f1(mem.total / 1024)} KiB = heap ${f1(mem.heapUsed / 1024)} + external ${f1(mem.external / 1024)} KiB (target ≤ 64 KiB without evaluation)`);
    return mediaRow(label, concurrent, s, { cpu: cpuPercent, loopCpu, peerCpu: peerWatch?.stop(wallMs) ?? NaN, memPerCallKiB: mem.total / 1024, load });
  } finally {
    await client.close();
  }
}

async function sipprobeVsSippEcho(concurrent: number, wav: string): Promise<MediaRow> {
  const uas = await startSippUas({ scenario: 'basic', media: 'echo', maxSeconds: MEDIA_SECONDS + concurrent / 50 + 90 });
  try {
    return await sipprobeMediaStep(concurrent, { uri: `sip:agent@127.0.0.1:${uas.port}`, peerPid: descendantNamed(uas.process.pid, 'sipp') }, 'sipprobe→SIPp echo', wav);
  } finally {
    await uas.stop();
  }
}

async function sipprobeVsAgentEcho(concurrent: number, wav: string): Promise<MediaRow> {
  const agent = await startAgentChild();
  try {
    return await sipprobeMediaStep(concurrent, { uri: agent.uri, peerPid: agent.pid }, 'sipprobe→TestAgent echo', wav);
  } finally {
    await agent.stop();
  }
}

/** CPU (steady window, every thread and the busiest loop), the peer's CPU and the load average of one run. */
interface EchoRunCost {
  cpu: number;
  loopCpu: number;
  peerCpu: number;
  load: string;
}

/** Runs `step` against a fresh SIPp RTP echo and measures what it cost while it ran. */
async function againstSippEcho<T>(concurrent: number, step: (uas: SippPeer) => Promise<T>): Promise<{ result: T } & EchoRunCost> {
  const uas = await startSippUas({ scenario: 'basic', media: 'echo', maxSeconds: MEDIA_SECONDS + concurrent / 50 + 90 });
  const load = load1();
  try {
    const peerPid = descendantNamed(uas.process.pid, 'sipp');
    const peerWatch = peerPid ? new CpuWatch(peerPid) : null;
    const cpu = selfCpu();
    const steady = new MediaSteadyCpu(concurrent);
    const result = await step(uas);
    const { cpuPercent: wholeCpu, wallMs } = cpu();
    const { cpuPercent: steadyCpu, loopCpu } = steady.stop();
    return { result, cpu: Number.isFinite(steadyCpu) ? steadyCpu : wholeCpu, loopCpu, peerCpu: peerWatch?.stop(wallMs) ?? NaN, load };
  } finally {
    await uas.stop();
  }
}

/** The same media step with the calls sharded over worker threads (pacing merged over the workers' pacers). */
async function shardedVsSippEcho(concurrent: number, wav: string, workers: number): Promise<MediaRow> {
  const { result: s, ...cost } = await againstSippEcho(concurrent, (uas) =>
    shardedMediaRun({
      target: `sip:agent@127.0.0.1:${uas.port}`,
      plan: { calls: concurrent, concurrency: concurrent, ratePerSec: mediaRate(concurrent) },
      workers,
      holdMs: MEDIA_SECONDS * 1000,
      wav,
      evaluate: EVALUATE,
      resultsPath: join(uas.logDir, 'sipprobe-calls.jsonl'),
    }),
  );
  return mediaRow(`sipprobe×${workers}→SIPp echo`, concurrent, s, { ...cost, memPerCallKiB: NaN });
}

/** The floor (bench/load/floor.ts): bare paced UDP streams on one loop to the same SIPp echo. */
async function floorVsSippEcho(concurrent: number): Promise<MediaRow> {
  const { result: r, ...cost } = await againstSippEcho(concurrent, (uas) =>
    bareStreams({ echoPort: uas.mediaPort, concurrent, ratePerSec: mediaRate(concurrent), seconds: MEDIA_SECONDS }),
  );
  return {
    who: 'bare streams→SIPp echo',
    concurrent,
    ok: concurrent,
    failed: 0,
    lossPercent: r.lossPercent,
    pacingP99Ms: r.pacing.p99Ms,
    pacingSkipped: r.pacing.skipped,
    memPerCallKiB: NaN,
    ...cost,
  };
}

/**
 * The second floor: the bare streams on a worker thread of their own while this thread sets up
 * the same C calls (media: false, held as long) through the same SIPp at the same rate. `ok` and
 * `failed` count those calls; loop CPU is the busiest thread's (the streams' loop).
 */
async function floorBesideSetUps(concurrent: number): Promise<MediaRow> {
  const { result, ...cost } = await againstSippEcho(concurrent, async (uas) => {
    const target = `sip:agent@127.0.0.1:${uas.port}`;
    const rate = mediaRate(concurrent);
    const client = await openSipprobe({ target, holdMs: MEDIA_SECONDS * 1000, media: 'none' });
    try {
      const [streams, calls] = await Promise.all([
        bareStreamsOnThread({ echoPort: uas.mediaPort, concurrent, ratePerSec: rate, seconds: MEDIA_SECONDS }),
        clientRun(client, { target, plan: { calls: concurrent, concurrency: concurrent, ratePerSec: rate }, resultsPath: join(uas.logDir, 'sipprobe-calls.jsonl') }),
      ]);
      return { streams, calls };
    } finally {
      await client.close();
    }
  });
  return {
    who: 'floor thread + set-ups',
    concurrent,
    ok: result.calls.calls.ok,
    failed: result.calls.calls.failed,
    lossPercent: result.streams.lossPercent,
    pacingP99Ms: result.streams.pacing.p99Ms,
    pacingSkipped: result.streams.pacing.skipped,
    memPerCallKiB: NaN,
    ...cost,
  };
}

async function sippMediaStep(concurrent: number, wav: string): Promise<MediaRow> {
  const load = load1();
  const r = await sippConcurrentRtp(concurrent, MEDIA_SECONDS, wav);
  return {
    who: 'SIPp→SIPp echo',
    concurrent,
    ok: r.ok,
    failed: r.failed,
    lossPercent: r.rtpNotEchoedPercent ?? NaN,
    pacingP99Ms: NaN,
    pacingSkipped: NaN,
    cpu: r.uacCpu,
    loopCpu: NaN,
    peerCpu: r.uasCpu,
    memPerCallKiB: NaN,
    load,
  };
}

function printMediaRows(rows: MediaRow[]): void {
  console.log(`${'run'.padEnd(26)}${'calls'.padStart(7)}${'ok'.padStart(6)}${'failed'.padStart(8)}${'loss %'.padStart(9)}${'pacing p99'.padStart(12)}${'skipped'.padStart(9)}${'CPU %'.padStart(8)}${'loop CPU %'.padStart(12)}${'peer CPU %'.padStart(12)}${'mem/call'.padStart(12)}${'load1'.padStart(7)}`);
  for (const r of rows) {
    console.log(
      `${r.who.padEnd(26)}${String(r.concurrent).padStart(7)}${String(r.ok).padStart(6)}${String(r.failed).padStart(8)}${f2(r.lossPercent).padStart(9)}${(f2(r.pacingP99Ms) + ' ms').padStart(12)}${(Number.isFinite(r.pacingSkipped) ? String(r.pacingSkipped) : '-').padStart(9)}${f1(r.cpu).padStart(8)}${f1(r.loopCpu).padStart(12)}${f1(r.peerCpu).padStart(12)}${(f1(r.memPerCallKiB) + ' KiB').padStart(12)}${r.load.padStart(7)}`,
    );
  }
}

async function main(): Promise<void> {
  const cores = cpus().length;
  console.log(`sipprobe load benchmark — node ${process.version}, ${cores} cores, ${cpus()[0]?.model ?? ''}${QUICK ? ' (quick)' : ''}`);
  console.log(`sipprobe's calls run on ${process.env.LOAD_BENCH_DIST === '1' ? 'the built bundle (dist/)' : 'the sources under tsx (LOAD_BENCH_DIST=1 after `npm run build` runs the bundle users get)'}`);
  const withSipp = !SKIP.has('sipp');
  const ratios: Array<[string, string, string, string]> = [];

  if (!SKIP.has('rate')) {
    console.log(`\n## 1. Call rate (uas-basic; sipprobe media: false = SDP offer/answer, no RTP; hold 0, ${RATE_SECONDS} s per step; rates ${RATES.join(', ')}; workers ${WORKERS.join(', ')})`);
    const ours: RateRow[][] = [];
    for (const w of WORKERS) ours.push(await rateLadder((rate) => sipprobeRateStep(rate, w)));
    const theirs = withSipp ? await rateLadder(sippRateStep) : [];
    printRateRows([...ours.flat(), ...theirs]);
    const b = highestClean(theirs);
    for (const [i, w] of WORKERS.entries()) {
      const a = highestClean(ours[i]);
      const who = w > 1 ? `sipprobe (${w} worker threads)` : 'sipprobe (one event loop)';
      console.log(`highest clean rate: ${who} ${a}/s${cleanStepText(bestClean(ours[i]))}, SIPp ${withSipp ? `${b}/s${cleanStepText(bestClean(theirs))}` : 'not run'} (target ≥ 1000/s)`);
      if (withSipp) ratios.push([`clean call rate, ${w > 1 ? `${w} workers` : '1 loop'}`, `${a}/s`, `${b}/s`, b ? f2(a / b) : '-']);
    }
  }

  if (!SKIP.has('media')) {
    console.log(`\n## 2. Concurrent media (G.711 both ways, hold ${MEDIA_SECONDS} s; C = ${MEDIA_CONC.join(', ')})`);
    const dir = makeLogDir('bench-load');
    const wav = join(dir, 'tone.wav');
    const sox = await runTool('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', wav, 'synth', String(MEDIA_SECONDS), 'sine', '300-3000', 'vol', '0.3']);
    if (sox.code !== 0) throw new Error(`sox failed: ${sox.stderr}`);
    const rows: MediaRow[] = [];
    let oursBest = 0;
    let oursLossBest = 0;
    let sippBest = 0;
    for (const c of MEDIA_CONC) {
      const ours = await sipprobeVsSippEcho(c, wav);
      rows.push(ours);
      console.log(`  sipprobe→SIPp echo C=${c}: loss ${f2(ours.lossPercent)} %, pacing p99 ${f2(ours.pacingP99Ms)} ms, CPU ${f1(ours.cpu)} % (event loop ${f1(ours.loopCpu)} %), ${f1(ours.memPerCallKiB)} KiB/call`);
      let clean = ours.failed === 0 && ours.lossPercent < 1 && ours.pacingP99Ms <= 2;
      if (ours.failed === 0 && ours.lossPercent < 1) oursLossBest = Math.max(oursLossBest, c);
      if (ours.lossPercent >= 1) {
        const agentRow = await sipprobeVsAgentEcho(c, wav);
        rows.push(agentRow);
        console.log(`  sipprobe→TestAgent echo C=${c}: loss ${f2(agentRow.lossPercent)} %, pacing p99 ${f2(agentRow.pacingP99Ms)} ms`);
        clean = agentRow.failed === 0 && agentRow.lossPercent < 1 && agentRow.pacingP99Ms <= 2;
      }
      if (!clean && MEDIA_WORKERS > 1) {
        const sharded = await shardedVsSippEcho(c, wav, MEDIA_WORKERS);
        rows.push(sharded);
        console.log(`  ${sharded.who} C=${c}: loss ${f2(sharded.lossPercent)} %, pacing p99 ${f2(sharded.pacingP99Ms)} ms, CPU ${f1(sharded.cpu)} % (every thread; busiest worker loop ${f1(sharded.loopCpu)} %)`);
        if (sharded.failed === 0 && sharded.lossPercent < 1) oursLossBest = Math.max(oursLossBest, c);
        clean = sharded.failed === 0 && sharded.lossPercent < 1 && sharded.pacingP99Ms <= 2;
      }
      if (clean) oursBest = Math.max(oursBest, c);
      else {
        const floor = await floorVsSippEcho(c);
        rows.push(floor);
        console.log(`  floor: ${c} bare paced UDP streams (no SIP, no media work) on one loop → SIPp echo: loss ${f2(floor.lossPercent)} %, pacing p99 ${f2(floor.pacingP99Ms)} ms, event loop ${f1(floor.loopCpu)} %`);
        const beside = await floorBesideSetUps(c);
        rows.push(beside);
        console.log(`  floor beside set-ups: the same streams on a thread of their own while this thread sets up ${c} calls (no media; ${beside.failed} failed) through the same SIPp: loss ${f2(beside.lossPercent)} %, pacing p99 ${f2(beside.pacingP99Ms)} ms, streams' loop ${f1(beside.loopCpu)} %`);
      }
      if (withSipp) {
        const s = await sippMediaStep(c, wav);
        rows.push(s);
        console.log(`  SIPp→SIPp echo C=${c}: not echoed ${f2(s.lossPercent)} %, CPU ${f1(s.cpu)} %`);
        if (s.failed === 0 && s.lossPercent < 1) sippBest = Math.max(sippBest, c);
      }
    }
    printMediaRows(rows);
    console.log(`most concurrent calls under 1 % loss: sipprobe ${oursLossBest} (also p99 pacing ≤ 2 ms: ${oursBest}; one loop or ${MEDIA_WORKERS} workers), SIPp ${withSipp ? sippBest : 'not run'} (target ≥ 800, p99 ≤ 2 ms)`);
    if (withSipp) {
      ratios.push(['concurrent echo calls < 1 % loss', String(oursLossBest), String(sippBest), sippBest ? f2(oursLossBest / sippBest) : '-']);
      ratios.push(['  … and p99 pacing ≤ 2 ms', String(oursBest), '-', '-']);
    }
  }

  console.log(`\n## 3. sipprobe / SIPp (${cores} cores, ${cpus()[0]?.model ?? ''})`);
  console.log(`${'measure'.padEnd(36)}${'sipprobe'.padStart(10)}${'SIPp'.padStart(10)}${'ratio'.padStart(8)}`);
  for (const [m, a, b, r] of ratios) console.log(`${m.padEnd(36)}${a.padStart(10)}${b.padStart(10)}${r.padStart(8)}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => stopAllPeers());
