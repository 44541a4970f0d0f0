/**
 * Test metadata headers: the run/scenario/result ids and a test profile's `X-` variables, validated
 * so that nothing user supplied can inject into or corrupt a SIP message.
 * @packageDocumentation
 */
export {
  TestHeaderError,
  HeaderInjectionError,
  InvalidTestHeaderNameError,
  InvalidTestHeaderValueError,
  TestHeaderTooLongError,
  ReservedTestHeaderError,
  StandardHeaderNotAllowedError,
  DuplicateTestHeaderError,
  TestHeaderSyntaxError,
  InvalidTestProfileError,
  type TestHeaderSource,
} from './errors';
export {
  buildTestHeaders,
  formatTestHeaderLines,
  parseTestHeaderLine,
  isReservedTestHeaderName,
  RUN_ID_HEADER,
  SCENARIO_ID_HEADER,
  RESULT_ID_HEADER,
  TWILIO_X_HEADERS_LIMIT_BYTES,
  type TestHeaderValue,
  type TestRunIds,
  type TestProfile,
  type ExtraTestHeaders,
  type TestHeader,
  type TestHeaderWarning,
  type TestHeaderWarningCode,
  type GeneratedTestId,
  type TestHeaderSet,
} from './build';
export { standardHeaderRefusal } from './standard-headers';
export { MAX_TEST_HEADER_LINE_BYTES, isValidTestHeaderName } from './validate';
export { inviteSizeWarning, UDP_INVITE_WARN_BYTES } from './size-warning';
