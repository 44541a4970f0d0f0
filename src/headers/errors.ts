import { SipprobeError } from '../errors';

/** Where a custom header came from: the run ids, the test profile, or the caller's extra headers. */
export type TestHeaderSource = 'run' | 'profile' | 'extra';

/**
 * Base class of every error `buildTestHeaders` throws. `headerName` is the offending header (or
 * profile key) name as given; messages quote it escaped and never contain a header value, so
 * nothing user supplied can break a log line and no value leaks.
 */
export class TestHeaderError extends SipprobeError {
  /** The header or profile key concerned, as given (may itself be malformed). */
  readonly headerName: string | undefined;
  /** Which input it came from. */
  readonly source: TestHeaderSource | undefined;

  constructor(
    code: string,
    message: string,
    headerName?: string,
    source?: TestHeaderSource,
  ) {
    super(code, message);
    this.headerName = headerName;
    this.source = source;
  }
}

/** A header name or value holds CR, LF or NUL: it would inject lines into the SIP message. */
export class HeaderInjectionError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_INJECTION', message, headerName, source);
  }
}

/** A header name is not an RFC 3261 `token` (or is empty, or is not a string). */
export class InvalidTestHeaderNameError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_NAME_INVALID', message, headerName, source);
  }
}

/**
 * A header value cannot be sent: wrong type (object, array, null, non-finite number…), a control
 * character, or not valid UTF-8 (a lone surrogate in the JS string).
 */
export class InvalidTestHeaderValueError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_VALUE_INVALID', message, headerName, source);
  }
}

/** `Name: value` is longer than 1024 bytes in UTF-8. */
export class TestHeaderTooLongError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_TOO_LONG', message, headerName, source);
  }
}

/** A profile key or extra header tries to set `X-Run-Id`, `X-Scenario-Id` or `X-Result-Id`. */
export class ReservedTestHeaderError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_RESERVED', message, headerName, source);
  }
}

/** A custom header names a header the SIP stack owns (Via, From, Contact, Content-*, …). */
export class StandardHeaderNotAllowedError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_STANDARD_NOT_ALLOWED', message, headerName, source);
  }
}

/** The same custom header name (compared case-insensitively) is given twice. */
export class DuplicateTestHeaderError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_DUPLICATE', message, headerName, source);
  }
}

/** A `"Name: value"` extra header string has no colon, or an extra header entry has the wrong shape. */
export class TestHeaderSyntaxError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('HEADER_SYNTAX', message, headerName, source);
  }
}

/** The run ids, profile or extra headers container has the wrong shape. */
export class InvalidTestProfileError extends TestHeaderError {
  constructor(message: string, headerName?: string, source?: TestHeaderSource) {
    super('TEST_PROFILE_INVALID', message, headerName, source);
  }
}

/**
 * How a user-supplied name is shown in an error message: JSON-escaped (so CR/LF/control chars
 * appear as escapes, never raw) and cut to 64 code units.
 */
export function quoteHeaderName(name: string): string {
  const cut = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  // JSON.stringify escapes C0 controls but not U+2028/U+2029 or C1; escape those too.
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
