/** The call command's verdict: --expect and thresholds into the exit status and JUnit; --pcap and --transcribe mapped and checked. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, type CallCommandOptions } from '../../../src/cli/args';
import { prepareCall, reportCall } from '../../../src/cli/call-command';
import { CliInputError } from '../../../src/cli/input-error';
import type { CallResult } from '../../../src/caller/result';
import { PocketsphinxTranscriber } from '../../../src/metrics';
import { memoryIo } from '../../helpers/cli-io';

const FIXTURES = join(__dirname, '../../fixtures/report');
const fixture = (name: string): CallResult => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as CallResult;

const io = memoryIo;

const base: CallCommandOptions = { target: 'sip:agent@127.0.0.1:5080', headers: [], transport: 'udp', insecure: false };
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sipprobe-cli-verdict-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('prepareCall: pcap, thresholds, transcriber', () => {
  it('--pcap becomes the call option (resolved against cwd) and an artefact', () => {
    const p = prepareCall({ ...base, pcap: 'out.pcap' }, { cwd: dir });
    expect(p.options.pcap).toBe(join(dir, 'out.pcap'));
    expect(p.outputs.pcap).toBe(join(dir, 'out.pcap'));
  });

  it('--pcap refuses stdout and a missing directory', () => {
    expect(() => prepareCall({ ...base, pcap: '-' }, { cwd: dir })).toThrow(/--pcap needs a file path/);
    expect(() => prepareCall({ ...base, pcap: 'nodir/x.pcap' }, { cwd: dir })).toThrow(/--pcap .*does not exist/);
  });

  it('thresholds are kept only when given', () => {
    expect(prepareCall(base, { cwd: dir }).outputs.thresholds).toBeUndefined();
    const p = prepareCall({ ...base, maxLatencyP90Ms: 2000, minMos: 3.5, maxLossPercent: 1 }, { cwd: dir });
    expect(p.outputs.thresholds).toEqual({ maxLatencyP90Ms: 2000, minMos: 3.5, maxLossPercent: 1 });
  });

  it('--transcribe: only pocketsphinx, and only when its binary is on PATH', () => {
    expect(() => prepareCall({ ...base, transcribe: 'whisper' }, { cwd: dir, env: { PATH: '/usr/bin' } })).toThrow(/only "pocketsphinx"/);
    const e = (() => {
      try {
        prepareCall({ ...base, transcribe: 'pocketsphinx' }, { cwd: dir, env: { PATH: dir } });
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(CliInputError);
    expect((e as Error).message).toMatch(/pocketsphinx_continuous is not on PATH .*apt-get install pocketsphinx/);
  });

  it('--transcribe pocketsphinx with the binary present: a PocketsphinxTranscriber (or a clear model error)', () => {
    // a fake binary on PATH: the model check is what decides now
    writeFileSync(join(dir, 'pocketsphinx_continuous'), '#!/bin/sh\n', { mode: 0o755 });
    let p;
    try {
      p = prepareCall({ ...base, transcribe: 'pocketsphinx' }, { cwd: dir, env: { PATH: dir } });
    } catch (e) {
      expect(e).toBeInstanceOf(CliInputError);
      expect((e as Error).message).toMatch(/model file .* not found/);
      return;
    }
    expect(p.options.transcriber).toBeInstanceOf(PocketsphinxTranscriber);
  });
});

describe('reportCall: exit status and reasons', () => {
  const prepared = (extra: Partial<CallCommandOptions>) => prepareCall({ ...base, ...extra }, { cwd: dir });

  it('completed with no thresholds: exit 0, no FAILED line', () => {
    const x = io();
    expect(reportCall(fixture('completed.json'), prepared({}), x)).toBe(0);
    expect(x.err).toMatch(/^COMPLETED/);
    expect(x.err).not.toMatch(/FAILED/);
  });

  it('a loss threshold that fails: exit 1 with the reason; one that holds: exit 0', () => {
    const x = io();
    expect(reportCall(fixture('completed.json'), prepared({ maxLossPercent: 0.5 }), x)).toBe(1);
    expect(x.err).toMatch(/FAILED: RTP loss 0\.8% exceeds 0\.5%/);
    const y = io();
    expect(reportCall(fixture('completed.json'), prepared({ maxLossPercent: 1 }), y)).toBe(0);
    expect(y.err).not.toMatch(/FAILED/);
  });

  it('latency and MOS thresholds without measurements fail (a gate that cannot be checked is not passed)', () => {
    const x = io();
    const r = fixture('completed.json');
    expect(r.metrics).toBeNull();
    expect(reportCall(r, prepared({ maxLatencyP90Ms: 2000, minMos: 3 }), x)).toBe(1);
    expect(x.err).toMatch(/FAILED: turn latency p90 not measured \(threshold 2000 ms\)/);
    expect(x.err).toMatch(/FAILED: MOS not estimated \(threshold 3\)/);
  });

  it('--expect busy makes a busy call pass and a completed one fail', () => {
    const x = io();
    expect(reportCall(fixture('busy.json'), prepared({ expect: 'busy' }), x)).toBe(0);
    const y = io();
    expect(reportCall(fixture('completed.json'), prepared({ expect: 'busy' }), y)).toBe(1);
    expect(y.err).toMatch(/FAILED: outcome completed .*expected busy/);
    const z = io();
    expect(reportCall(fixture('busy.json'), prepared({}), z)).toBe(1);
    expect(z.err).toMatch(/FAILED: outcome busy \(486 Busy Here/);
  });

  it('a completed call that reached voicemail: exit 1 with the beep named; --allow-voicemail: exit 0; the JUnit agrees', () => {
    const vm: CallResult = { ...fixture('completed.json'), endReason: 'voicemail', voicemail: { beepStartMs: 5120, beepEndMs: 5700, beepFrequencyHz: 1000 } };
    const x = io();
    const junit = join(dir, 'vm.xml');
    expect(reportCall(vm, prepared({ junit }), x)).toBe(1);
    expect(x.err).toContain('FAILED: reached voicemail: an answering-machine beep (1000 Hz) at 5.12 s, not the agent');
    expect(readFileSync(junit, 'utf8')).toMatch(/failures="1"/);
    expect(parseCli(['call', base.target, '--allow-voicemail'], {})).toMatchObject({ options: { allowVoicemail: true } });
    const y = io();
    expect(reportCall(vm, prepared({ junit, allowVoicemail: true }), y)).toBe(0);
    expect(y.err).not.toContain('FAILED');
    expect(readFileSync(junit, 'utf8')).toMatch(/failures="0"/);
  });

  it('an unreachable call reports its error code', () => {
    const x = io();
    const r = fixture('unreachable.json');
    expect(reportCall(r, prepared({}), x)).toBe(1);
    if (r.outcome === 'error' && r.error) expect(x.err).toContain(`FAILED: ${r.error.code}`);
    else expect(x.err).toMatch(new RegExp(`FAILED: outcome ${r.outcome}`));
  });

  it('the JUnit file carries the same thresholds and --expect', () => {
    const junit = join(dir, 'out.xml');
    const x = io();
    expect(reportCall(fixture('completed.json'), prepared({ junit, maxLossPercent: 0.5 }), x)).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<failure message="[^"]*RTP loss 0\.8% exceeds 0\.5%/);
    expect(x.err).toContain(`wrote ${junit}`);
    const ok = join(dir, 'ok.xml');
    expect(reportCall(fixture('busy.json'), prepared({ junit: ok, expect: 'busy' }), io())).toBe(0);
    expect(readFileSync(ok, 'utf8')).not.toMatch(/<failure/);
  });

  it('lists the pcap as written only when the file exists and no capture failure was reported', () => {
    const pcap = join(dir, 'c.pcap');
    const x = io();
    reportCall(fixture('completed.json'), prepared({ pcap: 'c.pcap' }), x);
    expect(x.err).not.toContain('wrote');
    writeFileSync(pcap, Buffer.alloc(24));
    const y = io();
    reportCall(fixture('completed.json'), prepared({ pcap: 'c.pcap' }), y);
    expect(y.err).toContain(`wrote ${pcap}`);
    const z = io();
    reportCall({ ...fixture('completed.json'), warnings: ['PCAP_FAILED: PCAP_WRITE: disk full'] }, prepared({ pcap: 'c.pcap' }), z);
    expect(z.err).not.toContain(`wrote ${pcap}`);
  });
});
