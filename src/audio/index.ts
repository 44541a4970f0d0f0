export { WavFormatError, WavWriteError, AudioArgumentError } from './errors';
export { readWav, readWavFile } from './wav-reader';
export type { WavAudio, WavEncoding, ReadWavFileOptions } from './wav-reader';
export { WavWriter, encodeWav } from './wav-writer';
export type { WavWriterOptions } from './wav-writer';
export { downmixToMono, deinterleavePcm, interleavePcm } from './pcm';
export { Resampler, resamplePcm } from './resampler';
export { StereoRecorder } from './stereo-recorder';
export type { StereoChannel, StereoRecorderOptions, StereoRecorderStats } from './stereo-recorder';
