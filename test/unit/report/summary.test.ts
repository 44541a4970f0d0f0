import { renderSummary } from '../../../src/report';
import { evaluatedCall, loadResult } from './fixtures';

describe('renderSummary', () => {
  it('summarises a completed call', () => {
    const text = renderSummary(loadResult('completed'));
    const lines = text.split('\n');
    expect(lines[0]).toBe('COMPLETED: completed (200 OK), ended by caller');
    expect(text).toContain('target     sip:agent@127.0.0.1:5080 over UDP');
    expect(text).toContain('ids        run run-synthetic-0001  scenario greeting-latency  result result-synthetic-0001');
    expect(text).toContain('call-id    synthetic-3f2a9c1e@127.0.0.1');
    expect(text).toContain('codec      PCMU/8000 pt 0, ptime 20 ms, DTMF pt 101');
    expect(text).toContain('answer 1.00 s');
    expect(text).toContain('RTP recv   248/250 packets, lost 2 (0.80%), jitter 0.42 ms (max 1.90), dup 0, reordered 1, dropped 0; RTCP none from far end');
    expect(text).toContain('  X-Scenario-Id: greeting-latency');
    expect(text).toContain('DTMF recv  5@3.20 s');
    expect(text).toContain('warning: far end sent no RTCP');
    expect(text).not.toContain('turns');
  });

  it('names an answering-machine beep; none without one (saved results from before it too)', () => {
    const result = loadResult('completed');
    expect(renderSummary(result)).not.toContain('voicemail');
    const text = renderSummary({ ...result, endReason: 'voicemail', voicemail: { beepStartMs: 5120, beepEndMs: 5700, beepFrequencyHz: 1000 } });
    expect(text).toContain('voicemail  answering-machine beep 1000 Hz at 5.12 s, 580 ms long');
  });

  it('shows the error and the missing final response', () => {
    const text = renderSummary(loadResult('unreachable'));
    expect(text.split('\n')[0]).toBe('UNREACHABLE: call failed (SIP) (no final response)');
    expect(text).toContain('error: SIP_TRANSACTION_TIMEOUT: no response to INVITE within 32 s (Timer B)');
    expect(text).not.toContain('codec');
  });

  it('shows metrics, quality and transcript when present', () => {
    const { result } = evaluatedCall();
    const text = renderSummary(result);
    expect(text).toMatch(/agent      first word \d/);
    expect(text).toMatch(/turns      2 caller turns; latency p50 [\d.]+ ms, p90/);
    expect(text).toMatch(/interrupts caller→agent 1, agent→caller 0/);
    expect(text).toContain('quality    received: MOS 4.37 (R 92.1 narrowband), loss 0.80%, late 0');
    expect(text).toContain('agent: hello <b>how</b> can I help');
    expect(text).toContain('(not transcribed: TRANSCRIBER_FAILED)');
  });

  it('cannot be used to inject terminal escapes or fake lines', () => {
    const r = loadResult('hostile');
    r.sip.finalReason = 'OK\u001b[2J\u001b]0;pwned\u0007\nwarning: fake';
    const text = renderSummary(r);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(text.split('\n').filter((l) => l.startsWith('warning: fake'))).toHaveLength(0);
    expect(text).toContain('OK\\u001b[2J\\u001b]0;pwned\\u0007\\u000awarning: fake');
    expect(text).toContain('X-Ctl: bell\\u0007 esc\\u001b nul\\u0000 ]]>');
  });
});
