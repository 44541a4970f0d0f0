/**
 * Result artefacts of a test call: JSON (with its JSON Schema), JUnit XML, a self-contained HTML
 * report, the human summary, and a pcap of the call's packets. Reads a `CallResult`, nothing else.
 */
export { ReportError } from './errors';
export { toJson } from './json';
export type { ToJsonOptions } from './json';
export {
  callResultJsonSchema,
  CALL_RESULT_SCHEMA_ID,
  callMetricsJsonSchema,
  rtpQualityJsonSchema,
  transcriptJsonSchema,
  scriptedWerJsonSchema,
} from './schema';
export type { JsonSchemaNode } from './schema';
export { toJUnit, judgeCall, failsOnVoicemail } from './junit';
export type { JUnitOptions, JUnitThresholds, JUnitVerdict } from './junit';
export { renderSummary } from './summary';
export { evaluationOf } from './evaluation';
export type { CallEvaluation } from './evaluation';
export { toHtml } from './html';
export type { ToHtmlOptions } from './html';
export { computePeaks } from './peaks';
export type { WaveformPeaks, ChannelPeaks } from './peaks';
export { parseCallResultJson, schemaErrors } from './validate';
