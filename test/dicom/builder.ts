/**
 * Builds annotated DICOM wire fixtures for tests: PDUs (PS3.8 §9.3), items,
 * user information sub-items, PDVs, command sets (PS3.7 §9.3) and small
 * datasets in every transfer syntax we read (PS3.5 §7, Annex A).
 */
import zlib from 'node:zlib';
import type { DicomEvent } from '../../protocols/dicom/events.js';
import { createDicomAnalyzer, type DicomOptions } from '../../protocols/dicom/stream.js';
import type { Direction } from '../../protocols/common/analyzer.js';

export const TS_IMPLICIT = '1.2.840.10008.1.2';
export const TS_EXPLICIT = '1.2.840.10008.1.2.1';
export const TS_DEFLATE = '1.2.840.10008.1.2.1.99';
export const TS_BIG = '1.2.840.10008.1.2.2';
export const TS_JPEG = '1.2.840.10008.1.2.4.50';
export const CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const VERIFICATION = '1.2.840.10008.1.1';
export const APP_CONTEXT = '1.2.840.10008.3.1.1.1';

/** PS3.8 §9.3.1: type, reserved, 4-byte big-endian length, body. */
export function pdu(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(6);
  h[0] = type;
  h.writeUInt32BE(body.length, 2);
  return Buffer.concat([h, body]);
}

/** PS3.8 §9.3.2.1: type, reserved, 2-byte length, value. */
export function item(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUInt16BE(data.length, 2);
  return Buffer.concat([h, data]);
}

export const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
/** UIDs in PDUs are not padded; in datasets they are NUL-padded to even length (PS3.5 §9.1). */
export const uidPadded = (s: string): Buffer => (s.length % 2 ? Buffer.concat([ascii(s), Buffer.from([0])]) : ascii(s));
export const textPadded = (s: string): Buffer => ascii(s.length % 2 ? s + ' ' : s);

function aeField(s: string): Buffer {
  return ascii(s.padEnd(16, ' ').slice(0, 16));
}

export interface PcRq {
  id: number;
  abstract: string;
  ts: string[];
}
export interface PcAc {
  id: number;
  result: number;
  ts: string;
}

/** PS3.8 §9.3.2 A-ASSOCIATE-RQ / §9.3.3 A-ASSOCIATE-AC fixed fields + items. */
function associate(type: 1 | 2, called: string, calling: string, items: Buffer[]): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0); // protocol version 1
  aeField(called).copy(fixed, 4);
  aeField(calling).copy(fixed, 20);
  return pdu(type, Buffer.concat([fixed, ...items]));
}

export function associateRq(o: { called?: string; calling?: string; pcs: PcRq[]; userInfo?: Buffer[] }): Buffer {
  const items = [item(0x10, ascii(APP_CONTEXT))];
  for (const pc of o.pcs) {
    // id, 3 reserved, abstract syntax 0x30, transfer syntaxes 0x40
    const head = Buffer.from([pc.id, 0, 0, 0]);
    items.push(item(0x20, Buffer.concat([head, item(0x30, ascii(pc.abstract)), ...pc.ts.map((t) => item(0x40, ascii(t)))])));
  }
  if (o.userInfo) items.push(item(0x50, Buffer.concat(o.userInfo)));
  return associate(1, o.called ?? 'ARCHIVE', o.calling ?? 'CT_SCANNER_01', items);
}

export function associateAc(o: { called?: string; calling?: string; pcs: PcAc[]; userInfo?: Buffer[] }): Buffer {
  const items = [item(0x10, ascii(APP_CONTEXT))];
  for (const pc of o.pcs) {
    // id, reserved, result/reason, reserved, one transfer syntax 0x40
    items.push(item(0x21, Buffer.concat([Buffer.from([pc.id, 0, pc.result, 0]), item(0x40, ascii(pc.ts))])));
  }
  if (o.userInfo) items.push(item(0x50, Buffer.concat(o.userInfo)));
  return associate(2, o.called ?? 'ARCHIVE', o.calling ?? 'CT_SCANNER_01', items);
}

// PS3.8 Annex D.1 / PS3.7 Annex D.3.3 user information sub-items
export const ui = {
  maxLength: (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return item(0x51, b);
  },
  implClassUid: (s: string): Buffer => item(0x52, ascii(s)),
  asyncWindow: (invoked: number, performed: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(invoked, 0);
    b.writeUInt16BE(performed, 2);
    return item(0x53, b);
  },
  roleSelection: (uid: string, scu: number, scp: number): Buffer => {
    const l = Buffer.alloc(2);
    l.writeUInt16BE(uid.length);
    return item(0x54, Buffer.concat([l, ascii(uid), Buffer.from([scu, scp])]));
  },
  implVersion: (s: string): Buffer => item(0x55, ascii(s)),
  extendedNegotiation: (uid: string, info: Buffer): Buffer => {
    const l = Buffer.alloc(2);
    l.writeUInt16BE(uid.length);
    return item(0x56, Buffer.concat([l, ascii(uid), info]));
  },
  commonExtended: (uid: string): Buffer => {
    const l = Buffer.alloc(2);
    l.writeUInt16BE(uid.length);
    return item(0x57, Buffer.concat([l, ascii(uid), Buffer.from([0, 0, 0, 0])]));
  },
  /** PS3.7 D.3.3.7.1: type, positive-response-requested, primary (2+n), secondary (2+n). */
  userIdentity: (type: number, positive: number, primary: string, secondary: string): Buffer => {
    const p = Buffer.alloc(2);
    p.writeUInt16BE(primary.length);
    const s = Buffer.alloc(2);
    s.writeUInt16BE(secondary.length);
    return item(0x58, Buffer.concat([Buffer.from([type, positive]), p, ascii(primary), s, ascii(secondary)]));
  },
  /** PS3.7 D.3.3.7.2: server response length (2) + response. */
  userIdentityAc: (response: string): Buffer => {
    const l = Buffer.alloc(2);
    l.writeUInt16BE(response.length);
    return item(0x59, Buffer.concat([l, ascii(response)]));
  },
};

export const associateRj = (result: number, source: number, reason: number): Buffer => pdu(3, Buffer.from([0, result, source, reason]));
export const releaseRq = (): Buffer => pdu(5, Buffer.alloc(4));
export const releaseRp = (): Buffer => pdu(6, Buffer.alloc(4));
export const abort = (source: number, reason: number): Buffer => pdu(7, Buffer.from([0, 0, source, reason]));

/** PS3.8 §9.3.5: item length (4), pc id, message control header (bit0 command, bit1 last), data. */
export function pdv(pcId: number, command: boolean, last: boolean, data: Buffer): Buffer {
  const h = Buffer.alloc(6);
  h.writeUInt32BE(data.length + 2, 0);
  h[4] = pcId;
  h[5] = (command ? 1 : 0) | (last ? 2 : 0);
  return Buffer.concat([h, data]);
}
export const pdata = (...pdvs: Buffer[]): Buffer => pdu(4, Buffer.concat(pdvs));

// ---- command sets (PS3.7 §6.3.1: implicit VR LE, group length first) ----

export const us = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

export function commandSet(elements: [number, Buffer][]): Buffer {
  const body = Buffer.concat(
    elements.map(([el, v]) => {
      const h = Buffer.alloc(8);
      h.writeUInt16LE(0, 0);
      h.writeUInt16LE(el, 2);
      h.writeUInt32LE(v.length, 4);
      return Buffer.concat([h, v]);
    }),
  );
  const gl = Buffer.alloc(12);
  gl.writeUInt32LE(4, 4); // (0000,0000) UL, length 4
  gl.writeUInt32LE(body.length, 8);
  return Buffer.concat([gl, body]);
}

export const cStoreRq = (messageId: number, sopClass = CT_STORAGE): Buffer =>
  commandSet([
    [0x0002, uidPadded(sopClass)],
    [0x0100, us(0x0001)],
    [0x0110, us(messageId)],
    [0x0700, us(0)],
    [0x0800, us(0x0000)],
    [0x1000, uidPadded('1.2.3.4.5.6.7')],
  ]);
export const cStoreRsp = (respondedTo: number, status: number, sopClass = CT_STORAGE): Buffer =>
  commandSet([
    [0x0002, uidPadded(sopClass)],
    [0x0100, us(0x8001)],
    [0x0120, us(respondedTo)],
    [0x0800, us(0x0101)],
    [0x0900, us(status)],
  ]);
export const cEchoRq = (messageId: number): Buffer =>
  commandSet([
    [0x0002, uidPadded(VERIFICATION)],
    [0x0100, us(0x0030)],
    [0x0110, us(messageId)],
    [0x0800, us(0x0101)],
  ]);
export const cMoveRq = (messageId: number, dest: string): Buffer =>
  commandSet([
    [0x0002, uidPadded('1.2.840.10008.5.1.4.1.2.2.2')],
    [0x0100, us(0x0021)],
    [0x0110, us(messageId)],
    [0x0600, textPadded(dest)],
    [0x0700, us(2)],
    [0x0800, us(0x0000)],
  ]);

// ---- datasets ----

export interface El {
  tag: number;
  vr: string;
  value?: Buffer;
  /** Sequence items (each a list of elements). */
  items?: El[][];
  undefinedLength?: boolean;
}

const LONG = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export type Enc = 'implicit' | 'explicit' | 'big';

/** PS3.5 §7.1: encode one element list in the given encoding (deflate is explicit LE, then deflated). */
export function encodeDataset(els: El[], enc: Enc): Buffer {
  const be = enc === 'big';
  const parts: Buffer[] = [];
  for (const e of els) {
    let value: Buffer;
    if (e.items) {
      const itemBufs = e.items.map((it) => {
        const body = encodeDataset(it, enc);
        const h = Buffer.alloc(8);
        writeTag(h, 0, 0xfffee000, be);
        if (e.undefinedLength) {
          write32(h, 4, 0xffffffff, be);
          const end = Buffer.alloc(8);
          writeTag(end, 0, 0xfffee00d, be);
          return Buffer.concat([h, body, end]);
        }
        write32(h, 4, body.length, be);
        return Buffer.concat([h, body]);
      });
      value = Buffer.concat(itemBufs);
      if (e.undefinedLength) {
        const end = Buffer.alloc(8);
        writeTag(end, 0, 0xfffee0dd, be);
        value = Buffer.concat([value, end]);
      }
    } else {
      value = e.value ?? Buffer.alloc(0);
    }
    const len = e.undefinedLength ? 0xffffffff : value.length;
    if (enc === 'implicit') {
      const h = Buffer.alloc(8);
      writeTag(h, 0, e.tag, false);
      h.writeUInt32LE(len, 4);
      parts.push(h, value);
    } else if (LONG.has(e.vr)) {
      const h = Buffer.alloc(12);
      writeTag(h, 0, e.tag, be);
      h.write(e.vr, 4, 'latin1');
      write32(h, 8, len, be);
      parts.push(h, value);
    } else {
      const h = Buffer.alloc(8);
      writeTag(h, 0, e.tag, be);
      h.write(e.vr, 4, 'latin1');
      if (be) h.writeUInt16BE(value.length, 6);
      else h.writeUInt16LE(value.length, 6);
      parts.push(h, value);
    }
  }
  return Buffer.concat(parts);
}

export function encodeForTs(els: El[], ts: string): Buffer {
  if (ts === TS_IMPLICIT) return encodeDataset(els, 'implicit');
  if (ts === TS_BIG) return encodeDataset(els, 'big');
  if (ts === TS_DEFLATE) return zlib.deflateRawSync(encodeDataset(els, 'explicit'));
  return encodeDataset(els, 'explicit');
}

function writeTag(b: Buffer, off: number, tag: number, be: boolean): void {
  if (be) {
    b.writeUInt16BE(tag >>> 16, off);
    b.writeUInt16BE(tag & 0xffff, off + 2);
  } else {
    b.writeUInt16LE(tag >>> 16, off);
    b.writeUInt16LE(tag & 0xffff, off + 2);
  }
}
function write32(b: Buffer, off: number, v: number, be: boolean): void {
  if (be) b.writeUInt32BE(v, off);
  else b.writeUInt32LE(v, off);
}

export const str = (tag: number, vr: string, s: string): El => ({ tag, vr, value: vr === 'UI' ? uidPadded(s) : textPadded(s) });

/** A CT-like dataset with equipment and planted patient canaries. */
export function ctDataset(extra: El[] = [], pixelBytes = 64): El[] {
  const els: El[] = [
    str(0x00080005, 'CS', 'ISO_IR 100'),
    str(0x00080016, 'UI', CT_STORAGE),
    str(0x00080018, 'UI', '1.2.3.4.5.6.7'),
    str(0x00080020, 'DA', '20240102'),
    str(0x00080050, 'SH', 'CANARYACC'),
    str(0x00080060, 'CS', 'CT'),
    str(0x00080070, 'LO', 'ACME Medical'),
    str(0x00080080, 'LO', 'General Hospital'),
    str(0x00080090, 'PN', 'CANARY^REFERRER'),
    str(0x00081010, 'SH', 'CTSTATION1'),
    str(0x00081030, 'LO', 'CANARY STUDY'),
    str(0x00081090, 'LO', 'Scanmaster 3000'),
    str(0x00100010, 'PN', 'CANARY^PATIENT'),
    str(0x00100020, 'LO', 'CANARY-ID-991'),
    str(0x00100030, 'DA', '19450317'),
    str(0x00180015, 'CS', 'CHEST'),
    str(0x00181000, 'LO', 'SN-42'),
    str(0x00181002, 'UI', '1.2.826.0.1.3680043.2.1'),
    str(0x00181020, 'LO', 'VA10A\\SP2'),
    ...extra,
    str(0x00200010, 'SH', 'CANARYSTUDYID'),
    { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(pixelBytes, 0x41) },
  ];
  return els.sort((a, b) => a.tag - b.tag);
}

/** Split bytes into P-DATA-TF PDUs of at most `max` PDV bytes each. */
export function datasetPdus(pcId: number, bytes: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < bytes.length || out.length === 0; off += max) {
    const part = bytes.subarray(off, off + max);
    out.push(pdata(pdv(pcId, false, off + max >= bytes.length, part)));
  }
  return out;
}

/** A full association in wire order: RQ, AC, C-STORE with dataset, response, release. */
export function storeSession(ts: string, els: El[], pduMax = 16384): Feed[] {
  const ds = encodeForTs(els, ts);
  return [
    {
      dir: 'orig',
      bytes: associateRq({
        pcs: [{ id: 1, abstract: CT_STORAGE, ts: [ts, TS_EXPLICIT, TS_IMPLICIT] }],
        userInfo: [ui.maxLength(pduMax), ui.implClassUid('1.2.276.0.7230010.3.0.3.6.8'), ui.implVersion('OFFIS_DCMTK_368')],
      }),
    },
    { dir: 'resp', bytes: associateAc({ pcs: [{ id: 1, result: 0, ts }], userInfo: [ui.maxLength(pduMax), ui.implClassUid('1.2.3.4')] }) },
    { dir: 'orig', bytes: Buffer.concat([pdata(pdv(1, true, true, cStoreRq(7))), ...datasetPdus(1, ds, pduMax - 6)]) },
    { dir: 'resp', bytes: pdata(pdv(1, true, true, cStoreRsp(7, 0))) },
    { dir: 'orig', bytes: releaseRq() },
    { dir: 'resp', bytes: releaseRp() },
  ];
}

export interface Feed {
  dir: Direction;
  bytes: Buffer;
}

/** Run byte streams through a fresh analyzer, cutting each direction at `cuts` (sorted offsets). */
export function run(
  feeds: Feed[],
  opts: DicomOptions = {},
  cutter: (len: number) => number[] = () => [],
): { events: DicomEvent[]; stats: ReturnType<typeof createDicomAnalyzer>['stats'] } {
  const events: DicomEvent[] = [];
  const a = createDicomAnalyzer((e) => events.push(e), opts);
  for (const f of feeds) {
    let prev = 0;
    for (const c of [...cutter(f.bytes.length), f.bytes.length]) {
      if (c <= prev) continue;
      // fresh copies, then scribbled after the call: proves chunks are not retained
      const chunk = Buffer.from(f.bytes.subarray(prev, c));
      a.data(f.dir, chunk, 1);
      chunk.fill(0xee);
      prev = c;
    }
  }
  a.end('orig', 'fin', 2);
  a.end('resp', 'fin', 2);
  return { events, stats: a.stats };
}

export const byType = <T extends DicomEvent['type']>(events: DicomEvent[], type: T): Extract<DicomEvent, { type: T }>[] =>
  events.filter((e) => e.type === type) as Extract<DicomEvent, { type: T }>[];
