/** Audio: WAV read/write, resampling, mono/stereo helpers and the two-channel call recorder. Knows nothing of SIP or RTP (it borrows only the pure G.711 decoders). */
export { WavFormatError, WavWriteError, AudioArgumentError } from './errors';
export { readWav, readWavFile } from './wav-reader';
export type { WavAudio, WavEncoding, ReadWavFileOptions } from './wav-reader';
export { WavWriter, encodeWav } from './wav-writer';
export type { WavWriterOptions } from './wav-writer';
export { downmixToMono, deinterleavePcm, interleavePcm } from './pcm';
export { Resampler, resamplePcm, wavToMonoPcm } from './resampler';
export { StereoRecorder } from './stereo-recorder';
export type { StereoChannel, StereoRecorderOptions, StereoRecorderStats } from './stereo-recorder';
