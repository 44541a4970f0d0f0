import type { CallerOptions } from './options';
import { CallerError } from './errors';
import { isSipUri, parseUri } from '../sip';

/**
 * Checks a call's target: a sip: or sips: URI without a password. RFC 3261 §19.1.1 says NOT
 * RECOMMENDED; here the target is copied into the result, the ladder and every report, so a
 * password in it would end up everywhere. No message names the URI or the password.
 * @throws {@link CallerError} `CALLER_BAD_OPTION`
 * @internal
 */
export function checkCallTarget(target: unknown): void {
  let ok = false;
  let withPassword = false;
  try {
    const uri = typeof target === 'string' ? parseUri(target) : undefined;
    if (uri !== undefined && isSipUri(uri)) {
      ok = true;
      withPassword = uri.password !== undefined;
    }
  } catch {
    ok = false;
  }
  if (!ok) throw new CallerError('CALLER_BAD_OPTION', 'target must be a sip: or sips: URI');
  if (withPassword) throw new CallerError('CALLER_BAD_OPTION', 'the target URI holds a password: pass the credentials as auth { username, password } instead');
}

/** Caller options whose From host is the advertised address (unless `fromHost` says otherwise). @internal */
export function withFromHost(options: CallerOptions, advertised: string | undefined): CallerOptions {
  return advertised === undefined || options.fromHost !== undefined ? options : { ...options, fromHost: advertised };
}
