/**
 * Equipment attributes from a dataset streamed in PDV fragments, under its
 * transfer syntax (PS3.5 §10, Annex A). The prefix walker copies out only the
 * allow-listed elements; `dicom-parser` then reads them. Deflated datasets
 * (PS3.5 §A.5) are inflated with a hard cap on input and output.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type dicomParserModule from 'dicom-parser';
import {
  DICOM_ALL_VRS,
  DICOM_TAG_DEVICE_SERIAL_NUMBER,
  DICOM_TAG_DEVICE_UID,
  DICOM_TAG_INSTITUTION_NAME,
  DICOM_TAG_MANUFACTURER,
  DICOM_TAG_MODALITY,
  DICOM_TAG_MODEL_NAME,
  DICOM_TAG_SOFTWARE_VERSIONS,
  DICOM_TAG_SOP_CLASS_UID,
  DICOM_TAG_STATION_NAME,
  DICOM_TAG_UDI,
  DICOM_TAG_UDI_SEQUENCE,
  DICOM_TS_DEFLATED_EXPLICIT_LE,
  DICOM_TS_EXPLICIT_BE,
  DICOM_TS_EXPLICIT_LE,
  DICOM_TS_IMPLICIT_LE,
} from './constants.js';
import { DatasetPrefixWalker, type WalkIssue } from './dataset-prefix.js';
import { textStringAt } from './pdu-parser.js';

/**
 * `dicom-parser` is CommonJS. Imported from ESM, Node first runs its CJS
 * lexer over the file to find the exports (about 20 ms on the main thread
 * here, plus a 70 ms optimising compile of the lexer as it warms); `require`
 * loads it without that.
 */
const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof dicomParserModule;

/** Equipment attributes read from one dataset (PS3.3 C.7.5.1, C.7.5.2, C.7.3.1, C.12.1). */
export interface EquipmentAttributes {
  sopClassUid: string | null;
  modality: string | null;
  manufacturer: string | null;
  institutionName: string | null;
  stationName: string | null;
  modelName: string | null;
  deviceSerialNumber: string | null;
  deviceUid: string | null;
  udi: string[];
  softwareVersions: string[];
}

export interface DatasetLimits {
  maxPrefixBytes: number;
  maxValueBytes: number;
  maxDeflatedBytes: number;
  maxInflatedBytes: number;
}

/** What a finished dataset yielded. */
export interface DatasetResult {
  attributes: EquipmentAttributes;
  /** At least one device attribute (not counting the SOP class) was found. */
  hasEquipment: boolean;
  transferSyntaxUid: string;
  transferSyntaxGuessed: boolean;
  patientModulePresent: boolean;
  /** The walk was cut before the equipment tags were passed. */
  partial: boolean;
}

/** PS3.5 §A: how a transfer syntax encodes the dataset header. */
export function encodingOf(ts: string): { explicit: boolean; bigEndian: boolean; deflated: boolean } {
  if (ts === DICOM_TS_IMPLICIT_LE) return { explicit: false, bigEndian: false, deflated: false };
  if (ts === DICOM_TS_EXPLICIT_BE) return { explicit: true, bigEndian: true, deflated: false };
  if (ts === DICOM_TS_DEFLATED_EXPLICIT_LE) return { explicit: true, bigEndian: false, deflated: true };
  // Explicit VR LE and every encapsulated (compressed pixel data) syntax: PS3.5 §A.4
  return { explicit: true, bigEndian: false, deflated: false };
}

/**
 * Guess the encoding from a dataset's first 6 bytes when the association was
 * not seen: two VR letters after the tag mean explicit VR; a group number
 * whose high byte is zero read little endian means big endian.
 */
export function sniffTransferSyntax(first: Buffer): string {
  if (first.length >= 6 && DICOM_ALL_VRS.has(String.fromCharCode(first[4]!, first[5]!))) {
    return first[0] === 0 && first[1] !== 0 ? DICOM_TS_EXPLICIT_BE : DICOM_TS_EXPLICIT_LE;
  }
  return DICOM_TS_IMPLICIT_LE;
}

/** Bytes of sniffing we need before choosing an encoding. */
const SNIFF_BYTES = 6;
/** Deflate attempts at these doubling input sizes keep the work linear and the result chunking-independent. */
const FIRST_INFLATE_ATTEMPT = 256;
/** zlib's inflate state (32 KiB window plus tables), counted against retained bytes. */
const INFLATE_STATE_BYTES = 48 * 1024;

/**
 * One dataset on one presentation context. Feed its PDV fragments with
 * `write`, then `finish` once (last fragment, gap or end of stream).
 */
export class EquipmentExtractor {
  readonly issues: WalkIssue[] = [];
  private readonly limits: DatasetLimits;
  private ts: string | null;
  private readonly guessed: boolean;
  private walker: DatasetPrefixWalker | null = null;
  private sniff: Buffer | null = null;
  private sniffLen = 0;
  // Deflate: compressed input kept up to a cap, inflated at doubling sizes
  private deflated: Buffer | null = null;
  private deflatedLen = 0;
  private nextAttempt = FIRST_INFLATE_ATTEMPT;
  private inflatedFed = 0;
  private deflateDone = false;
  private finished = false;

  constructor(transferSyntaxUid: string | null, limits: DatasetLimits) {
    this.limits = limits;
    this.ts = transferSyntaxUid;
    this.guessed = transferSyntaxUid === null;
    if (transferSyntaxUid !== null) this.start(transferSyntaxUid);
    else this.sniff = Buffer.alloc(SNIFF_BYTES);
  }

  /** True when further bytes of this dataset cannot change the result. */
  get done(): boolean {
    return this.finished || (this.walker !== null && this.walker.done) || this.deflateDone;
  }

  /** Dataset bytes of one PDV fragment (valid only during the call). */
  write(b: Buffer): void {
    if (this.done || b.length === 0) return;
    if (this.sniff) {
      const n = Math.min(SNIFF_BYTES - this.sniffLen, b.length);
      b.copy(this.sniff, this.sniffLen, 0, n);
      this.sniffLen += n;
      if (this.sniffLen < SNIFF_BYTES) return;
      const head = this.sniff;
      this.sniff = null;
      this.ts = sniffTransferSyntax(head);
      this.start(this.ts);
      this.feed(head);
      b = b.subarray(n);
    }
    this.feed(b);
  }

  /** Bytes held for this dataset. */
  retainedBytes(): number {
    return (this.walker?.retainedBytes() ?? 0) + (this.sniff ? SNIFF_BYTES : 0) + (this.deflated ? this.deflated.length + INFLATE_STATE_BYTES : 0);
  }

  /** Finish the dataset: `cut` says it ended early (gap, truncation). Returns null when nothing was walked. */
  finish(cut: boolean): DatasetResult | null {
    if (this.finished) return null;
    if (this.deflated && !this.deflateDone && this.walker && !this.walker.done) this.inflateUpTo(this.deflatedLen);
    this.finished = true;
    const walker = this.walker;
    this.deflated = null;
    if (!walker || this.ts === null) return null;
    for (const i of walker.issues) this.issues.push(i);
    const enc = encodingOf(this.ts);
    const attributes = readEquipment(walker.prefix(), enc.explicit, enc.bigEndian, this.issues);
    const hasEquipment =
      attributes.modality !== null || attributes.manufacturer !== null || attributes.institutionName !== null ||
      attributes.stationName !== null || attributes.modelName !== null || attributes.deviceSerialNumber !== null ||
      attributes.deviceUid !== null || attributes.udi.length > 0 || attributes.softwareVersions.length > 0;
    // Ending at the dataset's last fragment is a complete walk even if the stop tag never came
    const partial = !walker.complete && (cut || walker.issues.length > 0 || this.issues.length > 0);
    return {
      attributes,
      hasEquipment,
      transferSyntaxUid: this.ts,
      transferSyntaxGuessed: this.guessed,
      patientModulePresent: walker.patientSeen,
      partial,
    };
  }

  private start(ts: string): void {
    const enc = encodingOf(ts);
    this.walker = new DatasetPrefixWalker({
      explicit: enc.explicit,
      bigEndian: enc.bigEndian,
      maxPrefixBytes: this.limits.maxPrefixBytes,
      maxValueBytes: this.limits.maxValueBytes,
    });
    if (enc.deflated) this.deflated = Buffer.alloc(0);
  }

  private feed(b: Buffer): void {
    if (!this.walker) return;
    if (!this.deflated) {
      this.walker.write(b);
      return;
    }
    // PS3.5 §A.5: the whole dataset is one raw deflate stream
    const room = this.limits.maxDeflatedBytes - this.deflatedLen;
    const n = Math.min(room, b.length);
    if (this.deflatedLen + n > this.deflated.length) {
      const size = Math.min(this.limits.maxDeflatedBytes, Math.max(1024, this.deflated.length * 2, this.deflatedLen + n));
      const next = Buffer.allocUnsafe(size); // only [0, deflatedLen) is ever read
      this.deflated.copy(next, 0, 0, this.deflatedLen);
      this.deflated = next;
    }
    b.copy(this.deflated, this.deflatedLen, 0, n);
    this.deflatedLen += n;
    while (!this.done && this.deflatedLen >= this.nextAttempt) {
      this.inflateUpTo(this.nextAttempt);
      this.nextAttempt *= 2;
    }
    if (!this.done && n < b.length) {
      this.inflateUpTo(this.deflatedLen);
      if (!this.done) {
        this.issues.push({ kind: 'cap', detail: `deflated dataset: equipment tags not found in the first ${this.limits.maxDeflatedBytes} compressed bytes` });
        this.deflateDone = true;
      }
    }
  }

  /**
   * Inflate the first `n` compressed bytes with a sync flush and feed the
   * walker what it has not seen. Re-inflating from the start is what keeps
   * this synchronous; doubling attempt sizes keep the total work linear.
   */
  private inflateUpTo(n: number): void {
    if (!this.deflated || !this.walker || n <= 0) return;
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(this.deflated.subarray(0, Math.min(n, this.deflatedLen)), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: this.limits.maxInflatedBytes,
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        this.issues.push({ kind: 'cap', detail: `deflated dataset inflates past ${this.limits.maxInflatedBytes} bytes` });
      } else {
        this.issues.push({ kind: 'malformed', detail: `deflated dataset: ${code ?? 'inflate error'}` });
      }
      this.deflateDone = true;
      return;
    }
    if (out.length > this.inflatedFed) {
      this.walker.write(out.subarray(this.inflatedFed));
      this.inflatedFed = out.length;
    }
  }
}

interface ParserDataSet {
  elements: Record<string, { dataOffset: number; length: number; items?: { dataSet?: ParserDataSet }[] }>;
  warnings: string[];
}

const DataSetCtor = (dicomParser as unknown as {
  DataSet: new (parser: dicomParserModule.ByteArrayParser, bytes: Uint8Array, elements: Record<string, unknown>) => dicomParserModule.DataSet;
}).DataSet;

/** Implicit VR needs the VR of the sequence we copied, so dicom-parser walks its items. */
function implicitVr(tag: string): string | undefined {
  return tag === 'x0018100a' ? 'SQ' : undefined;
}

/**
 * Read the allow-listed attributes from a prefix holding only allow-listed
 * elements. A parse error keeps the elements read before it.
 */
export function readEquipment(prefix: Buffer, explicit: boolean, bigEndian: boolean, issues: WalkIssue[]): EquipmentAttributes {
  const parser = bigEndian ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser;
  const ds = new DataSetCtor(parser, prefix, {});
  if (prefix.length > 0) {
    const stream = new dicomParser.ByteStream(parser, prefix, 0);
    try {
      if (explicit) dicomParser.parseDicomDataSetExplicit(ds, stream, prefix.length);
      else dicomParser.parseDicomDataSetImplicit(ds, stream, prefix.length, { untilTag: '', vrCallback: implicitVr as (t: string) => string });
    } catch (err) {
      issues.push({ kind: 'malformed', detail: `equipment elements: ${String(err).slice(0, 120)}` });
    }
  }
  const set = ds as unknown as ParserDataSet;
  const udi = values(prefix, set, DICOM_TAG_UDI);
  const udiSeq = set.elements[tagKey(DICOM_TAG_UDI_SEQUENCE)];
  for (const item of udiSeq?.items ?? []) {
    if (item.dataSet && udi.length < 16) udi.push(...values(prefix, item.dataSet, DICOM_TAG_UDI));
  }
  return {
    sopClassUid: first(prefix, set, DICOM_TAG_SOP_CLASS_UID),
    modality: first(prefix, set, DICOM_TAG_MODALITY),
    manufacturer: first(prefix, set, DICOM_TAG_MANUFACTURER),
    institutionName: first(prefix, set, DICOM_TAG_INSTITUTION_NAME),
    stationName: first(prefix, set, DICOM_TAG_STATION_NAME),
    modelName: first(prefix, set, DICOM_TAG_MODEL_NAME),
    deviceSerialNumber: first(prefix, set, DICOM_TAG_DEVICE_SERIAL_NUMBER),
    deviceUid: first(prefix, set, DICOM_TAG_DEVICE_UID),
    udi: udi.slice(0, 16),
    softwareVersions: values(prefix, set, DICOM_TAG_SOFTWARE_VERSIONS).slice(0, 16),
  };
}

/** dicom-parser's element keys ('xggggeeee') of the few tags read, made once each. */
const TAG_KEYS = new Map<number, string>();

function tagKey(tag: number): string {
  let key = TAG_KEYS.get(tag);
  if (key === undefined) {
    key = 'x' + tag.toString(16).padStart(8, '0');
    if (TAG_KEYS.size < 64) TAG_KEYS.set(tag, key);
  }
  return key;
}

/** PS3.5 §6.4: multiple values are separated by backslash; empty values are dropped. */
function values(prefix: Buffer, set: ParserDataSet, tag: number): string[] {
  const el = set.elements[tagKey(tag)];
  if (!el || el.length <= 0 || el.dataOffset + el.length > prefix.length) return [];
  const end = el.dataOffset + el.length;
  const out: string[] = [];
  let start = el.dataOffset;
  // read in place: no view per element or per value
  for (let i = start; i <= end; i++) {
    if (i === end || prefix[i] === 0x5c) {
      const v = textStringAt(prefix, start, i);
      if (v) out.push(v);
      start = i + 1;
    }
  }
  return out;
}

function first(prefix: Buffer, set: ParserDataSet, tag: number): string | null {
  const el = set.elements[tagKey(tag)];
  if (!el || el.length <= 0 || el.dataOffset + el.length > prefix.length) return null;
  // the usual single value: no list to build and join
  const end = el.dataOffset + el.length;
  let p = el.dataOffset;
  while (p < end && prefix[p] !== 0x5c) p++;
  if (p === end) return textStringAt(prefix, el.dataOffset, end) || null;
  const v = values(prefix, set, tag);
  return v.length > 0 ? v.join('\\') : null;
}
