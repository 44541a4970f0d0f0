/**
 * Child processes of interop tests: each peer runs under coreutils `timeout` in its own process
 * group (hard lifetime even if jest dies), is tracked in a registry, and is killed as a group by
 * `stop()`, by `stopAllPeers()` (call it in afterEach/afterAll) or at worker exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A started peer process. */
export interface ManagedProcess {
  /** Name for messages (`sipp-uas-15060`). */
  readonly name: string;
  /** PID of the `timeout` wrapper = process group id. */
  readonly pid: number;
  /** Resolves with the exit code (124 = killed by the hard lifetime, 128+n = signal n). */
  readonly exited: Promise<number>;
  /** True until the process exited. */
  running(): boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
}

const live = new Set<ManagedProcess>();

/** Default hard lifetime of a peer, seconds. */
export const DEFAULT_MAX_SECONDS = 60;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test forgot stopAllPeers(): 'exit' handlers must be synchronous.
  process.once('exit', () => {
    for (const p of live) killGroup(p.pid, 'SIGKILL');
  });
}

/** Options of {@link spawnPeer}. */
export interface SpawnPeerOptions {
  /** Name used in messages and log file names. */
  name: string;
  /** Executable. */
  command: string;
  /** Arguments. */
  args: readonly string[];
  /** stdout+stderr go to this file. */
  logFile: string;
  /** Hard lifetime in seconds (coreutils `timeout`, SIGKILL 3 s after SIGTERM). */
  maxSeconds?: number;
  /** Working directory. */
  cwd?: string;
  /** Extra environment. */
  env?: Record<string, string>;
}

/** Starts `command` under `timeout -k 3 maxSeconds` in a new process group. */
export function spawnPeer(opts: SpawnPeerOptions): ManagedProcess {
  installExitHook();
  const max = opts.maxSeconds ?? DEFAULT_MAX_SECONDS;
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('timeout', ['-k', '3', String(max), opts.command, ...opts.args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true, // setsid: own process group, killable as a whole
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${opts.name}: could not spawn ${opts.command}`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => {
      done = true;
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      done = true;
      // The wrapper is gone, but make sure nothing of its group survives it.
      killGroup(pid, 'SIGKILL');
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
  const proc: ManagedProcess = {
    name: opts.name,
    pid,
    exited,
    running: () => !done,
    stop: async (graceMs = 3000) => {
      if (!done) {
        killGroup(pid, 'SIGTERM');
        const t = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(t);
        }
      }
      return exited;
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

function signalNumber(s: NodeJS.Signals): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return map[s] ?? 0;
}

/** Stops every peer still running (afterEach / afterAll). */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(2000)));
}

/** Number of peers still running (tests assert 0 after cleanup). */
export function runningPeerCount(): number {
  return live.size;
}

/** Runs a short command to completion (bounded by `timeout`), capturing stdout as a Buffer. */
export function runTool(
  command: string,
  args: readonly string[],
  maxSeconds = 60,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('timeout', ['-k', '3', String(maxSeconds), command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => resolve({ code: 127, stdout: Buffer.alloc(0), stderr: String(e) }));
    child.once('close', (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** A fresh log directory for one peer or test (`INTEROP_LOG_DIR` as parent when set). */
export function makeLogDir(prefix: string): string {
  const parent = process.env.INTEROP_LOG_DIR ?? tmpdir();
  return mkdtempSync(join(parent, `sipprobe-${prefix}-`));
}

/** PIDs whose parent is `pid` (from /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      // Fields after the parenthesised comm: state ppid ...
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(after[1]) === pid) out.push(Number(d));
    } catch {
      // raced with exit
    }
  }
  return out;
}

/** Sleeps (harness polling only; product code uses Clock). */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until it returns a value, the process dies, or `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | false,
  opts: { timeoutMs: number; everyMs?: number; proc?: ManagedProcess },
): Promise<T> {
  const end = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (opts.proc && !opts.proc.running()) throw new Error(`${what}: ${opts.proc.name} exited first`);
    if (Date.now() > end) throw new Error(`${what}: not within ${opts.timeoutMs} ms`);
    await delay(opts.everyMs ?? 50);
  }
}
