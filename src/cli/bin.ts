#!/usr/bin/env node
/** Process entry of the `sipprobe` command (built to dist/cli.js). */
import { runCli } from './main';

const controller = new AbortController();
let signals = 0;
const onSignal = (): void => {
  signals++;
  // a second Ctrl-C means "now": skip the clean shutdown
  if (signals > 1) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal }).then(
  (code) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`sipprobe: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
