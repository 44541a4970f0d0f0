/** Runs the `sipprobe` CLI as a process through its launcher (tsx on src, no build needed). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const LAUNCHER = join(__dirname, '../../src/cli/launcher.cjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Resolves with exit code and output; a run longer than `timeoutMs` is killed and rejects. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
