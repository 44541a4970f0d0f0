/**
 * Media layer: RTP/RTCP packets, receive statistics, codecs and RFC 4733 DTMF.
 * Knows nothing of SIP.
 */
export * from './errors';
export * from './packet';
export type { Codec } from './codecs/codec';
export * from './codecs/g711';
export * from './codecs/registry';
export { G722Codec, G722Encoder, G722Decoder, G722Error, type G722CodecOptions } from './codecs/g722';
export { OpusCodec, OpusError, isOpusAvailable, opusPacketSampleCount, type OpusCodecOptions, type OpusErrorCode } from './codecs/opus';
export * from './rtcp';
export * from './stats';
export * from './dtmf';
export * from './pacer';
export * from './session';
export * from './jitter-buffer';
export * from './port-pool';
export * from './srtp';
export * from './srtp-errors';
export * from './srtp-kdf';
export * from './srtp-replay';
