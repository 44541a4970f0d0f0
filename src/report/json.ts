import type { CallResult } from '../caller/result';
import { ReportError } from './errors';

/** Options of {@link toJson}. */
export interface ToJsonOptions {
  /** Indentation in spaces; 0 writes one line. Default 2. */
  indent?: number;
}

/**
 * Serialises a {@link CallResult} as the stable JSON output (`schemaVersion` first, then the
 * fields in declaration order). Throws {@link ReportError} `REPORT_NOT_JSON` when the result
 * holds a value JSON cannot carry faithfully (NaN, ±Infinity, bigint, a function), because
 * `JSON.stringify` would silently write `null` and the file would then contradict the schema.
 */
export function toJson(result: CallResult, options: ToJsonOptions = {}): string {
  const indent = options.indent ?? 2;
  // the walk without path bookkeeping passes nearly always; the one that names the path runs on failure
  if (nonJson(result, new Set(), null) !== null) {
    const path: string[] = [];
    fail(path, nonJson(result, new Set(), path)!);
  }
  const { schemaVersion, ...rest } = result;
  return JSON.stringify({ schemaVersion, ...rest }, null, indent);
}

/**
 * What in `value` JSON cannot carry faithfully (null when nothing); with a `path`, it is left
 * naming where that value sits.
 */
function nonJson(value: unknown, open: Set<object>, path: string[] | null): string | null {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? null : String(value);
    case 'string':
    case 'boolean':
    case 'undefined':
      return null;
    case 'object': {
      if (value === null) return null;
      if (open.has(value)) return 'a circular reference';
      open.add(value);
      let bad: string | null = null;
      if (Array.isArray(value)) {
        for (let i = 0; bad === null && i < value.length; i++) {
          path?.push(String(i));
          if ((bad = nonJson(value[i], open, path)) === null) path?.pop();
        }
      } else {
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          path?.push(key);
          if ((bad = nonJson((value as Record<string, unknown>)[key], open, path)) !== null) break;
          path?.pop();
        }
      }
      open.delete(value);
      return bad;
    }
    default:
      return `a ${typeof value}`;
  }
}

function fail(path: string[], what: string): never {
  throw new ReportError('REPORT_NOT_JSON', `CallResult.${path.join('.')} is ${what}, which JSON cannot represent`);
}
