/**
 * Every exchange of the shared SDP material, both ways:
 *  - as offerer: the real answer goes through negotiateSdp/processAnswer and must give the manifest's result;
 *  - as answerer: an answerer with the real answerer's codecs, ports, addresses and direction wish
 *    answers the real offer with createAnswer, and the exchange must negotiate the same result.
 */
import {
  SdpNegotiationError,
  createAnswer,
  getSdpCodecs,
  getSdpDirection,
  negotiateSdp,
  parseSdp,
  processAnswer,
  serializeSdp,
  type Sdp,
  type SdpAnswerCapabilities,
  type SdpDirection,
  type SdpStreamNegotiation,
} from '../../../src/sdp';
import { fixture, hostPort, manifest, type ManifestExchange, type ManifestStream } from './manifest';

const cases = manifest.entries.flatMap((e) => e.exchanges.map((x) => [`${e.id} step ${x.step}`, x] as const));

function encoding(c: { name: string; clockRate: number }): string {
  return `${c.name.toLowerCase()}/${c.clockRate}`;
}

function isPrimary(encodingName: string): boolean {
  return !encodingName.startsWith('telephone-event/') && !encodingName.startsWith('cn/');
}

/** The stream processAnswer must pick: the first accepted audio stream with a real (non-event) codec. */
function expectedAudio(x: ManifestExchange): ManifestStream | undefined {
  return x.negotiated.find((n) => n.media === 'audio' && n.accepted && n.codecs!.some((c) => isPrimary(c.encoding)));
}

function expectStreamsMatch(got: SdpStreamNegotiation[], want: ManifestStream[], ptInAnswer: (c: { pt_in_offer: number; pt_in_answer: number }) => number): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i];
    expect({ i, media: g.media, accepted: g.accepted }).toEqual({ i, media: w.media, accepted: w.accepted });
    if (!w.accepted) return;
    expect(g.codecs.map((c) => ({ encoding: encoding(c), pt_in_offer: c.offerPayloadType, pt_in_answer: c.answerPayloadType }))).toEqual(
      w.codecs!.map((c) => ({ encoding: c.encoding, pt_in_offer: c.pt_in_offer, pt_in_answer: ptInAnswer(c) })),
    );
    expect(g.offerDirection).toBe(w.offer_direction);
    expect(g.offererSends).toBe(w.offerer_sends);
    expect(g.answererSends).toBe(w.answerer_sends);
    expect(g.offererSendsTo).toEqual(hostPort(w.offerer_sends_to!));
    expect(g.answererSendsTo).toEqual(hostPort(w.answerer_sends_to!));
  });
}

describe.each(cases)('%s as offerer', (_name, x) => {
  const offerBytes = fixture(x.offer);
  const answerBytes = fixture(x.answer);
  const offer = parseSdp(offerBytes);
  const answer = parseSdp(answerBytes);

  it('parses both bodies and writes them back byte for byte', () => {
    expect(offer.media.length).toBe(x.m_lines_offer);
    expect(answer.media.length).toBe(x.m_lines_answer);
    expect(serializeSdp(offer)).toBe(offerBytes.toString('utf8'));
    expect(serializeSdp(answer)).toBe(answerBytes.toString('utf8'));
  });

  it('negotiates every m-line as the manifest says', () => {
    const streams = negotiateSdp(offer, answer);
    expectStreamsMatch(streams, x.negotiated, (c) => c.pt_in_answer);
    x.negotiated.forEach((w, i) => {
      if (w.accepted) expect(streams[i].answerDirection).toBe(w.answer_direction);
    });
  });

  it('processAnswer picks the audio codec, payload types, address and direction', () => {
    const w = expectedAudio(x);
    if (!w) {
      // Only RFC 4317 §5.1 step 1 (no m= lines at all) has no audio stream.
      expect(x.negotiated).toHaveLength(0);
      expect(() => processAnswer(offerBytes, answerBytes)).toThrow(SdpNegotiationError);
      try {
        processAnswer(offer, answer);
      } catch (e) {
        expect((e as SdpNegotiationError).code).toBe('SDP_NO_AUDIO_STREAM');
      }
      return;
    }
    const r = processAnswer(offerBytes, answerBytes);
    const main = w.codecs!.find((c) => isPrimary(c.encoding))!;
    const te = w.codecs!.find((c) => c.encoding === 'telephone-event/8000');
    const to = hostPort(w.offerer_sends_to!);
    expect(r.mIndex).toBe(w.m_index);
    expect(`${r.codec.toLowerCase()}/${r.clockRate}`).toBe(main.encoding);
    expect(r.payloadType).toBe(main.pt_in_answer);
    expect(r.localPayloadType).toBe(main.pt_in_offer);
    expect(r.dtmfPayloadType).toBe(te?.pt_in_answer);
    expect(r.localDtmfPayloadType).toBe(te?.pt_in_offer);
    expect({ address: r.remoteAddress, port: r.remotePort }).toEqual(to);
    expect(r.localDirection).toBe(w.offer_direction);
    expect(r.remoteDirection).toBe(w.answer_direction);
    expect(r.sends).toBe(w.offerer_sends);
    expect(r.receives).toBe(w.answerer_sends);
  });
});

/** RFC 3264 §6.1: which answer directions are legal for an offered direction. */
function legalAnswer(offerDir: string, answerDir: string): boolean {
  if (offerDir === 'sendonly') return answerDir === 'recvonly' || answerDir === 'inactive';
  if (offerDir === 'recvonly') return answerDir === 'sendonly' || answerDir === 'inactive';
  if (offerDir === 'inactive') return answerDir === 'inactive';
  return true;
}

function mirror(d: string): string {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

/** An answerer configured like the real one: its codecs, ports, addresses and direction per m-line. */
function capabilitiesLike(realAnswer: Sdp): SdpAnswerCapabilities {
  const sessionAddress = realAnswer.connection?.address ?? realAnswer.media.find((m) => m.connection)?.connection?.address ?? '127.0.0.1';
  return {
    address: sessionAddress,
    port: realAnswer.media.find((m) => m.port > 0)?.port ?? 9,
    order: 'local',
    dtmf: false,
    streams: realAnswer.media.map((m) =>
      m.port === 0
        ? { port: 0 }
        : {
            port: m.port,
            address: m.connection?.address,
            direction: getSdpDirection(m, realAnswer) as SdpDirection,
            codecs: getSdpCodecs(m).map((c) => ({ name: c.name, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp })),
          },
    ),
  };
}

describe.each(cases)('%s as answerer', (_name, x) => {
  const offer = parseSdp(fixture(x.offer));
  const realAnswer = parseSdp(fixture(x.answer));
  const ours = createAnswer(offer, capabilitiesLike(realAnswer));

  it('answers with one m-line per offered m-line, as well-formed SDP', () => {
    expect(ours.answer.media.length).toBe(offer.media.length);
    expect(serializeSdp(parseSdp(ours.text))).toBe(ours.text);
  });

  it('negotiates the same result, keeping the offerer payload numbers', () => {
    const streams = negotiateSdp(offer, parseSdp(ours.text));
    // We keep the offerer's payload numbers (RFC 3264 §6.1 SHOULD); RFC 4317 §2.3's answerer renumbered 97 -> 99.
    expectStreamsMatch(streams, x.negotiated, (c) => c.pt_in_offer);
    x.negotiated.forEach((w, i) => {
      if (!w.accepted) return;
      // Where the printed answer breaks RFC 3264 §6.1 (RFC 4317 §3.2 answers sendonly with sendrecv) we give the strict answer.
      const want = legalAnswer(w.offer_direction!, w.answer_direction!) ? w.answer_direction : mirror(w.offer_direction!);
      expect(streams[i].answerDirection).toBe(want);
    });
  });

  it('reports the audio stream it negotiated', () => {
    const w = expectedAudio(x);
    if (!w) {
      expect(ours.negotiated).toBeUndefined();
      return;
    }
    const n = ours.negotiated!;
    const main = w.codecs!.find((c) => isPrimary(c.encoding))!;
    expect(n.mIndex).toBe(w.m_index);
    expect(`${n.codec.toLowerCase()}/${n.clockRate}`).toBe(main.encoding);
    expect(n.payloadType).toBe(main.pt_in_offer);
    expect(n.localPayloadType).toBe(main.pt_in_offer);
    expect({ address: n.remoteAddress, port: n.remotePort }).toEqual(hostPort(w.answerer_sends_to!));
    expect(n.remoteDirection).toBe(w.offer_direction);
    expect(n.sends).toBe(w.answerer_sends);
    expect(n.receives).toBe(w.offerer_sends);
  });
});
