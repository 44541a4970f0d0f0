/**
 * A voice codec instance for one direction of one stream. Stateful codecs (G.722's ADPCM, Opus)
 * keep state between frames, so a stream owns its own instances: create one per stream and
 * direction, never share.
 */
export interface Codec {
  /** Encoding name as in SDP rtpmap, e.g. `PCMU`, `PCMA`, `G722`, `opus`. */
  readonly name: string;
  /** Payload type: static (0, 8, 9) or the dynamic number negotiated for this stream. */
  readonly payloadType: number;
  /** RTP timestamp clock in Hz (G.722: 8000 although it samples at 16 kHz, RFC 3551 §4.5.2). */
  readonly clockRate: number;
  /** PCM sample rate in Hz that `encode` takes and `decode` returns. */
  readonly sampleRate: number;
  /** PCM channels `decode` returns (encode is always mono). */
  readonly channels: number;
  /** PCM samples per channel in one frame of `ptimeMs`. */
  readonly samplesPerFrame: number;
  /** Frame duration in milliseconds (20 unless negotiated otherwise). */
  readonly ptimeMs: number;
  /** RTP timestamp increment per frame. */
  readonly timestampStep: number;

  /** Encodes one frame of mono PCM into a new buffer. */
  encode(pcm: Int16Array): Uint8Array;
  /** Encodes one frame of mono PCM into `out`; returns bytes written. No allocation on this path. */
  encodeInto(pcm: Int16Array, out: Uint8Array): number;
  /** Decodes one payload into new PCM (interleaved when `channels` is 2). */
  decode(payload: Uint8Array): Int16Array;
  /** Decodes one payload into `out`; returns samples written (per all channels). */
  decodeInto(payload: Uint8Array, out: Int16Array): number;
  /** Releases native/WASM resources, if any. */
  close?(): void;
}
