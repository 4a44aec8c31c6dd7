/**
 * A lazy HL7 v2 tokenizer over one Buffer (HL7 v2.5 §2.5 message
 * construction rules). Tokenizing only finds segment boundaries and reads
 * each header's delimiters; field boundaries are found when a segment's
 * fields are first asked for, and values are decoded only when asked for.
 * Segments nobody asks about (PID, NTE, ...) are never split or decoded.
 *
 * Pure: no I/O, never throws on malformed bytes. What looks wrong is listed
 * in `issues` and the rest is still read.
 */
import {
  HL7_CHARSETS,
  HL7_DEFAULT_FIELD_SEPARATOR,
  HL7_ISSUE_UNSUPPORTED_CHARSET,
  HL7_SEGMENT_IDS,
  HL7_UTF8_BOM,
} from './constants.js';

/** HL7 v2.5 §2.5.4 delimiters, as byte values; -1 when the header does not declare one. */
export interface Hl7Delimiters {
  field: number;
  component: number;
  repetition: number;
  escape: number;
  subcomponent: number;
  /** HL7 v2.7 §2.5.5.2: the 5th encoding character, when present. */
  truncation: number;
}

/** Text decoder used for a message's values. */
export type Hl7Encoding = 'latin1' | 'utf8';

/**
 * The delimiters and character set in force for the segments after one
 * header (MSH, FHS or BHS). Each MSH of a batch declares its own.
 */
export interface Hl7Scope {
  delimiters: Hl7Delimiters;
  encoding: Hl7Encoding;
  /** MSH-18 named a character set we know. Undeclared text is read as UTF-8, falling back to Latin-1. */
  charsetDeclared: boolean;
  /** Index of the header segment that opened the scope, or -1 before any header. */
  header: number;
}

/** Largest number of fields located in one segment; the rest stays in the last field. */
const MAX_FIELDS = 1024;
/** Numbers kept per segment in `Hl7Message.seg`, and their places. */
const SEG_FIELDS = 5;
const SEG_START = 0;
const SEG_END = 1;
const SEG_SCOPE = 2;
const SEG_PIECE_BASE = 3;
const SEG_PIECE_COUNT = 4;
/** Field bytes scanned in JS before the rest of a long field is searched with the native `indexOf`. */
const SHORT_FIELD_BYTES = 48;
const CR = 0x0d;
const LF = 0x0a;
const LETTER_Z = 0x5a;

const DEFAULT_DELIMITERS: Hl7Delimiters = Object.freeze({
  field: HL7_DEFAULT_FIELD_SEPARATOR,
  component: 0x5e,
  repetition: 0x7e,
  escape: 0x5c,
  subcomponent: 0x26,
  truncation: -1,
});

/** The id reported for a line that is not a segment (unknown id, free text after a stray line break). */
export const HL7_INVALID_SEGMENT_ID = '?';

/** Each segment id byte (A-Z, 0-9) as a digit 0..35; -1 for any other byte. */
const ID_DIGIT = new Int8Array(256).fill(-1);
for (let c = 0; c < 26; c++) ID_DIGIT[0x41 + c] = c;
for (let c = 0; c < 10; c++) ID_DIGIT[0x30 + c] = 26 + c;

/**
 * Segment ids by their three bytes, so tokenizing allocates no strings for
 * them: the standard ids from the start, Z-segments as they are first seen
 * (at most 36 * 36 of them). Indexed by the ids' base-36 digits (a segment
 * line each, where a Map lookup was the scan's largest cost); ids with a
 * digit first (none are standard) are kept in the map.
 */
const ID_TABLE: (string | undefined)[] = new Array<string | undefined>(26 * 36 * 36).fill(undefined);
const ID_BY_KEY = new Map<number, string>();
for (const id of HL7_SEGMENT_IDS) rememberId(id.charCodeAt(0), id.charCodeAt(1), id.charCodeAt(2), id);

/** Slot of the id bytes in ID_TABLE, or -1 when they are not a letter and two letters or digits. */
function idSlot(a: number, b: number, c: number): number {
  const x = ID_DIGIT[a]!;
  const y = ID_DIGIT[b]!;
  const z = ID_DIGIT[c]!;
  return x >= 0 && x < 26 && y >= 0 && z >= 0 ? (x * 36 + y) * 36 + z : -1;
}

function rememberId(a: number, b: number, c: number, id: string): void {
  const slot = idSlot(a, b, c);
  if (slot >= 0) ID_TABLE[slot] = id;
  else ID_BY_KEY.set(idKey(a, b, c), id);
}

/** Node's Buffer has these un-typed fast paths (no encoding-name lookup); used in the hot decode path. */
interface FastSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
function latin1(b: Buffer, s: number, e: number): string {
  return (b as unknown as FastSlices).latin1Slice(s, e);
}
function utf8(b: Buffer, s: number, e: number): string {
  return (b as unknown as FastSlices).utf8Slice(s, e);
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}
function isIdChar(c: number): boolean {
  return isUpper(c) || (c >= 0x30 && c <= 0x39);
}

/** HL7 v2.5 §2.5.4: a delimiter is a printable, non-alphanumeric ASCII character. */
export function isPlausibleDelimiter(c: number): boolean {
  return c > 0x20 && c < 0x7f && !isIdChar(c) && !(c >= 0x61 && c <= 0x7a);
}

function idKey(a: number, b: number, c: number): number {
  return (a << 16) | (b << 8) | c;
}

/**
 * The segment id whose three bytes start at `at`, when it is a standard id
 * (`HL7_SEGMENT_IDS`) or a Z-segment (`HL7_Z_SEGMENT`); null otherwise.
 */
function segmentIdAt(buf: Buffer, at: number): string | null {
  const a = buf[at]!;
  const b = buf[at + 1]!;
  const c = buf[at + 2]!;
  const slot = idSlot(a, b, c);
  const known = slot >= 0 ? ID_TABLE[slot] : ID_BY_KEY.size > 0 ? ID_BY_KEY.get(idKey(a, b, c)) : undefined;
  if (known !== undefined) return known;
  if (a !== LETTER_Z || !isIdChar(b) || !isIdChar(c)) return null;
  const id = latin1(buf, at, at + 3);
  rememberId(a, b, c, id);
  return id;
}

/**
 * Does the raw range [start, end) of `buf` start with the ASCII text
 * `prefix`? With `exact`, it must be exactly `prefix`, ASCII case ignored
 * (`prefix` in upper case). Compares bytes: nothing is decoded.
 */
export function rangeStartsWith(buf: Buffer, start: number, end: number, prefix: string, exact = false): boolean {
  const len = prefix.length;
  if (end - start < len || (exact && end - start !== len)) return false;
  for (let k = 0; k < len; k++) {
    let c = buf[start + k]!;
    if (exact && c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== prefix.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * One tokenized MLLP payload: a message, or a batch (FHS/BHS ... BTS/FTS)
 * holding several. Offsets point into `buf`, which the caller must keep
 * alive and unchanged while the message is used.
 *
 * The `select...` methods locate a raw range without allocating; read it
 * with `selectedStart`/`selectedEnd` before the next lookup.
 */
export class Hl7Message {
  readonly buf: Buffer;
  /** Things that looked wrong while tokenizing (never patient values). */
  readonly issues: string[] = [];
  /**
   * Per segment, SEG_FIELDS numbers in one array (one array per message rather than one per
   * number): start offset (its id), end offset (exclusive, before the terminator), index of its
   * scope, index in `pieces` of its first piece start (-1 until its fields are first asked for),
   * and the piece starts located (the segment end + 1 included).
   */
  private readonly seg: number[] = [];
  private readonly ids: string[] = [];
  private readonly scopes: Hl7Scope[] = [];
  /** Piece start offsets of every located segment, one run each: piece k spans [p[k], p[k+1]-1). */
  private readonly pieces: number[] = [];
  /** Scope of the innermost FHS/BHS: BTS/FTS close a batch with the batch's delimiters. */
  private batchScope = -1;
  // the last selected range (no tuple allocated per lookup)
  private rs = 0;
  private re = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
    this.scan();
  }

  /** Number of segments (lines that were not empty). */
  get segmentCount(): number {
    return this.ids.length;
  }

  /** Segment ids in order; '?' for a line that is not a segment. */
  segments(): string[] {
    return this.ids.slice();
  }

  /** The id of segment `i` ('MSH', 'OBX', ... or '?'). */
  segmentId(i: number): string {
    return this.ids[i] ?? HL7_INVALID_SEGMENT_ID;
  }

  /** Delimiters and charset in force at segment `i`. */
  scope(i: number): Hl7Scope {
    return this.scopes[this.seg[i * SEG_FIELDS + SEG_SCOPE] ?? 0]!;
  }

  /** Byte range of segment `i` (terminator excluded). */
  segmentRange(i: number): { start: number; end: number } {
    return { start: this.seg[i * SEG_FIELDS + SEG_START]!, end: this.seg[i * SEG_FIELDS + SEG_END]! };
  }

  /** Start offset of the range chosen by the last successful `select...` call. */
  get selectedStart(): number {
    return this.rs;
  }

  /** End offset (exclusive) of the range chosen by the last successful `select...` call. */
  get selectedEnd(): number {
    return this.re;
  }

  /**
   * Number of fields of segment `i`, counted the way the standard numbers
   * them (for MSH/FHS/BHS field 1 is the separator itself).
   */
  fieldCount(i: number): number {
    if (this.locate(i) < 0) return 0;
    const pieces = this.seg[i * SEG_FIELDS + SEG_PIECE_COUNT]! - 1;
    return this.isHeader(i) ? pieces : pieces - 1;
  }

  /**
   * Raw (still escaped) byte range of field `n` of segment `i`, or null when
   * the segment has no such field. Field numbers follow the standard.
   */
  fieldRange(i: number, n: number): { start: number; end: number } | null {
    return this.locateField(i, n) ? { start: this.rs, end: this.re } : null;
  }

  /** `fieldRange` without the allocation: selects the raw range of field `n`; false when there is no such field. */
  selectField(i: number, n: number): boolean {
    return this.locateField(i, n);
  }

  /** Number of repetitions of field `n` (0 when the field is absent or empty). */
  repetitionCount(i: number, n: number): number {
    if (!this.locateField(i, n) || this.rs === this.re) return 0;
    if (n <= 2 && this.isHeader(i)) return 1;
    const sep = this.scope(i).delimiters.repetition;
    if (sep < 0) return 1;
    let count = 1;
    const b = this.buf;
    const e = this.re;
    for (let p = this.rs; p < e; p++) if (b[p] === sep) count++;
    return count;
  }

  /**
   * Field `n` of segment `i`, escapes decoded, delimiters inside it left as
   * sent. MSH-1 and MSH-2 are returned verbatim. Null when absent or empty.
   */
  field(i: number, n: number): string | null {
    if (n === 1 && this.isHeader(i)) return String.fromCharCode(this.scope(i).delimiters.field);
    if (!this.locateField(i, n) || this.rs === this.re) return null;
    if (n === 2 && this.isHeader(i)) return latin1(this.buf, this.rs, this.re);
    return this.decode(this.rs, this.re, this.scope(i));
  }

  /**
   * One value: repetition `rep` (0-based), component `comp` and
   * subcomponent `sub` (1-based, as the standard numbers them) of field `n`
   * of segment `i`, escapes decoded under the message charset. Null when
   * absent or empty. `maxBytes` caps how many encoded bytes are decoded.
   */
  component(i: number, n: number, rep = 0, comp = 1, sub = 1, maxBytes = Infinity): string | null {
    if (!this.selectComponent(i, n, rep, comp, sub)) return null;
    const end = this.re - this.rs > maxBytes ? this.rs + maxBytes : this.re;
    return this.decode(this.rs, end, this.scope(i));
  }

  /**
   * Raw byte range of one value (see `component`), or null. Lets a caller
   * test bytes without decoding them.
   */
  componentRange(i: number, n: number, rep = 0, comp = 1, sub = 1): { start: number; end: number } | null {
    return this.selectComponent(i, n, rep, comp, sub) ? { start: this.rs, end: this.re } : null;
  }

  /** `componentRange` without the allocation: selects the raw range of one value; false when absent or empty. */
  selectComponent(i: number, n: number, rep = 0, comp = 1, sub = 1): boolean {
    if (!this.locateField(i, n)) return false;
    if (n <= 2 && this.isHeader(i)) return false;
    const d = this.scope(i).delimiters;
    if (!this.narrow(d.repetition, rep) || !this.narrow(d.component, comp - 1) || !this.narrow(d.subcomponent, sub - 1)) {
      return false;
    }
    return this.rs !== this.re;
  }

  /**
   * The first `max` components of repetition `rep` (0-based) of field `n`,
   * each cut at its first subcomponent separator, as raw [start, end) pairs
   * written to `out` (out[2k], out[2k+1] for component k+1). Returns how
   * many components there are (up to `max`), 0 when the field or the
   * repetition is absent. Reads a composite (HD, EI, CWE) in one pass;
   * empty components have start === end.
   */
  components(i: number, n: number, rep: number, max: number, out: number[]): number {
    if (!this.locateField(i, n)) return 0;
    if (n <= 2 && this.isHeader(i)) return 0;
    const d = this.scope(i).delimiters;
    // repetition 0 ends at the first repetition separator, found by the component scan itself
    const repSep = rep === 0 ? d.repetition : -1;
    if (rep !== 0 && !this.narrow(d.repetition, rep)) return 0;
    const b = this.buf;
    const cs = d.component;
    const ss = d.subcomponent;
    let e = this.re;
    let p = this.rs;
    let k = 0;
    while (k < max) {
      let q = p;
      let cut = -1;
      for (; q < e; q++) {
        const c = b[q];
        // the same precedence as narrowing by repetition, then component, then subcomponent
        if (c === repSep) {
          e = q;
          break;
        }
        if (c === cs) break;
        if (c === ss && cut < 0) cut = q;
      }
      out[2 * k] = p;
      out[2 * k + 1] = cut < 0 ? q : cut;
      k++;
      if (q >= e) break;
      p = q + 1;
    }
    return k;
  }

  /**
   * Does the raw value (see `componentRange`) start with the ASCII text
   * `prefix`? Compares bytes without decoding; with `exact`, the value must
   * be exactly `prefix`. Escaped values never match.
   */
  componentStartsWith(i: number, n: number, rep: number, comp: number, sub: number, prefix: string, exact = false): boolean {
    return this.selectComponent(i, n, rep, comp, sub) && rangeStartsWith(this.buf, this.rs, this.re, prefix, exact);
  }

  /**
   * Decode the escaped bytes [start, end) under `scope` (HL7 v2.5 §2.7
   * escape sequences in text). Delimiter escapes become the delimiter,
   * `\Xhh..\` becomes those bytes in the message charset, formatting
   * escapes (`\.br\`, `\H\`, ...) become a space or nothing.
   */
  decode(start: number, end: number, scope: Hl7Scope): string {
    const b = this.buf;
    const esc = scope.delimiters.escape;
    // one pass: an escape sends the value to the slow path; pure ASCII reads the same in every charset
    let ascii = true;
    let hasEsc = false;
    for (let p = start; p < end; p++) {
      const c = b[p]!;
      if (c === esc) {
        hasEsc = true;
        break;
      }
      if (c >= 0x80) ascii = false;
    }
    if (!hasEsc) {
      if (ascii || scope.encoding === 'latin1') return latin1(b, start, end);
      const text = utf8(b, start, end);
      // Undeclared charset: UTF-8 unless the bytes are not UTF-8 (then the sender meant a single-byte set)
      if (!scope.charsetDeclared && text.includes('\uFFFD') && !hasReplacementChar(b, start, end)) return latin1(b, start, end);
      return text;
    }
    const bytes = unescapeBytes(b, start, end, scope.delimiters);
    const text = bytes.toString(scope.encoding);
    if (!scope.charsetDeclared && scope.encoding === 'utf8' && text.includes('\uFFFD')) return bytes.toString('latin1');
    return text;
  }

  // ---- internals ----

  private isHeader(i: number): boolean {
    return this.scopes[this.seg[i * SEG_FIELDS + SEG_SCOPE]!]?.header === i;
  }

  /**
   * Locate the field boundaries of segment `i` (once; cached). Returns the
   * index of its first piece start in `pieces`, or -1 for no such segment.
   */
  private locate(i: number): number {
    const at = i * SEG_FIELDS;
    const cached = this.seg[at + SEG_PIECE_BASE];
    if (cached === undefined) return -1;
    if (cached >= 0) return cached;
    const b = this.buf;
    const sep = this.scope(i).delimiters.field;
    const s = this.seg[at + SEG_START]!;
    const e = this.seg[at + SEG_END]!;
    const pieces = this.pieces;
    const base = pieces.length;
    pieces.push(s);
    let p = s;
    let count = 1;
    while (count <= MAX_FIELDS) {
      // most fields are a few bytes: a byte loop beats a native call; a long one (OBX-5 text, waveforms) is searched natively
      let q = p;
      const stop = e - p > SHORT_FIELD_BYTES ? p + SHORT_FIELD_BYTES : e;
      while (q < stop && b[q] !== sep) q++;
      if (q === stop) {
        if (stop === e) break;
        q = b.indexOf(sep, stop);
        if (q < 0 || q >= e) break;
      }
      pieces.push(q + 1);
      count++;
      p = q + 1;
    }
    pieces.push(e + 1);
    this.seg[at + SEG_PIECE_BASE] = base;
    this.seg[at + SEG_PIECE_COUNT] = count + 1;
    return base;
  }

  /** Sets rs/re to field `n`'s raw range. */
  private locateField(i: number, n: number): boolean {
    const base = this.locate(i);
    if (base < 0 || n < 1) return false;
    const piece = this.isHeader(i) ? n - 1 : n;
    if (piece < 1 || piece + 1 >= this.seg[i * SEG_FIELDS + SEG_PIECE_COUNT]!) return false;
    this.rs = this.pieces[base + piece]!;
    this.re = this.pieces[base + piece + 1]! - 1;
    return true;
  }

  /** Narrow rs/re to the `index`-th piece split by `sep` (index 0 with no separator: unchanged). */
  private narrow(sep: number, index: number): boolean {
    if (index < 0) return false;
    if (sep < 0) return index === 0;
    const b = this.buf;
    let p = this.rs;
    const e = this.re;
    for (let k = 0; k < index; k++) {
      while (p < e && b[p] !== sep) p++;
      if (p >= e) return false;
      p++;
    }
    let q = p;
    while (q < e && b[q] !== sep) q++;
    this.rs = p;
    this.re = q;
    return true;
  }

  /** Find segments, read each header's delimiters and charset. */
  private scan(): void {
    const b = this.buf;
    const len = b.length;
    let p = 0;
    if (len >= 3 && b[0] === HL7_UTF8_BOM[0] && b[1] === HL7_UTF8_BOM[1] && b[2] === HL7_UTF8_BOM[2]) p = 3;
    this.scopes.push({ delimiters: DEFAULT_DELIMITERS, encoding: 'utf8', charsetDeclared: false, header: -1 });
    let invalid = 0;
    // HL7 v2.5 §2.5.1: segments end with CR; LF and CRLF are accepted as sent by many systems.
    // Each terminator kind is searched natively and the next hit kept until passed.
    let nextCr = b.indexOf(CR, p);
    let nextLf = b.indexOf(LF, p);
    while (p < len) {
      const c = b[p]!;
      if (c === CR || c === LF) {
        p++;
        continue;
      }
      if (nextCr >= 0 && nextCr < p) nextCr = b.indexOf(CR, p);
      if (nextLf >= 0 && nextLf < p) nextLf = b.indexOf(LF, p);
      let q = len;
      if (nextCr >= 0) q = nextCr;
      if (nextLf >= 0 && nextLf < q) q = nextLf;
      if (this.addSegment(p, q) === HL7_INVALID_SEGMENT_ID) invalid++;
      p = q;
    }
    if (invalid > 0) this.issues.push(`${invalid} line(s) are not segments (unknown segment id)`);
  }

  private addSegment(s: number, e: number): string {
    const b = this.buf;
    const i = this.ids.length;
    const candidate = e - s >= 3 ? segmentIdAt(b, s) : null;
    let id = HL7_INVALID_SEGMENT_ID;
    let scope = this.scopes.length - 1;
    if (candidate !== null) {
      if ((candidate === 'MSH' || candidate === 'FHS' || candidate === 'BHS') && e - s >= 4) {
        this.push(s, e, candidate, this.scopes.length);
        const header = this.readHeader(i, candidate, s, e);
        this.scopes.push(header);
        if (candidate === 'MSH') this.readCharset(i, header);
        else this.batchScope = this.scopes.length - 1;
        return candidate;
      }
      // HL7 v2.5 §2.10.3: BTS/FTS belong to the batch, whose delimiters may differ from the last MSH's
      if ((candidate === 'BTS' || candidate === 'FTS') && this.batchScope >= 0) scope = this.batchScope;
      if (e - s === 3 || b[s + 3] === this.scopes[scope]!.delimiters.field) id = candidate;
      else scope = this.scopes.length - 1;
    }
    this.push(s, e, id, scope);
    return id;
  }

  private push(s: number, e: number, id: string, scope: number): void {
    this.seg.push(s, e, scope, -1, 0);
    this.ids.push(id);
  }

  // HL7 v2.5 §2.14.9 MSH (and §2.15.5 FHS, §2.15.2 BHS): MSH-1 is the byte after the id, MSH-2 the encoding characters
  private readHeader(i: number, id: string, s: number, e: number): Hl7Scope {
    const b = this.buf;
    const field = b[s + 3]!;
    const enc = [-1, -1, -1, -1, -1];
    let n = 0;
    let p = s + 4;
    while (p < e && b[p] !== field && n < 5) enc[n++] = b[p++]!;
    if (p < e && b[p] !== field) this.issues.push(`${id}-2 has more than 5 encoding characters`);
    if (n < 4) this.issues.push(`${id}-2 declares ${n} encoding characters, 4 are required`);
    let plausible = isPlausibleDelimiter(field);
    let unique = true;
    for (let k = 0; k < n; k++) {
      const c = enc[k]!;
      if (!isPlausibleDelimiter(c)) plausible = false;
      if (c === field) unique = false;
      for (let j = 0; j < k; j++) if (enc[j] === c) unique = false;
    }
    if (!plausible) this.issues.push(`${id}-1/${id}-2 declare a delimiter that is a letter, digit, space or control`);
    if (!unique) this.issues.push(`${id}-1/${id}-2 declare the same delimiter twice`);
    const d: Hl7Delimiters = {
      field,
      component: enc[0]!,
      repetition: enc[1]!,
      escape: enc[2]!,
      subcomponent: enc[3]!,
      truncation: enc[4]!,
    };
    return { delimiters: d, encoding: 'utf8', charsetDeclared: false, header: i };
  }

  // HL7 v2.5 §2.14.9.18 MSH-18: the first repetition is the default character set of the message
  private readCharset(i: number, scope: Hl7Scope): void {
    if (!this.locateField(i, 18)) return;
    const b = this.buf;
    const p = this.rs;
    const e = this.re;
    const rep = scope.delimiters.repetition;
    const comp = scope.delimiters.component;
    let q = p;
    while (q < e && b[q] !== rep && b[q] !== comp) q++;
    const name = latin1(b, p, q).trim().toUpperCase();
    if (name === '') return;
    const enc = HL7_CHARSETS[name];
    if (enc) {
      scope.encoding = enc;
      scope.charsetDeclared = true;
    } else {
      this.issues.push(`${HL7_ISSUE_UNSUPPORTED_CHARSET}: MSH-18 names a character set this tokenizer does not decode; read as UTF-8`);
    }
  }
}

/** Did the raw bytes themselves hold U+FFFD (EF BF BD)? Then a replacement char in the text is genuine. */
function hasReplacementChar(b: Buffer, s: number, e: number): boolean {
  for (let p = s; p + 2 < e; p++) if (b[p] === 0xef && b[p + 1] === 0xbf && b[p + 2] === 0xbd) return true;
  return false;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * HL7 v2.5 §2.7.1-§2.7.6 escape sequences, decoded to bytes. An escape
 * without its closing escape character, or one we do not know, is kept as
 * sent.
 */
export function unescapeBytes(b: Buffer, start: number, end: number, d: Hl7Delimiters): Buffer {
  const out = Buffer.allocUnsafe(end - start); // decoding never grows the value
  let o = 0;
  let p = start;
  while (p < end) {
    const c = b[p]!;
    if (c !== d.escape) {
      out[o++] = c;
      p++;
      continue;
    }
    let q = p + 1;
    while (q < end && b[q] !== d.escape) q++;
    if (q >= end || q === p + 1) {
      // unterminated or empty escape: literal
      out[o++] = c;
      p++;
      continue;
    }
    const kind = b[p + 1]!;
    const bodyLen = q - p - 2; // bytes after the kind letter
    let handled = true;
    switch (kind) {
      case 0x46: // F: field separator
        handled = bodyLen === 0 && put(d.field);
        break;
      case 0x53: // S: component separator
        handled = bodyLen === 0 && put(d.component);
        break;
      case 0x54: // T: subcomponent separator
        handled = bodyLen === 0 && put(d.subcomponent);
        break;
      case 0x52: // R: repetition separator
        handled = bodyLen === 0 && put(d.repetition);
        break;
      case 0x45: // E: escape character
        handled = bodyLen === 0 && put(d.escape);
        break;
      case 0x50: // P: truncation character (v2.7)
        handled = bodyLen === 0 && put(d.truncation);
        break;
      case 0x58: { // X: hexadecimal bytes
        if (bodyLen === 0 || bodyLen % 2 !== 0) {
          handled = false;
          break;
        }
        const mark = o;
        for (let k = p + 2; k < q; k += 2) {
          const hi = hexVal(b[k]!);
          const lo = hexVal(b[k + 1]!);
          if (hi < 0 || lo < 0) {
            o = mark;
            handled = false;
            break;
          }
          out[o++] = (hi << 4) | lo;
        }
        break;
      }
      case 0x2e: { // .br .sp .in .ti .sk .ce .fi .nf (§2.7.6 formatted text): a line break becomes a space
        const cmd = b.toString('latin1', p + 2, Math.min(q, p + 4));
        if (cmd === 'br' || cmd === 'sp' || cmd === 'sk' || cmd === 'in' || cmd === 'ti') out[o++] = 0x20;
        break;
      }
      case 0x48: // H: start highlighting
      case 0x4e: // N: normal text
      case 0x43: // C: single-byte charset switch (§2.7.4): not followed
      case 0x4d: // M: multi-byte charset switch
      case 0x5a: // Z: locally defined
        break;
      default:
        handled = false;
    }
    if (handled) {
      p = q + 1;
    } else {
      out[o++] = c;
      p++;
    }
  }
  return out.subarray(0, o);

  function put(v: number): boolean {
    if (v < 0) return false;
    out[o++] = v;
    return true;
  }
}

/**
 * Tokenize one MLLP payload (a message or a batch). Never throws; look at
 * `issues` for what looked malformed.
 */
export function tokenizeMessage(buf: Buffer): Hl7Message {
  return new Hl7Message(buf);
}
