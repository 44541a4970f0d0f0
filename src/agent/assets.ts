/**
 * Where the audio shipped with sipprobe lives. Found by walking up from this module to the
 * package root (the directory whose package.json is named `sipprobe`), so it works from src/
 * (tsx, jest), from dist/ (the built CLI) and from node_modules/sipprobe.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

let cached: string | undefined;

function isSipprobeRoot(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return pkg.name === 'sipprobe';
  } catch {
    return false;
  }
}

function walkUp(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (isSipprobeRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The sipprobe package root, or undefined when it cannot be found. */
export function sipprobePackageRoot(): string | undefined {
  if (cached !== undefined) return cached;
  // CommonJS (src via tsx/jest, dist/*.js) has __dirname; an ESM bundle without shims does not
  let found = typeof __dirname === 'string' ? walkUp(__dirname) : undefined;
  if (!found) {
    try {
      found = dirname(createRequire(join(process.cwd(), 'noop.js')).resolve('sipprobe/package.json'));
    } catch {
      found = walkUp(process.cwd());
    }
  }
  cached = found;
  return found;
}

/** Absolute path of a file in the package's `assets/` directory (it may not exist if the root was not found). */
export function sipprobeAssetPath(name: 'greeting-8k.wav' | 'question-8k.wav'): string {
  const root = sipprobePackageRoot();
  const p = join(root ?? process.cwd(), 'assets', name);
  return p;
}

/** The greeting the TestAgent plays by default. */
export function defaultGreetingPath(): string {
  return sipprobeAssetPath('greeting-8k.wav');
}

/** The caller's question `sipprobe demo` plays. */
export function defaultQuestionPath(): string {
  return sipprobeAssetPath('question-8k.wav');
}

/** True when the shipped assets are where they should be. */
export function sipprobeAssetsPresent(): boolean {
  return existsSync(defaultGreetingPath()) && existsSync(defaultQuestionPath());
}
