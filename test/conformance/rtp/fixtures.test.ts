import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../fixtures/rtp');
const manifest = JSON.parse(readFileSync(join(ROOT, 'conformance-manifest.json'), 'utf8')) as {
  files: { file: string; size: number; sha256: string }[];
};
// The pcap was not copied: the JSON next to it carries every packet the tests use.
const NOT_COPIED = new Set(['dtmf/SIP_DTMF2.pcap']);

describe('copied RTP conformance fixtures are intact', () => {
  it('lists the files it should', () => {
    expect(manifest.files.length).toBe(28);
  });
  for (const f of manifest.files.filter((x) => !NOT_COPIED.has(x.file))) {
    it(`${f.file} has the manifest size and sha256`, () => {
      const path = join(ROOT, f.file);
      expect(existsSync(path)).toBe(true);
      const bytes = readFileSync(path);
      expect(bytes.length).toBe(f.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    });
  }
});
