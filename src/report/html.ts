import { createHash } from 'node:crypto';
import type { CallResult } from '../caller/result';
import { readWav } from '../audio';
import type { SpeechSegment, TurnLatency } from '../metrics/types';
import { evaluationOf } from './evaluation';
import { REPORT_CSS, REPORT_JS } from './html-assets';
import { escapeHtml as esc, jsonForScript } from './html-escape';
import { renderLadderSvg } from './ladder';
import { computePeaks, type ChannelPeaks } from './peaks';
import { formatMs, formatNum } from './text';

/** Options of {@link toHtml}. */
export interface ToHtmlOptions {
  /** The call recording (WAV, left caller / right agent): drawn as a waveform and embedded with a player. */
  audioWav?: Buffer | Uint8Array;
  /** Time of the recording's first sample in ms since the INVITE. Default: derived from the metrics window, else the answer time, else 0. */
  recordingStartMs?: number;
  /** Largest recording embedded as a data URI; larger ones are drawn but not embedded. Default 64 MiB. */
  maxEmbeddedAudioBytes?: number;
  /** Waveform resolution (buckets per channel). Default 2000. */
  waveformBuckets?: number;
  /** Page title. Default `sipprobe: <outcome> <target>`. */
  title?: string;
}

type Cell = string | number | null | undefined | { html: string };

function cell(c: Cell, tag: 'td' | 'th' = 'td'): string {
  if (c !== null && typeof c === 'object') return `<${tag}>${c.html}</${tag}>`;
  if (typeof c === 'number') return `<${tag} class="num">${esc(Number.isFinite(c) ? String(Math.round(c * 1000) / 1000) : '—')}</${tag}>`;
  return `<${tag}>${esc(c ?? '—')}</${tag}>`;
}

function table(head: string[], rows: Cell[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => cell(c)).join('')}</tr>`).join('')}</tbody></table>`;
}

function kv(rows: Array<[string, Cell]>): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th>${cell(v)}</tr>`).join('')}</tbody></table>`;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

interface Lane {
  speaker: 'caller' | 'agent' | 'mixed';
  label: string;
  peaks: ChannelPeaks | null;
  segments: SpeechSegment[];
}

/** Known top-level fields; anything else a newer CallResult carries is shown as JSON. */
const KNOWN = new Set([
  'schemaVersion', 'outcome', 'endReason', 'endedBy', 'target', 'transport', 'ids', 'sip', 'codec', 'timings', 'rtp', 'audio',
  'dtmfReceived', 'voicemail', 'messages', 'timeline', 'warnings', 'error', 'metrics', 'rtpQuality', 'transcript', 'scriptedWer',
]);

/**
 * One self-contained HTML page for a call: outcome banner, SIP ladder (click an arrow for the raw
 * message), waveform with VAD segments and turn latencies, the recording, metrics/RTP/transcript
 * tables, headers sent. No network access: a CSP forbids everything but the inline script and
 * style (by hash) and data: media. All result text is escaped; raw SIP is shown via textContent.
 */
export function toHtml(result: CallResult, options: ToHtmlOptions = {}): string {
  const ev = evaluationOf(result);
  const notes: string[] = [];
  const body: string[] = [];
  const ok = result.outcome === 'completed';
  const status = result.sip.finalStatus === null ? 'no final response' : `${result.sip.finalStatus} ${result.sip.finalReason ?? ''}`.trim();

  body.push(`<h1>sipprobe call report</h1>`);
  body.push(
    `<div id="outcome" class="banner ${ok ? 'ok' : 'bad'}">${esc(result.outcome.toUpperCase())}: ${esc(result.endReason)}<small>${esc(status)}${result.endedBy ? ` · ended by ${esc(result.endedBy)}` : ''} · ${esc(result.target)} over ${esc(result.transport.toUpperCase())}</small></div>`,
  );
  if (result.error) body.push(`<p class="warn" id="error">Error ${esc(result.error.code)}: ${esc(result.error.message)}</p>`);
  if (result.warnings.length) body.push(`<ul class="warnings" id="warnings">${result.warnings.map((w) => `<li class="warn">${esc(w)}</li>`).join('')}</ul>`);

  const t = result.timings;
  body.push('<h2>Call</h2>');
  body.push(
    kv([
      ['Run / scenario / result id', `${result.ids.runId} / ${result.ids.scenarioId} / ${result.ids.resultId}`],
      ['Generated ids', result.ids.generated.join(', ') || 'none'],
      ['Call-ID', result.sip.callId],
      ['Started', t.startedAt],
      ['Codec', result.codec ? `${result.codec.name}/${result.codec.clockRate} (PT ${result.codec.payloadType}, ptime ${result.codec.ptimeMs} ms, DTMF ${result.codec.dtmfPayloadType ?? 'none'})` : 'none negotiated'],
      ['First provisional', formatMs(t.firstProvisionalMs)],
      ['Ringing', formatMs(t.ringingMs)],
      ['Early media', formatMs(t.earlyMediaMs)],
      ['Answer', formatMs(t.answerMs)],
      ['First RTP sent / received', `${formatMs(t.firstRtpSentMs)} / ${formatMs(t.firstRtpReceivedMs)}`],
      ['End', formatMs(t.endMs)],
      ['Talk duration', formatMs(t.talkDurationMs)],
    ]),
  );

  body.push(`<h2>SIP ladder <span class="note">(${result.messages.length} messages; click one for its text)</span></h2>`);
  body.push(`<div class="scroll">${renderLadderSvg(result.messages)}</div>`);
  body.push(`<div id="raw-panel"><div id="raw-title">Click a message in the ladder to see it here.</div><pre id="raw-text"></pre></div>`);

  // Audio: waveform lanes from the WAV (if any), VAD segments and turns from the metrics (if any).
  let timeline: unknown = null;
  let audioTag = '';
  const lanes: Lane[] = [];
  let audioStartMs = 0;
  let audioDurationMs = 0;
  if (options.audioWav) {
    const bytes = Buffer.isBuffer(options.audioWav) ? options.audioWav : Buffer.from(options.audioWav.buffer, options.audioWav.byteOffset, options.audioWav.byteLength);
    try {
      const wav = readWav(bytes);
      const peaks = computePeaks(wav.samples, wav.channels, wav.sampleRate, options.waveformBuckets ?? 2000);
      audioDurationMs = peaks.durationMs;
      if (wav.truncated) notes.push('The recording is truncated (its data chunk is longer than the file).');
      if (wav.channels >= 2) {
        lanes.push({ speaker: 'caller', label: 'caller (left, as sent)', peaks: peaks.channels[0], segments: [] });
        lanes.push({ speaker: 'agent', label: 'agent (right, as received)', peaks: peaks.channels[1], segments: [] });
      } else {
        lanes.push({ speaker: 'mixed', label: 'recording (mono)', peaks: peaks.channels[0] ?? null, segments: [] });
      }
      const limit = options.maxEmbeddedAudioBytes ?? 64 * 1024 * 1024;
      audioTag =
        bytes.length <= limit
          ? `<audio id="recording" controls preload="metadata" src="data:audio/wav;base64,${bytes.toString('base64')}"></audio>`
          : `<p class="note">The recording (${bytes.length} bytes) is larger than the embedding limit and is not included.</p>`;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      notes.push(`The recording could not be read (${typeof code === 'string' ? code : 'error'}); no waveform is drawn.`);
    }
  }
  const metrics = ev.metrics;
  if (metrics) {
    if (lanes.length === 0) {
      lanes.push({ speaker: 'caller', label: 'caller speech', peaks: null, segments: [] });
      lanes.push({ speaker: 'agent', label: 'agent speech', peaks: null, segments: [] });
    }
    for (const lane of lanes) {
      if (lane.speaker === 'caller') lane.segments = metrics.speech.caller;
      if (lane.speaker === 'agent') lane.segments = metrics.speech.agent;
    }
  }
  if (lanes.length) {
    if (options.recordingStartMs !== undefined && Number.isFinite(options.recordingStartMs)) audioStartMs = options.recordingStartMs;
    else if (metrics && audioDurationMs > 0 && Number.isFinite(metrics.window.endMs)) audioStartMs = Math.max(0, metrics.window.endMs - audioDurationMs);
    else audioStartMs = t.answerMs ?? 0;
    const startMs = audioDurationMs > 0 ? audioStartMs : metrics ? metrics.window.startMs : 0;
    const endMs = audioDurationMs > 0 ? audioStartMs + audioDurationMs : metrics ? metrics.window.endMs : 0;
    const turns: Array<Pick<TurnLatency, 'callerEndMs' | 'agentOnsetMs' | 'latencyMs'>> = metrics
      ? metrics.turns.map((x) => ({ callerEndMs: x.callerEndMs, agentOnsetMs: x.agentOnsetMs, latencyMs: x.latencyMs }))
      : [];
    timeline = { startMs, endMs, audioStartMs, audioDurationMs, lanes, turns };
    body.push('<h2>Audio</h2>');
    body.push(
      `<div class="legend"><span><i class="c"></i>caller</span><span><i class="a"></i>agent</span><span><i class="l"></i>turn latency</span><span>shaded: detected speech · times in s since the INVITE</span></div>`,
    );
    body.push(`<div class="wave-wrap"><canvas id="waveform" width="1100" height="220"></canvas><div id="cursor"></div></div>`);
    body.push(audioTag);
  } else if (result.audio) {
    body.push('<h2>Audio</h2>');
    body.push(`<p class="note">Recorded to ${esc(result.audio.recordingPath)} (${result.audio.sampleRate} Hz, stereo); not embedded in this report.</p>`);
  }
  for (const n of notes) body.push(`<p class="warn">${esc(n)}</p>`);

  if (metrics) {
    body.push('<h2>Turn-taking metrics</h2>');
    const l = metrics.latency;
    body.push(
      kv([
        ['Post-dial delay (INVITE → 18x)', formatMs(metrics.postDialDelayMs)],
        ['Answer time (INVITE → 200)', formatMs(metrics.answerTimeMs)],
        ['Agent first word (after ACK)', formatMs(metrics.firstWordLatencyMs)],
        ['Agent first word (after INVITE)', formatMs(metrics.firstWordFromInviteMs)],
        ['Turn latency p50 / p90 / p95 / p99', l ? `${formatMs(l.p50Ms)} / ${formatMs(l.p90Ms)} / ${formatMs(l.p95Ms)} / ${formatMs(l.p99Ms)}` : 'no measured turn'],
        ['Turn latency min / mean / max (n)', l ? `${formatMs(l.minMs)} / ${formatMs(l.meanMs)} / ${formatMs(l.maxMs)} (${l.count})` : '—'],
        ['Talk time caller / agent', `${formatMs(metrics.talkTimeMs.caller)} / ${formatMs(metrics.talkTimeMs.agent)}`],
        ['Agent talk share', metrics.agentTalkShare === null ? '—' : `${Math.round(metrics.agentTalkShare * 100)}%`],
        ['Longest mutual silence', metrics.longestMutualSilence ? `${formatMs(metrics.longestMutualSilence.durationMs)} from ${formatMs(metrics.longestMutualSilence.startMs)}` : '—'],
        ['Interruptions caller→agent / agent→caller', `${metrics.interruptionCounts.callerInterruptedAgent} / ${metrics.interruptionCounts.agentInterruptedCaller}`],
        ['Agent stops after being interrupted (mean)', formatMs(metrics.agentMeanStopAfterInterruptionMs)],
      ]),
    );
    if (metrics.turns.length) {
      body.push('<h3>Turns</h3>');
      body.push(
        `<div id="turns">${table(
          ['#', 'caller start', 'caller end', 'agent onset', 'latency', 'overlapped'],
          metrics.turns.map((x) => [x.index + 1, formatMs(x.callerStartMs), formatMs(x.callerEndMs), formatMs(x.agentOnsetMs), formatMs(x.latencyMs), x.overlapped ? 'yes' : 'no']),
        )}</div>`,
      );
    }
    if (metrics.interruptions.length) {
      body.push('<h3>Interruptions</h3>');
      body.push(table(['by', 'at', 'overlap', 'interrupted side stopped after'], metrics.interruptions.map((x) => [x.by, formatMs(x.atMs), formatMs(x.overlapMs), formatMs(x.interruptedStoppedAfterMs)])));
    }
  }

  body.push('<h2>RTP</h2>');
  if (result.rtp) {
    const r = result.rtp;
    const rx = r.received;
    body.push(
      `<div id="rtp">${table(
        ['direction', 'packets', 'bytes', 'expected', 'lost', 'loss %', 'jitter ms', 'max jitter ms', 'duplicates', 'reordered', 'dropped'],
        [
          ['sent', r.sent.packets, r.sent.bytes, null, null, null, null, null, null, null, null],
          ['received', rx.packets, rx.bytes, rx.expected, rx.lost, rx.lossPercent, rx.jitterMs, rx.maxJitterMs, rx.duplicates, rx.reordered, rx.dropped],
        ],
      )}</div>`,
    );
    body.push(`<p class="note">Local port ${esc(String(r.localPort ?? '—'))}, remote ${esc(r.remote ?? '—')}, RTCP from far end: ${r.rtcpReceived ? 'yes' : 'none'}.</p>`);
  } else {
    body.push('<p class="note">No media.</p>');
  }
  if (ev.rtpQuality) {
    const q = ev.rtpQuality;
    const rows: Cell[][] = [
      ['received (measured here)', q.received.lossPercent, q.received.lateDiscarded, q.received.jitterMeanMs, q.received.emodel.r, q.received.emodel.scale, q.received.emodel.mos],
    ];
    if (q.sentAsSeenByFarEnd) {
      const f = q.sentAsSeenByFarEnd;
      rows.push(['sent (far end RTCP)', f.fractionLostPercent, null, f.jitterMs, f.emodel.r, f.emodel.scale, f.emodel.mos]);
    }
    body.push(`<h3>Quality (${esc(q.codec)})</h3>`);
    body.push(`<div id="quality">${table(['direction', 'loss %', 'late', 'jitter ms', 'R', 'scale', 'MOS'], rows)}</div>`);
    for (const n of q.notes) body.push(`<p class="note">${esc(n)}</p>`);
  }

  if (ev.transcript) {
    body.push(`<h2>Transcript <span class="note">(${esc(ev.transcript.engine)})</span></h2>`);
    body.push(`<div id="transcript">${table(['start', 'end', 'speaker', 'text'], ev.transcript.turns.map((x) => [formatMs(x.startMs), formatMs(x.endMs), x.speaker, x.text]))}</div>`);
    if (ev.transcript.failures.length) {
      body.push(table(['start', 'speaker', 'not transcribed'], ev.transcript.failures.map((f) => [formatMs(f.startMs), f.speaker, `${f.code}: ${f.message}`])));
    }
  }
  if (ev.scriptedWer && ev.scriptedWer.length) {
    body.push('<h3>Scripted turns: word error rate</h3>');
    body.push(table(['#', 'expected', 'recognised', 'WER'], ev.scriptedWer.map((w) => [w.index + 1, w.expected, w.recognised, `${formatNum(w.wer * 100, 1)}%`])));
  }

  body.push('<h2>Headers sent</h2>');
  body.push(result.sip.headersSent.length ? `<div id="headers-sent">${table(['name', 'value'], result.sip.headersSent.map((h) => [h.name, h.value]))}</div>` : '<p class="note">none</p>');

  if (result.dtmfReceived.length) {
    body.push('<h2>DTMF received</h2>');
    body.push(table(['digit', 'at', 'duration'], result.dtmfReceived.map((d) => [d.digit, formatMs(d.t), formatMs(d.durationMs)])));
  }
  const vm = result.voicemail;
  if (vm) {
    body.push('<h2>Voicemail</h2>');
    body.push(table(['beep at', 'length', 'frequency'], [[formatMs(vm.beepStartMs), formatMs(vm.beepEndMs - vm.beepStartMs), `${Math.round(vm.beepFrequencyHz)} Hz`]]));
  }
  body.push('<h2>Timeline</h2>');
  body.push(table(['t', 'event', 'detail'], result.timeline.map((e) => [formatMs(e.t), e.event, e.detail ?? ''])));

  const extra = Object.keys(result).filter((k) => !KNOWN.has(k));
  if (extra.length) {
    body.push('<h2>Other fields</h2>');
    const obj = Object.fromEntries(extra.map((k) => [k, (result as unknown as Record<string, unknown>)[k]]));
    body.push(`<pre id="other-fields">${esc(JSON.stringify(obj, null, 2) ?? '')}</pre>`);
  }

  body.push('<h2>SIP messages</h2>');
  body.push(
    result.messages
      .map((m, i) => `<details><summary>${esc(`#${i + 1} +${formatMs(m.t)} ${m.direction === 'sent' ? '→' : '←'} ${m.firstLine}`)}</summary><pre>${esc(m.raw)}</pre></details>`)
      .join(''),
  );

  const data = {
    messages: result.messages.map((m) => ({ at: m.at, direction: m.direction, transport: m.transport, remote: m.remote, raw: m.raw })),
    timeline,
  };
  const title = options.title ?? `sipprobe: ${result.outcome} ${result.target}`;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(REPORT_JS)}'`,
    `style-src 'sha256-${sha256(REPORT_CSS)}'`,
    'img-src data:',
    'media-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${esc(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head><body><main>',
    ...body,
    '</main>',
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    `<script>${REPORT_JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
