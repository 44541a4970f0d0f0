import type {
  CallResult,
  LadderMessage,
  NegotiatedCodecInfo,
  RtpSummary,
  TimelineEvent,
} from '../caller/result';
import type {
  CallMetrics,
  EModelResult,
  Interruption,
  LatencyStats,
  RtpQuality,
  ScriptedTurnWer,
  SpeechSegment,
  Transcript,
  TranscriptTurn,
  TurnLatency,
} from '../metrics/types';

/** A JSON Schema (draft 2020-12) node, as plain data. */
export type JsonSchemaNode = { readonly [keyword: string]: unknown };

/**
 * Object schema whose property list must name every key of `T` and nothing else: when
 * `CallResult` gains or loses a field, this file stops compiling until the schema follows.
 */
function objectOf<T>(
  properties: { [K in keyof T]-?: JsonSchemaNode },
  optional: ReadonlyArray<keyof T> = [],
): JsonSchemaNode {
  const required = Object.keys(properties).filter((k) => !optional.includes(k as keyof T));
  return { type: 'object', properties, required, additionalProperties: false };
}

const nullable = (schema: JsonSchemaNode): JsonSchemaNode => ({ anyOf: [schema, { type: 'null' }] });
const str: JsonSchemaNode = { type: 'string' };
const num: JsonSchemaNode = { type: 'number' };
const count: JsonSchemaNode = { type: 'integer', minimum: 0 };
const ms: JsonSchemaNode = { type: 'number', minimum: 0 };
const port: JsonSchemaNode = { type: 'integer', minimum: 0, maximum: 65535 };
const transport: JsonSchemaNode = { enum: ['udp', 'tcp', 'tls'] };
// ISO 8601 is checked by shape only: `format` needs ajv-formats, which a consumer may not load.
const isoTime: JsonSchemaNode = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
};

const ladderMessage = objectOf<LadderMessage>({
  t: { ...num, description: 'Milliseconds since the INVITE was first sent (monotonic clock).' },
  at: { ...isoTime, description: 'Wall-clock time, ISO 8601.' },
  direction: { enum: ['sent', 'received'] },
  transport,
  local: str,
  remote: str,
  firstLine: { ...str, description: 'Request line or status line.' },
  raw: { ...str, description: 'The whole message with credentials redacted.' },
});

const timelineEvent = objectOf<TimelineEvent>({ t: num, event: str, detail: str }, ['detail']);

const codec = objectOf<NegotiatedCodecInfo>({
  name: str,
  payloadType: { type: 'integer', minimum: 0, maximum: 127 },
  clockRate: { type: 'integer', minimum: 1 },
  channels: { type: 'integer', minimum: 1 },
  ptimeMs: { type: 'number', exclusiveMinimum: 0 },
  dtmfPayloadType: nullable({ type: 'integer', minimum: 0, maximum: 127 }),
  srtp: { ...nullable({ enum: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] }), description: 'SRTP crypto suite, null for plain RTP.' },
}, ['srtp']);

const rtpSummary = objectOf<RtpSummary>({
  localPort: nullable(port),
  remote: nullable(str),
  sent: objectOf<RtpSummary['sent']>({ packets: count, bytes: count }),
  received: objectOf<RtpSummary['received']>({
    packets: count,
    bytes: count,
    expected: count,
    // RFC 3550 cumulative loss goes negative when duplicates outnumber losses.
    lost: { type: 'integer' },
    lossPercent: num,
    jitterMs: { ...ms, description: 'RFC 3550 interarrival jitter, in ms.' },
    maxJitterMs: { ...ms, description: 'The largest value the jitter estimate took after any packet, in ms.' },
    duplicates: count,
    reordered: count,
    dropped: count,
  }),
  rtcpReceived: { type: 'boolean' },
});

const nullableMs = nullable(ms);

// Evaluation parts (src/metrics/types.ts), referenced by the CallResult schema below.

const speaker: JsonSchemaNode = { enum: ['caller', 'agent'] };
const segment = objectOf<SpeechSegment>({ startMs: num, endMs: num });
const latencyStats = objectOf<LatencyStats>({ count, minMs: num, maxMs: num, meanMs: num, p50Ms: num, p90Ms: num, p95Ms: num, p99Ms: num });
const turnLatency = objectOf<TurnLatency>({
  index: count,
  callerStartMs: num,
  callerEndMs: num,
  agentOnsetMs: nullable(num),
  latencyMs: nullable(num),
  overlapped: { type: 'boolean' },
});
const interruption = objectOf<Interruption>({ by: speaker, atMs: num, interruptedStoppedAfterMs: num, overlapMs: num });

/** JSON Schema node of `CallMetrics` (src/metrics). */
export const callMetricsJsonSchema: JsonSchemaNode = objectOf<CallMetrics>({
  postDialDelayMs: nullable(num),
  answerTimeMs: nullable(num),
  firstWordLatencyMs: nullable(num),
  firstWordFromInviteMs: nullable(num),
  turns: { type: 'array', items: turnLatency },
  latency: nullable(latencyStats),
  talkTimeMs: objectOf<CallMetrics['talkTimeMs']>({ caller: ms, agent: ms }),
  agentTalkShare: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  longestMutualSilence: nullable(objectOf<NonNullable<CallMetrics['longestMutualSilence']>>({ startMs: num, durationMs: ms })),
  interruptions: { type: 'array', items: interruption },
  interruptionCounts: objectOf<CallMetrics['interruptionCounts']>({ callerInterruptedAgent: count, agentInterruptedCaller: count }),
  agentMeanStopAfterInterruptionMs: nullable(num),
  speech: objectOf<CallMetrics['speech']>({ caller: { type: 'array', items: segment }, agent: { type: 'array', items: segment } }),
  window: objectOf<CallMetrics['window']>({ startMs: num, endMs: num }),
});

const emodel = objectOf<EModelResult>({
  scale: { enum: ['narrowband', 'wideband'] },
  r: num,
  rNarrowbandScale: num,
  mos: { type: 'number', minimum: 1, maximum: 4.5 },
  ie: num,
  bpl: num,
  ppl: num,
  burstR: num,
  ieEff: num,
  id: num,
  oneWayDelayMs: num,
  codecSource: str,
});

/** JSON Schema node of `RtpQuality` (src/metrics). */
export const rtpQualityJsonSchema: JsonSchemaNode = objectOf<RtpQuality>({
  codec: str,
  received: objectOf<RtpQuality['received']>({
    packets: count,
    expected: count,
    lost: { type: 'integer' },
    lossPercent: num,
    lateDiscarded: count,
    jitterMeanMs: nullable(num),
    jitterMaxMs: nullable(num),
    reordered: nullable(count),
    duplicates: nullable(count),
    emodel,
  }),
  sentAsSeenByFarEnd: nullable(
    objectOf<NonNullable<RtpQuality['sentAsSeenByFarEnd']>>({
      fractionLostPercent: num,
      cumulativeLost: { type: 'integer' },
      jitterMs: num,
      rttMs: nullable(num),
      emodel,
    }),
  ),
  notes: { type: 'array', items: str },
});

/** JSON Schema node of `Transcript` (src/metrics). */
export const transcriptJsonSchema: JsonSchemaNode = objectOf<Transcript>({
  engine: str,
  turns: { type: 'array', items: objectOf<TranscriptTurn>({ speaker, startMs: num, endMs: num, text: str }) },
  failures: {
    type: 'array',
    items: objectOf<Transcript['failures'][number]>({ speaker, startMs: num, endMs: num, code: str, message: str }),
  },
});

/** JSON Schema node of `ScriptedTurnWer[]` (src/metrics). */
export const scriptedWerJsonSchema: JsonSchemaNode = {
  type: 'array',
  items: objectOf<ScriptedTurnWer>({
    index: count,
    expected: str,
    recognised: nullable(str),
    wer: { type: 'number', minimum: 0 },
    substitutions: count,
    deletions: count,
    insertions: count,
    referenceWords: count,
    hypothesisWords: count,
  }),
};

/** `$id` of {@link callResultJsonSchema}; bump with `schemaVersion`. */
export const CALL_RESULT_SCHEMA_ID = 'https://sipprobe.dev/schema/call-result-1.json';

/**
 * JSON Schema (draft 2020-12) of {@link CallResult} as written by `toJson`, schemaVersion 1.
 * Every object is closed (`additionalProperties: false`), so a consumer can rely on it exactly.
 */
export const callResultJsonSchema: JsonSchemaNode = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: CALL_RESULT_SCHEMA_ID,
  title: 'sipprobe CallResult',
  description: 'The outcome of one sipprobe test call.',
  ...objectOf<CallResult>({
    schemaVersion: { const: 1 },
    outcome: { enum: ['completed', 'busy', 'rejected', 'no-answer', 'timeout', 'auth-failed', 'unreachable', 'error'] },
    endReason: str,
    endedBy: { enum: ['caller', 'agent', 'timeout', 'error', null] },
    target: str,
    transport,
    ids: objectOf<CallResult['ids']>({ runId: str, scenarioId: str, resultId: str, generated: { type: 'array', items: str } }),
    sip: objectOf<CallResult['sip']>({
      callId: str,
      finalStatus: nullable({ type: 'integer', minimum: 100, maximum: 699 }),
      finalReason: nullable(str),
      headersSent: { type: 'array', items: objectOf<{ name: string; value: string }>({ name: str, value: str }) },
    }),
    codec: nullable(codec),
    timings: objectOf<CallResult['timings']>({
      startedAt: isoTime,
      firstProvisionalMs: nullableMs,
      ringingMs: nullableMs,
      earlyMediaMs: nullableMs,
      answerMs: nullableMs,
      ackMs: { ...nullableMs, description: 'Our ACK for the 2xx, ms since the INVITE.' },
      first18xMs: { ...nullableMs, description: 'First 18x (not 100): INVITE → this is the post-dial delay.' },
      firstRtpSentMs: nullableMs,
      firstRtpReceivedMs: nullableMs,
      endMs: nullableMs,
      talkDurationMs: ms,
    }),
    rtp: nullable(rtpSummary),
    audio: nullable(
      objectOf<NonNullable<CallResult['audio']>>({
        recordingPath: str,
        sampleRate: { type: 'integer', minimum: 1 },
        channels: { const: 2 },
        startMs: { ...ms, description: 'Time 0 of the recording, ms since the INVITE.' },
      }),
    ),
    dtmfReceived: {
      type: 'array',
      items: objectOf<CallResult['dtmfReceived'][number]>({
        digit: { type: 'string', minLength: 1 },
        t: num,
        durationMs: ms,
      }),
    },
    voicemail: nullable(
      objectOf<NonNullable<CallResult['voicemail']>>({
        beepStartMs: { ...ms, description: 'Start of the answering-machine beep, ms since the INVITE.' },
        beepEndMs: ms,
        beepFrequencyHz: { type: 'number', exclusiveMinimum: 0 },
      }),
    ),
    messages: { type: 'array', items: ladderMessage },
    timeline: { type: 'array', items: timelineEvent },
    warnings: { type: 'array', items: str },
    error: nullable(objectOf<NonNullable<CallResult['error']>>({ code: str, message: str })),
    metrics: nullable(callMetricsJsonSchema),
    rtpQuality: nullable(rtpQualityJsonSchema),
    transcript: nullable(transcriptJsonSchema),
    scriptedWer: nullable(scriptedWerJsonSchema),
  },
  // results saved before voicemail detection existed lack the field
  ['voicemail']),
};
