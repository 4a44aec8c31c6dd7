/**
 * A light, incremental walker over a dataset byte stream (PS3.5 §7) that
 * copies out only the allow-listed equipment elements, header and value, into
 * a small buffer, so that `dicom-parser` can read them afterwards. Every other
 * value, patient data and pixel data included, is skipped by counting and
 * never copied. The walk stops at the first top-level tag past (0018,1020):
 * tags ascend (PS3.5 §7.1), so nothing we want can follow.
 */
import {
  DICOM_ALL_VRS,
  DICOM_EQUIPMENT_TAGS,
  DICOM_GROUP_PATIENT,
  DICOM_LAST_EQUIPMENT_TAG,
  DICOM_LONG_VRS,
  DICOM_TAG_ITEM,
  DICOM_TAG_ITEM_DELIMITATION,
  DICOM_TAG_SEQUENCE_DELIMITATION,
  DICOM_TAG_UDI_SEQUENCE,
  DICOM_UNDEFINED_LENGTH,
} from './constants.js';

export interface PrefixWalkerOptions {
  /** Explicit VR (PS3.5 §7.1.2) or implicit VR (§7.1.3). */
  explicit: boolean;
  /** Explicit VR Big Endian (PS3.5 §A.3, retired). */
  bigEndian: boolean;
  /** Cap on the copied prefix. */
  maxPrefixBytes: number;
  /** Longest single equipment value copied; longer ones are skipped. */
  maxValueBytes: number;
}

/** What went wrong, for the stream to turn into an anomaly. */
export interface WalkIssue {
  kind: 'malformed' | 'cap';
  detail: string;
}

/** An open undefined-length sequence or item (PS3.5 §7.5). Defined-length ones are skipped or copied whole. */
interface Container {
  kind: 'seq' | 'item';
  copy: boolean;
  /** Inside a UN of undefined length the content is implicit VR LE (PS3.5 §6.2.2). */
  implicit: boolean;
}

const MAX_DEPTH = 32;
/** Longest element header (PS3.5 Table 7.1-1: explicit VR with a 4-byte length). */
const HEADER_SCRATCH_BYTES = 12;
const EMPTY = Buffer.alloc(0);

/** A VR's two bytes as one number (first byte high), so a header's VR is looked up without making a string. */
const vrCode = (vr: string): number => (vr.charCodeAt(0) << 8) | vr.charCodeAt(1);
/**
 * Every VR is two upper-case letters (PS3.5 Table 6.2-1): its kind is read
 * from a 26 x 26 table (once per element header, where a Set lookup was the
 * walker's largest cost). 0: not a VR; 1: 2-byte length; 2: reserved bytes
 * and a 4-byte length (PS3.5 Table 7.1-1).
 */
const VR_NONE = 0;
const VR_LONG = 2;
const VR_KIND = new Uint8Array(26 * 26);
for (const vr of DICOM_ALL_VRS) VR_KIND[vrIndex(vr.charCodeAt(0), vr.charCodeAt(1))] = DICOM_LONG_VRS.has(vr) ? VR_LONG : 1;
/** PS3.5 §6.2.2: the VR whose undefined-length content is implicit VR. */
const VR_UN = vrCode('UN');

/** Index of the VR bytes `a`, `b` in VR_KIND, or -1 when either is not an upper-case letter. */
function vrIndex(a: number, b: number): number {
  const x = a - 0x41;
  const y = b - 0x41;
  return x >= 0 && x < 26 && y >= 0 && y < 26 ? x * 26 + y : -1;
}

/** Incremental prefix walker for one dataset. Feed bytes with `write`; read `prefix()` when done. */
export class DatasetPrefixWalker {
  /** True once nothing more is needed (stop tag passed, or malformed). */
  done = false;
  /** True once the equipment tags were passed normally (not cut short). */
  complete = false;
  /** A group 0010 element appeared (never its value). */
  patientSeen = false;
  readonly issues: WalkIssue[] = [];
  /** Bytes walked. */
  pos = 0;

  private readonly opts: PrefixWalkerOptions;
  /** Scratch for a header split across writes; made the first time one is. */
  private hdr: Buffer | null = null;
  private hdrHave = 0;
  private hdrNeed = 8;
  private mode: 'header' | 'copy' | 'skip' = 'header';
  private remaining = 0;
  private readonly stack: Container[] = [];
  private buf: Buffer = EMPTY;
  private len = 0;
  private capReported = false;

  constructor(opts: PrefixWalkerOptions) {
    this.opts = opts;
  }

  /** Walk more dataset bytes. The bytes are not retained except allow-listed elements. */
  write(b: Buffer): void {
    let i = 0;
    const end = b.length;
    while (i < end && !this.done) {
      if (this.mode === 'skip' || this.mode === 'copy') {
        const n = Math.min(this.remaining, end - i);
        if (this.mode === 'copy') this.append(b, i, n);
        i += n;
        this.pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.mode = 'header';
        continue;
      }
      if (this.hdrHave === 0 && end - i >= 12) {
        // The whole header is in this chunk (the usual case): read it where it is, nothing gathered
        i += this.onHeader(b, i, 12, this.pos);
        continue;
      }
      // A header split across writes: gather it (at most 12 bytes; a loop is cheaper than Buffer#copy's checks)
      const n = Math.min(this.hdrNeed - this.hdrHave, end - i);
      const h = (this.hdr ??= Buffer.alloc(12));
      for (let k = 0; k < n; k++) h[this.hdrHave + k] = b[i + k]!;
      this.hdrHave += n;
      i += n;
      this.pos += n;
      if (this.hdrHave === this.hdrNeed) {
        if (this.onHeader(h, 0, this.hdrHave, this.pos - this.hdrHave) === 0) this.hdrNeed = 12;
        else this.resetHeader();
      }
    }
  }

  /** The copied allow-listed elements, a valid dataset in the walked encoding. */
  prefix(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Bytes held (prefix buffer plus header scratch). */
  retainedBytes(): number {
    return this.buf.length + HEADER_SCRATCH_BYTES;
  }

  /**
   * One element header at `h[o, o + have)`, `have` being 8 or at least 12,
   * that starts at dataset byte `start`. Returns the header bytes it used
   * (8 or 12), or 0 when a long-VR header needs 12 and only 8 are there.
   * `pos` ends past the header.
   */
  private onHeader(h: Buffer, o: number, have: number, start: number): number {
    // top level (an empty stack) is the common case; stack[-1] would be a slow keyed miss
    const depth = this.stack.length;
    const top = depth > 0 ? this.stack[depth - 1] : undefined;
    const implicit = top ? top.implicit : !this.opts.explicit;
    const be = this.opts.bigEndian && !implicit;
    const group = be ? u16be(h, o) : u16le(h, o);
    const element = be ? u16be(h, o + 2) : u16le(h, o + 2);
    const tag = ((group << 16) | element) >>> 0;
    const copying = top ? top.copy : false;

    // PS3.5 §7.5: item and delimiter tags carry a 4-byte length and no VR
    if (group === 0xfffe) {
      this.pos = start + 8;
      const len = be ? u32be(h, o + 4) : u32le(h, o + 4);
      if (tag === DICOM_TAG_ITEM) {
        if (!top || top.kind !== 'seq') return this.malformed('item tag outside a sequence');
        if (copying && !this.appendHeader(h, o, 8)) return 8;
        if (len === DICOM_UNDEFINED_LENGTH) {
          this.push({ kind: 'item', copy: copying, implicit });
          return 8;
        }
        this.startValue(len, copying);
        return 8;
      }
      if (tag === DICOM_TAG_ITEM_DELIMITATION || tag === DICOM_TAG_SEQUENCE_DELIMITATION) {
        const want = tag === DICOM_TAG_ITEM_DELIMITATION ? 'item' : 'seq';
        if (!top || top.kind !== want) return this.malformed(`unexpected ${want} delimiter`);
        if (copying && !this.appendHeader(h, o, 8)) return 8;
        this.stack.pop();
        return 8;
      }
      return this.malformed(`unknown delimiter tag (fffe,${element.toString(16)})`);
    }

    let len: number;
    let hdrSize = 8;
    let vr = -1;
    if (implicit) {
      len = u32le(h, o + 4);
    } else {
      vr = (h[o + 4]! << 8) | h[o + 5]!;
      const at = vrIndex(h[o + 4]!, h[o + 5]!);
      const kind = at < 0 ? VR_NONE : VR_KIND[at]!;
      if (kind === VR_NONE) {
        this.pos = start + 8;
        return this.malformed(`invalid VR bytes 0x${h[o + 4]!.toString(16)}${h[o + 5]!.toString(16)}`);
      }
      if (kind === VR_LONG) {
        // PS3.5 Table 7.1-1: 2 reserved bytes and a 4-byte length follow
        if (have < 12) return 0;
        len = be ? u32be(h, o + 8) : u32le(h, o + 8);
        hdrSize = 12;
      } else {
        len = be ? u16be(h, o + 6) : u16le(h, o + 6);
      }
    }
    this.pos = start + hdrSize;

    if (group === DICOM_GROUP_PATIENT) this.patientSeen = true;
    if (this.stack.length === 0 && tag > DICOM_LAST_EQUIPMENT_TAG) {
      this.done = true;
      this.complete = true;
      return hdrSize;
    }
    const undefinedLength = len === DICOM_UNDEFINED_LENGTH;
    const childImplicit = implicit || vr === VR_UN;
    if (copying) {
      if (!this.appendHeader(h, o, hdrSize)) return hdrSize;
      if (undefinedLength) this.push({ kind: 'seq', copy: true, implicit: childImplicit });
      else this.startValue(len, true);
      return hdrSize;
    }
    if (this.stack.length === 0 && DICOM_EQUIPMENT_TAGS.has(tag)) {
      const isSeq = tag === DICOM_TAG_UDI_SEQUENCE;
      const limit = isSeq ? this.opts.maxPrefixBytes : this.opts.maxValueBytes;
      if (undefinedLength ? isSeq : len <= limit && this.fits(hdrSize + len)) {
        if (!this.appendHeader(h, o, hdrSize)) return hdrSize;
        if (undefinedLength) this.push({ kind: 'seq', copy: true, implicit: childImplicit });
        else this.startValue(len, true);
        return hdrSize;
      }
      if (!undefinedLength) this.reportCap(`equipment element (${tagText(tag)}) of ${len} bytes not copied`);
    }
    // Everything else: walk undefined-length structures to find their end, skip the rest by counting
    if (undefinedLength) this.push({ kind: 'seq', copy: false, implicit: childImplicit });
    else this.startValue(len, false);
    return hdrSize;
  }

  private startValue(len: number, copy: boolean): void {
    if (len === DICOM_UNDEFINED_LENGTH) {
      this.malformed('undefined length where a defined one is required');
      return;
    }
    if (copy && !this.fits(len)) {
      this.reportCap(`prefix cap of ${this.opts.maxPrefixBytes} bytes reached inside a copied element`);
      this.done = true; // the structure would be cut: keep the whole elements copied so far
      return;
    }
    if (len === 0) return;
    this.mode = copy ? 'copy' : 'skip';
    this.remaining = len;
  }

  private push(c: Container): void {
    if (this.stack.length >= MAX_DEPTH) {
      this.malformed(`sequences nested deeper than ${MAX_DEPTH}`);
      return;
    }
    this.stack.push(c);
  }

  private resetHeader(): void {
    this.hdrHave = 0;
    this.hdrNeed = 8;
  }

  private fits(n: number): boolean {
    return this.len + n <= this.opts.maxPrefixBytes;
  }

  private appendHeader(h: Buffer, o: number, n: number): boolean {
    if (!this.fits(n)) {
      this.reportCap(`prefix cap of ${this.opts.maxPrefixBytes} bytes reached`);
      this.done = true;
      return false;
    }
    this.append(h, o, n);
    return true;
  }

  private append(src: Buffer, off: number, n: number): void {
    if (this.len + n > this.buf.length) {
      let size = Math.max(256, this.buf.length * 2);
      while (size < this.len + n) size *= 2;
      // only [0, len) is ever read: no zero fill, and a small first buffer comes from the shared pool
      const next = Buffer.allocUnsafe(Math.min(size, this.opts.maxPrefixBytes));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    if (n <= 32) {
      // headers and short values: a loop is cheaper than Buffer#copy's checks
      const dst = this.buf;
      for (let k = 0; k < n; k++) dst[this.len + k] = src[off + k]!;
    } else {
      src.copy(this.buf, this.len, off, off + n);
    }
    this.len += n;
  }

  /** Returns 8, a header's least size, so `onHeader` can return it (nothing is read after this). */
  private malformed(detail: string): number {
    this.issues.push({ kind: 'malformed', detail: `dataset at byte ${this.pos}: ${detail}` });
    this.done = true;
    return 8;
  }

  private reportCap(detail: string): void {
    if (this.capReported) return;
    this.capReported = true;
    this.issues.push({ kind: 'cap', detail });
  }
}

function u16le(b: Buffer, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u16be(b: Buffer, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32le(b: Buffer, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function u32be(b: Buffer, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function tagText(tag: number): string {
  return `${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')}`;
}
