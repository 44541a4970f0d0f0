/**
 * Self-test of the interop harness: SIPp UAS ← SIPp UAC over loopback UDP, captured with tshark;
 * the call completes, the capture decodes, and SIPp's own messages pass the strict lint.
 */
import { existsSync } from 'node:fs';
import {
  decodeSip,
  dissectorReport,
  formatLintFindings,
  lintSipMessages,
  runningPeerCount,
  startCapture,
  startSippUac,
  startSippUas,
  stopAllPeers,
} from './harness';

jest.setTimeout(60_000);
afterEach(stopAllPeers);

describe('interop harness self-test', () => {
  it('SIPp UAS answers SIPp UAC; capture decodes; lint finds nothing', async () => {
    const uas = await startSippUas({ scenario: 'basic', calls: 1, maxSeconds: 30 });
    const capture = await startCapture([uas.port, [uas.mediaPort, uas.mediaPort + 3]], { maxSeconds: 30 });
    const uac = await startSippUac({ targetPort: uas.port, runId: 'RUN-harness-42', delayMs: 500, maxSeconds: 30 });
    expect(await uac.wait()).toBe(0);
    expect(await uas.wait()).toBe(0);
    const pcap = await capture.stop();
    expect(existsSync(pcap)).toBe(true);

    expect(uas.messagesLog()).toContain('X-Run-Id: RUN-harness-42');
    expect(uas.logsLog()).toContain('INVITE received, X-Run-Id=RUN-harness-42');

    const msgs = await decodeSip(pcap, { sipPorts: [uas.port] });
    expect(msgs.map((m) => m.firstLine.replace(/ sip:\S+/, ''))).toEqual([
      'INVITE SIP/2.0',
      'SIP/2.0 100 Trying',
      'SIP/2.0 180 Ringing',
      'SIP/2.0 200 OK',
      'ACK SIP/2.0',
      'BYE SIP/2.0',
      'SIP/2.0 200 OK',
    ]);
    expect(msgs.every((m) => m.transport === 'udp' && m.src === '127.0.0.1' && m.dst === '127.0.0.1')).toBe(true);
    expect(msgs[0].dstPort).toBe(uas.port);
    expect(msgs[0].raw.toString('latin1')).toContain('X-Run-Id: RUN-harness-42\r\n');

    const findings = lintSipMessages(msgs);
    expect(formatLintFindings(findings)).toBe('');

    const report = await dissectorReport(pcap, { sipPorts: [uas.port] });
    expect(report.malformedFrames).toEqual([]);
    expect(report.expertErrorFrames).toEqual([]);
  });

  it('leaves no peer running after stop, even mid-call', async () => {
    const uas = await startSippUas({ scenario: 'noanswer', maxSeconds: 30 });
    const uac = await startSippUac({ targetPort: uas.port, scenario: 'cancel', delayMs: 20_000, maxSeconds: 30 });
    expect(runningPeerCount()).toBe(2);
    await stopAllPeers();
    expect(runningPeerCount()).toBe(0);
    expect(uas.process.running()).toBe(false);
    expect(uac.process.running()).toBe(false);
    expect(() => process.kill(-uas.process.pid, 0)).toThrow();
  });
});
