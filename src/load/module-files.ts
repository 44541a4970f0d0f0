import { join } from 'node:path';

/**
 * Where a load module that runs in its own worker thread lives: next to this file when running
 * from the TypeScript sources (tsx, tests), or as its own entry `load-<name>.js` beside the
 * bundle (tsup inlines this file into dist/, so `__dirname` is dist/ there).
 */
export function loadModuleFile(name: 'worker' | 'caller-start'): string {
  return __filename.endsWith('.ts') ? join(__dirname, `${name}.ts`) : join(__dirname, `load-${name}.js`);
}
