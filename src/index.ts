/**
 * sipprobe: instrumented SIP test calls. Everything public is exported from here; anything else
 * is internal and may change.
 * @packageDocumentation
 */
export { SipprobeError } from './errors';
export { type Clock, type TimerHandle, systemClock, FakeClock } from './clock';
export * from './sip';
export * from './digest';
export * from './sdp';
export * from './rtp';
export * from './audio';
export * from './headers';
export * from './metrics';
export * from './report';
export * from './pcap';
export * from './agent';
export * from './caller';
export * from './call-media';
export * from './load';
