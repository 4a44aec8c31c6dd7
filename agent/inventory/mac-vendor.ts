/**
 * MAC and EUI-64 → vendor, from the IEEE Registration Authority's MA-L,
 * MA-M and MA-S registries as packaged in `oui-data` (kept current by its
 * maintainer; update with `npm update oui-data`).
 *
 * MA-M (28-bit) and MA-S (36-bit) blocks subdivide MA-L blocks registered to
 * "IEEE Registration Authority", so the longest prefix wins, and a bare
 * IEEE RA block is not a vendor. A locally administered address (the U/L bit
 * of the first octet set: randomised phone/VM MACs, our testbed's) has no
 * vendor by definition (IEEE 802-2014 §8.2).
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface MacVendorInfo {
  /** Organisation name (first line of the registry entry), or null. */
  vendor: string | null;
  /** Which registry matched. */
  registry: 'MA-L' | 'MA-M' | 'MA-S' | null;
  /** The U/L bit is set: the address was assigned locally (often randomised). */
  locallyAdministered: boolean;
  /** The I/G bit is set: a group (multicast) address, never a device's own. */
  multicast: boolean;
}

/** Registry entries by upper-case hex prefix: the full entry text (organisation, then address lines). */
export interface RegistryIndex {
  get(prefix: string): string | undefined;
}

let registry: RegistryIndex | null = null;

/**
 * Loaded on first use (5 MB of JSON: not paid by commands that never ask).
 * `oui-data` writes one entry per line, sorted by key length and then key;
 * such a file is searched in place (binary search over its lines, read in
 * blocks as probed, a value decoded only when looked up) with nothing built
 * up front: reading and indexing its 50,000 lines took 60-90 ms of every
 * run. A file in any other layout (a future oui-data) is parsed whole:
 * slower, same answers.
 */
function load(): RegistryIndex {
  if (registry) return registry;
  const path = createRequire(import.meta.url).resolve('oui-data');
  let sorted: RegistryIndex | null = null;
  try {
    sorted = sortedRegistryLines(fileSource(path));
  } catch {
    // unreadable in place: the whole-file read below reports it
  }
  if (sorted !== null) return (registry = sorted);
  registry = objectIndex(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>);
  return registry;
}

function objectIndex(entries: Record<string, string>): RegistryIndex {
  return { get: (prefix) => (Object.hasOwn(entries, prefix) ? entries[prefix] : undefined) };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** A registry key's number for an upper-case hex prefix (its length gives the digits), or -1 when it can not be a key. */
function prefixKey(prefix: string): number {
  if (prefix.length === 0 || prefix.length > MAX_KEY_DIGITS) return -1;
  let key = 0;
  for (let i = 0; i < prefix.length; i++) {
    const d = hexValue(prefix.charCodeAt(i));
    if (d < 0) return -1;
    key = key * 16 + d;
  }
  return key;
}

/** Where one `"KEY": "VALUE"[,]` line's parts are (KEY plain hex digits), or null when the line is not one. */
interface EntryLine {
  /** The key's hex digits as a number, and how many digits it has. */
  key: number;
  digits: number;
  /** Offset of the value's opening quote. */
  value: number;
}

/** Parses the entry line `bytes[s, e)` (trimmed of spaces and CR). */
function entryLine(bytes: Buffer, s: number, e: number): EntryLine | null {
  if (e > s && bytes[e - 1] === 0x0d) e--;
  while (s < e && (bytes[s] === 0x20 || bytes[s] === 0x09)) s++;
  while (e > s && (bytes[e - 1] === 0x20 || bytes[e - 1] === 0x09)) e--;
  if (bytes[s] !== QUOTE) return null;
  let k = s + 1;
  let key = 0;
  for (; k < e; k++) {
    const d = hexValue(bytes[k]!);
    if (d < 0) break;
    key = key * 16 + d;
  }
  const digits = k - s - 1;
  if (digits === 0 || digits > MAX_KEY_DIGITS || bytes[k] !== QUOTE || bytes[k + 1] !== 0x3a) return null;
  let v = k + 2;
  while (v < e && bytes[v] === 0x20) v++;
  if (bytes[v] !== QUOTE) return null;
  const q = closingQuote(bytes, v);
  if (q < 0 || q >= e) return null;
  const after = q + 1;
  if (!(after === e || (after === e - 1 && bytes[after] === 0x2c))) return null;
  return { key, digits, value: v };
}

/** Order of registry keys in a sorted file: shorter keys first, then by value. */
function compareKeys(aDigits: number, aKey: number, bDigits: number, bKey: number): number {
  return aDigits - bDigits || aKey - bKey;
}

/** How many evenly spaced lines `sortedRegistryLines` checks before trusting the file's order. */
const ORDER_SAMPLES = 32;

/** Longest line the in-place search reads around a probe, each side; oui-data's are under 300 bytes. */
const LINE_MAX = 512;

/**
 * Bytes of a file, read on demand: `window(from, to)` gives a Buffer whose
 * index 0 is the file's offset `base` and that covers at least [from, to).
 */
export interface ByteSource {
  readonly size: number;
  window(from: number, to: number): { buf: Buffer; base: number };
}

/** A Buffer already in memory as a ByteSource. */
function bufferSource(bytes: Buffer): ByteSource {
  return { size: bytes.length, window: () => ({ buf: bytes, base: 0 }) };
}

/** Block size of `fileSource`'s cache. */
const BLOCK = 16 * 1024;

/**
 * A file read in 16 KiB blocks as they are asked for, each kept: a binary
 * search touches a few dozen blocks, not the whole file. Reading all 5.6 MB
 * of oui-data into fresh memory cost about 30 ms here, mostly page faults;
 * a run that looks up a handful of MACs now reads a few hundred KB.
 */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  const blocks = new Map<number, Buffer>();
  const block = (i: number): Buffer => {
    let b = blocks.get(i);
    if (b === undefined) {
      b = Buffer.allocUnsafe(Math.min(BLOCK, size - i * BLOCK));
      let got = 0;
      while (got < b.length) {
        const n = readSync(fd, b, got, b.length - got, i * BLOCK + got);
        if (n === 0) break;
        got += n;
      }
      if (got < b.length) b = b.subarray(0, got);
      blocks.set(i, b);
      // Every block read: the descriptor is no longer needed.
      if (blocks.size * BLOCK >= size) closeSync(fd);
    }
    return b;
  };
  return {
    size,
    window(from: number, to: number) {
      from = Math.max(0, from);
      to = Math.min(size, to);
      const first = Math.floor(from / BLOCK);
      const last = Math.floor((to - 1) / BLOCK);
      if (last <= first) return { buf: block(first), base: first * BLOCK };
      // Across a block edge: just the bytes asked for, gathered.
      const out = Buffer.allocUnsafe(to - from);
      for (let i = first; i <= last; i++) {
        const b = block(i);
        const lo = Math.max(from, i * BLOCK);
        const hi = Math.min(to, i * BLOCK + b.length);
        b.copy(out, lo - from, lo - i * BLOCK, hi - i * BLOCK);
      }
      return { buf: out, base: from };
    },
  };
}

/**
 * A lookup that binary-searches the file's lines in place, for a JSON
 * object written one `"KEY": "VALUE"` entry per line with the entries
 * sorted by key length, then key (oui-data's layout). Nothing is built up
 * front, and from a `fileSource` only the parts probed are read. Returns
 * null, so that the caller indexes or parses the file instead, unless the
 * file opens with a lone `{`, closes with a lone `}`, and ORDER_SAMPLES
 * lines spread over it are entries in that order (the test suite checks
 * every entry of the installed package).
 */
export function sortedRegistryLines(source: Buffer | ByteSource): RegistryIndex | null {
  const src = Buffer.isBuffer(source) ? bufferSource(source) : source;
  const size = src.size;
  if (size === 0) return null;
  const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  // The body: from the line after the opening '{' to the line holding the closing '}'.
  const head = src.window(0, Math.min(size, LINE_MAX)); // base 0
  let p = 0;
  while (p < head.buf.length && isSpace(head.buf[p])) p++;
  if (head.buf[p] !== 0x7b) return null;
  const nl = head.buf.indexOf(NEWLINE, p);
  if (nl < 0) return null;
  for (let i = p + 1; i < nl; i++) if (head.buf[i] !== 0x20 && head.buf[i] !== 0x09 && head.buf[i] !== 0x0d) return null;
  const bodyStart = head.base + nl + 1;
  const tail = src.window(Math.max(0, size - LINE_MAX), size);
  let q = size - 1 - tail.base;
  while (q + tail.base >= bodyStart && isSpace(tail.buf[q])) q--;
  if (q + tail.base < bodyStart || tail.buf[q] !== 0x7d) return null;
  const closeNl = tail.buf.lastIndexOf(NEWLINE, q);
  if (closeNl < 0 && tail.base > 0) return null;
  for (let i = closeNl + 1; i < q; i++) if (tail.buf[i] !== 0x20 && tail.buf[i] !== 0x09) return null;
  const bodyEnd = tail.base + closeNl + 1;
  if (bodyEnd <= bodyStart) return null;

  /** The entry on the line that holds offset `at`, where that line starts and ends, and the bytes it was read from. */
  const lineAt = (at: number): { line: EntryLine | null; start: number; end: number; buf: Buffer } | null => {
    const w = src.window(Math.max(bodyStart, at - LINE_MAX), Math.min(bodyEnd, at + LINE_MAX));
    const rel = at - w.base;
    // (lastIndexOf counts a negative start from the end: never pass one.)
    const before = rel > 0 ? w.buf.lastIndexOf(NEWLINE, rel - 1) : -1;
    const start = before >= 0 ? w.base + before + 1 : w.base;
    if (start > bodyStart && before < 0) return null; // a line longer than the window: not this layout
    let after = w.buf.indexOf(NEWLINE, rel);
    if (after < 0 || w.base + after > bodyEnd) after = Math.min(bodyEnd, w.base + w.buf.length) - w.base;
    const end = w.base + after;
    const s = Math.max(start, bodyStart) - w.base;
    return { line: entryLine(w.buf, s, after), start, end, buf: w.buf };
  };

  let prev: EntryLine | null = null;
  for (let i = 0; i < ORDER_SAMPLES; i++) {
    const at = bodyStart + Math.floor(((bodyEnd - bodyStart - 1) * i) / (ORDER_SAMPLES - 1));
    const found = lineAt(at);
    if (found === null || found.line === null) return null;
    const line = found.line;
    if (prev !== null && compareKeys(prev.digits, prev.key, line.digits, line.key) > 0) return null;
    prev = line;
  }

  return {
    get(prefix: string): string | undefined {
      const key = prefixKey(prefix);
      if (key < 0) return undefined;
      // Lines in [lo, hi) byte range; each step looks at the line holding the midpoint.
      let lo = bodyStart;
      let hi = bodyEnd;
      while (lo < hi) {
        const found = lineAt(lo + ((hi - lo) >> 1));
        // Not the layout the sample promised: no answer rather than a wrong one.
        if (found === null || found.line === null) return undefined;
        const { line, start, end, buf } = found;
        const c = compareKeys(line.digits, line.key, prefix.length, key);
        if (c === 0) return JSON.parse(buf.toString('utf8', line.value, closingQuote(buf, line.value) + 1)) as string;
        if (c < 0) lo = end + 1;
        else hi = start;
      }
      return undefined;
    },
  };
}

/** Offset of the quote closing the string literal that opens at `open` (one not escaped by a backslash), or -1. */
function closingQuote(bytes: Buffer, open: number): number {
  let q = bytes.indexOf(QUOTE, open + 1);
  while (q >= 0) {
    let slashes = 0;
    while (bytes[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    q = bytes.indexOf(QUOTE, q + 1);
  }
  return -1;
}

/** Registry keys are at most 9 hex digits (MA-S, 36 bits); 13 keeps a key's number exact (52 bits). */
const MAX_KEY_DIGITS = 13;

/**
 * Value of an upper-case hex digit, else -1. Lower case is refused: JSON
 * keys are case-sensitive, and a lower-case key must not match an
 * upper-case prefix (the file has none, and the search then gives up).
 */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Organisation names already looked up, by prefix (null: none registered); devices share few OUIs. */
const organisations = new Map<string, string | null>();

/** Organisation name registered for an upper-case hex prefix, or undefined. */
function organisation(prefix: string): string | undefined {
  let name = organisations.get(prefix);
  if (name === undefined) {
    const entry = load().get(prefix);
    name = entry === undefined ? null : entry.split('\n', 1)[0].trim() || null;
    if (organisations.size < 100_000) organisations.set(prefix, name);
  }
  return name ?? undefined;
}

const IEEE_RA = /^IEEE Registration Authority$/i;

/** Hex digits of a MAC (EUI-48) or EUI-64 in any common notation, upper case; null if not one. */
export function normaliseHardwareAddress(text: string): string | null {
  const hex = text.replace(/[:\-.\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex) || (hex.length !== 12 && hex.length !== 16)) return null;
  return hex;
}

/** Look up the registered organisation of a MAC address or EUI-64. */
export function lookupVendor(address: string): MacVendorInfo {
  const hex = normaliseHardwareAddress(address);
  if (!hex) return { vendor: null, registry: null, locallyAdministered: false, multicast: false };
  const first = parseInt(hex.slice(0, 2), 16);
  const info: MacVendorInfo = {
    vendor: null,
    registry: null,
    locallyAdministered: (first & 0x02) !== 0,
    multicast: (first & 0x01) !== 0,
  };
  if (info.locallyAdministered) return info;
  // MA-M and MA-S blocks only subdivide MA-L blocks of the IEEE RA itself (or
  // ones the registry lists no MA-L entry for; the test suite checks this of
  // the installed registry), so a vendor's own MA-L block ends the search.
  const l = organisation(hex.slice(0, 6));
  if (l && !IEEE_RA.test(l)) return { ...info, vendor: l, registry: 'MA-L' };
  const s = organisation(hex.slice(0, 9));
  if (s) return { ...info, vendor: s, registry: 'MA-S' };
  const m = organisation(hex.slice(0, 7));
  if (m) return { ...info, vendor: m, registry: 'MA-M' };
  return info;
}
