import { uuidV4 } from '../random';
import {
  DuplicateTestHeaderError,
  InvalidTestHeaderValueError,
  InvalidTestProfileError,
  ReservedTestHeaderError,
  StandardHeaderNotAllowedError,
  TestHeaderSyntaxError,
  quoteHeaderName,
  type TestHeaderSource,
} from './errors';
import { standardHeaderRefusal } from './standard-headers';
import {
  assertTestHeaderName,
  assertTestHeaderValue,
  stringifyTestHeaderValue,
  testHeaderLineBytes,
} from './validate';

/** Name of the header carrying the test run id. */
export const RUN_ID_HEADER = 'X-Run-Id';
/** Name of the header carrying the scenario id. */
export const SCENARIO_ID_HEADER = 'X-Scenario-Id';
/** Name of the header carrying the result id. */
export const RESULT_ID_HEADER = 'X-Result-Id';

/** Twilio's documented limit on the total size of X- headers, in bytes. */
export const TWILIO_X_HEADERS_LIMIT_BYTES = 1024;

/** Scalar types a profile variable or extra header value may have (sent stringified). */
export type TestHeaderValue = string | number | boolean | bigint;

/** Ids of one test call. Missing (undefined/null) ids are generated as UUID v4. */
export interface TestRunIds {
  /** Sent as `X-Run-Id`. */
  readonly runId?: string | number | null;
  /** Sent as `X-Scenario-Id`. */
  readonly scenarioId?: string | number | null;
  /** Sent as `X-Result-Id`. */
  readonly resultId?: string | number | null;
}

/**
 * A test profile in the shape voice-agent test platforms use. Only keys of
 * `information.main_agent_variables` starting with `X-` (any case) are sent; `testing_agent_variables`
 * is never read.
 */
export interface TestProfile {
  /** Free text, not sent. */
  readonly name?: string;
  /** The variables. */
  readonly information?: {
    /** Variables for the agent under test; the `X-` ones become SIP headers. */
    readonly main_agent_variables?: Readonly<Record<string, unknown>> | null;
    /** Variables for the testing side; never sent. */
    readonly testing_agent_variables?: Readonly<Record<string, unknown>> | null;
  } | null;
}

/**
 * Extra custom headers: an object `{ Name: value }`, or an array whose entries are `[name, value]`
 * pairs or `"Name: value"` strings (the CLI's `-H`).
 */
export type ExtraTestHeaders =
  | Readonly<Record<string, TestHeaderValue>>
  | ReadonlyArray<readonly [string, TestHeaderValue] | string>;

/** One header to put on the INVITE, validated. */
export interface TestHeader {
  /** Header name, case as given. */
  readonly name: string;
  /** Header value, already stringified. */
  readonly value: string;
  /** Where it came from. */
  readonly source: TestHeaderSource;
}

/** Machine-readable kinds of non-fatal findings. */
export type TestHeaderWarningCode =
  | 'X_HEADERS_OVER_TWILIO_LIMIT'
  | 'TWILIO_RESERVED_HEADER'
  | 'VALUE_EDGE_WHITESPACE'
  | 'INVITE_OVER_UDP_LIMIT';

/** Something that will probably work but that some far ends mishandle. */
export interface TestHeaderWarning {
  /** Stable kind. */
  readonly code: TestHeaderWarningCode;
  /** Human text; names headers, never quotes values. */
  readonly message: string;
  /** The header concerned, if one. */
  readonly headerName?: string;
}

/** Which run id a value was generated for. */
export type GeneratedTestId = 'runId' | 'scenarioId' | 'resultId';

/** What `buildTestHeaders` returns. */
export interface TestHeaderSet {
  /** `X-Run-Id`, `X-Scenario-Id`, `X-Result-Id` first, then profile `X-` keys, then extra headers. */
  readonly headers: TestHeader[];
  /** The ids actually used, and which of them were generated. */
  readonly ids: {
    readonly runId: string;
    readonly scenarioId: string;
    readonly resultId: string;
    readonly generated: GeneratedTestId[];
  };
  /** Sum of UTF-8 bytes of `Name: value` over every header whose name starts with `X-`. */
  readonly xHeaderBytes: number;
  /** Non-fatal findings. */
  readonly warnings: TestHeaderWarning[];
}

const ID_FIELDS: ReadonlyArray<readonly [GeneratedTestId, string]> = [
  ['runId', RUN_ID_HEADER],
  ['scenarioId', SCENARIO_ID_HEADER],
  ['resultId', RESULT_ID_HEADER],
];

const RESERVED = new Set(ID_FIELDS.map(([, h]) => h.toLowerCase()));

/** True if `name` is one of the three id headers (any case). */
export function isReservedTestHeaderName(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a property, turning a throwing getter or proxy into a typed error. */
function readProp(obj: Record<string, unknown>, key: string, what: string): unknown {
  try {
    return obj[key];
  } catch {
    throw new InvalidTestProfileError(`${what} ${quoteHeaderName(key)} could not be read`, key);
  }
}

function ownKeys(obj: object, what: string): string[] {
  try {
    return Object.keys(obj);
  } catch {
    throw new InvalidTestProfileError(`${what} could not be enumerated`);
  }
}

/** Splits a `"Name: value"` string at the first colon (whitespace around the colon dropped). */
export function parseTestHeaderLine(line: string): readonly [string, string] {
  if (typeof line !== 'string') {
    throw new TestHeaderSyntaxError('extra header must be a "Name: value" string', undefined, 'extra');
  }
  const colon = line.indexOf(':');
  if (colon < 0) {
    throw new TestHeaderSyntaxError(
      `extra header ${quoteHeaderName(line.slice(0, 64))} has no colon; expected "Name: value"`,
      undefined,
      'extra',
    );
  }
  const name = line.slice(0, colon).replace(/^[ \t]+|[ \t]+$/g, '');
  const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
  return [name, value];
}

function extraEntries(extra: unknown): Array<readonly [unknown, unknown]> {
  if (extra === undefined || extra === null) return [];
  if (Array.isArray(extra)) {
    return extra.map((entry, i) => {
      if (typeof entry === 'string') return parseTestHeaderLine(entry);
      if (Array.isArray(entry) && entry.length === 2) return [entry[0], entry[1]] as const;
      throw new TestHeaderSyntaxError(
        `extra header #${i} must be a [name, value] pair or a "Name: value" string`,
        undefined,
        'extra',
      );
    });
  }
  if (isPlainRecord(extra)) {
    return ownKeys(extra, 'extra headers').map((k) => [k, readProp(extra, k, 'extra header')] as const);
  }
  throw new InvalidTestProfileError('extra headers must be an object or an array', undefined, 'extra');
}

function profileEntries(profile: unknown): Array<readonly [string, unknown]> {
  if (profile === undefined || profile === null) return [];
  if (!isPlainRecord(profile)) throw new InvalidTestProfileError('profile must be an object', undefined, 'profile');
  const info = readProp(profile, 'information', 'profile field');
  if (info === undefined || info === null) return [];
  if (!isPlainRecord(info)) {
    throw new InvalidTestProfileError('profile.information must be an object', undefined, 'profile');
  }
  const vars = readProp(info, 'main_agent_variables', 'profile field');
  if (vars === undefined || vars === null) return [];
  if (!isPlainRecord(vars)) {
    throw new InvalidTestProfileError(
      'profile.information.main_agent_variables must be an object',
      undefined,
      'profile',
    );
  }
  // Only X- keys are read at all: other variables may be secrets or prompts and never leave.
  return ownKeys(vars, 'main_agent_variables')
    .filter((k) => k.length >= 2 && (k[0] === 'X' || k[0] === 'x') && k[1] === '-')
    .map((k) => [k, readProp(vars, k, 'profile key')] as const);
}

function runId(run: Record<string, unknown>, field: GeneratedTestId, header: string): string | undefined {
  const v = readProp(run, field, 'run field');
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') {
    throw new InvalidTestHeaderValueError(`run.${field} must be a string or a number`, header, 'run');
  }
  const s = stringifyTestHeaderValue(v, header, 'run');
  if (s.trim() === '') throw new InvalidTestHeaderValueError(`run.${field} is empty`, header, 'run');
  return s;
}

/**
 * Builds the custom headers of a test call's INVITE: `X-Run-Id`, `X-Scenario-Id`, `X-Result-Id`
 * (from `run`, missing ones generated as UUID v4), then the `X-` keys of the profile's
 * `main_agent_variables`, then `extraHeaders`. Pure apart from UUID generation.
 *
 * Throws a {@link TestHeaderError} subclass (nothing is sent) when a name is not a token, a value
 * has CR/LF/NUL ({@link HeaderInjectionError}), another control character or a lone surrogate, a
 * line exceeds 1024 bytes, a reserved or standard SIP header is named, a name repeats
 * (case-insensitively), or a value is not a string/number/boolean.
 */
export function buildTestHeaders(
  run?: TestRunIds | null,
  profile?: TestProfile | null,
  extraHeaders?: ExtraTestHeaders | null,
): TestHeaderSet {
  if (run !== undefined && run !== null && !isPlainRecord(run)) {
    throw new InvalidTestProfileError('run must be an object { runId, scenarioId, resultId }', undefined, 'run');
  }
  const runObj: Record<string, unknown> = (run ?? {}) as Record<string, unknown>;
  const headers: TestHeader[] = [];
  const warnings: TestHeaderWarning[] = [];
  const seen = new Map<string, TestHeaderSource>();
  const generated: GeneratedTestId[] = [];
  const ids: Record<GeneratedTestId, string> = { runId: '', scenarioId: '', resultId: '' };

  const add = (name: string, value: string, source: TestHeaderSource): void => {
    assertTestHeaderValue(name, value, source);
    if (value !== value.replace(/^[ \t]+|[ \t]+$/g, '')) {
      warnings.push({
        code: 'VALUE_EDGE_WHITESPACE',
        message: `header ${quoteHeaderName(name)}: leading/trailing whitespace is usually stripped by the receiver`,
        headerName: name,
      });
    }
    headers.push({ name, value, source });
    seen.set(name.toLowerCase(), source);
  };

  for (const [field, header] of ID_FIELDS) {
    let value = runId(runObj, field, header);
    if (value === undefined) {
      value = uuidV4();
      generated.push(field);
    }
    ids[field] = value;
    add(header, value, 'run');
  }

  const custom = (name: unknown, rawValue: unknown, source: TestHeaderSource): void => {
    assertTestHeaderName(name, source);
    const q = quoteHeaderName(name);
    if (isReservedTestHeaderName(name)) {
      throw new ReservedTestHeaderError(
        `${source} header ${q} is reserved: set it through run.runId/scenarioId/resultId`,
        name,
        source,
      );
    }
    const refusal = standardHeaderRefusal(name);
    if (refusal !== undefined) {
      throw new StandardHeaderNotAllowedError(
        `${source} header ${q} is a standard SIP header the stack controls (${refusal})`,
        name,
        source,
      );
    }
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      throw new DuplicateTestHeaderError(
        `${source} header ${q} is given more than once (also in ${earlier}; names compare case-insensitively)`,
        name,
        source,
      );
    }
    const value = stringifyTestHeaderValue(rawValue, name, source);
    add(name, value, source);
    if (/^x-twilio/i.test(name)) {
      warnings.push({
        code: 'TWILIO_RESERVED_HEADER',
        message: `header ${q}: X-Twilio* headers are reserved by Twilio and may be dropped or rejected`,
        headerName: name,
      });
    }
  };

  for (const [name, value] of profileEntries(profile)) custom(name, value, 'profile');
  for (const [name, value] of extraEntries(extraHeaders)) custom(name, value, 'extra');

  let xHeaderBytes = 0;
  for (const h of headers) {
    if (h.name.length >= 2 && h.name.slice(0, 2).toLowerCase() === 'x-') xHeaderBytes += testHeaderLineBytes(h.name, h.value);
  }
  if (xHeaderBytes > TWILIO_X_HEADERS_LIMIT_BYTES) {
    warnings.push({
      code: 'X_HEADERS_OVER_TWILIO_LIMIT',
      message: `X- headers total ${xHeaderBytes} bytes, over Twilio's ${TWILIO_X_HEADERS_LIMIT_BYTES}-byte limit`,
    });
  }

  return {
    headers,
    ids: { runId: ids.runId, scenarioId: ids.scenarioId, resultId: ids.resultId, generated },
    xHeaderBytes,
    warnings,
  };
}

/**
 * Formats headers as `Name: value\r\n` lines for a SIP message. Validates every header again,
 * so a hand-built list cannot inject either.
 */
export function formatTestHeaderLines(headers: ReadonlyArray<Pick<TestHeader, 'name' | 'value'>>): string {
  let out = '';
  for (const h of headers) {
    assertTestHeaderName(h.name, 'extra');
    if (typeof h.value !== 'string') {
      throw new InvalidTestHeaderValueError(`header ${quoteHeaderName(h.name)}: value must be a string`, h.name);
    }
    assertTestHeaderValue(h.name, h.value, 'extra');
    out += `${h.name}: ${h.value}\r\n`;
  }
  return out;
}
