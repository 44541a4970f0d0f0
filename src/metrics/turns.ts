/**
 * Turn-taking metrics from the VAD segments of both channels and the call's SIP milestones.
 * Pure: no audio here (see {@link evaluateCallAudio} for the audio-to-metrics path).
 */
import { MetricsArgumentError } from './errors';
import { latencyStats } from './stats';
import type { CallTimelineMarks, Interruption, SpeechSegment, TurnLatency, TurnMetrics } from './types';

/** Input of {@link computeTurnMetrics}. All segment times are in ms since the INVITE. */
export interface TurnMetricsInput {
  caller: readonly SpeechSegment[];
  agent: readonly SpeechSegment[];
  timeline: CallTimelineMarks;
  /** The audio window the segments come from (for mutual silence), ms since the INVITE. */
  window: { startMs: number; endMs: number };
}

function checkTime(name: string, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isFinite(v) || v < 0) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', `${name} must be a finite number ≥ 0`);
  return v;
}

/** Throws unless segments are finite, each end ≥ start, sorted and non-overlapping. */
export function validateSegments(name: string, segs: readonly SpeechSegment[]): void {
  let prevEnd = -Infinity;
  for (const s of segs) {
    if (!Number.isFinite(s.startMs) || !Number.isFinite(s.endMs) || s.endMs < s.startMs || s.startMs < prevEnd) {
      throw new MetricsArgumentError('METRICS_BAD_SEGMENTS', `${name} segments must be finite, ordered and non-overlapping`);
    }
    prevEnd = s.endMs;
  }
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The segment of `segs` containing time t (start < t < end), by binary search; -1 if none. */
function containing(segs: readonly SpeechSegment[], t: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid].endMs <= t) lo = mid + 1;
    else if (segs[mid].startMs >= t) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** Index of the first segment starting at or after t; segs.length if none. */
function firstStartingFrom(segs: readonly SpeechSegment[], t: number): number {
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid].startMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Computes the turn metrics.
 *
 * - A caller *turn* is a run of caller segments not separated by an agent onset: when the caller
 *   pauses and resumes before the agent starts, it is the same turn.
 * - Response latency of a turn: the agent's first onset at or after the turn's end, minus that
 *   end. If the agent was already talking at the end of the turn (it started during the caller's
 *   speech), the turn is `overlapped`: latency is that agent onset − end (negative) and is left
 *   out of the percentiles.
 * - Interruptions: an onset strictly inside the other side's segment.
 * - Mutual silence: gaps in the union of both sides' segments inside `window`.
 */
export function computeTurnMetrics(input: TurnMetricsInput): TurnMetrics {
  const { caller, agent, timeline, window } = input;
  validateSegments('caller', caller);
  validateSegments('agent', agent);
  const first18x = checkTime('first18xMs', timeline.first18xMs);
  const answer = checkTime('answerMs', timeline.answerMs);
  const ack = checkTime('ackMs', timeline.ackMs);
  if (!(Number.isFinite(window.startMs) && Number.isFinite(window.endMs) && window.endMs >= window.startMs)) {
    throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'window must be finite with endMs ≥ startMs');
  }

  const firstAgent = agent.length ? agent[0].startMs : null;
  const turns: TurnLatency[] = [];
  let i = 0;
  while (i < caller.length) {
    const turnStart = caller[i].startMs;
    let end = caller[i].endMs;
    // Extend over caller segments that begin before the agent's next onset after `end`.
    for (;;) {
      const nextAgent = firstStartingFrom(agent, end);
      const nextAgentStart = nextAgent < agent.length ? agent[nextAgent].startMs : Infinity;
      if (i + 1 < caller.length && caller[i + 1].startMs < nextAgentStart && containing(agent, end) < 0) {
        i++;
        end = caller[i].endMs;
      } else break;
    }
    const during = containing(agent, end);
    let onset: number | null;
    let overlapped = false;
    if (during >= 0) {
      onset = agent[during].startMs;
      overlapped = true;
    } else {
      const k = firstStartingFrom(agent, end);
      onset = k < agent.length ? agent[k].startMs : null;
    }
    turns.push({
      index: turns.length,
      callerStartMs: r1(turnStart),
      callerEndMs: r1(end),
      agentOnsetMs: onset === null ? null : r1(onset),
      latencyMs: onset === null ? null : r1(onset - end),
      overlapped,
    });
    i++;
  }

  const interruptions: Interruption[] = [];
  const scan = (by: 'caller' | 'agent', mine: readonly SpeechSegment[], other: readonly SpeechSegment[]) => {
    for (const s of mine) {
      const k = containing(other, s.startMs);
      if (k < 0) continue;
      interruptions.push({
        by,
        atMs: r1(s.startMs),
        interruptedStoppedAfterMs: r1(other[k].endMs - s.startMs),
        overlapMs: r1(Math.min(s.endMs, other[k].endMs) - s.startMs),
      });
    }
  };
  scan('caller', caller, agent);
  scan('agent', agent, caller);
  interruptions.sort((a, b) => a.atMs - b.atMs);
  const bargeIns = interruptions.filter((x) => x.by === 'caller');

  const talk = (segs: readonly SpeechSegment[]) => segs.reduce((s, x) => s + (x.endMs - x.startMs), 0);
  const callerTalk = talk(caller);
  const agentTalk = talk(agent);

  return {
    postDialDelayMs: first18x,
    answerTimeMs: answer,
    firstWordLatencyMs: ack !== null && firstAgent !== null ? r1(firstAgent - ack) : null,
    firstWordFromInviteMs: firstAgent === null ? null : r1(firstAgent),
    turns,
    latency: latencyStats(turns.filter((t) => !t.overlapped && t.latencyMs !== null).map((t) => t.latencyMs as number)),
    talkTimeMs: { caller: r1(callerTalk), agent: r1(agentTalk) },
    agentTalkShare: callerTalk + agentTalk > 0 ? Math.round((agentTalk / (callerTalk + agentTalk)) * 1000) / 1000 : null,
    longestMutualSilence: longestGap(caller, agent, window.startMs, window.endMs),
    interruptions,
    interruptionCounts: {
      callerInterruptedAgent: bargeIns.length,
      agentInterruptedCaller: interruptions.length - bargeIns.length,
    },
    agentMeanStopAfterInterruptionMs: bargeIns.length ? r1(bargeIns.reduce((s, x) => s + x.interruptedStoppedAfterMs, 0) / bargeIns.length) : null,
  };
}

/** Longest gap in the union of two sorted segment lists, clipped to [from, to]. */
function longestGap(a: readonly SpeechSegment[], b: readonly SpeechSegment[], from: number, to: number): { startMs: number; durationMs: number } | null {
  if (to <= from) return null;
  let best: { startMs: number; durationMs: number } | null = null;
  let cursor = from;
  let i = 0;
  let j = 0;
  const consider = (gapEnd: number) => {
    const end = Math.min(gapEnd, to);
    if (end > cursor && (!best || end - cursor > best.durationMs)) best = { startMs: r1(cursor), durationMs: r1(end - cursor) };
  };
  while (i < a.length || j < b.length) {
    const s = j >= b.length || (i < a.length && a[i].startMs <= b[j].startMs) ? a[i++] : b[j++];
    if (s.startMs > cursor) consider(s.startMs);
    if (s.endMs > cursor) cursor = s.endMs;
    if (cursor >= to) break;
  }
  consider(to);
  return best;
}
