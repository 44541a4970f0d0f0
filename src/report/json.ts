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
  checkJsonable(result, [], new Set());
  const { schemaVersion, ...rest } = result;
  return JSON.stringify({ schemaVersion, ...rest }, null, indent);
}

function checkJsonable(value: unknown, path: string[], open: Set<object>): void {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) fail(path, String(value));
      return;
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'object':
      if (value === null) return;
      if (open.has(value)) fail(path, 'a circular reference');
      open.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          path.push(String(i));
          checkJsonable(value[i], path, open);
          path.pop();
        }
      } else {
        for (const key of Object.keys(value)) {
          path.push(key);
          checkJsonable((value as Record<string, unknown>)[key], path, open);
          path.pop();
        }
      }
      open.delete(value);
      return;
    default:
      fail(path, `a ${typeof value}`);
  }
}

function fail(path: string[], what: string): never {
  throw new ReportError('REPORT_NOT_JSON', `CallResult.${path.join('.')} is ${what}, which JSON cannot represent`);
}
