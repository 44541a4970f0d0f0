/**
 * The media leg of a call, shared by the Caller and the TestAgent, without any SIP: SDP
 * offer/answer (src/sdp), one RTP stream (src/rtp RtpSession on ports held for the call; silence
 * whenever nothing plays, so RTP never stops), playback of WAV files / live PCM / silence /
 * RFC 4733 DTMF, far-end speech detection (src/metrics VAD + an energy gate) for
 * "wait for the agent", and a stereo recording on one clock (caller as sent left, agent as
 * received right).
 *
 * Typical use (caller side): `MediaLeg.create` → `createOffer()` into the INVITE →
 * `applyAnswer(sdp)` from 183/200 → `playFile` / `silence` / `sendDtmf` / `waitForRemoteSpeech`
 * → `close()`. Agent side: `MediaLeg.create({ side: 'agent' })` → `answerOffer(offer)`.
 * Events: `started`, `audio`, `sent`, `dtmf`, `first-rtp-sent`, `first-rtp-received`,
 * `remote-speech`, `warning`, `closed`; all times are ms since `origin`.
 */
export { MediaLeg, buildMediaOffer, type MediaLegOptions, type MediaLegSide, type MediaLegEvents, type MediaLegAudioEvent, type MediaLegSentEvent, type MediaLegDtmfEvent, type RemoteSpeechWait } from './media-leg';
export { MediaLegError, type MediaLegErrorCode } from './errors';
export { RemoteSpeechTracker, type RemoteSpeechTrackerOptions } from './speech-tracker';
