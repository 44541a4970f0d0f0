/** The part of `@echogarden/fvad-wasm` (libfvad, Emscripten) the VAD benchmark uses; the package ships no types. */
declare module '@echogarden/fvad-wasm' {
  export interface FvadModule {
    _fvad_new(): number;
    _fvad_set_sample_rate(inst: number, rate: number): number;
    _fvad_set_mode(inst: number, mode: number): number;
    /** 1 voice, 0 no voice, −1 error. */
    _fvad_process(inst: number, ptr: number, samples: number): number;
    _malloc(bytes: number): number;
    HEAP16: Int16Array;
  }
  const factory: () => Promise<FvadModule>;
  export default factory;
}
