/**
 * Turns parsed `call` options into what the Caller needs, checking every input before any
 * socket opens: the profile file, the headers (via buildTestHeaders: a bad one is exit 2 and
 * nothing is sent), the WAV to play, the output paths.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildTestHeaders, TestHeaderError, type TestHeaderSet, type TestProfile } from '../headers';
import { isOpusAvailable } from '../rtp/codecs/opus';
import { isCodecSupported, supportedCodecNames } from '../rtp/codecs/registry';
import { isSipUri, parseUri } from '../sip';
import { normalizeAdvertisedAddress } from '../call-media/local-address';
import type { CallCommandOptions } from './args';
import { CliInputError } from './input-error';

/** Largest profile file read (a profile is a few KiB; this bounds memory on a wrong path). */
const MAX_PROFILE_BYTES = 1024 * 1024;

/** Reads and checks a profile JSON file (`{ name, information: { main_agent_variables, testing_agent_variables } }`). */
export function readProfileFile(path: string): TestProfile {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CliInputError(`--profile ${path}: not a file`);
    if (st.size > MAX_PROFILE_BYTES) throw new CliInputError(`--profile ${path}: larger than 1 MiB`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof CliInputError) throw e;
    throw new CliInputError(`--profile ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliInputError(`--profile ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliInputError(`--profile ${path}: must be a JSON object`);
  return value as TestProfile;
}

/** The test headers of a call, validated. */
export function prepareTestHeaders(opts: Pick<CallCommandOptions, 'runId' | 'scenarioId' | 'resultId' | 'headers'>, profile: TestProfile | undefined): TestHeaderSet {
  try {
    return buildTestHeaders({ runId: opts.runId, scenarioId: opts.scenarioId, resultId: opts.resultId }, profile, opts.headers);
  } catch (e) {
    if (e instanceof TestHeaderError) throw new CliInputError(`bad header: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Checks that a WAV to play exists. */
export function checkInputFile(path: string | undefined, flag: string): string | undefined {
  if (path === undefined) return undefined;
  const p = resolve(path);
  if (!existsSync(p) || !statSync(p).isFile()) throw new CliInputError(`${flag} ${path}: no such file`);
  return p;
}

/** Checks that an output file's directory exists (`-` is stdout). */
export function checkOutputPath(path: string | undefined, flag: string): string | undefined {
  if (path === undefined || path === '-') return path;
  const p = resolve(path);
  const dir = dirname(p);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliInputError(`${flag} ${path}: directory ${dir} does not exist`);
  return p;
}

/** Checks the target: a sip:/sips: URI without whitespace and without a password in it. */
export function checkTargetUri(target: string): void {
  let uri;
  try {
    uri = parseUri(target);
  } catch {
    uri = undefined;
  }
  if (!uri || !isSipUri(uri) || /[\s\0]/.test(target)) {
    throw new CliInputError(`not a SIP URI: ${JSON.stringify(target.slice(0, 200))} (expected e.g. sip:agent@host:5060)`);
  }
  // RFC 3261 §19.1.1: a password in a URI is NOT RECOMMENDED; it would land in every result and report.
  if (uri.password !== undefined) throw new CliInputError('the target URI holds a password: give the user with -u and the password with -p or SIPPROBE_PASSWORD');
}

/** Checks `--codecs`: every name known, and Opus only when its optional dependency loads. */
export function checkCodecNames(codecs: readonly string[] | undefined): void {
  for (const name of codecs ?? []) {
    if (!isCodecSupported(name)) throw new CliInputError(`--codecs: unknown codec ${JSON.stringify(name.slice(0, 40))} (known: ${supportedCodecNames().join(', ')})`);
    if (name.toLowerCase() === 'opus' && !isOpusAvailable()) throw new CliInputError('--codecs: opus needs the optional dependency opusscript (npm install opusscript)');
  }
}

/** Checks `--advertise`: an IPv4/IPv6 literal or a host name, nothing that could inject into a header. */
export function checkAdvertise(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const a = normalizeAdvertisedAddress(address);
  if (a === null) throw new CliInputError('--advertise: an IPv4/IPv6 address or a host name (not 0.0.0.0 or ::)');
  return a;
}

/** Said on stderr when `-p` was used: other local users can read a process's arguments. */
export const PASSWORD_ON_COMMAND_LINE_NOTE = 'sipprobe: note: a password given with -p is visible to other users of this machine (ps); SIPPROBE_PASSWORD is not\n';
