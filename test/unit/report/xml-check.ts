/**
 * A strict little XML 1.0 well-formedness checker for the tests (no DTDs, no CDATA, no comments:
 * the JUnit writer emits none). Returns a tree with entities decoded, or throws saying what is wrong.
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const BAD_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function decode(s: string, where: string): string {
  if (s.includes('<')) throw new Error(`raw < in ${where}`);
  return s.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated entity in ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (body in named) return named[body];
    const num = /^#(\d+)$/.exec(body) ?? /^#x([0-9a-fA-F]+)$/.exec(body);
    if (!num) throw new Error(`unknown entity &${body}; in ${where}`);
    const cp = parseInt(num[1], body[1] === 'x' ? 16 : 10);
    const ch = String.fromCodePoint(cp);
    if (BAD_CHAR.test(ch)) throw new Error(`entity for a non-XML character in ${where}`);
    return ch;
  });
}

export function parseXml(xml: string): XmlNode {
  if (BAD_CHAR.test(xml)) throw new Error(`character outside XML 1.0 Char at ${xml.search(BAD_CHAR)}`);
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>/.exec(xml);
  if (decl) i = decl[0].length;
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    const top = stack[stack.length - 1];
    if (text.includes(']]>')) throw new Error(']]> in character data');
    const decoded = decode(text, 'text');
    if (top === root && decoded.trim() !== '') throw new Error('text outside the root element');
    top.text += decoded;
    if (lt < 0) break;
    i = lt + 1;
    if (xml[i] === '/') {
      const m = NAME.exec(xml.slice(i + 1));
      if (!m) throw new Error('bad end tag');
      i += 1 + m[0].length;
      while (/\s/.test(xml[i])) i++;
      if (xml[i] !== '>') throw new Error('bad end tag');
      i++;
      const open = stack.pop()!;
      if (open.name !== m[0]) throw new Error(`</${m[0]}> closes <${open.name}>`);
      continue;
    }
    const m = NAME.exec(xml.slice(i));
    if (!m) throw new Error(`bad tag at ${i}`);
    const node: XmlNode = { name: m[0], attrs: {}, children: [], text: '' };
    i += m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0].length;
      i += ws;
      if (xml.startsWith('/>', i)) {
        i += 2;
        top.children.push(node);
        break;
      }
      if (xml[i] === '>') {
        i++;
        top.children.push(node);
        stack.push(node);
        break;
      }
      if (ws === 0) throw new Error('attributes must be separated by white space');
      const a = /^([A-Za-z_:][A-Za-z0-9_:.-]*)=(?:"([^"]*)"|'([^']*)')/.exec(xml.slice(i));
      if (!a) throw new Error(`bad attribute at ${i}: ${xml.slice(i, i + 20)}`);
      if (a[1] in node.attrs) throw new Error(`duplicate attribute ${a[1]}`);
      // Attribute-value normalisation turns literal tab/newline into spaces.
      node.attrs[a[1]] = decode((a[2] ?? a[3]).replace(/[\t\n\r]/g, ' '), `attribute ${a[1]}`);
      i += a[0].length;
    }
    if (root.children.length > 1) throw new Error('more than one root element');
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error('no root element');
  return root.children[0];
}

export function findAll(node: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (n: XmlNode): void => {
    if (n.name === name) out.push(n);
    n.children.forEach(walk);
  };
  walk(node);
  return out;
}
