/**
 * SIP message layer: model, parser, serializer, stream framer, URIs and header values.
 * Transport, transactions and dialogs build on these exports.
 */
export { SipParseError, type SipParseErrorCode } from './parse-error';
export { SipHeaderList, SipHeaderError, type SipHeaderField } from './header-list';
export { headerKey as sipHeaderKey, canonicalHeaderName as sipCanonicalHeaderName, isListHeader as isSipListHeader } from './header-names';
export { type SipParams, splitList as splitSipList, quote as quoteSipString } from './header-values';
export {
  SipRequest,
  SipResponse,
  type SipMessage,
  type SipCSeq,
  type SipContentType,
  type SipRequestInit,
  type SipResponseInit,
  type SipHeaderInit,
  createRequest,
  createResponse,
  parseCSeq,
  parseContentType,
  SIP_REASON_PHRASES,
} from './message';
export { parseMessage, parseMessageWithEnd, SIP_DEFAULT_LIMITS, type SipParseOptions, type SipParseLimits } from './parser';
export { serializeMessage } from './serializer';
export { SipStreamFramer, type SipStreamFramerOptions } from './framer';
export {
  parseUri,
  uriEquals,
  formatSipUri,
  percentDecode,
  percentEncode,
  isSipUri,
  isTelUri,
  isValidHost,
  type SipUri,
  type TelUri,
  type OtherUri,
  type ParsedUri,
} from './uri';
export { parseNameAddr, parseContact, formatNameAddr, type SipNameAddr, type SipContact } from './name-addr';
export { parseVia, formatVia, type SipVia } from './via';
export { validateMessage, type SipValidationResult, type SipValidationOptions } from './validate';
export { splitMultipartBody, type SipBodyPart } from './multipart';
