/**
 * Headers the SIP stack writes itself or whose meaning it must control. Letting a test profile set
 * one would produce a duplicate (two Via, two Content-Length…) or silently change routing,
 * authentication, transaction matching, extensions negotiation or the body — never what a user of
 * test metadata meant. Keys are lower case.
 *
 * Decisions beyond the obvious:
 * - `Expires` is refused: on an INVITE it bounds the offer's lifetime and competes with the
 *   caller's own ring timeout/CANCEL, which must stay the single source of truth.
 * - `User-Agent` and `Server` are refused: the stack writes `User-Agent` on every request; a
 *   custom one would be a duplicate. The caller sets it through its own option.
 * - `Session-Expires`, `Min-SE`, `RSeq`, `RAck`, `Accept` belong to the session-timer, 100rel and
 *   SDP negotiation the stack performs.
 * - Everything else (Subject, P-Asserted-Identity, Diversion, Identity, User-to-User, Priority, …) is
 *   allowed: those are legitimate things to test an agent with.
 */
const STANDARD_HEADER_REASONS: ReadonlyMap<string, string> = new Map([
  ['via', 'transport/transaction'],
  ['from', 'dialog identity'],
  ['to', 'dialog identity'],
  ['call-id', 'dialog identity'],
  ['cseq', 'transaction sequencing'],
  ['contact', 'dialog target'],
  ['max-forwards', 'loop prevention'],
  ['route', 'routing'],
  ['record-route', 'routing'],
  ['authorization', 'authentication'],
  ['proxy-authorization', 'authentication'],
  ['www-authenticate', 'authentication'],
  ['proxy-authenticate', 'authentication'],
  ['authentication-info', 'authentication'],
  ['allow', 'capabilities'],
  ['supported', 'extension negotiation'],
  ['require', 'extension negotiation'],
  ['proxy-require', 'extension negotiation'],
  ['unsupported', 'extension negotiation'],
  ['accept', 'body negotiation'],
  ['expires', 'the ring timeout'],
  ['user-agent', 'set through the caller option, not a custom header'],
  ['server', 'response-only header'],
  ['session-expires', 'session timers'],
  ['min-se', 'session timers'],
  ['rseq', 'reliable provisional responses'],
  ['rack', 'reliable provisional responses'],
  ['mime-version', 'body framing'],
]);

/** RFC 3261 §7.3.3 and later RFCs' compact forms, to the full name they abbreviate. */
const COMPACT_FORMS: ReadonlyMap<string, string> = new Map([
  ['i', 'Call-ID'],
  ['m', 'Contact'],
  ['e', 'Content-Encoding'],
  ['l', 'Content-Length'],
  ['c', 'Content-Type'],
  ['f', 'From'],
  ['s', 'Subject'],
  ['k', 'Supported'],
  ['t', 'To'],
  ['v', 'Via'],
  ['o', 'Event'],
  ['u', 'Allow-Events'],
  ['r', 'Refer-To'],
  ['b', 'Referred-By'],
  ['x', 'Session-Expires'],
  ['a', 'Accept-Contact'],
  ['j', 'Reject-Contact'],
  ['d', 'Request-Disposition'],
  ['y', 'Identity'],
  ['n', 'Identity-Info'],
]);

/**
 * Why `name` may not be set through custom headers, or `undefined` if it may.
 * Case-insensitive; compact forms are refused too (one letter is easy to misread and would
 * dodge the duplicate check against its long form).
 */
export function standardHeaderRefusal(name: string): string | undefined {
  const lower = name.toLowerCase();
  const compact = COMPACT_FORMS.get(lower);
  if (compact !== undefined) return `compact form of ${compact}; single-letter header names are not allowed`;
  if (lower.startsWith('content-')) return 'body framing is written by the stack';
  return STANDARD_HEADER_REASONS.get(lower);
}
