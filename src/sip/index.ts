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
export * from './transport';
export * from './transaction';
export { generateSipBranch, isRfc3261Branch, SIP_BRANCH_COOKIE } from './branch';
export { SipDialog, SipDialogError, sipDialogKey, reliableRSeq, type SipDialogState, type SipDialogErrorCode, type SipDialogId, type SipDialogInit, type SipDialogOptions, type SipDialogRequestInit } from './dialog';
export { newSipTag, newSipCallId } from './tags';
export {
  SIP_MIN_SE_FLOOR, SipSessionTimer, SipSessionTimerError, parseSessionExpires, formatSessionExpires, parseMinSE, sessionExpiresOf,
  resolveSessionTimerConfig, initialSessionTimerOffer, sessionTimerRequestHeaders, sessionTimerOfferAfter422, sessionTimerFromResponse, negotiateUasSessionTimer,
  type SipSessionExpires, type SipSessionTimerConfig, type ResolvedSessionTimerConfig, type SipSessionTimerOffer, type SipNegotiatedSessionTimer,
  type SipSessionTimerDecision, type SipSessionTimerEvents, type SipSessionTimerErrorCode,
} from './session-timer';
export { SipUserAgent, type SipUserAgentOptions, type SipUserAgentEvents, type SipTraceEvent } from './user-agent';
export { SipUserAgentError, type SipUserAgentErrorCode, type SipBody, type SipInDialogRequestOptions, type SipAuthenticator } from './ua/core';
export { SipOutgoingInvite, type SipInviteOptions, type SipInviteResult, type SipOutgoingInviteEvents, type SipAddressInput, type SipTcpFallback } from './ua/uac-invite';
export { SipIncomingInvite, type SipIncomingInviteState, type SipIncomingInviteEvents, type SipProvisionalOptions, type SipAnswerOptions, type SipRejectOptions } from './ua/uas-invite';
export { SipCall, type SipCallEnd, type SipCallEndReason, type SipCallEvents, type SipOfferHandler, type SipByeChallenge } from './ua/call';
