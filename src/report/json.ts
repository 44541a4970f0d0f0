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
  // the quick walk passes nearly always; the one that names the offending path runs only on failure
  if (!isJsonable(result, new Set())) checkJsonable(result, [], new Set());
  const { schemaVersion, ...rest } = result;
  return JSON.stringify({ schemaVersion, ...rest }, null, indent);
}

function isJsonable(value: unknown, open: Set<object>): boolean {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value);
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object': {
      if (value === null) return true;
      if (open.has(value)) return false;
      open.add(value);
      let ok = true;
      if (Array.isArray(value)) {
        for (let i = 0; ok && i < value.length; i++) ok = isJsonable(value[i], open);
      } else {
        for (const key in value) if (Object.hasOwn(value, key) && !(ok = isJsonable((value as Record<string, unknown>)[key], open))) break;
      }
      open.delete(value);
      return ok;
    }
    default:
      return false;
  }
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
