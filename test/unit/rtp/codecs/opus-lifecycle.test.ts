import { CodecError } from '../../../../src/rtp/errors';

// Each jest test file gets a fresh module registry, hence a fresh WASM instance with its
// initial 16 MiB heap: growth measured here is caused by this file alone.

describe('OpusCodec WASM memory', () => {
  it('close() frees: 500 create/close cycles do not grow the heap, 300 live codecs do', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { OpusCodec, loadOpusWasm } = require('../../../../src/rtp/codecs/opus') as typeof import('../../../../src/rtp/codecs/opus');
      const mod = loadOpusWasm();
      const pcm = new Int16Array(960).fill(1000);
      new OpusCodec({ channels: 2 }).close();
      const start = mod.HEAPU8.buffer.byteLength;
      for (let k = 0; k < 500; k++) {
        const c = new OpusCodec({ channels: 2 });
        c.decode(c.encode(pcm));
        c.close();
      }
      expect(mod.HEAPU8.buffer.byteLength).toBe(start);
      // The same measurement does see a leak: ~85 KB per stereo codec left open.
      const open = Array.from({ length: 300 }, () => new OpusCodec({ channels: 2 }));
      expect(mod.HEAPU8.buffer.byteLength).toBeGreaterThan(start);
      open.forEach((c) => c.close());
    });
  });
});

describe('without opusscript', () => {
  function missing(): never {
    throw Object.assign(new Error("Cannot find module 'opusscript'"), { code: 'MODULE_NOT_FOUND' });
  }

  it('creating an OpusCodec throws CodecError CODEC_UNAVAILABLE and isOpusAvailable() is false', () => {
    jest.isolateModules(() => {
      jest.doMock('opusscript/package.json', missing, { virtual: true });
      jest.doMock('opusscript/build/opusscript_native_wasm.js', missing, { virtual: true });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const opus = require('../../../../src/rtp/codecs/opus') as typeof import('../../../../src/rtp/codecs/opus');
      // The isolated registry has its own copy of the error classes.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const errors = require('../../../../src/rtp/errors') as typeof import('../../../../src/rtp/errors');
      expect(opus.isOpusAvailable()).toBe(false);
      let err: unknown;
      try {
        new opus.OpusCodec();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(errors.CodecError);
      expect((err as CodecError).code).toBe('CODEC_UNAVAILABLE');
      expect((err as CodecError).message).toMatch(/opusscript/);
    });
  });

  it('an opusscript outside the verified 0.1.x series is refused rather than trusted', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadOpusWasm } = require('../../../../src/rtp/codecs/opus') as typeof import('../../../../src/rtp/codecs/opus');
      const req = (id: string): unknown => {
        if (id === 'opusscript/package.json') return { version: '0.2.0' };
        throw new Error(`unexpected require ${id}`);
      };
      expect(() => loadOpusWasm(req)).toThrow(expect.objectContaining({ code: 'CODEC_UNAVAILABLE', message: expect.stringContaining('0.2.0') }));
      const noHandler = (id: string): unknown => (id === 'opusscript/package.json' ? { version: '0.1.1' } : () => ({}));
      expect(() => loadOpusWasm(noHandler)).toThrow(expect.objectContaining({ code: 'CODEC_UNAVAILABLE' }));
    });
  });
});
