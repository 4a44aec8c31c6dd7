/**
 * The text of one member of a JSON object, cut from the text it was parsed
 * from. The collector stores a device or finding as the JSON the agent sent;
 * cutting it out of the frame costs a scan, where JSON.stringify of the
 * parsed object cost more than any SQLite statement of the store
 * (bench/collector-load.ts).
 *
 * Only for text that JSON.parse has accepted: the scanner trusts the syntax
 * and only tracks strings and nesting.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(text: string, i: number): number {
  while (isWs(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string whose opening quote is at `q`. */
function stringEnd(text: string, q: number): number {
  let j = q + 1;
  for (;;) {
    const e = text.indexOf('"', j);
    if (e < 0) return text.length;
    let b = e - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    // An even number of backslashes before it: the quote is not escaped.
    if ((e - 1 - b) % 2 === 0) return e + 1;
    j = e + 1;
  }
}

/** Index just past the value that starts at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) j = stringEnd(text, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  // A number, true, false or null.
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
    j++;
  }
  return j;
}

/**
 * The JSON text of member `key` of the object `text` holds (the last one,
 * as JSON.parse keeps the last of repeated keys), or null when there is none
 * or `text` is not an object.
 */
export function memberText(text: string, key: string): string | null {
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return null;
  i = skipWs(text, i + 1);
  let found: string | null = null;
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = stringEnd(text, i);
    let k = text.slice(i + 1, keyEnd - 1);
    if (k.includes('\\')) k = JSON.parse(`"${k}"`) as string;
    i = skipWs(text, skipWs(text, keyEnd) + 1); // past ':'
    const end = valueEnd(text, i);
    if (k === key) found = text.slice(i, end);
    i = skipWs(text, end);
    if (text.charCodeAt(i) !== 0x2c) break;
    i = skipWs(text, i + 1);
  }
  return found;
}
