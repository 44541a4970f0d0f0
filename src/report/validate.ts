import type { CallResult } from '../caller/result';
import { ReportError } from './errors';
import { callResultJsonSchema, type JsonSchemaNode } from './schema';

/**
 * Checks a value against the subset of JSON Schema that {@link callResultJsonSchema} uses (type,
 * enum, const, anyOf, properties/required/additionalProperties, items, minimum/maximum/
 * exclusiveMinimum, minLength, pattern), so a saved result can be re-read without a validator
 * dependency. Returns the problems found, at most `limit`.
 */
export function schemaErrors(value: unknown, schema: JsonSchemaNode = callResultJsonSchema, limit = 20): string[] {
  const errors: string[] = [];
  walk(value, schema, '', errors, limit);
  return errors;
}

function typeOk(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function walk(value: unknown, s: JsonSchemaNode, path: string, errors: string[], limit: number): void {
  if (errors.length >= limit) return;
  const at = path || '/';
  if (Array.isArray(s.anyOf)) {
    const branches = s.anyOf as JsonSchemaNode[];
    if (!branches.some((b) => schemaErrors(value, b, 1).length === 0)) {
      // report the first branch's reason: it is the non-null one in this schema
      walk(value, branches[0], path, errors, limit);
      if (errors.length === 0) errors.push(`${at}: matches no allowed shape`);
    }
    return;
  }
  if ('const' in s && value !== s.const) errors.push(`${at}: must be ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(value as never)) errors.push(`${at}: must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof s.type === 'string' && !typeOk(value, s.type)) {
    errors.push(`${at}: must be ${s.type}`);
    return;
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${at}: must be >= ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${at}: must be <= ${s.maximum}`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) errors.push(`${at}: must be > ${s.exclusiveMinimum}`);
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && [...value].length < s.minLength) errors.push(`${at}: must have at least ${s.minLength} characters`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${at}: must match ${s.pattern}`);
  }
  if (Array.isArray(value) && s.items) {
    for (let i = 0; i < value.length && errors.length < limit; i++) walk(value[i], s.items as JsonSchemaNode, `${path}/${i}`, errors, limit);
  }
  if (typeOk(value, 'object') && s.properties) {
    const obj = value as Record<string, unknown>;
    const props = s.properties as Record<string, JsonSchemaNode>;
    for (const key of (s.required as string[] | undefined) ?? []) if (!(key in obj)) errors.push(`${at}: missing ${key}`);
    for (const key of Object.keys(obj)) {
      if (errors.length >= limit) return;
      const sub = Object.prototype.hasOwnProperty.call(props, key) ? props[key] : undefined;
      if (sub) walk(obj[key], sub, `${path}/${key}`, errors, limit);
      else if (s.additionalProperties === false) errors.push(`${at}: unexpected field ${JSON.stringify(key).slice(0, 80)}`);
    }
  }
}

/**
 * Parses a saved `CallResult` JSON (e.g. for `sipprobe report result.json --html out.html`).
 * Throws {@link ReportError} `REPORT_BAD_JSON` for text that is not JSON and
 * `REPORT_INVALID_RESULT` (listing the problems) for JSON that does not match the schema.
 */
export function parseCallResultJson(text: string): CallResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ReportError('REPORT_BAD_JSON', `not JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  const errors = schemaErrors(value);
  if (errors.length) throw new ReportError('REPORT_INVALID_RESULT', `not a schemaVersion 1 CallResult: ${errors.slice(0, 5).join('; ')}`);
  return value as CallResult;
}
