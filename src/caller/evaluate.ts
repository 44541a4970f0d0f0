/**
 * The verdict part of a CallResult, filled in once the call is over: SIP milestones from the
 * ladder (post-dial delay is INVITE → first 18x, not 100), turn metrics from the call's audio,
 * RTP quality and MOS from the session statistics, and (with a transcriber) a transcript and the
 * WER of the caller's scripted turns. Evaluation never fails a call: a problem becomes a
 * `EVALUATION_*` warning and the part stays null.
 */
import { readWavFile } from '../audio/wav-reader';
import { SipprobeError } from '../errors';
import { assessRtpQuality } from '../metrics/rtp-quality';
import { transcribeCall } from '../metrics/transcript';
import type { CallMetrics, CallTimelineMarks } from '../metrics/types';
import { computeTurnMetrics } from '../metrics/turns';
import { detectSpeech } from '../metrics/vad';
import { scriptedTurnsWer } from '../metrics/wer';
import type { RtpSessionStats } from '../rtp/session';
import type { CallEvaluationAudio } from './evaluation-audio';
import type { CallOptions } from './options';
import type { CallResult, LadderMessage } from './result';
import { refineSpeechEdges } from './speech-edges';

/** What {@link evaluateCall} works from. */
export interface CallEvaluationSources {
  /** The call's audio kept in memory (null when evaluation was off or media never started). */
  audio: CallEvaluationAudio | null;
  /** RTP statistics of the (last) session. */
  stats: RtpSessionStats | null;
  options: Pick<CallOptions, 'evaluate' | 'transcriber' | 'expectedCallerTurns'>;
}

const STATUS_18X = /^SIP\/2\.0 18\d /;
const CSEQ_INVITE = /^CSeq:[ \t]*\d+[ \t]+INVITE\b/im;

/**
 * First 18x to our INVITE and our ACK for the 2xx, in ms since the INVITE, read from the ladder.
 * The ACK is the first one sent at or after the answer (an ACK for a 401/407 comes before it).
 */
export function sipMilestones(messages: readonly LadderMessage[], answerMs: number | null): { first18xMs: number | null; ackMs: number | null } {
  let first18xMs: number | null = null;
  let ackMs: number | null = null;
  for (const m of messages) {
    if (first18xMs === null && m.direction === 'received' && STATUS_18X.test(m.firstLine) && CSEQ_INVITE.test(m.raw)) first18xMs = m.t;
    if (ackMs === null && answerMs !== null && m.direction === 'sent' && m.firstLine.startsWith('ACK ') && m.t >= answerMs) ackMs = m.t;
  }
  return { first18xMs, ackMs };
}

function problem(e: unknown): string {
  if (e instanceof SipprobeError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** `RtpSessionStats` → {@link assessRtpQuality} input, per the field meanings of both sides. */
export function rtpQualityOf(stats: RtpSessionStats, codec: { name: string; ptimeMs: number }, maxJitterMs: number | null): CallResult['rtpQuality'] {
  const rx = stats.received;
  if (rx.expected <= 0) return null;
  const far = stats.rtcp.remoteReport;
  return assessRtpQuality({
    codec: { name: codec.name, ptimeMs: codec.ptimeMs },
    received: {
      // RtpReceiveStats counts duplicates among the packets; the E-model wants distinct ones
      packets: Math.max(0, rx.packets - rx.duplicates),
      expected: rx.expected,
      lost: Math.max(0, rx.lost),
      lateDiscarded: stats.jitterBuffer.late,
      jitterMeanMs: rx.jitterMs,
      // the running value is a floor for the maximum when nobody sampled it over the call
      jitterMaxMs: Math.max(maxJitterMs ?? 0, rx.jitterMs),
      reordered: rx.reordered,
      duplicates: rx.duplicates,
    },
    farEnd: far
      ? { fractionLost: Math.min(1, Math.max(0, far.fractionLost)), cumulativeLost: far.cumulativeLost, jitterMs: far.jitterMs, rttMs: far.rttMs ?? null }
      : null,
    jitterBufferMs: stats.jitterBuffer.depth * codec.ptimeMs,
  });
}

/**
 * VAD on both channels with millisecond edges ({@link refineSpeechEdges}), then the turn metrics.
 * The audio starts at the INVITE (time 0), so segment times are ms since the INVITE.
 */
export function callMetricsOf(caller: Int16Array, agent: Int16Array, sampleRate: number, timeline: CallTimelineMarks): CallMetrics {
  const callerSegs = refineSpeechEdges(caller, sampleRate, detectSpeech(caller, sampleRate));
  const agentSegs = refineSpeechEdges(agent, sampleRate, detectSpeech(agent, sampleRate));
  const endMs = (Math.max(caller.length, agent.length) * 1000) / sampleRate;
  const answer = timeline.answerMs;
  const window = { startMs: Math.min(endMs, typeof answer === 'number' && Number.isFinite(answer) ? answer : 0), endMs };
  const turns = computeTurnMetrics({ caller: callerSegs, agent: agentSegs, timeline, window });
  return { ...turns, speech: { caller: callerSegs, agent: agentSegs }, window };
}

/** The two channels to evaluate: from memory, or from the WAV when memory had to drop audio. */
async function callAudio(result: CallResult, audio: CallEvaluationAudio): Promise<{ caller: Int16Array; agent: Int16Array; sampleRate: number } | null> {
  if (audio.truncated && result.audio) {
    const wav = await readWavFile(result.audio.recordingPath, { maxBytes: 2 ** 31 - 1 });
    const frames = wav.samples.length / 2;
    const caller = new Int16Array(frames);
    const agent = new Int16Array(frames);
    for (let f = 0; f < frames; f++) {
      caller[f] = wav.samples[2 * f];
      agent[f] = wav.samples[2 * f + 1];
    }
    return { caller, agent, sampleRate: wav.sampleRate };
  }
  if (audio.sampleRate === 0) return null;
  if (audio.truncated) result.warnings.push(`EVALUATION_TRUNCATED: only the first ${Math.round(audio.maxMs / 1000)} s of audio were evaluated`);
  return { ...audio.channels(), sampleRate: audio.sampleRate };
}

/**
 * Fills `timings.first18xMs`/`ackMs` and — for an answered call with evaluation on — `metrics`,
 * `rtpQuality`, `transcript` and `scriptedWer` of `result`. Never throws.
 */
export async function evaluateCall(result: CallResult, src: CallEvaluationSources): Promise<void> {
  try {
    Object.assign(result.timings, sipMilestones(result.messages, result.timings.answerMs));
  } catch (e) {
    result.warnings.push(`EVALUATION_FAILED: SIP milestones: ${problem(e)}`);
  }
  src.audio?.detach();
  if (src.options.evaluate === false || result.timings.answerMs === null) return;

  if (src.stats && result.codec) {
    try {
      result.rtpQuality = rtpQualityOf(src.stats, result.codec, result.rtp?.received.maxJitterMs ?? null);
      if (!result.rtpQuality) result.warnings.push('EVALUATION_NO_RTP: no RTP was received, so there is no quality estimate');
    } catch (e) {
      result.warnings.push(`EVALUATION_FAILED: RTP quality: ${problem(e)}`);
    }
  }

  if (!src.audio) return;
  let audio: Awaited<ReturnType<typeof callAudio>> = null;
  try {
    audio = await callAudio(result, src.audio);
  } catch (e) {
    result.warnings.push(`EVALUATION_FAILED: audio: ${problem(e)}`);
  }
  if (!audio) return;
  const timeline: CallTimelineMarks = { first18xMs: result.timings.first18xMs, answerMs: result.timings.answerMs, ackMs: result.timings.ackMs };
  try {
    result.metrics = callMetricsOf(audio.caller, audio.agent, audio.sampleRate, timeline);
  } catch (e) {
    result.warnings.push(`EVALUATION_FAILED: metrics: ${problem(e)}`);
    return;
  }

  const { transcriber, expectedCallerTurns } = src.options;
  if (!transcriber) {
    if (expectedCallerTurns && expectedCallerTurns.length > 0) result.warnings.push('EVALUATION_NO_TRANSCRIBER: expectedCallerTurns needs a transcriber for WER');
    return;
  }
  try {
    result.transcript = await transcribeCall({
      caller: audio.caller,
      agent: audio.agent,
      sampleRate: audio.sampleRate,
      // the segments are on the INVITE clock, which is also the audio's (time 0 = INVITE)
      segments: result.metrics.speech,
      transcriber,
      recordingStartMs: 0,
    });
    if (result.transcript.failures.length > 0) {
      const f = result.transcript.failures[0];
      result.warnings.push(`EVALUATION_TRANSCRIPT: ${result.transcript.failures.length} segment(s) not transcribed (first: ${f.code}: ${f.message})`);
    }
  } catch (e) {
    result.warnings.push(`EVALUATION_FAILED: transcript: ${problem(e)}`);
    return;
  }
  if (expectedCallerTurns && expectedCallerTurns.length > 0) {
    try {
      result.scriptedWer = scriptedTurnsWer([...expectedCallerTurns], result.transcript);
    } catch (e) {
      result.warnings.push(`EVALUATION_FAILED: WER: ${problem(e)}`);
    }
  }
}
