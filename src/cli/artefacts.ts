/**
 * Writes a call's artefacts: JSON (file or stdout), HTML report, JUnit XML. The pcap is written
 * by the call itself (`CallOptions.pcap`); here it is only listed when it was completed.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CallResult } from '../caller/result';
import { toHtml, toJson, toJUnit, type JUnitOptions, type JUnitThresholds } from '../report';
import type { CliIo } from './io';

/** Writes `text` to `path` via a temporary file so that a reader never sees half a file. */
export function writeFileAtomic(path: string, text: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Where each artefact goes. */
export interface ArtefactTargets {
  json?: string;
  report?: string;
  junit?: string;
  /** Written during the call; listed when it exists and no capture failure was reported. */
  pcap?: string;
  expect?: string;
  /** Checked in the JUnit testcase (and by the CLI for its exit status). */
  thresholds?: JUnitThresholds;
  /** `--allow-voicemail`. */
  allowVoicemail?: boolean;
}

/** The verdict options of the JUnit artefact and of the CLI's exit status: one reading of the flags. */
export function verdictOptions(t: ArtefactTargets): JUnitOptions {
  return {
    ...(t.expect ? { expect: t.expect as CallResult['outcome'] } : {}),
    ...(t.thresholds ? { thresholds: t.thresholds } : {}),
    ...(t.allowVoicemail ? { allowVoicemail: true } : {}),
  };
}

/** Writes the requested artefacts; returns the paths written (stdout not included). */
export function writeArtefacts(result: CallResult, t: ArtefactTargets, io: CliIo): string[] {
  const written: string[] = [];
  if (t.json !== undefined) {
    const json = toJson(result);
    if (t.json === '-') io.stdout.write(`${json}\n`);
    else {
      writeFileAtomic(t.json, `${json}\n`);
      written.push(t.json);
    }
  }
  if (t.report !== undefined) {
    let audioWav: Buffer | undefined;
    if (result.audio?.recordingPath) {
      try {
        audioWav = readFileSync(result.audio.recordingPath);
      } catch {
        audioWav = undefined; // the report is still useful without the waveform
      }
    }
    writeFileAtomic(t.report, toHtml(result, audioWav ? { audioWav } : {}));
    written.push(t.report);
  }
  if (t.junit !== undefined) {
    writeFileAtomic(
      t.junit,
      toJUnit(result, verdictOptions(t)),
    );
    written.push(t.junit);
  }
  if (t.pcap !== undefined && t.pcap !== '-' && existsSync(t.pcap) && !result.warnings.some((w) => w.startsWith('PCAP_FAILED'))) written.push(t.pcap);
  return written;
}
