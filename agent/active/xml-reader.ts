/**
 * A small, strict XML reader for nmap's own output (XML 1.0 §2-4 subset):
 * elements, double- or single-quoted attributes, character data, the five
 * predefined entities and numeric character references, comments, CDATA,
 * processing instructions and a DOCTYPE without an internal subset. Anything
 * else (unknown entities, mismatched tags, a second root, text after the
 * root) is an error with the offset where it was found: nmap's XML is
 * machine-written, so a surprise means it was cut short or is not nmap's.
 *
 * Caps are checked as the input is read: input size, depth, element count.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element, entities decoded. */
  text: string;
}

export interface XmlLimits {
  maxBytes?: number;
  maxDepth?: number;
  maxElements?: number;
}

const LIMITS: Required<XmlLimits> = { maxBytes: 64 * 1024 * 1024, maxDepth: 64, maxElements: 1_000_000 };

export class XmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode entity and character references (XML 1.0 §4.1); `at` is for error offsets. */
export function decodeEntities(s: string, at = 0): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]{0,12});?/g, (m, body: string, i: number) => {
    if (!m.endsWith(';')) throw new XmlError(`unterminated reference '${m}'`, at + i);
    if (body in PREDEFINED) return PREDEFINED[body];
    const num = /^#x([0-9A-Fa-f]{1,6})$/.exec(body) ?? /^#([0-9]{1,7})$/.exec(body);
    if (num) {
      const cp = parseInt(num[1], body[1] === 'x' ? 16 : 10);
      // XML 1.0 §2.2 Char production
      const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
      if (!ok) throw new XmlError(`character reference '${m}' is not an XML character`, at + i);
      return String.fromCodePoint(cp);
    }
    throw new XmlError(`unknown entity '${m}'`, at + i);
  });
}

/** Parse a whole document; returns its root element. Throws XmlError. */
export function parseXml(input: string, limits: XmlLimits = {}): XmlElement {
  const lim = { ...LIMITS, ...limits };
  if (input.length > lim.maxBytes) throw new XmlError(`document longer than ${lim.maxBytes} characters`, lim.maxBytes);
  let pos = 0;
  let root: XmlElement | null = null;
  let elements = 0;
  const stack: XmlElement[] = [];

  const expect = (lit: string, what: string): number => {
    const i = input.indexOf(lit, pos);
    if (i < 0) throw new XmlError(`unterminated ${what}`, pos);
    return i;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(input);
    if (!m) throw new XmlError('expected a name', pos);
    pos += m[0].length;
    return m[0];
  };
  const skipSpace = (): void => {
    while (pos < input.length && /\s/.test(input[pos])) pos++;
  };

  while (pos < input.length) {
    const lt = input.indexOf('<', pos);
    const textEnd = lt < 0 ? input.length : lt;
    if (textEnd > pos) {
      const raw = input.slice(pos, textEnd);
      if (stack.length > 0) stack[stack.length - 1].text += decodeEntities(raw, pos);
      else if (raw.trim() !== '') throw new XmlError(root ? 'text after the root element' : 'text before the root element', pos);
      pos = textEnd;
      if (lt < 0) break;
    }
    // pos is at '<'
    if (input.startsWith('<?', pos)) {
      pos = expect('?>', 'processing instruction') + 2;
    } else if (input.startsWith('<!--', pos)) {
      pos = expect('-->', 'comment') + 3;
    } else if (input.startsWith('<![CDATA[', pos)) {
      if (stack.length === 0) throw new XmlError('CDATA outside the root element', pos);
      const end = expect(']]>', 'CDATA section');
      stack[stack.length - 1].text += input.slice(pos + 9, end);
      pos = end + 3;
    } else if (input.startsWith('<!DOCTYPE', pos)) {
      if (root || stack.length > 0) throw new XmlError('DOCTYPE after the root element started', pos);
      const end = expect('>', 'DOCTYPE');
      if (input.slice(pos, end).includes('[')) throw new XmlError('DOCTYPE internal subsets are not accepted', pos);
      pos = end + 1;
    } else if (input.startsWith('</', pos)) {
      const at = pos;
      pos += 2;
      const name = readName();
      skipSpace();
      if (input[pos] !== '>') throw new XmlError(`malformed end tag </${name}`, at);
      pos++;
      const open = stack.pop();
      if (!open) throw new XmlError(`end tag </${name}> without a start tag`, at);
      if (open.name !== name) throw new XmlError(`end tag </${name}> does not close <${open.name}>`, at);
    } else {
      const at = pos;
      pos++;
      const name = readName();
      const el: XmlElement = { name, attrs: {}, children: [], text: '' };
      for (;;) {
        const before = pos;
        skipSpace();
        if (input.startsWith('/>', pos) || input[pos] === '>') break;
        if (pos === before) throw new XmlError(`expected space, '>' or '/>' in <${name}>`, pos);
        const attr = readName();
        skipSpace();
        if (input[pos] !== '=') throw new XmlError(`attribute ${attr} of <${name}> has no value`, pos);
        pos++;
        skipSpace();
        const q = input[pos];
        if (q !== '"' && q !== "'") throw new XmlError(`attribute ${attr} of <${name}> is not quoted`, pos);
        const end = input.indexOf(q, pos + 1);
        if (end < 0) throw new XmlError(`unterminated value of attribute ${attr}`, pos);
        const raw = input.slice(pos + 1, end);
        if (raw.includes('<')) throw new XmlError(`'<' in the value of attribute ${attr}`, pos);
        if (Object.hasOwn(el.attrs, attr)) throw new XmlError(`attribute ${attr} repeated in <${name}>`, pos);
        el.attrs[attr] = decodeEntities(raw, pos + 1);
        pos = end + 1;
      }
      if (++elements > lim.maxElements) throw new XmlError(`more than ${lim.maxElements} elements`, at);
      if (stack.length > 0) stack[stack.length - 1].children.push(el);
      else if (root) throw new XmlError(`second root element <${name}>`, at);
      else root = el;
      if (input[pos] === '/') {
        pos += 2;
      } else {
        pos++;
        stack.push(el);
        if (stack.length > lim.maxDepth) throw new XmlError(`elements nested deeper than ${lim.maxDepth}`, at);
      }
    }
  }
  if (stack.length > 0) throw new XmlError(`document ends inside <${stack[stack.length - 1].name}>`, input.length);
  if (!root) throw new XmlError('no root element', input.length);
  return root;
}

/** Children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** First child of `el` named `name`, or null. */
export function childNamed(el: XmlElement, name: string): XmlElement | null {
  return el.children.find((c) => c.name === name) ?? null;
}
