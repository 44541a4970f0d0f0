/** `sipprobe report result.json --html out.html [--junit out.xml]`: renders a saved result again. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCallResultJson } from '../report';
import { writeArtefacts } from './artefacts';
import { CliInputError } from './input-error';
import { EXIT_COMPLETED, type CliIo } from './io';

/** Options of the `report` command, as parsed by `parseCli`. */
export interface ReportCommandOptions {
  input: string;
  html?: string;
  junit?: string;
}

/** Reads and validates a CallResult JSON file, then writes the requested artefacts. */
export async function runReportCommand(o: ReportCommandOptions, io: CliIo): Promise<number> {
  const path = resolve(io.cwd, o.input);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliInputError(`cannot read ${o.input}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let result;
  try {
    result = parseCallResultJson(text);
  } catch (e) {
    throw new CliInputError(`${o.input} is not a sipprobe call result: ${(e as Error).message}`);
  }
  const written = writeArtefacts(
    result,
    { report: o.html && resolve(io.cwd, o.html), junit: o.junit && resolve(io.cwd, o.junit) },
    io,
  );
  io.stderr.write(written.map((p) => `wrote ${p}\n`).join(''));
  return EXIT_COMPLETED;
}
