#!/usr/bin/env node
/*
 * `sipprobe` launcher (package.json "bin"). In a checkout (src/ present and tsx installed, as
 * after `npm install`) it runs the TypeScript source through tsx, so `npx sipprobe demo` works
 * without a build and is never stale; in an installed package (no src/) it runs the build,
 * dist/cli.js.
 */
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

function packageRoot(start) {
  let dir = start;
  for (;;) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'sipprobe') return dir;
    } catch (_) {
      // not here
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const root = packageRoot(__dirname);
if (!root) {
  process.stderr.write('sipprobe: cannot find the sipprobe package root\n');
  process.exit(1);
}
const source = join(root, 'src', 'cli', 'bin.ts');
const built = join(root, 'dist', 'cli.js');

let tsx;
if (existsSync(source)) {
  try {
    tsx = require.resolve('tsx/cjs/api', { paths: [root] });
  } catch (_) {
    tsx = undefined;
  }
}
if (tsx) {
  require(tsx).register();
  require(source);
} else if (existsSync(built)) {
  require(built);
} else {
  process.stderr.write('sipprobe: neither the build (dist/cli.js) nor tsx is available: run `npm install` (and `npm run build`)\n');
  process.exit(1);
}
