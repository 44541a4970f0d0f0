export * from './types';
export { MetricsArgumentError, TranscriberError } from './errors';
export { VoiceActivityDetector, detectSpeech } from './vad';
export type { VadOptions } from './vad';
