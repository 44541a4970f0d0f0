/** An in-memory CliIo for running CLI commands in-process: what they write is collected in `out`/`err`. */
import type { CliIo } from '../../src/cli/io';

export function memoryIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const o = { out: '', err: '' } as CliIo & { out: string; err: string };
  o.stdout = { write: (t: string) => (o.out += t) };
  o.stderr = { write: (t: string) => (o.err += t) };
  o.env = env;
  o.cwd = process.cwd();
  o.signal = new AbortController().signal;
  return o;
}
