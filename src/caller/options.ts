import type { Clock } from '../clock';
import type { Pacer } from '../rtp/pacer';
import type { Transcriber } from '../metrics/transcript';
import type { ExtraTestHeaders, TestProfile, TestRunIds } from '../headers/build';
import type { SdpCodecSpec } from '../sdp/local-description';
import type { SipTimerConfig } from '../sip/transaction/timers';
import type { SipTlsTransportOptions } from '../sip/transport/tls';

/** SIP transport of a {@link Caller}. */
export type CallerTransport = 'udp' | 'tcp' | 'tls';

/** Options of a `Caller`. */
export interface CallerOptions {
  /**
   * Local SIP bind address and port (default `127.0.0.1`, port 0 = ephemeral). RTP binds on the
   * same address. With a wildcard (`0.0.0.0`, `::`) each call advertises — in Via sent-by,
   * Contact, From and SDP `o=`/`c=` — the local address the OS routes to the target from (found
   * with a `connect()`ed UDP socket, nothing sent; remembered per target address).
   */
  bind?: { address?: string; port?: number };
  /**
   * The address to advertise instead of the bound / routed one (a public address behind NAT):
   * Via sent-by, Contact, From host (unless `fromHost`) and SDP `o=`/`c=` of every call. An IPv4
   * or IPv6 literal or a host name; anything else is `CALLER_BAD_OPTION`.
   */
  advertise?: { address: string };
  /** SIP transport (default `udp`): one socket/listener for it. */
  transport?: CallerTransport;
  /**
   * With `transport: 'udp'`: own the SIP socket on a worker thread of its own (default false;
   * `runLoad` and `sipprobe load` turn it on). libuv reads at most 32 datagrams per socket per
   * event-loop turn, so with hundreds of calls' RTP in the same loop the SIP socket falls behind
   * under load: responses wait unread until requests are retransmitted. Costs a thread.
   */
  sipThread?: boolean;
  /** TLS options (CA, client certificate, `rejectUnauthorized`) for `transport: 'tls'`. */
  tls?: SipTlsTransportOptions;
  /**
   * With `transport: 'udp'`: send a request over 1300 bytes (e.g. an INVITE with many `X-`
   * headers and several codecs) over TCP to the same host and port, as RFC 3261 §18.1.1 requires
   * unless the target says `;transport=udp`. The call's dialog then runs over that connection
   * (no TCP listener is opened: Contact and Via name the connection). When the connection is
   * refused or takes over 2 s, the INVITE goes over UDP and the result keeps the
   * `INVITE_OVER_UDP_LIMIT` warning. Default true; false keeps everything on UDP (the warning stays).
   */
  largeUdpToTcp?: boolean;
  /** RTP port range (default 10000–20000). */
  rtpPorts?: { min?: number; max?: number };
  /** Monotonic clock for every timer and timestamp (tests); default the system clock. */
  clock?: Clock;
  /** SIP timer overrides (T1 drives retransmissions and Timer B = 64×T1). */
  sipTimers?: Partial<SipTimerConfig>;
  /** User part of From/Contact (default `sipprobe`). */
  fromUser?: string;
  /** Display name in From. */
  fromDisplayName?: string;
  /** Host in our From URI (default the bind address). */
  fromHost?: string;
  /** `User-Agent` header; null sends none. Default `sipprobe`. */
  userAgent?: string | null;
  /**
   * RTP scheduler for every call of this Caller (e.g. one whose pacing statistics belong to one
   * test run). Must run on `clock`; the Caller does not close it. Default: the process-wide pacer
   * (a private one with a custom clock).
   */
  pacer?: Pacer;
}

/** One step of a scripted call. */
export type CallScriptStep =
  | { play: string }
  | { silence: number }
  | { waitForAgent: { thenSilenceMs?: number; timeoutMs?: number } }
  | { dtmf: string }
  | { hangup: true };

/** Credentials, used only when challenged (401/407). */
export interface CallAuth {
  username: string;
  /** Never stored where a result, log, error or `util.inspect` can show it. */
  password: string;
}

/** Options of `caller.call()`. */
export interface CallOptions {
  /** Request-URI, e.g. `sip:agent@127.0.0.1:5080`. */
  target: string;
  /** Digest credentials, used only if challenged. */
  auth?: CallAuth;
  /** Test ids; missing ones are generated (UUID v4) and listed in `result.ids.generated`. */
  run?: TestRunIds;
  /** Test profile: only `X-` keys of `information.main_agent_variables` are sent. */
  profile?: TestProfile;
  /** Custom headers (`X-…`), validated like profile keys. */
  headers?: ExtraTestHeaders;
  /** Codec preference (default `['PCMU', 'PCMA']`); telephone-event is always offered. */
  codecs?: ReadonlyArray<string | SdpCodecSpec>;
  /** WAV to play once answered (then hang up, unless `durationMs` says how long to stay). */
  play?: string;
  /** Steps to run once answered (instead of `play`); the call hangs up at the end. */
  script?: readonly CallScriptStep[];
  /** Stay in the call this long after the answer (ms), then hang up. */
  durationMs?: number;
  /** Write a stereo WAV (caller left, agent right) here. */
  record?: string;
  /**
   * SDES-SRTP (RFC 4568 / RFC 3711): offer `RTP/SAVP` with fresh keys for AES_CM_128_HMAC_SHA1_80
   * and _32. An answer that does not take SRTP fails the call (`rejected`, codec mismatch,
   * `MEDIA_SRTP_REFUSED`) — never plain RTP instead; a later offer from the agent must keep SRTP.
   * `result.codec.srtp` names the suite. The keys travel in the SDP, readable on the wire unless
   * the transport is TLS: over UDP/TCP the result warns `SRTP_WITHOUT_TLS`. Default false.
   */
  srtp?: boolean;
  /**
   * False: signalling only, for call-rate tests. The INVITE still offers SDP (the codecs on the
   * discard port 9 with `a=inactive`) and the answer is negotiated (`result.codec`), but no RTP
   * port is bound and no RTP/RTCP flows: `result.rtp` is null and `result.warnings` holds
   * `MEDIA_OFF`. Cannot be combined with `play`, `script` or `record`. Default true.
   */
  media?: boolean;
  /**
   * Write a pcap of the call here: every SIP message and RTP/RTCP datagram as sent/received, with
   * wall-clock times (SIP over TLS as plaintext TCP). The file appears complete or not at all;
   * a capture problem is a `PCAP_*` warning, a path that cannot be created an `error` outcome before anything is sent.
   */
  pcap?: string;
  /**
   * Where the agent's RTP may come from. `sdp` (default): only the address and port of its SDP;
   * packets from anywhere else are dropped and counted (`result.rtp.received.dropped`).
   * `first-source`: latch to the source of the first valid RTP packet and send to it from then
   * on (symmetric RTP, RFC 4961), for far ends behind NAT whose SDP names a private or other
   * address; `result.rtp.remote` then names the latched source.
   */
  latch?: 'sdp' | 'first-source';
  /**
   * Answering-machine detection on the agent's audio: a greeting, then one steady beep
   * (350–2500 Hz, 150 ms–2.5 s; dual tones, fax and speech are not beeps). `detect` reports it in
   * `result.voicemail` and the end reason `voicemail` (the outcome stays `completed`: SIP-wise the
   * call was answered); `hangup` also hangs up right after the beep; `off` skips the analysis.
   * Default `detect`, or `off` with `evaluate: false`.
   */
  voicemail?: 'detect' | 'hangup' | 'off';
  timeouts?: {
    /** From the INVITE to the answer; then CANCEL → `no-answer`. Default 30 000. */
    ringMs?: number;
    /** Longest answered call; then BYE → `timeout`. Default 60 000 (or `durationMs` + 30 000 if longer). */
    callMs?: number;
    /**
     * Off unless given. Once answered, hang up (BYE) when for this long (ms) neither the agent
     * sent audible audio (far-end speech detection: speech segments, or frames above −45 dBFS)
     * nor we played any: `outcome` stays `completed`, `endReason` is `silence timed out`,
     * `endedBy` `caller`. Time we spend talking does not count (an agent listening is not silent).
     * Needs media (not with `media: false`).
     */
    silenceMs?: number;
  };
  /** From user part for this call (default the Caller's). */
  fromUser?: string;
  /** Aborting cancels (before the answer) or hangs up (after); the outcome is `error` / `CALL_ABORTED`. */
  signal?: AbortSignal;
  /**
   * Evaluate the answered call (default true): turn metrics from the audio, RTP quality and MOS,
   * and — with a `transcriber` — a transcript. The audio is kept in memory for this at up to
   * 16 kHz (32 kB/s of call at 8 kHz, 64 kB/s at 16 kHz; at most 15 minutes), whether or not
   * `record` is given. False keeps no audio and leaves `metrics`/`rtpQuality` null.
   */
  evaluate?: boolean;
  /** Speech-to-text for `result.transcript` (e.g. `new PocketsphinxTranscriber()`). */
  transcriber?: Transcriber;
  /** What the caller's scripted turns say, in order: `result.scriptedWer` compares the transcript with them. */
  expectedCallerTurns?: readonly string[];
}
