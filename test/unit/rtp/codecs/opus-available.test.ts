/**
 * Opus tests elsewhere skip when the optional dependency opusscript is missing (a user may
 * install without optional packages). In this checkout it is installed by `npm install`, so a
 * missing Opus is a broken install, not a reason to skip silently. Set SIPPROBE_ALLOW_NO_OPUS=1
 * to run the suite on purpose without it.
 */
import { isOpusAvailable } from '../../../../src/rtp/codecs/opus';

const allowMissing = process.env.SIPPROBE_ALLOW_NO_OPUS === '1';

(allowMissing ? test.skip : test)('opusscript loads, so the Opus tests really run', () => {
  expect(isOpusAvailable()).toBe(true);
});
