import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CallResult } from '../caller/result';
import { toJson } from '../report/json';
import { LoadError } from './errors';

/**
 * Appends one JSON document per line to a file as results arrive, so a long run never holds its
 * results in memory. Writes are buffered by the stream; `needsDrain` tells the caller to hold
 * new work until {@link JsonLinesWriter.drained} resolves.
 */
export class JsonLinesWriter {
  private stream: WriteStream;
  private failure: Error | null = null;
  private count = 0;
  private closed = false;
  // One wait shared by every caller: a listener per finished call would pile up under load.
  private pendingDrain: Promise<void> | null = null;

  private constructor(
    /** The file being written. */
    readonly path: string,
    stream: WriteStream,
  ) {
    this.stream = stream;
    stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** Creates (truncates) `path` and resolves once it is open. */
  static async open(path: string): Promise<JsonLinesWriter> {
    const stream = createWriteStream(path, { flags: 'w', highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => reject(new LoadError('LOAD_RESULTS_WRITE', `cannot write results to ${path}: ${err.message}`, { cause: err })));
    });
    return new JsonLinesWriter(path, stream);
  }

  /** Lines written (queued) so far. */
  get lines(): number {
    return this.count;
  }

  /** Whether the stream's buffer is over its high-water mark. */
  get needsDrain(): boolean {
    return this.stream.writableNeedDrain;
  }

  /** Resolves when the buffer has been flushed below the high-water mark (or at once). */
  drained(): Promise<void> {
    if (!this.stream.writableNeedDrain || this.failure) return Promise.resolve();
    this.pendingDrain ??= new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        this.pendingDrain = null;
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
    return this.pendingDrain;
  }

  /** Queues one line: `text` must be a single line of JSON (no raw newline). */
  writeLine(text: string): void {
    if (this.closed) throw new LoadError('LOAD_RESULTS_WRITE', `results file ${this.path} is already closed`);
    this.count++;
    this.stream.write(text + '\n');
  }

  /** Flushes and closes; rejects with `LOAD_RESULTS_WRITE` if any write failed. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await new Promise<void>((resolve) => {
        this.stream.end(() => resolve());
        this.stream.once('error', () => resolve());
      });
    }
    if (this.failure) throw new LoadError('LOAD_RESULTS_WRITE', `writing results to ${this.path} failed: ${this.failure.message}`, { cause: this.failure });
  }
}

/**
 * One result as one JSON line (the same document as `sipprobe call --json`, unindented). A
 * result JSON cannot carry faithfully (NaN, ±Infinity) is still written — those values become
 * null and a warning in the line says so — because dropping the call would lose it.
 */
export function resultLine(result: CallResult): string {
  try {
    return toJson(result, { indent: 0 });
  } catch (err) {
    const note = `not JSON-exact: ${(err as Error).message}`;
    const patched = { ...result, warnings: [...(Array.isArray(result.warnings) ? result.warnings : []), note] };
    const { schemaVersion, ...rest } = patched;
    return JSON.stringify({ schemaVersion, ...rest }, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? null : typeof v === 'bigint' ? v.toString() : v,
    );
  }
}

/** Reads a JSON-lines file one parsed document at a time (blank lines skipped). */
export async function* readJsonLines(path: string): AsyncGenerator<unknown> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch (err) {
      rl.close();
      throw new LoadError('LOAD_RESULTS_READ', `${path}:${n}: not a JSON line (${(err as Error).message})`);
    }
  }
}
