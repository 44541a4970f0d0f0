import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallResult } from '../../../src/caller/result';

/** Names of the synthetic CallResult fixtures in test/fixtures/report. */
export const FIXTURE_NAMES = ['completed', 'busy', 'unreachable', 'hostile'] as const;

/** Loads a synthetic CallResult fixture (a fresh copy each call, so tests may mutate it). */
export function loadResult(name: (typeof FIXTURE_NAMES)[number]): CallResult {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/report', `${name}.json`), 'utf8')) as CallResult;
}
