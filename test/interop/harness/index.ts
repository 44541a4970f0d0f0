/** The interop test harness: real SIP peers on 127.0.0.1, captures, decoding and the strict wire lint. */
export * from './process';
export * from './ports';
export * from './sipp';
export * from './capture';
export * from './decode';
export * from './sip-lint';
export * from './kamailio';
export * from './baresip';
export * from './media';
export * from './audio-check';
export * from './rtp-payloads';
export * from './stalls';
