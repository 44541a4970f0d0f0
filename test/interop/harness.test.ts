/**
 * Self-test of the interop harness: SIPp UAS ← SIPp UAC over loopback UDP, captured with tshark;
 * the call completes, the capture decodes, and SIPp's own messages pass the strict lint.
 */
import { createSocket } from 'node:dgram';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeGreeting,
  makeLogDir,
  startBaresipAgent,
  startKamailioAuth,
  transcribe,
  decodeSip,
  dissectorReport,
  findFreePorts,
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

  it('Kamailio challenges (407 MD5 qop=auth), SIPp authenticates, the call reaches the agent; wire clean', async () => {
    const uas = await startSippUas({ scenario: 'basic', calls: 1, maxSeconds: 30 });
    const proxy = await startKamailioAuth({ upstreamPort: uas.port, maxSeconds: 30 });
    const capture = await startCapture([proxy.port, uas.port], { maxSeconds: 30 });
    const uac = await startSippUac({ targetPort: proxy.port, scenario: 'auth', runId: 'RUN-kam-1', delayMs: 300, maxSeconds: 30 });
    expect(await uac.wait()).toBe(0);
    expect(await uas.wait()).toBe(0);
    const pcap = await capture.stop();
    expect(proxy.log()).toMatch(/AUTH challenge MD5 for INVITE/);
    expect(proxy.log()).toMatch(/AUTH OK user=alice algorithm=MD5 INVITE/);
    expect(proxy.log()).toMatch(/INDIALOG BYE/);
    expect(uas.messagesLog()).toContain('X-Run-Id: RUN-kam-1');
    const msgs = await decodeSip(pcap, { sipPorts: [proxy.port, uas.port] });
    const lines = msgs.map((m) => m.firstLine);
    expect(lines.some((l) => l.startsWith('SIP/2.0 407'))).toBe(true);
    expect(msgs.filter((m) => m.firstLine.startsWith('INVITE') && m.raw.includes('Proxy-Authorization: Digest')).length).toBeGreaterThan(0);
    expect(formatLintFindings(lintSipMessages(msgs))).toBe('');
  });

  it('baresip answers, records what SIPp played; the recording holds the greeting', async () => {
    const dir = makeLogDir('greeting');
    const greeting = await makeGreeting(join(dir, 'greeting.wav'));
    const agent = await startBaresipAgent({ greeting, hangupAfterSec: 20, maxSeconds: 40, codecs: 'PCMU/8000/1' });
    const capture = await startCapture([agent.port], { maxSeconds: 40 });
    const uac = await startSippUac({ targetPort: agent.port, media: { play: greeting }, delayMs: 5000, maxSeconds: 30 });
    expect(await uac.wait()).toBe(0);
    const rec = await agent.waitForRecording(10_000);
    expect(statSync(rec).size).toBeGreaterThan(40_000); // ≥ 2.5 s of 8 kHz 16-bit audio
    const text = await transcribe(rec, ['hello', 'thank you', 'for calling', 'how can i help you', 'today', 'goodbye', 'please hold']);
    expect(text).toMatch(/how can i help you/);
    const msgs = await decodeSip(await capture.stop(), { sipPorts: [agent.port] });
    expect(msgs.some((m) => m.firstLine.startsWith('SIP/2.0 200'))).toBe(true);
    expect(formatLintFindings(lintSipMessages(msgs))).toBe('');
  });

  it('the capture path catches what tshark lets through: wrong Content-Length, CSeq x, m=audio abc', async () => {
    const port = await findFreePorts();
    const capture = await startCapture([port], { maxSeconds: 20 });
    const sdp = 'v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio abc RTP/AVP 0\r\n';
    const bad = [
      `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKa1\r\nMax-Forwards: 70\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 10\r\n\r\n`,
      `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKa2\r\nMax-Forwards: 70\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c2\r\nCSeq: x OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      `INVITE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKa3\r\nMax-Forwards: 70\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c3\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
    ];
    const sock = createSocket('udp4');
    for (const m of bad) await new Promise<void>((r) => sock.send(Buffer.from(m, 'latin1'), port, '127.0.0.1', () => r()));
    sock.close();
    const msgs = await decodeSip(await capture.stop(), { sipPorts: [port] });
    expect(msgs).toHaveLength(3);
    const rules = lintSipMessages(msgs).map((f) => `${f.firstLine.split(' ')[0]}:${f.rule}`);
    expect(rules).toEqual(['OPTIONS:content-length', 'OPTIONS:cseq', 'INVITE:sdp-media']);
  });
});
