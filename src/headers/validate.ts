import {
  HeaderInjectionError,
  InvalidTestHeaderNameError,
  InvalidTestHeaderValueError,
  TestHeaderTooLongError,
  quoteHeaderName,
  type TestHeaderSource,
} from './errors';

/** RFC 3261 §25.1 `token`: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~". */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Longest allowed `Name: value` line in UTF-8 bytes (CRLF excluded); Retell assumes ≤ 1024. */
export const MAX_TEST_HEADER_LINE_BYTES = 1024;

/** True if `name` is a non-empty RFC 3261 token, i.e. syntactically usable as a header field name. */
export function isValidTestHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/** True if the string contains CR, LF or NUL. */
function hasInjection(s: string): boolean {
  return /[\r\n\0]/.test(s);
}

/**
 * Index of the first character a SIP header value may not carry (C0 controls except HTAB, DEL,
 * C1 controls, U+2028/U+2029), or -1. CR/LF/NUL are checked before, as injection.
 */
function firstControl(s: string): number {
  return s.search(/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/);
}

/** True if the JS string has no lone surrogate, i.e. encodes to UTF-8 without replacement. */
function isWellFormedUtf16(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** Checks a header name: string, no injection, RFC 3261 token. Throws a typed error. */
export function assertTestHeaderName(name: unknown, source: TestHeaderSource): asserts name is string {
  if (typeof name !== 'string') {
    throw new InvalidTestHeaderNameError(`${source} header name must be a string`, undefined, source);
  }
  if (hasInjection(name)) {
    throw new HeaderInjectionError(
      `${source} header name ${quoteHeaderName(name)} contains CR, LF or NUL`,
      name,
      source,
    );
  }
  if (!isValidTestHeaderName(name)) {
    throw new InvalidTestHeaderNameError(
      `${source} header name ${quoteHeaderName(name)} is not an RFC 3261 token (letters, digits and - . ! % * _ + \` ' ~ only)`,
      name,
      source,
    );
  }
}

/**
 * Turns a profile/extra value into the string to send: strings as they are, finite numbers,
 * bigints and booleans stringified; anything else is refused by type, never by content.
 */
export function stringifyTestHeaderValue(value: unknown, name: string, source: TestHeaderSource): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      if (Number.isFinite(value)) return String(value);
      throw new InvalidTestHeaderValueError(
        `${source} header ${quoteHeaderName(name)}: value is a non-finite number`,
        name,
        source,
      );
    default: {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
      throw new InvalidTestHeaderValueError(
        `${source} header ${quoteHeaderName(name)}: value is ${kind}; only strings, numbers and booleans can be sent`,
        name,
        source,
      );
    }
  }
}

/**
 * Checks a header value and the resulting line length. Messages name the header and the reason,
 * never the value.
 */
export function assertTestHeaderValue(name: string, value: string, source: TestHeaderSource): void {
  const q = quoteHeaderName(name);
  if (hasInjection(value)) {
    throw new HeaderInjectionError(`${source} header ${q}: value contains CR, LF or NUL`, name, source);
  }
  if (!isWellFormedUtf16(value)) {
    throw new InvalidTestHeaderValueError(
      `${source} header ${q}: value is not valid UTF-8 (lone surrogate)`,
      name,
      source,
    );
  }
  const at = firstControl(value);
  if (at >= 0) {
    throw new InvalidTestHeaderValueError(
      `${source} header ${q}: value contains control character U+${value.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')} at index ${at}`,
      name,
      source,
    );
  }
  const bytes = testHeaderLineBytes(name, value);
  if (bytes > MAX_TEST_HEADER_LINE_BYTES) {
    throw new TestHeaderTooLongError(
      `${source} header ${q}: "Name: value" is ${bytes} bytes, over the ${MAX_TEST_HEADER_LINE_BYTES}-byte limit`,
      name,
      source,
    );
  }
}

/** UTF-8 length of the line `Name: value` (without CRLF). */
export function testHeaderLineBytes(name: string, value: string): number {
  return Buffer.byteLength(name, 'utf8') + 2 + Buffer.byteLength(value, 'utf8');
}
