/**
 * Child process for the WavWriter crash tests: appends 160-sample frames with a known pattern
 * and reports each acknowledged (returned) write to the parent over IPC.
 * argv: <path> <mode> where mode is `kill` (wait to be killed), `sigint-close` (close on SIGINT),
 * or `throw` (throw an uncaught exception after 20 frames).
 */
import { WavWriter } from '../../../src/audio/wav-writer';

const [path, mode] = process.argv.slice(2);
const FRAME = 160;
const w = WavWriter.open(path, { sampleRate: 8000, channels: 1 });
const buf = new Int16Array(FRAME);
let frames = 0;

if (mode === 'sigint-close') {
  process.on('SIGINT', () => {
    w.close();
    process.send?.({ closed: frames }, () => process.exit(0));
  });
}

function step(): void {
  for (let j = 0; j < FRAME; j++) buf[j] = ((frames * 7 + j * 13) & 0xffff) - 0x8000;
  w.write(buf);
  frames++;
  process.send?.({ acked: frames });
  if (mode === 'throw' && frames === 20) throw new Error('simulated crash');
  setImmediate(step);
}
step();
