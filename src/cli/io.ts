/** What the CLI touches of the process, injectable so that commands run in tests without spawning. */
export interface CliIo {
  /** Machine output only (`--json -`). */
  stdout: { write(text: string): unknown };
  /** Everything for humans. */
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM (the `agent` command runs until then; a call is hung up). */
  signal: AbortSignal;
}

/** CLI exit statuses (ARCHITECTURE.md). */
export const EXIT_COMPLETED = 0;
export const EXIT_NOT_COMPLETED = 1;
export const EXIT_USAGE = 2;
