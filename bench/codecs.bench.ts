/**
 * G.722 and Opus throughput in 20 ms frames, with the real-time factor (audio seconds coded per
 * CPU second = how many one-way streams one core could carry).
 *
 * G.722: sipprobe's TypeScript SB-ADPCM against ffmpeg's C implementation (run as a process:
 * the time of a 1 s input is subtracted from a 60 s input to remove start-up). Before timing,
 * ffmpeg's encoding and decoding of the bench signal must equal ours byte for byte.
 * Opus: sipprobe's OpusCodec (own glue over opusscript's WASM libopus) against opusscript's own
 * `OpusScript` wrapper: same libopus, so packets and PCM must be identical, and the ratio is
 * the cost of the glue. (`@discordjs/opus`, native, is not installed here; not measured.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { compare, printTable, type Row } from './harness';
import { G722Codec } from '../src/rtp/codecs/g722';
import { OpusCodec, isOpusAvailable } from '../src/rtp/codecs/opus';

const SECONDS = 2;

function signal(rate: number, seconds: number): Int16Array {
  const n = rate * seconds;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    pcm[i] = Math.round(9000 * Math.sin(2 * Math.PI * 440 * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t)) + 4000 * Math.sin(2 * Math.PI * (300 + 1500 * t) * t));
  }
  return pcm;
}

function realTime(title: string, rows: Row[], frameMs: number): void {
  for (const r of rows) console.log(`  ${title} ${r.name}: ${((r.opsPerSec * frameMs) / 1000).toFixed(0)}× real time`);
}

function hasFfmpeg(): boolean {
  return spawnSync('ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' }).status === 0;
}

function ffmpeg(args: string[], input: Uint8Array): { out: Buffer; seconds: number } {
  const t0 = process.hrtime.bigint();
  const out = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { input, maxBuffer: 256 << 20 });
  return { out, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

const ENC_ARGS = ['-f', 's16le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'g722', '-f', 'g722', 'pipe:1'];
const DEC_ARGS = ['-f', 'g722', '-i', 'pipe:0', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'];

/** ffmpeg's frames/s for encode and decode, excluding process start-up; checks equality with ours. */
function ffmpegG722(pcm: Int16Array): { enc: number; dec: number } {
  const long = new Int16Array(pcm.length * 30); // 60 s
  for (let k = 0; k < 30; k++) long.set(pcm, k * pcm.length);
  const short = long.subarray(0, 16000);
  const le = (a: Int16Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength); // x86/arm: little-endian
  const ours = new G722Codec().encode(long);
  const oursPcm = new G722Codec().decode(ours);
  let enc = Infinity;
  let dec = Infinity;
  for (let r = 0; r < 3; r++) {
    const e = ffmpeg(ENC_ARGS, le(long));
    const e1 = ffmpeg(ENC_ARGS, le(short));
    if (!e.out.equals(Buffer.from(ours))) throw new Error('ffmpeg G.722 encoding differs from sipprobe');
    const d = ffmpeg(DEC_ARGS, ours);
    const d1 = ffmpeg(DEC_ARGS, ours.subarray(0, 8000));
    if (!d.out.equals(le(oursPcm))) throw new Error('ffmpeg G.722 decoding differs from sipprobe');
    enc = Math.min(enc, Math.max(1e-3, e.seconds - e1.seconds));
    dec = Math.min(dec, Math.max(1e-3, d.seconds - d1.seconds));
  }
  const frames = (long.length - short.length) / 320;
  console.log('G.722: ffmpeg encodes and decodes the 60 s bench signal to exactly our bytes and samples');
  return { enc: frames / enc, dec: frames / dec };
}

function benchG722(): void {
  const pcm = signal(16000, SECONDS);
  const frames = pcm.length / 320;
  const enc = new G722Codec();
  const dec = new G722Codec();
  const payload = new Uint8Array(160);
  const out = new Int16Array(320);
  const bitstream = new G722Codec().encode(pcm);

  const encRows = compare('G.722 encode (20 ms frames)', 'frames', [
    {
      name: 'sipprobe G722Codec.encodeInto',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const f = i % frames;
          acc += enc.encodeInto(pcm.subarray(f * 320, f * 320 + 320), payload);
        }
        return acc + payload[7];
      },
    },
  ]);
  const decRows = compare('G.722 decode (20 ms frames)', 'frames', [
    {
      name: 'sipprobe G722Codec.decodeInto',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const f = i % frames;
          acc += dec.decodeInto(bitstream.subarray(f * 160, f * 160 + 160), out);
        }
        return acc + out[5];
      },
    },
  ]);
  if (hasFfmpeg()) {
    const ff = ffmpegG722(pcm);
    encRows.push({ name: 'ffmpeg 5.1 g722 (C, process)', opsPerSec: ff.enc });
    decRows.push({ name: 'ffmpeg 5.1 g722 (C, process)', opsPerSec: ff.dec });
    printTable('G.722 encode (20 ms frames), with ffmpeg', 'frames', encRows);
    printTable('G.722 decode (20 ms frames), with ffmpeg', 'frames', decRows);
  } else {
    console.log('(ffmpeg not installed: no G.722 peer row)');
  }
  realTime('G.722 encode', encRows, 20);
  realTime('G.722 decode', decRows, 20);
}

function benchOpus(): void {
  if (!isOpusAvailable()) {
    console.log('\n(opusscript not installed: Opus skipped)');
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const OpusScript = require('opusscript') as typeof import('opusscript');
  const pcm = signal(48000, SECONDS);
  const frames = pcm.length / 960;
  const views = Array.from({ length: frames }, (_, f) => pcm.subarray(f * 960, f * 960 + 960));
  const bufs = views.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength));

  // Same libopus, same settings: both must produce the same packets and PCM. One instance each
  // (opusscript's wrapper corrupts neighbours when several instances are alive).
  const ours = new OpusCodec();
  const theirs = new OpusScript(48000, 1, OpusScript.Application.VOIP);
  const packets: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    const a = ours.encode(views[f]);
    const b = theirs.encode(bufs[f], 960);
    if (!Buffer.from(a).equals(b)) throw new Error(`Opus packet ${f} differs between OpusCodec and OpusScript`);
    const da = ours.decode(a);
    const db = theirs.decode(b);
    if (!Buffer.from(da.buffer).equals(db)) throw new Error(`Opus PCM ${f} differs between OpusCodec and OpusScript`);
    packets.push(a);
  }
  console.log(`\nOpus: OpusCodec and opusscript's OpusScript give identical packets and PCM on ${frames} frames`);

  const packetBufs = packets.map((p) => Buffer.from(p));
  const packet = new Uint8Array(1500);
  const out = new Int16Array(960);
  const encRows = compare('Opus encode, 48 kHz mono VOIP (20 ms frames)', 'frames', [
    { name: 'sipprobe OpusCodec.encodeInto', run: (n) => { let acc = 0; for (let i = 0; i < n; i++) acc += ours.encodeInto(views[i % frames], packet); return acc; } },
    { name: 'opusscript OpusScript.encode', run: (n) => { let acc = 0; for (let i = 0; i < n; i++) acc += theirs.encode(bufs[i % frames], 960).length; return acc; } },
  ]);
  const decRows = compare('Opus decode, 48 kHz mono (20 ms frames)', 'frames', [
    { name: 'sipprobe OpusCodec.decodeInto', run: (n) => { let acc = 0; for (let i = 0; i < n; i++) acc += ours.decodeInto(packets[i % frames], out); return acc; } },
    { name: 'opusscript OpusScript.decode', run: (n) => { let acc = 0; for (let i = 0; i < n; i++) acc += theirs.decode(packetBufs[i % frames]).length; return acc; } },
  ]);
  realTime('Opus encode', encRows, 20);
  realTime('Opus decode', decRows, 20);
  ours.close();
  theirs.delete();
}

export default async function (): Promise<void> {
  benchG722();
  benchOpus();
}
