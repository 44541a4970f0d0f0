/**
 * Audio → metrics: VAD on both channels of the call recording, then turn metrics on one clock.
 * This is what the Caller calls when a call ends.
 */
import { MetricsArgumentError } from './errors';
import { computeTurnMetrics } from './turns';
import type { CallMetrics, CallTimelineMarks, SpeechSegment } from './types';
import { detectSpeech, type VadOptions } from './vad';

/** The call's audio: interleaved stereo (left = caller as sent, right = agent as received) or the two channels. */
export type CallAudio = { stereo: Int16Array } | { caller: Int16Array; agent: Int16Array };

/** Input of {@link evaluateCallAudio}. */
export interface CallAudioInput {
  audio: CallAudio;
  sampleRate: number;
  /** Time of the recording's first sample, in ms since the INVITE. Default 0. */
  recordingStartMs?: number;
  timeline: CallTimelineMarks;
  /** VAD options for both channels; `callerVad` / `agentVad` override per channel. */
  vad?: VadOptions;
  callerVad?: VadOptions;
  agentVad?: VadOptions;
}

/** Splits {@link CallAudio} into its caller and agent channels (copies for interleaved input). */
export function splitCallAudio(audio: CallAudio): { caller: Int16Array; agent: Int16Array } {
  if ('stereo' in audio) {
    if (!(audio.stereo instanceof Int16Array) || audio.stereo.length % 2 !== 0) {
      throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'stereo audio must be an Int16Array with an even number of samples');
    }
    const frames = audio.stereo.length / 2;
    const caller = new Int16Array(frames);
    const agent = new Int16Array(frames);
    for (let f = 0, i = 0; f < frames; f++, i += 2) {
      caller[f] = audio.stereo[i];
      agent[f] = audio.stereo[i + 1];
    }
    return { caller, agent };
  }
  if (!(audio.caller instanceof Int16Array) || !(audio.agent instanceof Int16Array)) {
    throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'caller and agent audio must be Int16Array');
  }
  return { caller: audio.caller, agent: audio.agent };
}

const shift = (segs: SpeechSegment[], by: number): SpeechSegment[] => segs.map((s) => ({ startMs: s.startMs + by, endMs: s.endMs + by }));

/**
 * Runs the VAD on both channels and computes the turn metrics. Segment times in the result are
 * in ms since the INVITE. The mutual-silence window runs from the answer (or the recording start,
 * whichever is later) to the end of the recording.
 */
export function evaluateCallAudio(input: CallAudioInput): CallMetrics {
  const { caller, agent } = splitCallAudio(input.audio);
  const offset = input.recordingStartMs ?? 0;
  if (!Number.isFinite(offset) || offset < 0) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'recordingStartMs must be a finite number ≥ 0');
  const callerSegs = shift(detectSpeech(caller, input.sampleRate, { ...input.vad, ...input.callerVad }), offset);
  const agentSegs = shift(detectSpeech(agent, input.sampleRate, { ...input.vad, ...input.agentVad }), offset);
  const durationMs = (Math.max(caller.length, agent.length) * 1000) / input.sampleRate;
  const answer = input.timeline.answerMs;
  const window = { startMs: Math.min(offset + durationMs, Math.max(offset, typeof answer === 'number' && Number.isFinite(answer) ? answer : offset)), endMs: offset + durationMs };
  const turns = computeTurnMetrics({ caller: callerSegs, agent: agentSegs, timeline: input.timeline, window });
  return { ...turns, speech: { caller: callerSegs, agent: agentSegs }, window };
}
