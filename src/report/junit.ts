import type { CallOutcome, CallResult } from '../caller/result';
import { ReportError } from './errors';
import { latencyP90Ms, receivedLossPercent, receivedMos } from './evaluation';
import { renderSummary } from './summary';
import { xmlAttr, xmlText } from './xml';

/** Pass/fail thresholds checked on answered calls (`outcome: completed`). */
export interface JUnitThresholds {
  /** Fail when the p90 turn latency exceeds this, or was not measured. */
  maxLatencyP90Ms?: number;
  /** Fail when the MOS of the received audio is below this, or was not estimated. */
  minMos?: number;
  /** Fail when receive-side RTP loss exceeds this percentage, or no RTP was received. */
  maxLossPercent?: number;
}

/** Options of {@link toJUnit}. */
export interface JUnitOptions {
  /** The outcome every call should have. Default `completed`. */
  expect?: CallOutcome;
  thresholds?: JUnitThresholds;
  /**
   * Accept a `completed` call that reached an answering machine (`result.voicemail`). Default
   * false: a test call is meant to reach the agent, so voicemail fails an expected `completed`.
   */
  allowVoicemail?: boolean;
  /** `<testsuite name>`, also the testcase classname prefix. Default `sipprobe`. */
  suiteName?: string;
}

/** Result of {@link judgeCall}: `error` when the call itself errored, else the broken expectations. */
export interface JUnitVerdict {
  error: { type: string; message: string } | null;
  failures: string[];
}

function checkThreshold(name: keyof JUnitThresholds, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ReportError('REPORT_BAD_OPTION', `threshold ${name} must be a finite number ≥ 0`);
  }
  return value;
}

/**
 * Whether a call misses its expectation only by landing on an answering machine: `completed`
 * expected and reached, but a beep was heard (`voicemail`) and voicemail is not allowed.
 */
export function failsOnVoicemail(outcome: CallOutcome, voicemail: boolean, expect: CallOutcome, allowVoicemail = false): boolean {
  return voicemail && !allowVoicemail && expect === 'completed' && outcome === 'completed';
}

/** Why a call failed its expectation; empty `failures` and null `error` means it passed. */
export function judgeCall(result: CallResult, options: JUnitOptions = {}): JUnitVerdict {
  const expect = options.expect ?? 'completed';
  const t = options.thresholds ?? {};
  const maxP90 = checkThreshold('maxLatencyP90Ms', t.maxLatencyP90Ms);
  const minMos = checkThreshold('minMos', t.minMos);
  const maxLoss = checkThreshold('maxLossPercent', t.maxLossPercent);
  const failures: string[] = [];
  const status = result.sip.finalStatus === null ? 'no final response' : `${result.sip.finalStatus} ${result.sip.finalReason ?? ''}`.trim();
  if (result.outcome !== expect) {
    if (result.outcome === 'error' && result.error) {
      return { error: { type: result.error.code, message: `outcome error, expected ${expect}: ${result.error.message}` }, failures };
    }
    failures.push(`outcome ${result.outcome} (${status}; ${result.endReason}), expected ${expect}`);
  } else if (result.voicemail && failsOnVoicemail(result.outcome, true, expect, options.allowVoicemail)) {
    const v = result.voicemail;
    failures.push(`reached voicemail: an answering-machine beep (${Math.round(v.beepFrequencyHz)} Hz) at ${(v.beepStartMs / 1000).toFixed(2)} s, not the agent (allowVoicemail / --allow-voicemail accepts it)`);
  }
  if (result.outcome === 'completed') {
    if (maxP90 !== undefined) {
      const p90 = latencyP90Ms(result);
      if (p90 === null) failures.push(`turn latency p90 not measured (threshold ${maxP90} ms)`);
      else if (p90 > maxP90) failures.push(`turn latency p90 ${round(p90)} ms exceeds ${maxP90} ms`);
    }
    if (minMos !== undefined) {
      const mos = receivedMos(result);
      if (mos === null) failures.push(`MOS not estimated (threshold ${minMos})`);
      else if (mos < minMos) failures.push(`MOS ${mos.toFixed(2)} below ${minMos}`);
    }
    if (maxLoss !== undefined) {
      const loss = receivedLossPercent(result);
      if (loss === null) failures.push(`RTP loss not measured: no RTP received (threshold ${maxLoss}%)`);
      else if (loss > maxLoss) failures.push(`RTP loss ${round(loss)}% exceeds ${maxLoss}%`);
    }
  }
  return { error: null, failures };
}

const round = (n: number): number => Math.round(n * 100) / 100;
const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function durationMs(r: CallResult): number {
  if (r.timings.endMs !== null && Number.isFinite(r.timings.endMs)) return r.timings.endMs;
  let last = 0;
  for (const m of r.messages) if (Number.isFinite(m.t)) last = Math.max(last, m.t);
  return last;
}

/**
 * JUnit XML for one or many calls: one `<testcase>` per call, named by its scenario id (with the
 * result id when several calls share one), a `<failure>` listing every broken expectation, an
 * `<error>` when the call itself errored, and the human summary in `<system-out>`.
 */
export function toJUnit(results: CallResult | readonly CallResult[], options: JUnitOptions = {}): string {
  const list = Array.isArray(results) ? (results as readonly CallResult[]) : [results as CallResult];
  const suite = options.suiteName ?? 'sipprobe';
  const verdicts = list.map((r) => judgeCall(r, options));
  const scenarioCount = new Map<string, number>();
  for (const r of list) scenarioCount.set(r.ids.scenarioId, (scenarioCount.get(r.ids.scenarioId) ?? 0) + 1);

  let failures = 0;
  let errors = 0;
  let firstStart = Infinity;
  let lastEnd = -Infinity;
  const cases: string[] = [];
  list.forEach((r, i) => {
    const v = verdicts[i];
    const start = Date.parse(r.timings.startedAt);
    const dur = durationMs(r);
    if (Number.isFinite(start)) {
      firstStart = Math.min(firstStart, start);
      lastEnd = Math.max(lastEnd, start + dur);
    }
    const scenario = r.ids.scenarioId || r.sip.callId;
    const name = (scenarioCount.get(r.ids.scenarioId) ?? 0) > 1 ? `${scenario} [${r.ids.resultId}]` : scenario;
    const props: Array<[string, string]> = [
      ['outcome', r.outcome],
      ['endReason', r.endReason],
      ['target', r.target],
      ['runId', r.ids.runId],
      ['scenarioId', r.ids.scenarioId],
      ['resultId', r.ids.resultId],
      ['callId', r.sip.callId],
      ['finalStatus', r.sip.finalStatus === null ? '' : String(r.sip.finalStatus)],
    ];
    const p90 = latencyP90Ms(r);
    if (p90 !== null) props.push(['latencyP90Ms', String(round(p90))]);
    const mos = receivedMos(r);
    if (mos !== null) props.push(['mos', mos.toFixed(2)]);
    const loss = receivedLossPercent(r);
    if (loss !== null) props.push(['lossPercent', String(round(loss))]);
    const lines = [
      `    <testcase name="${xmlAttr(name)}" classname="${xmlAttr(`${suite}.${r.target}`)}" time="${seconds(dur)}" timestamp="${xmlAttr(r.timings.startedAt)}">`,
      '      <properties>',
      ...props.map(([k, val]) => `        <property name="${k}" value="${xmlAttr(val)}"/>`),
      '      </properties>',
    ];
    if (v.error) {
      errors++;
      lines.push(`      <error message="${xmlAttr(v.error.message)}" type="${xmlAttr(v.error.type)}">${xmlText(v.error.message)}</error>`);
    } else if (v.failures.length > 0) {
      failures++;
      lines.push(`      <failure message="${xmlAttr(v.failures.join('; '))}" type="sipprobe.expectation">${xmlText(v.failures.join('\n'))}</failure>`);
    }
    lines.push(`      <system-out>${xmlText(renderSummary(r))}</system-out>`, '    </testcase>');
    cases.push(lines.join('\n'));
  });

  const total = Number.isFinite(firstStart) ? seconds(lastEnd - firstStart) : '0.000';
  const stamp = Number.isFinite(firstStart) ? new Date(firstStart).toISOString() : new Date(0).toISOString();
  const counts = `tests="${list.length}" failures="${failures}" errors="${errors}" skipped="0" time="${total}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(suite)}" ${counts}>`,
    `  <testsuite name="${xmlAttr(suite)}" ${counts} timestamp="${stamp}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
