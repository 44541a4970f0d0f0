/**
 * Media layer: RTP/RTCP packets, receive statistics, codecs and RFC 4733 DTMF.
 * Knows nothing of SIP.
 */
export * from './errors';
export * from './packet';
export type { Codec } from './codecs/codec';
export * from './codecs/g711';
export * from './codecs/registry';
export * from './rtcp';
export * from './stats';
export * from './dtmf';
