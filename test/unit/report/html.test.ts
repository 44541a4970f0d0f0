import { createHash } from 'node:crypto';
import { computePeaks, toHtml } from '../../../src/report';
import { evaluatedCall, FIXTURE_NAMES, loadResult } from './fixtures';

function scriptBodies(html: string): string[] {
  return [...html.matchAll(/<script(?: [^>]*)?>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

describe('toHtml', () => {
  it.each(FIXTURE_NAMES)('renders the %s fixture as one self-contained page', (name) => {
    const r = loadResult(name);
    const html = toHtml(r);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // nothing that could load from the network
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?!data:)[a-z]+:/i);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
    expect(html.match(/<g class="ladder-arrow /g) ?? []).toHaveLength(r.messages.length);
    // exactly two scripts: the JSON data block and the hashed inline script
    expect(scriptBodies(html)).toHaveLength(2);
  });

  it('has a CSP that forbids network access and allows the inline script and style by hash only', () => {
    const html = toHtml(loadResult('completed'));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const [, js] = scriptBodies(html);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const hash = (s: string) => createHash('sha256').update(s).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash(js)}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(html).not.toMatch(/\sstyle="/); // inline style attributes would be blocked
  });

  it('never lets hostile text out of its escaping', () => {
    const r = loadResult('hostile');
    const html = toHtml(r);
    // The only <script> tags are ours; attacker strings appear escaped.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<svg onload');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const [data] = scriptBodies(html);
    expect(data).not.toMatch(/[<>\u2028\u2029]/);
    const parsed = JSON.parse(data);
    expect(parsed.messages[2].raw).toBe(r.messages[2].raw); // raw survives exactly for textContent
  });

  it('embeds the recording, peaks and the metrics overlays', () => {
    const { result, wav, recordingStartMs } = evaluatedCall();
    const html = toHtml(result, { audioWav: wav });
    expect(html).toContain(`src="data:audio/wav;base64,${wav.toString('base64')}"`);
    const data = JSON.parse(scriptBodies(html)[0]);
    expect(data.timeline.audioStartMs).toBeCloseTo(recordingStartMs, 6);
    expect(data.timeline.audioDurationMs).toBe(8000);
    expect(data.timeline.lanes.map((l: { speaker: string }) => l.speaker)).toEqual(['caller', 'agent']);
    expect(data.timeline.lanes[0].segments.length).toBeGreaterThan(0);
    expect(data.timeline.lanes[0].peaks.min).toHaveLength(2000);
    expect(data.timeline.turns.length).toBe(2);
    expect(html).toContain('id="turns"');
    expect(html).toContain('id="quality"');
    expect(html).toContain('hello &lt;b&gt;how&lt;/b&gt; can I help');
    // a recording over the embedding limit is drawn but not embedded
    const small = toHtml(result, { audioWav: wav, maxEmbeddedAudioBytes: 1000 });
    expect(small).not.toContain('data:audio/wav');
    expect(small).toContain('id="waveform"');
  });

  it('a broken recording is reported, not thrown', () => {
    const html = toHtml(loadResult('completed'), { audioWav: Buffer.from('RIFF\u0000\u0000garbage') });
    expect(html).toMatch(/The recording could not be read \(WAV_[A-Z_]+\)/);
    expect(html).not.toContain('data:audio/wav');
  });

  it('shows the voicemail beep when one was heard, and no such section otherwise', () => {
    const r = loadResult('completed');
    expect(toHtml(r)).not.toContain('<h2>Voicemail</h2>');
    const html = toHtml({ ...r, endReason: 'voicemail', voicemail: { beepStartMs: 5120, beepEndMs: 5700, beepFrequencyHz: 1000 } });
    expect(html).toContain('<h2>Voicemail</h2>');
    expect(html).toContain('<td>5.12 s</td><td>580 ms</td><td>1000 Hz</td>');
    expect(html).not.toContain('id="other-fields"');
  });

  it('renders fields a newer CallResult adds', () => {
    const r = { ...loadResult('busy'), futureField: { note: '<b>x</b>' } };
    const html = toHtml(r);
    expect(html).toContain('id="other-fields"');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});

describe('computePeaks', () => {
  it('gives per-bucket min/max per channel in ±1000', () => {
    const frames = 1000;
    const s = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      s[2 * i] = i < 500 ? 32767 : -32768;
      s[2 * i + 1] = i % 2 ? 16384 : -16384;
    }
    const p = computePeaks(s, 2, 8000, 10);
    expect(p.buckets).toBe(10);
    expect(p.durationMs).toBe(125);
    expect(p.channels[0].max.slice(0, 5)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(p.channels[0].min.slice(5)).toEqual([-1000, -1000, -1000, -1000, -1000]);
    expect(p.channels[1].max).toEqual(Array(10).fill(500));
    expect(p.channels[1].min).toEqual(Array(10).fill(-500));
    expect(computePeaks(new Int16Array(6), 2, 8000, 100).buckets).toBe(3);
    expect(computePeaks(new Int16Array(0), 2, 8000).buckets).toBe(0);
  });
});
