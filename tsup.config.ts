import { defineConfig } from 'tsup';

export default defineConfig({
  // load-*: entries that `sipprobe load --workers N` starts in worker threads (src/load/module-files.ts)
  entry: { index: 'src/index.ts', cli: 'src/cli/bin.ts', 'load-worker': 'src/load/worker.ts', 'load-caller-start': 'src/load/caller-start.ts' },
  shims: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  external: ['opusscript'],
});
