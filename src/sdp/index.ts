/** SDP (RFC 8866) parsing and serialisation, codec registry, and RFC 3264 offer/answer. */
export type { Sdp, SdpAttribute, SdpBandwidth, SdpConnection, SdpDirection, SdpExtraLine, SdpMedia, SdpOrigin, SdpTiming } from './model';
export { SdpCodecMismatchError, SdpNegotiationError, SdpParseError, SdpSerializeError, SdpStreamRejectedError } from './errors';
export { parseSdp, type SdpParseLimits } from './parser';
export { serializeSdp } from './serializer';
export { redactSdpKeys } from './redact';
export {
  SdpCrypto,
  getSdpAttribute,
  getSdpCodecs,
  getSdpCryptos,
  getSdpDirection,
  getSdpFmtp,
  getSdpMaxptime,
  getSdpPtime,
  getSdpRtcp,
  getSdpRtpMaps,
  hasSdpAttribute,
  hasSdpRtcpMux,
  setSdpDirection,
  type SdpCodec,
  type SdpRtcp,
  type SdpRtpMap,
} from './attributes';
export {
  SDP_AUDIO_CODECS,
  findSdpCodec,
  parseFmtpParameters,
  parseOpusFmtp,
  parseTelephoneEvents,
  staticPayloadType,
  type SdpCodecInfo,
  type SdpOpusParameters,
  type SdpStaticPayloadType,
} from './codecs';
export {
  effectiveSdpConnection,
  isSdpHoldAddress,
  negotiateSdp,
  type SdpCommonCodec,
  type SdpStreamNegotiation,
  type SdpTransportAddress,
} from './negotiation';
export type { SdpCodecSpec } from './local-description';
export { createOffer, type SdpOfferOptions } from './offer';
export {
  createAnswer,
  processAnswer,
  type SdpAnswerCapabilities,
  type SdpAnswerResult,
  type SdpAnswerStreamOptions,
  type SdpNegotiatedMedia,
} from './answer';
export {
  SDP_SRTP_KEY_LENGTH,
  SDP_SRTP_SUITES,
  SdpCryptoError,
  SdpSrtpCrypto,
  SdpSrtpNegotiated,
  createSdpSrtpCrypto,
  formatSdpSrtpCrypto,
  getSdpSrtpCryptos,
  isSdpSecureRtpProfile,
  isSdpSrtpSuite,
  parseSdpSrtpCrypto,
  type SdpCryptoErrorCode,
  type SdpSrtpCryptoInit,
  type SdpSrtpMki,
  type SdpSrtpSuite,
} from './crypto';
