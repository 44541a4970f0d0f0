/**
 * SDP bodies can carry key material (`a=crypto` inline keys, RFC 4568; `k=` lines). Anything that
 * stores or shows a body (SIP ladders, logs, reports) passes it through here first.
 */

function redactCryptoValue(value: string): string {
  // <tag> <suite> <key-params> [<session-params>]: key-params are `inline:<key>[|lifetime][|MKI]` joined by ';'.
  const firstSp = value.indexOf(' ');
  const secondSp = firstSp < 0 ? -1 : value.indexOf(' ', firstSp + 1);
  if (secondSp < 0) return value.length > 0 ? '[redacted]' : value;
  const thirdSp = value.indexOf(' ', secondSp + 1);
  const keyParams = value.slice(secondSp + 1, thirdSp < 0 ? value.length : thirdSp);
  const redacted = keyParams
    .split(';')
    .map((p) => {
      const colon = p.indexOf(':');
      return colon < 0 ? '[redacted]' : p.slice(0, colon + 1) + '[redacted]';
    })
    .join(';');
  return value.slice(0, secondSp + 1) + redacted + (thirdSp < 0 ? '' : value.slice(thirdSp));
}

/**
 * Returns `text` with the key material of every `a=crypto` line and every `k=` line replaced by
 * `[redacted]`; everything else, line ends included, is unchanged. Works on any text, SDP or not.
 */
export function redactSdpKeys(text: string): string {
  if (text.indexOf('a=crypto:') < 0 && text.indexOf('k=') < 0) return text;
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    const line = text.slice(pos, end);
    if (line.startsWith('a=crypto:')) out += 'a=crypto:' + redactCryptoValue(line.slice(9));
    else if (line.startsWith('k=')) {
      const colon = line.indexOf(':');
      out += colon < 0 ? line : line.slice(0, colon + 1) + '[redacted]';
    } else out += line;
    out += text.slice(end, nl + 1 > text.length ? text.length : nl + 1);
    pos = nl + 1;
  }
  return out;
}
