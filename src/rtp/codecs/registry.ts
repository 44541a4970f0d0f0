/**
 * Creates {@link Codec} instances by SDP encoding name (case-insensitive: `PCMU`, `pcma`, `opus`).
 * Adding a codec is one entry in `BUILTIN` below (plus its import).
 */
import type { Codec } from './codec';
import { PcmaCodec, PcmuCodec } from './g711';
import { G722Codec } from './g722';
import { OpusCodec } from './opus';
import { CodecError } from '../errors';

/** Options every codec factory accepts; a codec ignores what does not apply to it. */
export interface CodecCreateOptions {
  /** Payload type negotiated for the stream; default the codec's static or customary one. */
  readonly payloadType?: number;
  /** Frame duration in ms; default 20. */
  readonly ptimeMs?: number;
  /** Channels `decode` returns (Opus may decode stereo); default 1. */
  readonly channels?: number;
}

/** Builds one codec instance for one stream direction. */
export type CodecFactory = (options: CodecCreateOptions) => Codec;

const BUILTIN: ReadonlyArray<readonly [string, CodecFactory]> = [
  ['PCMU', (o) => new PcmuCodec(o)],
  ['PCMA', (o) => new PcmaCodec(o)],
  ['G722', (o) => new G722Codec(o)],
  ['opus', (o) => new OpusCodec(o)],
];

// A Map, not an object, so names such as `__proto__` or `constructor` from a hostile SDP are just unknown.
const factories = new Map<string, CodecFactory>(BUILTIN.map(([name, f]) => [name.toLowerCase(), f]));

/**
 * Creates a new codec instance (one per stream and direction: stateful codecs keep state).
 * @throws {@link CodecError} `CODEC_UNKNOWN` for names not registered, or the codec's own errors
 * (`CODEC_INVALID_OPTION`, `CODEC_UNAVAILABLE`).
 */
export function createCodec(name: string, options: CodecCreateOptions = {}): Codec {
  const factory = factories.get(name.toLowerCase());
  if (!factory) throw new CodecError('CODEC_UNKNOWN', `no codec named ${JSON.stringify(name.slice(0, 64))}`);
  return factory(options);
}

/** True when {@link createCodec} knows `name` (case-insensitive). */
export function isCodecSupported(name: string): boolean {
  return factories.has(name.toLowerCase());
}

/** Registered codec names, lower-case, in registration order. */
export function supportedCodecNames(): string[] {
  return [...factories.keys()];
}

/**
 * Adds or replaces a codec factory at run time (e.g. an opt-in native Opus adapter).
 * Replacing affects only instances created afterwards.
 */
export function registerCodec(name: string, factory: CodecFactory): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(name)) throw new CodecError('CODEC_INVALID_OPTION', 'codec name must be an SDP encoding name token');
  factories.set(name.toLowerCase(), factory);
}
