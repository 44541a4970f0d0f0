/**
 * An answerer that renumbers dynamic payload types (RFC 3264 §6.1 allows it): our offer says
 * Opus 111 and telephone-event 101, the answer says 96 and 97. We must send with 96/97 and keep
 * receiving on 111/101 — the numbers of our own offer, which the answerer sends with.
 * The far end is an RtpSession configured as such an answerer; the near end a MediaLeg that
 * only sees the SDP.
 */
import { MediaLeg } from '../../src/call-media';
import { isOpusAvailable, OpusCodec } from '../../src/rtp/codecs/opus';
import { PcmuCodec } from '../../src/rtp/codecs/g711';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { RtpSession } from '../../src/rtp/session';

jest.setTimeout(15_000);

const pool = new RtpPortPool({ min: 38400, max: 38599 });

async function waitFor(pred: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function tone(rate: number, ms: number, hz: number, amp = 8000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** The answer to `offer` a renumbering far end gives: same codecs, other dynamic numbers. */
function renumberedAnswer(offer: string, port: number, map: Record<number, number>): string {
  const codecLines = offer.split('\r\n').filter((l) => /^a=(rtpmap|fmtp):(\d+) /.test(l) && Number(/:(\d+)/.exec(l)![1]) in map);
  const renumber = (l: string): string => l.replace(/:(\d+) /, (_m, pt: string) => `:${map[Number(pt)]} `);
  return [
    'v=0',
    'o=far 7 7 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${Object.values(map).join(' ')}`,
    ...codecLines.map(renumber),
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** Payload types arriving on the far end's RTP socket (what the MediaLeg sends). */
function watchPayloadTypes(sock: import('node:dgram').Socket): Set<number> {
  const seen = new Set<number>();
  sock.on('message', (m: Buffer) => seen.add(m[1] & 0x7f));
  return seen;
}

const opus = isOpusAvailable() ? describe : describe.skip;

opus('answer renumbers Opus (111 → 96) and telephone-event (101 → 97)', () => {
  test('audio and DTMF flow both ways; nothing is dropped for its payload type', async () => {
    const leg = await MediaLeg.create({ portPool: pool, codecs: ['opus', 'PCMU'] });
    const farPorts = await pool.allocate();
    let far: RtpSession | undefined;
    try {
      const offer = leg.createOffer();
      expect(offer).toContain('a=rtpmap:111 opus/48000/2');
      expect(offer).toContain('a=rtpmap:101 telephone-event/8000');
      // the far end: sends with the offer's numbers, receives on the ones of its answer
      far = await RtpSession.open({
        codec: new OpusCodec({ payloadType: 111 }),
        receiveCodec: new OpusCodec({ payloadType: 96 }),
        receivePayloadType: 96,
        telephoneEventPayloadType: 101,
        receiveTelephoneEventPayloadType: 97,
        telephoneEventClockRate: 8000,
        ports: farPorts,
        rtcp: false,
        remote: { address: '127.0.0.1', port: leg.localPort },
      });
      const seenByFar = watchPayloadTypes(farPorts.rtpSocket);
      const negotiated = await leg.applyAnswer(renumberedAnswer(offer, farPorts.port, { 111: 96, 101: 97 }));
      expect(negotiated).toMatchObject({ codec: 'opus', payloadType: 96, localPayloadType: 111, dtmfPayloadType: 97, localDtmfPayloadType: 101 });

      // far → near: Opus on 111 and a digit on 101 are taken
      const nearDigits: string[] = [];
      leg.on('dtmf', (e) => nearDigits.push(e.digit));
      far.sendAudio(tone(48000, 400, 440));
      await waitFor(() => (leg.stats()?.received.packets ?? 0) > 10);
      await far.sendDtmf('7', { toneMs: 100, gapMs: 0 });
      await waitFor(() => nearDigits.length === 1);
      expect(nearDigits).toEqual(['7']);
      const nearStats = leg.stats()!;
      expect(nearStats.dropped.unexpectedPayloadType).toBe(0);
      expect(nearStats.received.dtmfPackets).toBeGreaterThan(0);

      // near → far: sent on 96 and 97, which the far end accepts
      const farDigits: Array<{ digit: string | null; durationMs: number }> = [];
      far.on('dtmf', (e) => farDigits.push({ digit: e.digit, durationMs: e.durationMs }));
      await leg.sendDtmf('3', { toneMs: 120, gapMs: 0 });
      await waitFor(() => farDigits.length === 1);
      expect(farDigits[0].digit).toBe('3');
      // the event's clock is telephone-event/8000 from the SDP, not Opus's 48000
      expect(farDigits[0].durationMs).toBeGreaterThanOrEqual(100);
      expect(farDigits[0].durationMs).toBeLessThanOrEqual(160);
      const farStats = far.stats();
      expect(farStats.received.packets).toBeGreaterThan(10);
      expect(farStats.dropped.unexpectedPayloadType).toBe(0);
      expect([...seenByFar].sort((a, b) => a - b)).toEqual([96, 97]);
    } finally {
      await far?.close();
      await farPorts.release();
      await leg.close();
    }
  });
});

describe('renumbered answer without Opus (works everywhere)', () => {
  test('telephone-event 101 → 97 beside PCMU: DTMF both ways', async () => {
    const leg = await MediaLeg.create({ portPool: pool, codecs: ['PCMU'] });
    const farPorts = await pool.allocate();
    let far: RtpSession | undefined;
    try {
      const offer = leg.createOffer();
      far = await RtpSession.open({
        codec: new PcmuCodec(),
        telephoneEventPayloadType: 101,
        receiveTelephoneEventPayloadType: 97,
        ports: farPorts,
        rtcp: false,
        remote: { address: '127.0.0.1', port: leg.localPort },
      });
      const seenByFar = watchPayloadTypes(farPorts.rtpSocket);
      const n = await leg.applyAnswer(renumberedAnswer(offer, far.localPort, { 0: 0, 101: 97 }));
      expect(n).toMatchObject({ payloadType: 0, localPayloadType: 0, dtmfPayloadType: 97, localDtmfPayloadType: 101 });
      const nearDigits: string[] = [];
      leg.on('dtmf', (e) => nearDigits.push(e.digit));
      const farDigits: Array<string | null> = [];
      far.on('dtmf', (e) => farDigits.push(e.digit));
      await Promise.all([far.sendDtmf('9', { toneMs: 80, gapMs: 0 }), leg.sendDtmf('4', { toneMs: 80, gapMs: 0 })]);
      await waitFor(() => nearDigits.length === 1 && farDigits.length === 1);
      expect(nearDigits).toEqual(['9']);
      expect(farDigits).toEqual(['4']);
      expect(leg.stats()!.dropped.unexpectedPayloadType).toBe(0);
      expect(far.stats().dropped.unexpectedPayloadType).toBe(0);
      // audio resumes (silence) once the digit is out
      await waitFor(() => seenByFar.has(0));
      expect([...seenByFar].sort((a, b) => a - b)).toEqual([0, 97]);
    } finally {
      await far?.close();
      await farPorts.release();
      await leg.close();
    }
  });
});
