/**
 * Recognises DICOM Upper Layer traffic by content, on any port, and finds the
 * next plausible PDU header after a gap. The checks are the fixed fields a
 * sender cannot get wrong without breaking every peer (PS3.8 §9.3).
 */
import type { Probe, ProbeVerdict } from '../common/analyzer.js';
import {
  DICOM_DEFAULT_MAX_PDU_LENGTH,
  DICOM_ITEM_APPLICATION_CONTEXT,
  DICOM_PDU_ABORT,
  DICOM_PDU_ASSOCIATE_AC,
  DICOM_PDU_ASSOCIATE_RJ,
  DICOM_PDU_ASSOCIATE_RQ,
  DICOM_PDU_P_DATA_TF,
  DICOM_PDU_RELEASE_RP,
  DICOM_PDU_RELEASE_RQ,
} from './constants.js';

/** Bytes that are always enough for a verdict at one offset. */
export const DICOM_PROBE_LOOKAHEAD = 78;

/**
 * Is there a plausible PDU header at `off`? 'need-more' when `buf` ends
 * before the checks could be made.
 */
export function plausiblePduAt(buf: Buffer, off: number, maxPduLength: number): ProbeVerdict {
  const avail = buf.length - off;
  if (avail < 1) return 'need-more';
  const type = buf[off]!;
  if (type < DICOM_PDU_ASSOCIATE_RQ || type > DICOM_PDU_ABORT) return 'no-match';
  if (avail < 2) return 'need-more';
  if (buf[off + 1] !== 0) return 'no-match';
  if (avail < 6) return 'need-more';
  const length = buf.readUInt32BE(off + 2);
  if (length > maxPduLength) return 'no-match';
  switch (type) {
    case DICOM_PDU_ASSOCIATE_RQ:
    case DICOM_PDU_ASSOCIATE_AC:
      return plausibleAssociate(buf, off, length);
    case DICOM_PDU_ASSOCIATE_RJ: {
      // PS3.8 §9.3.4: result 1-2, source 1-3
      if (length !== 4) return 'no-match';
      if (avail < 10) return 'need-more';
      const result = buf[off + 7]!;
      const source = buf[off + 8]!;
      return result >= 1 && result <= 2 && source >= 1 && source <= 3 ? 'match' : 'no-match';
    }
    case DICOM_PDU_P_DATA_TF:
      return plausiblePData(buf, off, length);
    case DICOM_PDU_RELEASE_RQ:
    case DICOM_PDU_RELEASE_RP:
      // PS3.8 §9.3.6/§9.3.7: 4 reserved bytes, sent as zero
      if (length !== 4) return 'no-match';
      if (avail < 10) return 'need-more';
      return buf.readUInt32BE(off + 6) === 0 ? 'match' : 'no-match';
    default: {
      // PS3.8 §9.3.8 A-ABORT: source 0-2, reason 0-6
      if (length !== 4) return 'no-match';
      if (avail < 10) return 'need-more';
      return buf[off + 8]! <= 2 && buf[off + 9]! <= 6 ? 'match' : 'no-match';
    }
  }
}

/** PS3.8 §9.3.2: protocol version bit 0, 16+16 AE title bytes, then the application context item 0x10. */
function plausibleAssociate(buf: Buffer, off: number, length: number): ProbeVerdict {
  if (length < 68 + 4) return 'no-match';
  const avail = buf.length - off;
  if (avail < 8) return 'need-more';
  if ((buf.readUInt16BE(off + 6) & 0x0001) === 0) return 'no-match';
  const aeEnd = Math.min(avail, 42);
  for (let i = 10; i < aeEnd; i++) {
    const c = buf[off + i]!;
    // PS3.5 §6.2 AE: default repertoire without backslash or controls; some stacks pad with NUL
    if (!((c >= 0x20 && c < 0x7f && c !== 0x5c) || c === 0)) return 'no-match';
  }
  if (avail < DICOM_PROBE_LOOKAHEAD) return 'need-more';
  return buf[off + 74] === DICOM_ITEM_APPLICATION_CONTEXT && buf[off + 75] === 0 ? 'match' : 'no-match';
}

/** PS3.8 §9.3.5: the first PDV item must fit the PDU, with an odd context id and only 2 flag bits. */
function plausiblePData(buf: Buffer, off: number, length: number): ProbeVerdict {
  if (length < 6) return 'no-match';
  const avail = buf.length - off;
  if (avail < 12) return 'need-more';
  const itemLength = buf.readUInt32BE(off + 6);
  if (itemLength < 2 || itemLength > length - 4) return 'no-match';
  const pcId = buf[off + 10]!;
  const mch = buf[off + 11]!;
  return (pcId & 1) === 1 && mch <= 3 ? 'match' : 'no-match';
}

/**
 * The first offset at or after `from` where a plausible PDU starts:
 * `{ offset, verdict: 'match' }`, or `{ offset, verdict: 'need-more' }` when
 * the buffer ends before the check at `offset` could finish (everything before
 * `offset` can be discarded), or `null` when no offset can start one.
 */
export function findPduHeader(
  buf: Buffer,
  from: number,
  maxPduLength: number = DICOM_DEFAULT_MAX_PDU_LENGTH,
): { offset: number; verdict: 'match' | 'need-more' } | null {
  for (let off = from; off < buf.length; off++) {
    const t = buf[off]!;
    if (t < DICOM_PDU_ASSOCIATE_RQ || t > DICOM_PDU_ABORT) continue;
    const v = plausiblePduAt(buf, off, maxPduLength);
    if (v === 'match' || v === 'need-more') return { offset: off, verdict: v };
  }
  return null;
}

/** Probe: is this direction DICOM Upper Layer traffic? */
export const dicomProbe: Probe = (firstBytes: Buffer): ProbeVerdict =>
  plausiblePduAt(firstBytes, 0, DICOM_DEFAULT_MAX_PDU_LENGTH);
