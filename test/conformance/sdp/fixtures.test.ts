import { createHash } from 'node:crypto';
import { fixture, manifest } from './manifest';

describe('SDP conformance fixtures are intact', () => {
  const files = manifest.entries.flatMap((e) => e.files);

  it('lists the 86 fixture files of the shared material', () => {
    expect(new Set(files.map((f) => f.file)).size).toBe(86);
  });

  it.each(files.map((f) => [f.file, f] as const))('%s has the manifest size and sha256', (_name, f) => {
    const bytes = fixture(f.file);
    expect(bytes.length).toBe(f.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
  });
});
