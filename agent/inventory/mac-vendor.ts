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
import { readFileSync } from 'node:fs';
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
 * `oui-data` writes one entry per line; such a file is indexed by line (a
 * prefix → where its value is) and a value is decoded only when looked up,
 * instead of decoding and parsing all 50,000 entries for the few a run
 * needs. A file in any other shape is parsed whole, as before.
 */
function load(): RegistryIndex {
  if (registry) return registry;
  const require = createRequire(import.meta.url);
  const bytes = readFileSync(require.resolve('oui-data'));
  registry = indexRegistryLines(bytes) ?? objectIndex(JSON.parse(bytes.toString('utf8')) as Record<string, string>);
  return registry;
}

function objectIndex(entries: Record<string, string>): RegistryIndex {
  return { get: (prefix) => (Object.hasOwn(entries, prefix) ? entries[prefix] : undefined) };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/**
 * Index a JSON object of string values written one `"KEY": "VALUE"` entry
 * per line (RFC 8259: a raw line break can not occur inside a string, so
 * lines split entries exactly). Every value is checked to be one string
 * literal ending its line; anything else (another layout, two entries on a
 * line, a non-string value) returns null and the caller parses the file
 * whole. A repeated key keeps its last value, as JSON.parse does.
 */
export function indexRegistryLines(bytes: Buffer): RegistryIndex | null {
  // key -> offset of its value's opening quote; keys are hex, kept as numbers (one map per key length) to make no strings
  const where: Map<number, number>[] = [];
  let p = 0;
  let sawOpen = false;
  let sawClose = false;
  while (p < bytes.length) {
    let eol = bytes.indexOf(NEWLINE, p);
    if (eol < 0) eol = bytes.length;
    let e = eol;
    if (e > p && bytes[e - 1] === 0x0d) e--; // CRLF
    let s = p;
    while (s < e && (bytes[s] === 0x20 || bytes[s] === 0x09)) s++;
    while (e > s && (bytes[e - 1] === 0x20 || bytes[e - 1] === 0x09)) e--;
    p = eol + 1;
    if (s === e) continue;
    if (sawClose) return null;
    if (!sawOpen) {
      if (e - s !== 1 || bytes[s] !== 0x7b) return null; // '{' alone on the first line
      sawOpen = true;
      continue;
    }
    if (e - s === 1 && bytes[s] === 0x7d) {
      sawClose = true; // '}' alone on the last line
      continue;
    }
    // "KEY": "VALUE"[,]  with KEY plain hex digits
    if (bytes[s] !== QUOTE) return null;
    let k = s + 1;
    let key = 0;
    for (; k < e; k++) {
      const d = hexValue(bytes[k]!);
      if (d < 0) break;
      key = key * 16 + d;
    }
    if (k === s + 1 || k - s - 1 > MAX_KEY_DIGITS || bytes[k] !== QUOTE || bytes[k + 1] !== 0x3a) return null;
    let v = k + 2;
    while (v < e && bytes[v] === 0x20) v++;
    if (bytes[v] !== QUOTE) return null;
    const q = closingQuote(bytes, v);
    if (q < 0 || q >= e) return null;
    const after = q + 1;
    if (!(after === e || (after === e - 1 && bytes[after] === 0x2c))) return null;
    (where[k - s - 1] ??= new Map()).set(key, v);
  }
  if (!sawOpen || !sawClose) return null;
  return {
    get(prefix: string): string | undefined {
      if (prefix.length === 0 || prefix.length > MAX_KEY_DIGITS) return undefined;
      let key = 0;
      for (let i = 0; i < prefix.length; i++) {
        const d = hexValue(prefix.charCodeAt(i));
        if (d < 0) return undefined;
        key = key * 16 + d;
      }
      const v = where[prefix.length]?.get(key);
      if (v === undefined) return undefined;
      return JSON.parse(bytes.toString('utf8', v, closingQuote(bytes, v) + 1)) as string;
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
 * upper-case prefix (the file has none, and the index then gives up).
 */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Organisation name registered for an upper-case hex prefix, or undefined. */
function organisation(prefix: string): string | undefined {
  const entry = load().get(prefix);
  if (entry === undefined) return undefined;
  const name = entry.split('\n', 1)[0].trim();
  return name || undefined;
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
  const s = organisation(hex.slice(0, 9));
  if (s) return { ...info, vendor: s, registry: 'MA-S' };
  const m = organisation(hex.slice(0, 7));
  if (m) return { ...info, vendor: m, registry: 'MA-M' };
  const l = organisation(hex.slice(0, 6));
  if (l && !IEEE_RA.test(l)) return { ...info, vendor: l, registry: 'MA-L' };
  return info;
}
