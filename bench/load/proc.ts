/**
 * Process and kernel counters for the load benchmark: CPU of another process (from
 * /proc/PID/stat, in % of one core), our own CPU, and the system-wide UDP counters
 * (/proc/net/snmp) that bench-sipp.sh uses for SIPp's RTP loss.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { childPids } from '../../test/interop/harness';

const HZ = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** user+system CPU seconds of `pid`, or null if it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "comm": state(0) ppid(1) … utime is field 14 overall = index 11 here, stime 12.
    return (Number(f[11]) + Number(f[12])) / HZ;
  } catch {
    return null;
  }
}

/** The first descendant of `pid` whose command name is `name` (SIPp runs under `timeout`). */
export function descendantNamed(pid: number, name: string): number | null {
  for (const c of childPids(pid)) {
    try {
      if (readFileSync(`/proc/${c}/comm`, 'latin1').trim() === name) return c;
    } catch {
      continue;
    }
    const d = descendantNamed(c, name);
    if (d !== null) return d;
  }
  return null;
}

/**
 * Follows another process's CPU time by polling (a child that exits cannot be read afterwards,
 * so the last sample before exit stands; the poll period bounds what is missed).
 */
export class CpuWatch {
  private first: number | null = null;
  private last: number | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = performance.now();
  private t1 = performance.now();

  constructor(private readonly pid: number, everyMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const v = cpuSecondsOf(this.pid);
    if (v === null) return;
    this.first ??= v;
    this.last = v;
    this.t1 = performance.now();
  }

  /** Stops polling; CPU % of one core over the watched time (wall = until `wallEnd` or last sample). */
  stop(wallMs?: number): number {
    this.sample();
    clearInterval(this.timer);
    if (this.first === null || this.last === null) return NaN;
    const wall = (wallMs ?? this.t1 - this.t0) / 1000;
    return wall > 0 ? (100 * (this.last - this.first)) / wall : NaN;
  }
}

/** Our own CPU % of one core between `start()` and the returned function's call. */
export function selfCpu(): () => { cpuPercent: number; wallMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const d = process.cpuUsage(c0);
    const wallMs = performance.now() - t0;
    return { cpuPercent: (100 * (d.user + d.system)) / 1000 / wallMs, wallMs };
  };
}

/** On-CPU nanoseconds of each of our threads (/proc/self/task/TID/schedstat, first field); empty off Linux. */
function threadCpuNs(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]));
    } catch {
      continue; // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * CPU % of one core of our busiest thread between the call and the returned function's call.
 * An event loop (the main thread, or each load worker's) runs its JS, its sends and its socket
 * reads on one thread: this says how close that loop is to saturation, which the process total
 * (GC and libuv helper threads included) does not. NaN where /proc is not available.
 */
export function busiestThreadCpu(): () => number {
  const a = threadCpuNs();
  const t0 = performance.now();
  return () => {
    const wallMs = performance.now() - t0;
    let max = NaN;
    for (const [tid, ns] of threadCpuNs()) {
      const d = ns - (a.get(tid) ?? 0);
      if (Number.isNaN(max) || d > max) max = d;
    }
    return (100 * max) / 1e6 / wallMs;
  };
}

/** System-wide UDP datagrams read by applications and receive-buffer drops. */
export function udpCounters(): { inDatagrams: number; rcvbufErrors: number } {
  const lines = readFileSync('/proc/net/snmp', 'latin1').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0].split(/\s+/);
  const vals = lines[1].split(/\s+/);
  const get = (n: string): number => Number(vals[names.indexOf(n)]);
  return { inDatagrams: get('InDatagrams'), rcvbufErrors: get('RcvbufErrors') };
}
