/**
 * Transcripts: a pluggable {@link Transcriber} applied per channel and per VAD segment.
 */
import { SipprobeError } from '../errors';
import { MetricsArgumentError, TranscriberError } from './errors';
import type { Speaker, SpeechSegment, Transcript, TranscriptionSegment, TranscriptTurn } from './types';

/** Options passed to {@link Transcriber.transcribe}. */
export interface TranscribeOptions {
  /** Closed set of phrases to recognise (engines that support grammars use it). */
  phrases?: readonly string[];
  /** Aborts the transcription. */
  signal?: AbortSignal;
}

/**
 * A speech-to-text engine. `transcribe` gets mono 16-bit PCM and resolves to the recognised
 * pieces with times relative to the start of `pcm`. A cloud STT plugs in as one object with this
 * method.
 */
export interface Transcriber {
  readonly name: string;
  transcribe(pcm: Int16Array, sampleRate: number, opts?: TranscribeOptions): Promise<TranscriptionSegment[]>;
}

/** Input of {@link transcribeCall}. Segment times are in ms from the start of the channel audio. */
export interface TranscribeCallInput {
  caller: Int16Array;
  agent: Int16Array;
  sampleRate: number;
  segments: { caller: readonly SpeechSegment[]; agent: readonly SpeechSegment[] };
  transcriber: Transcriber;
  /** Audio added before and after each segment, ms. Default 150. */
  padMs?: number;
  /** Time of the first sample in ms since the INVITE (turn times are shifted by it). Default 0. */
  recordingStartMs?: number;
  /** Phrases per speaker for grammar-based engines. */
  phrases?: { caller?: readonly string[]; agent?: readonly string[] };
  signal?: AbortSignal;
}

/**
 * Transcribes every VAD segment of both channels (one at a time) and returns the turns in time
 * order; consecutive segments of the same speaker make one turn. A failing segment is recorded in `failures` (code and message) and the others go on;
 * an abort stops everything and rejects.
 */
export async function transcribeCall(input: TranscribeCallInput): Promise<Transcript> {
  const { sampleRate, transcriber } = input;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'sampleRate must be a positive integer');
  const pad = input.padMs ?? 150;
  const offset = input.recordingStartMs ?? 0;
  if (!(pad >= 0 && Number.isFinite(pad)) || !(offset >= 0 && Number.isFinite(offset))) throw new MetricsArgumentError('METRICS_BAD_ARGUMENT', 'padMs and recordingStartMs must be finite numbers ≥ 0');
  const jobs: Array<{ speaker: Speaker; seg: SpeechSegment; pcm: Int16Array }> = [];
  for (const speaker of ['caller', 'agent'] as const) for (const seg of input.segments[speaker]) jobs.push({ speaker, seg, pcm: input[speaker] });
  jobs.sort((a, b) => a.seg.startMs - b.seg.startMs);

  const turns: TranscriptTurn[] = [];
  const failures: Transcript['failures'] = [];
  for (const { speaker, seg, pcm } of jobs) {
    if (input.signal?.aborted) throw new TranscriberError('TRANSCRIBER_ABORTED', 'transcription aborted');
    const from = Math.max(0, Math.floor(((seg.startMs - pad) * sampleRate) / 1000));
    const to = Math.min(pcm.length, Math.ceil(((seg.endMs + pad) * sampleRate) / 1000));
    if (to <= from) continue;
    try {
      const pieces = await transcriber.transcribe(pcm.subarray(from, to), sampleRate, { phrases: input.phrases?.[speaker], signal: input.signal });
      const text = pieces
        .map((p) => p.text.trim())
        .filter((t) => t.length > 0)
        .join(' ');
      if (text.length === 0) continue;
      const last = turns[turns.length - 1];
      // Consecutive segments of one speaker (a pause inside a sentence) are one turn.
      if (last && last.speaker === speaker) {
        last.endMs = Math.max(last.endMs, seg.endMs + offset);
        last.text += ` ${text}`;
      } else turns.push({ speaker, startMs: seg.startMs + offset, endMs: seg.endMs + offset, text });
    } catch (e) {
      if (input.signal?.aborted) throw e;
      const code = e instanceof SipprobeError ? e.code : 'TRANSCRIBER_FAILED';
      const message = e instanceof Error ? e.message : String(e);
      failures.push({ speaker, startMs: seg.startMs + offset, endMs: seg.endMs + offset, code, message });
    }
  }
  return { engine: transcriber.name, turns, failures };
}
