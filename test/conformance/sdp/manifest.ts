/** Typed access to test/fixtures/sdp/manifest.json (read as raw bytes). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '../../fixtures/sdp');

export interface ManifestCodec {
  encoding: string;
  pt_in_offer: number;
  pt_in_answer: number;
}

export interface ManifestStream {
  m_index: number;
  media: string;
  accepted: boolean;
  codecs?: ManifestCodec[];
  offer_direction?: string;
  answer_direction?: string;
  offerer_sends?: boolean;
  answerer_sends?: boolean;
  offerer_sends_to?: string;
  answerer_sends_to?: string;
}

export interface ManifestExchange {
  step: number;
  offer: string;
  answer: string;
  m_lines_offer: number;
  m_lines_answer: number;
  negotiated: ManifestStream[];
}

export interface ManifestEntry {
  id: string;
  observation: string | null;
  exchanges: ManifestExchange[];
  files: { file: string; size: number; sha256: string }[];
}

export const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json')).toString('utf8')) as { entries: ManifestEntry[] };

export function fixture(file: string): Buffer {
  return readFileSync(join(FIXTURES, file));
}

/** Splits "host:port" at the last colon. */
export function hostPort(s: string): { address: string; port: number } {
  const i = s.lastIndexOf(':');
  return { address: s.slice(0, i), port: Number(s.slice(i + 1)) };
}
