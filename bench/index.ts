/**
 * `npm run bench [-- filter]`: runs every `bench/*.bench.ts` (or those whose name contains the
 * filter) in this one process, so sipprobe and its peers are measured on the same machine state.
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
    .sort();
  console.log(`sipprobe benchmarks — node ${process.version}, ${cpus().length} cores, ${cpus()[0]?.model ?? ''}`);
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { default: () => Promise<void> | void };
    await mod.default();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
