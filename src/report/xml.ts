// XML 1.0 Char production: anything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) makes the
// document ill-formed even when escaped, so it is replaced by a visible \uXXXX spelling.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function visible(ch: string): string {
  return `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`;
}

/** Escapes text for XML character data (also safe inside `]]>`-containing input). */
export function xmlText(value: string): string {
  return value
    .replace(NOT_XML_CHAR, visible)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Escapes text for a double- or single-quoted XML attribute; tabs and newlines survive normalisation. */
export function xmlAttr(value: string): string {
  return xmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
