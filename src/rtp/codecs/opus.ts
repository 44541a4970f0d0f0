/**
 * Opus (RFC 6716, RTP payload RFC 7587) through `opusscript`'s WebAssembly build of libopus 1.4.
 *
 * `opusscript` is an optional dependency, loaded on first use; without it, creating an
 * {@link OpusCodec} throws a {@link CodecError} `CODEC_UNAVAILABLE` and nothing else changes.
 *
 * We drive opusscript's compiled `OpusScriptHandler` directly instead of its `OpusScript`
 * wrapper. The 0.1.x wrapper addresses its WASM buffers at twice their allocated address
 * (a `Uint16Array.subarray` indexed with a byte pointer), so its scratch buffers land inside
 * other instances' memory: with a handful of concurrent instances (one per call and direction
 * here) encoders corrupt each other, and with eight we saw "memory access out of bounds". It
 * also caches heap views that go stale when the WASM memory grows, and allocates a Buffer per
 * call. Here every buffer is allocated at its real address, heap views are re-read on each call,
 * and encodeInto/decodeInto copy straight into the caller's arrays.
 */
import { createRequire } from 'module';
import { join } from 'path';
import { SipprobeError } from '../../errors';
import { CodecError } from '../errors';
import type { Codec } from './codec';

/** Why an Opus operation failed; also the `code` of the {@link OpusError} thrown for it. */
export type OpusErrorCode =
  /** A payload libopus rejects (or that is empty, or longer than any real Opus packet). */
  | 'OPUS_INVALID_PACKET'
  /** `encode` got a PCM length other than `samplesPerFrame`. */
  | 'OPUS_BAD_FRAME'
  /** The codec was used after `close()`. */
  | 'OPUS_CLOSED'
  /** libopus reported an internal error. */
  | 'OPUS_INTERNAL';

/** An Opus encode/decode failure. Misuse of options or buffers is a {@link CodecError}. */
export class OpusError extends SipprobeError {
  declare readonly code: OpusErrorCode;

  constructor(code: OpusErrorCode, message: string) {
    super(code, message);
  }
}

/** Options of {@link OpusCodec}. */
export interface OpusCodecOptions {
  /** Dynamic RTP payload type negotiated in SDP (default 111). */
  payloadType?: number;
  /** Frame duration: 10, 20, 40 or 60 ms (default 20). */
  ptimeMs?: number;
  /**
   * Channels `decode` returns: 1 (default) or 2. SDP always says `opus/48000/2` (RFC 7587 §7);
   * that is not this value: the decoder renders any Opus stream, mono or stereo, in the
   * channel count chosen here.
   */
  channels?: number;
  /** Encoder target bitrate in bit/s (6000…510000); default libopus's own choice. */
  bitrate?: number;
  /** In-band forward error correction (RFC 7587 `useinbandfec`); default off. */
  inbandFec?: boolean;
  /** Expected packet loss in percent (0…100), which tunes FEC; default 0. */
  packetLossPercent?: number;
}

const SAMPLE_RATE = 48000;
const APPLICATION_VOIP = 2048;
/** The output size opusscript's compiled `_encode` passes to opus_encode (3 × 1276). */
const MAX_PACKET = 3828;
/** 120 ms at 48 kHz: the most audio one Opus packet can carry (RFC 6716 §3.2.5). */
const MAX_FRAME = 5760;
const CTL_SET_BITRATE = 4002;
const CTL_SET_INBAND_FEC = 4012;
const CTL_SET_PACKET_LOSS_PERC = 4014;
const OPUS_INVALID_PACKET = -4;

interface OpusHandler {
  _encode(pcmPtr: number, samples: number, outPtr: number, frameSize: number): number;
  _decode(inPtr: number, length: number, pcmPtr: number): number;
  _encoder_ctl(request: number, value: number): number;
  _decoder_ctl(request: number, value: number): number;
}

/** The parts of opusscript's Emscripten module this file uses. */
export interface OpusWasmModule {
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  OpusScriptHandler: {
    new (sampleRate: number, channels: number, application: number): OpusHandler;
    destroy_handler(handler: OpusHandler): void;
  };
}

type RequireFn = (id: string) => unknown;

let cached: OpusWasmModule | undefined;

function defaultRequire(): RequireFn {
  // CommonJS (tests, the CJS build): this module's own require, resolving from sipprobe's
  // location. An ESM bundle has no usable `require` (esbuild swaps in a shim that throws), but
  // also no `__filename`, which is how it is told apart; it resolves from the application's
  // directory, where npm puts optional dependencies.
  if (typeof __filename === 'string' && typeof require === 'function') return require;
  return createRequire(join(process.cwd(), 'sipprobe-opus-loader.js'));
}

/**
 * Loads opusscript's WASM module once per process. An explicit `req` (used by tests to simulate
 * a missing or different package) bypasses the cache.
 * @throws {@link CodecError} `CODEC_UNAVAILABLE` when opusscript is missing or not a 0.1.x build.
 */
export function loadOpusWasm(req?: RequireFn): OpusWasmModule {
  if (!req && cached) return cached;
  const explicit = req !== undefined;
  req ??= defaultRequire();
  let version: string;
  let mod: OpusWasmModule;
  try {
    version = String((req('opusscript/package.json') as { version?: unknown }).version);
    // The handler's calling convention (one byte per 16-bit cell on input and output) is
    // internal to opusscript; accept only the series it was verified against.
    if (!/^0\.1\./.test(version)) {
      throw new CodecError('CODEC_UNAVAILABLE', `opusscript ${version} is not supported (need 0.1.x)`);
    }
    const factory = req('opusscript/build/opusscript_native_wasm.js') as () => OpusWasmModule;
    mod = factory();
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw new CodecError(
      'CODEC_UNAVAILABLE',
      'Opus needs the optional dependency opusscript (npm install opusscript)',
      { cause: e },
    );
  }
  if (typeof mod?.OpusScriptHandler !== 'function' || typeof mod._malloc !== 'function') {
    throw new CodecError('CODEC_UNAVAILABLE', `opusscript ${version} does not expose the expected WASM interface`);
  }
  if (!explicit) cached = mod;
  return mod;
}

let warmed = false;

/**
 * True when opusscript can be loaded, i.e. {@link OpusCodec} can be created. The first positive
 * answer also runs one throwaway encode and decode: V8 compiles WASM functions on first call,
 * which took 20–60 ms here, and that stall belongs before the INVITE (where the offer asks this),
 * not in the first frames of a call.
 */
export function isOpusAvailable(): boolean {
  try {
    loadOpusWasm();
  } catch {
    return false;
  }
  if (!warmed) {
    warmed = true;
    const codec = new OpusCodec({});
    try {
      codec.decode(codec.encode(new Int16Array(codec.samplesPerFrame)));
    } finally {
      codec.close();
    }
  }
  return true;
}

/**
 * Samples per channel (at 48 kHz) that an Opus packet decodes to, from its TOC byte and frame
 * count (RFC 6716 §3.1–3.2); -1 if the header is not a valid Opus packet header.
 */
export function opusPacketSampleCount(packet: Uint8Array): number {
  if (packet.length === 0) return -1;
  const toc = packet[0];
  const config = toc >> 3;
  let perFrame: number;
  if (config < 12) perFrame = [480, 960, 1920, 2880][config & 3]; // SILK-only 10/20/40/60 ms
  else if (config < 16) perFrame = (config & 1) === 0 ? 480 : 960; // hybrid 10/20 ms
  else perFrame = 120 << (config & 3); // CELT-only 2.5/5/10/20 ms
  let frames: number;
  switch (toc & 3) {
    case 0: frames = 1; break;
    case 1: case 2: frames = 2; break;
    default:
      if (packet.length < 2) return -1;
      frames = packet[1] & 0x3f;
  }
  const total = frames * perFrame;
  return frames === 0 || total > MAX_FRAME ? -1 : total;
}

/** WASM resources of one codec, freed by close() or, as a fallback, by the GC. */
interface OpusResources {
  mod: OpusWasmModule;
  encoder: OpusHandler;
  /** The same handler as `encoder` when decoding mono (a handler holds one encoder and one decoder). */
  decoder: OpusHandler;
  ptrs: number[];
}

function release(res: OpusResources): void {
  if (res.encoder) res.mod.OpusScriptHandler.destroy_handler(res.encoder);
  if (res.decoder && res.decoder !== res.encoder) res.mod.OpusScriptHandler.destroy_handler(res.decoder);
  for (const p of res.ptrs) res.mod._free(p);
  res.ptrs.length = 0;
}

const finalizer = new FinalizationRegistry<OpusResources>(release);

/**
 * Opus at 48 kHz for RTP: mono encode (application VOIP), mono or stereo decode, RTP clock
 * 48000, 20 ms frames of 960 samples by default. Holds WASM memory: call {@link OpusCodec.close}
 * when the stream ends (a finalizer frees it if you forget, but later).
 */
export class OpusCodec implements Codec {
  readonly name = 'opus';
  readonly payloadType: number;
  readonly clockRate = SAMPLE_RATE;
  readonly sampleRate = SAMPLE_RATE;
  readonly channels: number;
  readonly samplesPerFrame: number;
  readonly ptimeMs: number;
  readonly timestampStep: number;
  private res: OpusResources | undefined;
  private readonly pcmIn: number;
  private readonly packetOut: number;
  private readonly packetIn: number;
  private readonly pcmOut: number;

  /**
   * @throws {@link CodecError} `CODEC_UNAVAILABLE` without opusscript, `CODEC_INVALID_OPTION`
   * for bad options.
   */
  constructor(options: OpusCodecOptions = {}) {
    const pt = options.payloadType ?? 111;
    const ptime = options.ptimeMs ?? 20;
    const channels = options.channels ?? 1;
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw invalid(`payload type ${pt} is not 0…127`);
    if (ptime !== 10 && ptime !== 20 && ptime !== 40 && ptime !== 60) throw invalid(`ptime ${ptime} ms is not 10, 20, 40 or 60`);
    if (channels !== 1 && channels !== 2) throw invalid(`channels ${channels} is not 1 or 2`);
    const { bitrate, packetLossPercent } = options;
    if (bitrate !== undefined && !(Number.isInteger(bitrate) && bitrate >= 6000 && bitrate <= 510000)) {
      throw invalid(`bitrate ${bitrate} is not 6000…510000`);
    }
    if (packetLossPercent !== undefined && !(Number.isInteger(packetLossPercent) && packetLossPercent >= 0 && packetLossPercent <= 100)) {
      throw invalid(`packetLossPercent ${packetLossPercent} is not 0…100`);
    }
    this.payloadType = pt;
    this.ptimeMs = ptime;
    this.channels = channels;
    this.samplesPerFrame = (SAMPLE_RATE / 1000) * ptime;
    this.timestampStep = this.samplesPerFrame;

    const mod = loadOpusWasm();
    const res: OpusResources = { mod, encoder: undefined as unknown as OpusHandler, decoder: undefined as unknown as OpusHandler, ptrs: [] };
    try {
      res.encoder = new mod.OpusScriptHandler(SAMPLE_RATE, 1, APPLICATION_VOIP);
      res.decoder = channels === 1 ? res.encoder : new mod.OpusScriptHandler(SAMPLE_RATE, channels, APPLICATION_VOIP);
      // The handler takes PCM as one byte per 16-bit cell (it packs them in place), and
      // returns decoded PCM the same way: 4 bytes of WASM memory per sample.
      this.pcmIn = alloc(mod, res, this.samplesPerFrame * 4);
      this.packetOut = alloc(mod, res, MAX_PACKET);
      this.packetIn = alloc(mod, res, MAX_PACKET);
      this.pcmOut = alloc(mod, res, MAX_FRAME * channels * 4);
      if (bitrate !== undefined) ctl(res.encoder, CTL_SET_BITRATE, bitrate);
      if (options.inbandFec) ctl(res.encoder, CTL_SET_INBAND_FEC, 1);
      if (packetLossPercent !== undefined) ctl(res.encoder, CTL_SET_PACKET_LOSS_PERC, packetLossPercent);
    } catch (e) {
      release(res);
      if (e instanceof SipprobeError) throw e;
      throw new OpusError('OPUS_INTERNAL', `libopus could not create the codec: ${String(e)}`);
    }
    this.res = res;
    finalizer.register(this, res, this);
  }

  /** Encodes one frame of mono 48 kHz PCM (`samplesPerFrame` samples) into a new packet. */
  encode(pcm: Int16Array): Uint8Array {
    const res = this.live();
    const n = this.encodeToWasm(res, pcm);
    return res.mod.HEAPU8.slice(this.packetOut, this.packetOut + n);
  }

  /**
   * Encodes one frame into `out`; returns bytes written. No JS allocation.
   * @throws {@link CodecError} `CODEC_BUFFER_TOO_SMALL`, {@link OpusError} `OPUS_BAD_FRAME`.
   */
  encodeInto(pcm: Int16Array, out: Uint8Array): number {
    const res = this.live();
    const n = this.encodeToWasm(res, pcm);
    if (out.length < n) throw new CodecError('CODEC_BUFFER_TOO_SMALL', `output holds ${out.length} bytes, packet is ${n}`);
    out.set(res.mod.HEAPU8.subarray(this.packetOut, this.packetOut + n));
    return n;
  }

  /**
   * Decodes one packet into new PCM (interleaved when `channels` is 2).
   * @throws {@link OpusError} `OPUS_INVALID_PACKET` for a payload that is not Opus.
   */
  decode(payload: Uint8Array): Int16Array {
    const res = this.live();
    const samples = this.checkPacket(payload);
    const out = new Int16Array(samples * this.channels);
    this.decodeFromWasm(res, payload, out);
    return out;
  }

  /**
   * Decodes one packet into `out`; returns samples written (all channels). No JS allocation.
   * The size is checked from the packet header before decoding, so a too-small `out` leaves
   * the decoder state untouched.
   */
  decodeInto(payload: Uint8Array, out: Int16Array): number {
    const res = this.live();
    const need = this.checkPacket(payload) * this.channels;
    if (out.length < need) throw new CodecError('CODEC_BUFFER_TOO_SMALL', `output holds ${out.length} samples, packet needs ${need}`);
    return this.decodeFromWasm(res, payload, out);
  }

  /** Frees the WASM encoder, decoder and buffers. Idempotent; later calls throw `OPUS_CLOSED`. */
  close(): void {
    const res = this.res;
    if (!res) return;
    this.res = undefined;
    finalizer.unregister(this);
    release(res);
  }

  /** True once {@link OpusCodec.close} has run. */
  get closed(): boolean {
    return this.res === undefined;
  }

  private live(): OpusResources {
    if (!this.res) throw new OpusError('OPUS_CLOSED', 'Opus codec used after close()');
    return this.res;
  }

  private encodeToWasm(res: OpusResources, pcm: Int16Array): number {
    const frame = this.samplesPerFrame;
    if (pcm.length !== frame) throw new OpusError('OPUS_BAD_FRAME', `Opus encodes frames of ${frame} samples; got ${pcm.length}`);
    const heap = res.mod.HEAPU16; // re-read: memory growth replaces the views
    let cell = this.pcmIn >> 1;
    for (let i = 0; i < frame; i++) {
      const s = pcm[i];
      heap[cell++] = s & 0xff;
      heap[cell++] = (s >> 8) & 0xff;
    }
    const n = res.encoder._encode(this.pcmIn, frame, this.packetOut, frame);
    if (n < 0) throw new OpusError('OPUS_INTERNAL', `opus_encode failed (${n})`);
    return n;
  }

  /** Header check shared by decode paths; returns samples per channel. */
  private checkPacket(payload: Uint8Array): number {
    const samples = opusPacketSampleCount(payload);
    if (samples < 0 || payload.length > MAX_PACKET) {
      throw new OpusError('OPUS_INVALID_PACKET', `not an Opus packet (${payload.length} bytes)`);
    }
    return samples;
  }

  private decodeFromWasm(res: OpusResources, payload: Uint8Array, out: Int16Array): number {
    res.mod.HEAPU8.set(payload, this.packetIn);
    const n = res.decoder._decode(this.packetIn, payload.length, this.pcmOut);
    if (n < 0) {
      throw new OpusError(n === OPUS_INVALID_PACKET ? 'OPUS_INVALID_PACKET' : 'OPUS_INTERNAL', `opus_decode rejected the packet (${n})`);
    }
    const total = n * this.channels;
    if (total > out.length) throw new OpusError('OPUS_INTERNAL', `decoder returned ${n} samples, header said fewer`);
    const heap = res.mod.HEAPU16;
    let cell = this.pcmOut >> 1;
    for (let i = 0; i < total; i++) {
      out[i] = heap[cell] | (heap[cell + 1] << 8); // Int16Array wraps the 16-bit pattern to signed
      cell += 2;
    }
    return total;
  }
}

function invalid(message: string): CodecError {
  return new CodecError('CODEC_INVALID_OPTION', message);
}

function alloc(mod: OpusWasmModule, res: OpusResources, bytes: number): number {
  const p = mod._malloc(bytes);
  if (!p) throw new OpusError('OPUS_INTERNAL', 'WASM allocation failed');
  res.ptrs.push(p);
  return p;
}

function ctl(handler: OpusHandler, request: number, value: number): void {
  const r = handler._encoder_ctl(request, value);
  if (r < 0) throw new OpusError('OPUS_INTERNAL', `opus_encoder_ctl(${request}, ${value}) failed (${r})`);
}
