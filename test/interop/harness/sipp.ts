/**
 * SIPp 3.6.1 peers (UAS "agent" and UAC reference caller), spawned directly from Node with the
 * scenarios in test/interop/scenarios/ — the same invocations as the shared kit's
 * sipp-uas.sh / sipp-uac.sh, without depending on that kit at test time.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { spawnPeer, makeLogDir, pollUntil, runTool, DEFAULT_MAX_SECONDS, type ManagedProcess } from './process';
import { findFreePorts, isUdpBound } from './ports';

/** Folder of the copied SIPp scenarios. */
export const SCENARIO_DIR = resolve(__dirname, '..', 'scenarios');

/** UAS behaviours available as `uas-<name>.xml`. */
export type SippUasScenario =
  | 'basic'
  | 'hangup'
  | 'busy'
  | 'noanswer'
  | 'early-media'
  | 'auth401'
  | 'auth401-sha256'
  | 'reinvite';

/** UAC behaviours available as `uac-<name>.xml`. */
export type SippUacScenario = 'basic' | 'auth' | 'wait-bye' | 'busy' | 'cancel' | 'early-media' | 'reinvite';

/** What SIPp does with media. */
export type SippMedia =
  | 'echo'
  | 'none'
  | { play: string; codec?: 'pcmu' | 'pcma'; loops?: number }
  | { pcap: string };

/** Handle on a running SIPp. */
export interface SippPeer {
  /** SIP port (UDP) on 127.0.0.1. */
  readonly port: number;
  /** RTP port (even). */
  readonly mediaPort: number;
  /** Folder of every log of this peer. */
  readonly logDir: string;
  /** The effective scenario file. */
  readonly scenarioFile: string;
  /** The process. */
  readonly process: ManagedProcess;
  /** Every SIP message SIPp sent and received so far (`-trace_msg`). */
  messagesLog(): string;
  /** Scenario `<log>` lines (`INVITE received, X-Run-Id=…`, `AUTH OK`). */
  logsLog(): string;
  /** Unexpected messages / errors. */
  errorsLog(): string;
  /** Final statistics screen (written at exit). */
  screenLog(): string;
  /** Console output of SIPp. */
  consoleLog(): string;
  /** Resolves with SIPp's exit code: 0 all calls as scripted, 1 some failed, 124 hard-killed. */
  wait(): Promise<number>;
  /** Stops it (SIGTERM, SIGKILL after 3 s); resolves with the exit code. */
  stop(): Promise<number>;
}

/** Options shared by UAS and UAC. */
interface SippCommon {
  /** Our SIP port; a free one by default. */
  port?: number;
  /** RTP port (even); a free block by default. */
  mediaPort?: number;
  /** The scenario's single pause (`sipp -d`), ms. */
  delayMs?: number;
  /** Media handling; UAS default `echo`, UAC default `none`. */
  media?: SippMedia;
  /** Exit after N calls (`-m N`). */
  calls?: number;
  /** Hard lifetime, seconds (default 60). SIPp's own `-timeout` is set to it too. */
  maxSeconds?: number;
  /** Log folder (default: a fresh one). */
  logDir?: string;
  /** Extra raw SIPp arguments. */
  extraArgs?: readonly string[];
}

/** Options of {@link startSippUas}. */
export interface SippUasOptions extends SippCommon {
  /** A scenario name or a path to your own XML. Default `basic`. */
  scenario?: SippUasScenario | string;
  /** Digest credentials for auth401*: default alice / secret / sipp-agent.test. */
  user?: string;
  password?: string;
  realm?: string;
  /** Payload types kept in the SDP answer (subset of 0 8 101). */
  answerPts?: readonly number[];
}

/** Options of {@link startSippUac}. */
export interface SippUacOptions extends SippCommon {
  /** The UAS port on 127.0.0.1 to call. */
  targetPort: number;
  /** A scenario name or a path to your own XML. Default `basic`. */
  scenario?: SippUacScenario | string;
  /** Value of `X-Run-Id`. */
  runId?: string;
  /** Request-URI user part. Default `agent`. */
  service?: string;
  /** Digest credentials (`-au/-ap`), default alice / secret. */
  user?: string;
  password?: string;
  /** Also offer opus/48000/2 (PT 111) first. */
  offerOpus?: boolean;
  /** Calls per second (`-r`), default 10. */
  rate?: number;
}

const DEFAULT_DELAY: Partial<Record<string, number>> = { hangup: 5000, 'early-media': 3000, reinvite: 2000 };

function scenarioPath(kind: 'uas' | 'uac', scenario: string): string {
  if (scenario.endsWith('.xml') || scenario.includes('/')) {
    const p = isAbsolute(scenario) ? scenario : resolve(scenario);
    if (!existsSync(p)) throw new Error(`SIPp scenario ${p} not found`);
    return p;
  }
  const p = join(SCENARIO_DIR, `${kind}-${scenario}.xml`);
  if (!existsSync(p)) throw new Error(`no SIPp ${kind} scenario '${scenario}' (${p})`);
  return p;
}

/** The `<!--@MEDIA@-->` replacement and extra SIPp args for a media mode. */
async function mediaSetup(media: SippMedia, logDir: string, name: string): Promise<{ xml: string; args: string[] }> {
  if (media === 'echo') return { xml: '', args: ['-rtp_echo'] };
  if (media === 'none') return { xml: '', args: [] };
  if ('play' in media) {
    const codec = media.codec ?? 'pcmu';
    const enc = codec === 'pcmu' ? 'ul' : 'al';
    const pt = codec === 'pcmu' ? 0 : 8;
    const raw = join(logDir, `${name}.play.${enc}`);
    const r = await runTool('sox', [media.play, '-r', '8000', '-c', '1', '-t', enc, raw]);
    if (r.code !== 0) throw new Error(`sox could not convert ${media.play}: ${r.stderr}`);
    return { xml: `<nop><action><exec rtp_stream="${raw},${media.loops ?? 1},${pt}"/></action></nop>`, args: [] };
  }
  const pcap = resolve(media.pcap);
  if (!existsSync(pcap)) throw new Error(`no such pcap ${pcap}`);
  return { xml: `<nop><action><exec play_pcap_audio="${pcap}"/></action></nop>`, args: [] };
}

/** Keeps only `pts` in the fixed SDP answer (m= line, rtpmap and fmtp lines), like sipp-uas.sh. */
export function restrictAnswerPts(xml: string, pts: readonly number[]): string {
  const keep = new Set(pts.map(String));
  return xml
    .split('\n')
    .filter((line) => {
      const m = /^[ \t]*a=(?:rtpmap|fmtp):(\d+) /.exec(line);
      return !m || keep.has(m[1]);
    })
    .map((line) => line.replace(/^([ \t]*m=audio \[media_port\] RTP\/AVP) 0 8 101[ \t]*$/, `$1 ${pts.join(' ')}`))
    .join('\n');
}

/** Adds opus/48000/2 as PT 111 first in a UAC offer, like sipp-uac.sh --offer-opus. */
export function offerOpus(xml: string): string {
  return xml.replace(/^([ \t]*)m=audio \[media_port\] RTP\/AVP 0 8 101(.*)$/gm, (_l, ind: string, rest: string) =>
    `${ind}m=audio [media_port] RTP/AVP 111 0 8 101${rest}\n${ind}a=rtpmap:111 opus/48000/2\n${ind}a=fmtp:111 useinbandfec=1`,
  );
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

async function startSipp(
  kind: 'uas' | 'uac',
  opts: SippCommon & { scenario?: string },
  edit: (xml: string) => string,
  roleArgs: (port: number) => string[],
): Promise<SippPeer> {
  const scenario = opts.scenario ?? 'basic';
  const src = scenarioPath(kind, scenario);
  const port = opts.port ?? (await findFreePorts());
  const mediaPort = opts.mediaPort ?? (await findFreePorts({ span: 4, even: true }));
  const logDir = opts.logDir ?? makeLogDir(`sipp-${kind}`);
  const name = `sipp-${kind}-${port}`;
  const maxSeconds = opts.maxSeconds ?? DEFAULT_MAX_SECONDS;
  const media = await mediaSetup(opts.media ?? (kind === 'uas' ? 'echo' : 'none'), logDir, name);
  let xml = readFileSync(src, 'latin1');
  if (media.xml) xml = xml.replace('<!--@MEDIA@-->', media.xml);
  xml = edit(xml);
  const scenarioFile = join(logDir, `${name}.xml`);
  writeFileSync(scenarioFile, xml, 'latin1');
  const delayMs = opts.delayMs ?? (kind === 'uas' ? DEFAULT_DELAY[basename(scenario, '.xml')] ?? 0 : 1000);
  const f = (ext: string): string => join(logDir, `${name}.${ext}`);
  const args = [
    ...roleArgs(port),
    '-sf', scenarioFile, '-i', '127.0.0.1', '-p', String(port), '-bind_local', '-t', 'u1',
    '-mi', '127.0.0.1', '-mp', String(mediaPort), ...media.args,
    '-d', String(delayMs), '-aa', '-nostdin', '-timeout', `${maxSeconds}s`,
    '-trace_msg', '-message_file', f('messages.log'),
    '-trace_err', '-error_file', f('errors.log'),
    '-trace_logs', '-log_file', f('logs.log'),
    '-trace_screen', '-screen_file', f('screen.log'),
    '-trace_stat', '-stf', f('stat.csv'), '-fd', '1',
    ...(opts.calls !== undefined ? ['-m', String(opts.calls)] : []),
    ...(opts.extraArgs ?? []),
  ];
  writeFileSync(f('cmdline'), `sipp ${args.join(' ')}\n`);
  // SIPp gets its own -timeout; the wrapper kills it 3 s later if that did not work.
  const proc = spawnPeer({ name, command: 'sipp', args, logFile: f('console.log'), maxSeconds: maxSeconds + 3, cwd: logDir });
  // A UAC may finish its call before we look: an early exit is reported by wait(), not here.
  const ready = (): boolean => isUdpBound(port) || (kind === 'uac' && !proc.running());
  await pollUntil(`${name} bound`, ready, { timeoutMs: 10_000, proc: kind === 'uas' ? proc : undefined }).catch(async (e: Error) => {
    await proc.stop();
    throw new Error(`${e.message}\n${readOr(f('console.log')).slice(-2000)}`);
  });
  return {
    port,
    mediaPort,
    logDir,
    scenarioFile,
    process: proc,
    messagesLog: () => readOr(f('messages.log')),
    logsLog: () => readOr(f('logs.log')),
    errorsLog: () => readOr(f('errors.log')),
    screenLog: () => readOr(f('screen.log')),
    consoleLog: () => readOr(f('console.log')),
    wait: () => proc.exited,
    stop: () => proc.stop(),
  };
}

/**
 * Starts SIPp as a UAS "agent" on 127.0.0.1 (UDP) and resolves once its port is bound.
 * Logs: `sipp-uas-PORT.{messages,logs,errors,screen,console}.log` in `logDir`.
 */
export function startSippUas(opts: SippUasOptions = {}): Promise<SippPeer> {
  return startSipp(
    'uas',
    opts,
    (xml) => (opts.answerPts ? restrictAnswerPts(xml, opts.answerPts) : xml),
    () => [
      '-key', 'auth_user', opts.user ?? 'alice',
      '-key', 'auth_pass', opts.password ?? 'secret',
      '-key', 'auth_realm', opts.realm ?? 'sipp-agent.test',
    ],
  );
}

/**
 * Starts SIPp as a caller towards 127.0.0.1:targetPort (UDP): the reference caller, e.g. to
 * check the harness or to call our TestAgent. `wait()` gives 0 when every call succeeded.
 */
export function startSippUac(opts: SippUacOptions): Promise<SippPeer> {
  return startSipp(
    'uac',
    opts,
    (xml) => (opts.offerOpus ? offerOpus(xml) : xml),
    () => [
      `127.0.0.1:${opts.targetPort}`,
      '-s', opts.service ?? 'agent',
      '-au', opts.user ?? 'alice',
      '-ap', opts.password ?? 'secret',
      '-key', 'run_id', opts.runId ?? `run-${process.pid}`,
      '-r', String(opts.rate ?? 10),
      ...(opts.calls === undefined ? ['-m', '1'] : []),
    ],
  );
}
