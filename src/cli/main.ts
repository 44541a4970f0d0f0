/**
 * The `sipprobe` command line: `call`, `agent`, `demo`, `load`, `report`, `help`, `version`. {@link runCli}
 * returns the exit status instead of exiting, so that it runs in-process in tests; `bin.ts`
 * wires it to the process (signals, exit code).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sipprobePackageRoot } from '../agent/assets';
import { SipprobeError } from '../errors';
import { runAgentCommand } from './agent-command';
import { parseCli, UsageError } from './args';
import { runCallCommand } from './call-command';
import { runDemoCommand } from './demo-command';
import { runLoadCommand } from './load';
import { runReportCommand } from './report-command';
import { CLI_USAGE } from './help';
import { CliInputError } from './input-error';
import { EXIT_COMPLETED, EXIT_NOT_COMPLETED, EXIT_USAGE, type CliIo } from './io';
import { safeCliText } from './text';

function version(): string {
  try {
    const root = sipprobePackageRoot();
    if (root) return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    // fall through
  }
  return 'unknown';
}

/** Runs one command line (argv without node and script); resolves with the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const cmd = parseCli(argv, io.env);
    switch (cmd.command) {
      case 'help':
        io.stderr.write(CLI_USAGE);
        return EXIT_COMPLETED;
      case 'version':
        io.stdout.write(`${version()}\n`);
        return EXIT_COMPLETED;
      case 'call':
        return await runCallCommand(cmd.options, io);
      case 'agent':
        return await runAgentCommand(cmd.options, io);
      case 'demo':
        return await runDemoCommand(cmd.options, io);
      case 'load':
        return await runLoadCommand(cmd.options, {
          stdout: io.stdout as NodeJS.WritableStream,
          stderr: io.stderr as NodeJS.WritableStream,
          cwd: io.cwd,
          onInterrupt: (handler) => {
            io.signal.addEventListener('abort', handler);
            return () => io.signal.removeEventListener('abort', handler);
          },
        });
      case 'report':
        return await runReportCommand(cmd, io);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`sipprobe: ${safeCliText(e.message, 500)}\n\n${CLI_USAGE}`);
      return EXIT_USAGE;
    }
    if (e instanceof CliInputError) {
      io.stderr.write(`sipprobe: ${safeCliText(e.message, 500)}\n`);
      return EXIT_USAGE;
    }
    // anything else is a failure of the run, not of the input
    const msg = e instanceof SipprobeError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
    io.stderr.write(`sipprobe: error: ${safeCliText(msg, 500)}\n`);
    return EXIT_NOT_COMPLETED;
  }
}
