/**
 * SDP parse + serialize of a typical offer (softphone: opus, G.722, PCMU, PCMA, telephone-event,
 * rtcp, rtcp-mux, ssrc) and a typical answer (FreeSWITCH style), sipprobe vs sdp-transform.
 * One operation = parse the offer, read its codecs, write it; then the same for the answer.
 * Before timing, both contenders' results are checked equal: ports, protocols, codecs (payload
 * type, name, clock rate, channels), fmtp, ptime, direction, connection address, and text written.
 */
import { strict as assert } from 'node:assert';
import { getSdpCodecs, getSdpDirection, getSdpPtime, parseSdp, serializeSdp } from '../src/sdp';
import { compare } from './harness';

/** The slice of sdp-transform's API used here (the package ships no type declarations). */
interface TransformSession {
  connection?: { ip: string };
  media: {
    type: string;
    port: number;
    protocol: string;
    rtp: { payload: number; codec: string; rate?: number; encoding?: string | number }[];
    fmtp: { payload: number; config: string }[];
    ptime?: number;
    direction?: string;
  }[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdpTransform = require('sdp-transform') as { parse(text: string): TransformSession; write(s: TransformSession): string };

const OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 192.168.1.23',
  's=-',
  'c=IN IP4 192.168.1.23',
  't=0 0',
  'm=audio 49170 RTP/AVP 111 9 0 8 101',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=rtcp:49171 IN IP4 192.168.1.23',
  'a=rtcp-mux',
  'a=ssrc:2983497522 cname:sipprobe-bench',
  'a=sendrecv',
  '',
].join('\r\n');

const ANSWER = [
  'v=0',
  'o=FreeSWITCH 1480155434 1480155435 IN IP4 10.0.2.15',
  's=FreeSWITCH',
  'c=IN IP4 10.0.2.15',
  't=0 0',
  'm=audio 17472 RTP/AVP 9 101',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

interface Summary {
  address: string | undefined;
  media: {
    type: string;
    port: number;
    proto: string;
    codecs: { pt: number; name: string; rate: number; channels: number; fmtp?: string }[];
    ptime?: number;
    direction: string;
  }[];
}

function oursSummary(text: string): Summary {
  const s = parseSdp(text);
  return {
    address: s.connection?.address,
    media: s.media.map((m) => ({
      type: m.type,
      port: m.port,
      proto: m.proto,
      codecs: getSdpCodecs(m).map((c) => ({ pt: c.payloadType, name: c.name, rate: c.clockRate, channels: c.channels ?? 1, ...(c.fmtp !== undefined ? { fmtp: c.fmtp } : {}) })),
      ptime: getSdpPtime(m),
      direction: getSdpDirection(m, s),
    })),
  };
}

function theirsSummary(text: string): Summary {
  const s = sdpTransform.parse(text);
  return {
    address: s.connection?.ip,
    media: s.media.map((m) => ({
      type: m.type,
      port: m.port,
      proto: m.protocol,
      codecs: m.rtp.map((r) => {
        const fmtp = m.fmtp.find((f) => f.payload === r.payload)?.config;
        return { pt: r.payload, name: r.codec, rate: r.rate ?? 0, channels: Number(r.encoding ?? 1), ...(fmtp !== undefined ? { fmtp } : {}) };
      }),
      ptime: m.ptime,
      direction: m.direction ?? 'sendrecv',
    })),
  };
}

function sipprobeOp(text: string): number {
  const s = parseSdp(text);
  let n = 0;
  for (const m of s.media) n += getSdpCodecs(m).length;
  return n + serializeSdp(s).length;
}

function sdpTransformOp(text: string): number {
  const s = sdpTransform.parse(text);
  let n = 0;
  for (const m of s.media) n += m.rtp.length;
  return n + sdpTransform.write(s).length;
}

export default async function (): Promise<void> {
  for (const text of [OFFER, ANSWER]) {
    assert.deepEqual(oursSummary(text), theirsSummary(text));
    // Both write the body back; each must re-read to the same content, and ours is byte-exact.
    assert.equal(serializeSdp(parseSdp(text)), text);
    assert.deepEqual(theirsSummary(sdpTransform.write(sdpTransform.parse(text))), oursSummary(text));
  }
  compare('SDP parse + codecs + serialize (offer + answer)', 'pairs', [
    {
      name: 'sipprobe parseSdp/serializeSdp',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += sipprobeOp(OFFER) + sipprobeOp(ANSWER);
        return acc;
      },
    },
    {
      name: 'sdp-transform parse/write',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += sdpTransformOp(OFFER) + sdpTransformOp(ANSWER);
        return acc;
      },
    },
  ]);
}
