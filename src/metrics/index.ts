export * from './types';
export { MetricsArgumentError, TranscriberError } from './errors';
export { VoiceActivityDetector, detectSpeech } from './vad';
export type { VadOptions } from './vad';
export { computeTurnMetrics, validateSegments } from './turns';
export type { TurnMetricsInput } from './turns';
export { latencyStats, quantileSorted } from './stats';
export { evaluateCallAudio, splitCallAudio } from './evaluate';
export type { CallAudio, CallAudioInput } from './evaluate';
