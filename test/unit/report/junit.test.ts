import { judgeCall, ReportError, toJUnit } from '../../../src/report';
import { evaluatedCall, loadResult } from './fixtures';
import { findAll, parseXml } from './xml-check';

describe('toJUnit', () => {
  it('one passing testcase for a completed call, with timing attributes and properties', () => {
    const r = loadResult('completed');
    const doc = parseXml(toJUnit(r));
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs).toMatchObject({ tests: '1', failures: '0', errors: '0', skipped: '0', time: '6.010' });
    const [suite] = findAll(doc, 'testsuite');
    expect(suite.attrs).toMatchObject({ name: 'sipprobe', timestamp: '2025-01-15T10:00:00.000Z', time: '6.010' });
    const [tc] = findAll(doc, 'testcase');
    expect(tc.attrs).toEqual({ name: 'greeting-latency', classname: 'sipprobe.sip:agent@127.0.0.1:5080', time: '6.010', timestamp: '2025-01-15T10:00:00.000Z' });
    expect(findAll(tc, 'failure')).toHaveLength(0);
    const props = Object.fromEntries(findAll(tc, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({ outcome: 'completed', resultId: 'result-synthetic-0001', finalStatus: '200', lossPercent: '0.8' });
    expect(findAll(tc, 'system-out')[0].text).toContain('COMPLETED: completed (200 OK)');
  });

  it('fails when the outcome differs from expect, saying which', () => {
    const doc = parseXml(toJUnit([loadResult('completed'), loadResult('busy')]));
    expect(doc.attrs).toMatchObject({ tests: '2', failures: '1', errors: '0' });
    const [, busy] = findAll(doc, 'testcase');
    const [failure] = findAll(busy, 'failure');
    expect(failure.attrs.message).toBe('outcome busy (486 Busy Here; busy), expected completed');
    expect(failure.attrs.type).toBe('sipprobe.expectation');
    // and passes when busy was what we wanted
    expect(parseXml(toJUnit(loadResult('busy'), { expect: 'busy' })).attrs.failures).toBe('0');
  });

  it('a completed call that reached voicemail fails an expected completed, unless allowVoicemail', () => {
    const vm = { ...loadResult('completed'), endReason: 'voicemail', voicemail: { beepStartMs: 5120, beepEndMs: 5700, beepFrequencyHz: 998.6 } };
    expect(judgeCall(vm).failures).toEqual(['reached voicemail: an answering-machine beep (999 Hz) at 5.12 s, not the agent (allowVoicemail / --allow-voicemail accepts it)']);
    expect(judgeCall(vm, { allowVoicemail: true }).failures).toEqual([]);
    // not a voicemail question when something else was expected, nor for results from before detection
    expect(judgeCall(vm, { expect: 'busy' }).failures).toEqual(['outcome completed (200 OK; voicemail), expected busy']);
    expect(judgeCall(loadResult('completed')).failures).toEqual([]);
    expect(parseXml(toJUnit(vm)).attrs.failures).toBe('1');
  });

  it('an errored call is an <error> with its code', () => {
    const r = loadResult('unreachable');
    r.outcome = 'error';
    const doc = parseXml(toJUnit(r));
    expect(doc.attrs).toMatchObject({ failures: '0', errors: '1' });
    const [err] = findAll(doc, 'error');
    expect(err.attrs.type).toBe('SIP_TRANSACTION_TIMEOUT');
    expect(err.attrs.message).toContain('Timer B');
  });

  describe('thresholds', () => {
    it('pass and fail on measured metrics, with the numbers in the message', () => {
      const { result } = evaluatedCall();
      const v = judgeCall(result, { thresholds: { maxLatencyP90Ms: 100_000, minMos: 4, maxLossPercent: 1 } });
      expect(v).toEqual({ error: null, failures: [] });
      const bad = judgeCall(result, { thresholds: { maxLatencyP90Ms: 100, minMos: 4.5, maxLossPercent: 0.5 } });
      expect(bad.failures).toHaveLength(3);
      expect(bad.failures[0]).toMatch(/^turn latency p90 \d+(\.\d+)? ms exceeds 100 ms$/);
      expect(bad.failures[1]).toBe('MOS 4.37 below 4.5');
      expect(bad.failures[2]).toBe('RTP loss 0.8% exceeds 0.5%');
      const xml = parseXml(toJUnit(result, { thresholds: { minMos: 4.5 } }));
      expect(findAll(xml, 'failure')[0].text).toBe('MOS 4.37 below 4.5');
    });

    it('a threshold that cannot be checked fails rather than passes', () => {
      const r = loadResult('completed'); // no metrics, no quality estimate
      const v = judgeCall(r, { thresholds: { maxLatencyP90Ms: 2000, minMos: 3.5 } });
      expect(v.failures).toEqual(['turn latency p90 not measured (threshold 2000 ms)', 'MOS not estimated (threshold 3.5)']);
      r.rtp = null;
      expect(judgeCall(r, { thresholds: { maxLossPercent: 1 } }).failures).toEqual(['RTP loss not measured: no RTP received (threshold 1%)']);
    });

    it('are not applied to calls that were not answered', () => {
      expect(judgeCall(loadResult('busy'), { expect: 'busy', thresholds: { minMos: 4 } }).failures).toEqual([]);
    });

    it('bad threshold values are a typed error', () => {
      expect(() => toJUnit(loadResult('completed'), { thresholds: { minMos: Number.NaN } })).toThrow(ReportError);
      expect(() => toJUnit(loadResult('completed'), { thresholds: { maxLossPercent: -1 } })).toThrow(/maxLossPercent/);
    });
  });

  it('load runs: one testcase per call, the result id disambiguates a shared scenario id', () => {
    const a = loadResult('completed');
    const b = loadResult('completed');
    b.ids.resultId = 'result-synthetic-0009';
    b.timings.startedAt = '2025-01-15T10:00:05.000Z';
    const doc = parseXml(toJUnit([a, b, loadResult('busy')], { suiteName: 'load', expect: 'completed' }));
    expect(findAll(doc, 'testcase').map((t) => t.attrs.name)).toEqual([
      'greeting-latency [result-synthetic-0001]',
      'greeting-latency [result-synthetic-0009]',
      'busy-path',
    ]);
    // suite time spans the first start to the last end (b ends at 5 s + 6.0102 s)
    expect(doc.attrs.time).toBe('11.010');
    expect(findAll(doc, 'testsuite')[0].attrs.name).toBe('load');
  });

  it('escapes hostile strings: the XML stays well-formed and every value round-trips', () => {
    const r = loadResult('hostile');
    r.outcome = 'busy';
    r.sip.finalReason = 'Busy ]]> <x> & "q" \'a\'\ttab\nline';
    const xml = toJUnit(r, { suiteName: 'suite "<&>"' });
    expect(xml).not.toContain('<script>');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const doc = parseXml(xml);
    const [tc] = findAll(doc, 'testcase');
    expect(tc.attrs.name).toBe('scenario <script>alert(1)</script> \\u0007 ]]>');
    expect(findAll(doc, 'testsuite')[0].attrs.name).toBe('suite "<&>"');
    const [failure] = findAll(tc, 'failure');
    expect(failure.attrs.message).toContain('Busy ]]> <x> & "q" \'a\'\ttab\nline');
    expect(failure.text).toContain('Busy ]]> <x> & "q" \'a\'\ttab\nline');
    const props = Object.fromEntries(findAll(tc, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props.runId).toBe('run-]]>-"&');
    expect(props.target).toBe('sip:"><svg onload=alert(4)>@127.0.0.1');
    expect(findAll(tc, 'system-out')[0].text).toContain('X-Note: <script>alert(1)</script>');
  });

  it('lone surrogates and U+FFFE become visible escapes', () => {
    const r = loadResult('busy');
    r.endReason = 'a\ud800b\ufffec';
    const doc = parseXml(toJUnit(r));
    expect(findAll(doc, 'failure')[0].attrs.message).toContain('a\\ud800b\\ufffec');
  });

  it('the checker itself rejects ill-formed XML', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
    expect(() => parseXml('<a>&bogus;</a>')).toThrow();
    expect(() => parseXml('<a>]]></a>')).toThrow();
    expect(() => parseXml('<a>\u0001</a>')).toThrow();
    expect(() => parseXml('<a b="<"/>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
  });
});
