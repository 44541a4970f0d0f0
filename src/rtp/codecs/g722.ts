import { SipprobeError } from '../../errors';
import { CodecError } from '../errors';
import type { Codec } from './codec';
import { G722Decoder } from './g722-decoder';
import { G722Encoder } from './g722-encoder';

export { G722Decoder } from './g722-decoder';
export { G722Encoder } from './g722-encoder';

/**
 * PCM handed to the G.722 encoder with an odd number of samples (`G722_ODD_LENGTH`): the
 * codec consumes sample pairs. Bad options and short output buffers are {@link CodecError}s
 * (`CODEC_INVALID_OPTION`, `CODEC_BUFFER_TOO_SMALL`), as for every codec.
 */
export class G722Error extends SipprobeError {
  declare readonly code: 'G722_ODD_LENGTH';

  constructor(message: string) {
    super('G722_ODD_LENGTH', message);
  }
}

/** Options of {@link G722Codec}. */
export interface G722CodecOptions {
  /** RTP payload type; G.722 is static 9 (RFC 3551), override only if an SBC remaps it. */
  payloadType?: number;
  /** Frame duration in ms (default 20). */
  ptimeMs?: number;
}

/**
 * ITU-T G.722 at 64 kbit/s as an RTP codec (RFC 3551 §4.5.2): 16 kHz mono PCM, one octet per
 * two samples, RTP clock 8000 Hz although audio is sampled at 16 kHz, so a 20 ms frame is 320
 * samples, 160 octets and a timestamp step of 160. Holds one encoder and one decoder state:
 * use one instance per stream and direction.
 */
export class G722Codec implements Codec {
  readonly name = 'G722';
  readonly payloadType: number;
  readonly clockRate = 8000;
  readonly sampleRate = 16000;
  readonly channels = 1;
  readonly samplesPerFrame: number;
  readonly ptimeMs: number;
  readonly timestampStep: number;
  private readonly encoder = new G722Encoder();
  private readonly decoder = new G722Decoder();

  constructor(options: G722CodecOptions = {}) {
    const pt = options.payloadType ?? 9;
    const ptime = options.ptimeMs ?? 20;
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new CodecError('CODEC_INVALID_OPTION', `payload type ${pt} is not 0…127`);
    if (!Number.isInteger(ptime) || ptime < 1 || ptime > 1000) throw new CodecError('CODEC_INVALID_OPTION', `ptime ${ptime} ms is not 1…1000`);
    this.payloadType = pt;
    this.ptimeMs = ptime;
    this.samplesPerFrame = 16 * ptime;
    this.timestampStep = 8 * ptime;
  }

  /** Encodes mono 16 kHz PCM (any even length, normally one frame) into a new payload. */
  encode(pcm: Int16Array): Uint8Array {
    const out = new Uint8Array(pcm.length >> 1);
    this.encodeInto(pcm, out);
    return out;
  }

  /**
   * Encodes into `out` (at least pcm.length / 2 bytes); returns bytes written. No allocation.
   * @throws {@link G722Error} for an odd sample count, {@link CodecError} if `out` is too small.
   */
  encodeInto(pcm: Int16Array, out: Uint8Array): number {
    if ((pcm.length & 1) !== 0) {
      throw new G722Error(`G.722 encodes sample pairs; got ${pcm.length} samples`);
    }
    const n = pcm.length >> 1;
    if (out.length < n) throw new CodecError('CODEC_BUFFER_TOO_SMALL', `output holds ${out.length} bytes, need ${n}`);
    return this.encoder.encodeRange(pcm, 0, pcm.length, out, 0);
  }

  /** Decodes a payload (any bytes are valid G.722) into new 16 kHz PCM, two samples per byte. */
  decode(payload: Uint8Array): Int16Array {
    const out = new Int16Array(payload.length * 2);
    this.decoder.decodeRange(payload, 0, payload.length, out, 0);
    return out;
  }

  /**
   * Decodes into `out` (at least 2 × payload.length samples); returns samples written. No
   * allocation. @throws {@link CodecError} `CODEC_BUFFER_TOO_SMALL` if `out` is too small.
   */
  decodeInto(payload: Uint8Array, out: Int16Array): number {
    const n = payload.length * 2;
    if (out.length < n) throw new CodecError('CODEC_BUFFER_TOO_SMALL', `output holds ${out.length} samples, need ${n}`);
    return this.decoder.decodeRange(payload, 0, payload.length, out, 0);
  }

  /** Resets both directions to the initial state, e.g. after a re-INVITE starts a new stream. */
  reset(): void {
    this.encoder.reset();
    this.decoder.reset();
  }
}
