import type { CallResult } from '../caller/result';
import { evaluationOf } from './evaluation';
import { formatMs, formatNum, safeLine } from './text';

/**
 * The human summary of a call (what the CLI prints on stderr): outcome, ids, SIP status, codec,
 * timings, RTP statistics, metrics and transcript when present, headers sent, warnings, error.
 * Every network- or user-supplied string is made terminal-safe (no escape sequences, no line breaks).
 */
export function renderSummary(result: CallResult): string {
  const s = safeLine;
  const out: string[] = [];
  const status = result.sip.finalStatus === null ? 'no final response' : `${result.sip.finalStatus} ${s(result.sip.finalReason ?? '')}`.trim();
  out.push(`${result.outcome.toUpperCase()}: ${s(result.endReason)} (${status})${result.endedBy ? `, ended by ${result.endedBy}` : ''}`);
  out.push(`target     ${s(result.target)} over ${result.transport.toUpperCase()}`);
  out.push(`ids        run ${s(result.ids.runId)}  scenario ${s(result.ids.scenarioId)}  result ${s(result.ids.resultId)}${result.ids.generated.length ? `  (generated: ${result.ids.generated.map(s).join(', ')})` : ''}`);
  out.push(`call-id    ${s(result.sip.callId)}`);
  if (result.codec) {
    const c = result.codec;
    out.push(`codec      ${s(c.name)}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''} pt ${c.payloadType}, ptime ${c.ptimeMs} ms, DTMF ${c.dtmfPayloadType === null ? 'none' : `pt ${c.dtmfPayloadType}`}`);
  }
  const t = result.timings;
  out.push(`started    ${s(t.startedAt)}`);
  out.push(
    `timings    first provisional ${formatMs(t.firstProvisionalMs)}, ringing ${formatMs(t.ringingMs)}, early media ${formatMs(t.earlyMediaMs)}, answer ${formatMs(t.answerMs)}, end ${formatMs(t.endMs)}, talk ${formatMs(t.talkDurationMs)}`,
  );
  if (t.firstRtpSentMs !== null || t.firstRtpReceivedMs !== null) {
    out.push(`first RTP  sent ${formatMs(t.firstRtpSentMs)}, received ${formatMs(t.firstRtpReceivedMs)}`);
  }
  if (result.rtp) {
    const r = result.rtp;
    const rx = r.received;
    out.push(`RTP sent   ${r.sent.packets} packets, ${r.sent.bytes} bytes from port ${r.localPort ?? '—'} to ${s(r.remote ?? '—')}`);
    out.push(
      `RTP recv   ${rx.packets}/${rx.expected} packets, lost ${rx.lost} (${formatNum(rx.lossPercent)}%), jitter ${formatNum(rx.jitterMs)} ms (max ${formatNum(rx.maxJitterMs)}), dup ${rx.duplicates}, reordered ${rx.reordered}, dropped ${rx.dropped}; RTCP ${r.rtcpReceived ? 'received' : 'none from far end'}`,
    );
  }
  const ev = evaluationOf(result);
  if (ev.rtpQuality) {
    const q = ev.rtpQuality;
    const e = q.received.emodel;
    out.push(`quality    received: MOS ${formatNum(e.mos)} (R ${formatNum(e.r, 1)} ${e.scale}), loss ${formatNum(q.received.lossPercent)}%, late ${q.received.lateDiscarded}`);
    if (q.sentAsSeenByFarEnd) {
      const f = q.sentAsSeenByFarEnd;
      out.push(`           far end sees: MOS ${formatNum(f.emodel.mos)}, loss ${formatNum(f.fractionLostPercent)}%, jitter ${formatNum(f.jitterMs)} ms, RTT ${formatMs(f.rttMs)}`);
    }
    for (const n of q.notes) out.push(`           note: ${s(n)}`);
  }
  if (ev.metrics) {
    const m = ev.metrics;
    out.push(`agent      first word ${formatMs(m.firstWordLatencyMs)} after ACK (${formatMs(m.firstWordFromInviteMs)} after INVITE); post-dial delay ${formatMs(m.postDialDelayMs)}`);
    const l = m.latency;
    out.push(
      l
        ? `turns      ${m.turns.length} caller turns; latency p50 ${formatMs(l.p50Ms)}, p90 ${formatMs(l.p90Ms)}, p95 ${formatMs(l.p95Ms)}, p99 ${formatMs(l.p99Ms)} (n=${l.count}, min ${formatMs(l.minMs)}, max ${formatMs(l.maxMs)})`
        : `turns      ${m.turns.length} caller turns; no measured agent response`,
    );
    out.push(
      `talk       caller ${formatMs(m.talkTimeMs.caller)}, agent ${formatMs(m.talkTimeMs.agent)}${m.agentTalkShare === null ? '' : ` (agent ${Math.round(m.agentTalkShare * 100)}%)`}; longest mutual silence ${formatMs(m.longestMutualSilence?.durationMs)}`,
    );
    out.push(
      `interrupts caller→agent ${m.interruptionCounts.callerInterruptedAgent}, agent→caller ${m.interruptionCounts.agentInterruptedCaller}${m.agentMeanStopAfterInterruptionMs === null ? '' : `; agent yields after ${formatMs(m.agentMeanStopAfterInterruptionMs)}`}`,
    );
  }
  if (result.dtmfReceived.length) {
    out.push(`DTMF recv  ${result.dtmfReceived.map((d) => `${s(d.digit)}@${formatMs(d.t)}`).join(' ')}`);
  }
  const vm = result.voicemail;
  if (vm) out.push(`voicemail  answering-machine beep ${formatNum(vm.beepFrequencyHz, 0)} Hz at ${formatMs(vm.beepStartMs)}, ${formatMs(vm.beepEndMs - vm.beepStartMs)} long`);
  if (result.audio) out.push(`recording  ${s(result.audio.recordingPath)} (${result.audio.sampleRate} Hz, stereo: left caller, right agent)`);
  if (result.sip.headersSent.length) {
    out.push('headers sent:');
    for (const h of result.sip.headersSent) out.push(`  ${s(h.name)}: ${s(h.value)}`);
  }
  if (ev.transcript) {
    out.push(`transcript (${s(ev.transcript.engine)}):`);
    for (const turn of ev.transcript.turns) out.push(`  [${formatMs(turn.startMs)}] ${turn.speaker}: ${s(turn.text)}`);
    for (const f of ev.transcript.failures) out.push(`  [${formatMs(f.startMs)}] ${f.speaker}: (not transcribed: ${s(f.code)})`);
  }
  if (ev.scriptedWer) {
    for (const w of ev.scriptedWer) out.push(`WER turn ${w.index}: ${formatNum(w.wer * 100, 1)}% (expected "${s(w.expected)}", heard "${s(w.recognised ?? '')}")`);
  }
  for (const w of result.warnings) out.push(`warning: ${s(w)}`);
  if (result.error) out.push(`error: ${s(result.error.code)}: ${s(result.error.message)}`);
  return out.join('\n');
}
