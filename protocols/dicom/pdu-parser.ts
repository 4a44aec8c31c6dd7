/**
 * Pure parsers for DICOM Upper Layer PDUs (PS3.8 §9.3). Input: a Buffer and an
 * offset, or a whole PDU body. Output: a value and the bytes consumed, "need
 * N more", or a typed error. Association bodies are parsed into a partial
 * value plus a list of issues: a bad item is reported and skipped, the rest
 * is kept.
 */
import {
  DICOM_ASSOCIATE_FIXED_LENGTH,
  DICOM_ITEM_ABSTRACT_SYNTAX,
  DICOM_ITEM_APPLICATION_CONTEXT,
  DICOM_ITEM_PRESENTATION_CONTEXT_AC,
  DICOM_ITEM_PRESENTATION_CONTEXT_RQ,
  DICOM_ITEM_TRANSFER_SYNTAX,
  DICOM_ITEM_USER_INFORMATION,
  DICOM_MAX_EVENT_STRING,
  DICOM_PDU_ABORT,
  DICOM_PDU_HEADER_LENGTH,
  DICOM_PDV_HEADER_LENGTH,
  DICOM_PC_RESULT_NAMES,
  DICOM_UID_NAMES,
  DICOM_USER_ASYNC_OPERATIONS_WINDOW,
  DICOM_USER_IDENTITY_AC,
  DICOM_USER_IDENTITY_RQ,
  DICOM_USER_IDENTITY_TYPE_NAMES,
  DICOM_USER_IMPLEMENTATION_CLASS_UID,
  DICOM_USER_IMPLEMENTATION_VERSION_NAME,
  DICOM_USER_MAX_LENGTH,
  DICOM_USER_ROLE_SELECTION,
  DICOM_USER_SOP_CLASS_COMMON_EXTENDED,
  DICOM_USER_SOP_CLASS_EXTENDED,
  DICOM_ABORT_REASON_NAMES,
  DICOM_ABORT_SOURCE_NAMES,
  DICOM_RJ_REASON_NAMES,
  DICOM_RJ_RESULT_NAMES,
  DICOM_RJ_SOURCE_NAMES,
} from './constants.js';
import { INTERN_MAX_BYTES, internLatin1 } from '../common/intern.js';
import type { DicomPresentationContextAc, DicomPresentationContextRq, DicomUserInfo } from './events.js';

/** Stable codes for what can be wrong with a PDU. */
export type DicomParseErrorCode =
  | 'DICOM_ERR_UNKNOWN_PDU_TYPE'
  | 'DICOM_ERR_PDU_TOO_LARGE'
  | 'DICOM_ERR_BAD_PDU_LENGTH'
  | 'DICOM_ERR_BAD_PDV_LENGTH'
  | 'DICOM_ERR_BAD_ITEM';

/** Result of an incremental parse. */
export type Parsed<T> =
  | { kind: 'ok'; value: T; consumed: number }
  | { kind: 'need-more'; needed: number }
  | { kind: 'error'; code: DicomParseErrorCode; detail: string };

export interface PduHeader {
  type: number;
  length: number;
}

/** PS3.8 §9.3.1: every PDU starts with type (1), reserved (1), length (4, BE). */
export function parsePduHeader(buf: Buffer, off: number, maxLength: number): Parsed<PduHeader> {
  if (buf.length - off < DICOM_PDU_HEADER_LENGTH) {
    return { kind: 'need-more', needed: DICOM_PDU_HEADER_LENGTH - (buf.length - off) };
  }
  const type = buf[off]!;
  const length = buf.readUInt32BE(off + 2);
  if (type < 0x01 || type > DICOM_PDU_ABORT) {
    return { kind: 'error', code: 'DICOM_ERR_UNKNOWN_PDU_TYPE', detail: `unknown PDU type 0x${hex2(type)}` };
  }
  if (length > maxLength) {
    return { kind: 'error', code: 'DICOM_ERR_PDU_TOO_LARGE', detail: `PDU type 0x${hex2(type)} declares ${length} bytes, cap is ${maxLength}` };
  }
  const fixed = fixedBodyLength(type);
  if (fixed !== null && length !== fixed) {
    return { kind: 'error', code: 'DICOM_ERR_BAD_PDU_LENGTH', detail: `PDU type 0x${hex2(type)} must be ${fixed} bytes long, declares ${length}` };
  }
  if (type === 0x04 && length < DICOM_PDV_HEADER_LENGTH) {
    return { kind: 'error', code: 'DICOM_ERR_BAD_PDU_LENGTH', detail: `P-DATA-TF of ${length} bytes cannot hold a PDV item` };
  }
  if ((type === 0x01 || type === 0x02) && length < DICOM_ASSOCIATE_FIXED_LENGTH) {
    return { kind: 'error', code: 'DICOM_ERR_BAD_PDU_LENGTH', detail: `A-ASSOCIATE of ${length} bytes is shorter than its fixed fields` };
  }
  return { kind: 'ok', value: { type, length }, consumed: DICOM_PDU_HEADER_LENGTH };
}

/** PS3.8 §9.3.4, §9.3.6-§9.3.8: RJ, release and abort bodies are exactly 4 bytes. */
export function fixedBodyLength(type: number): number | null {
  return type === 0x03 || type === 0x05 || type === 0x06 || type === 0x07 ? 4 : null;
}

export interface PdvHeader {
  /** Bytes of PDV data after the 6-byte header. */
  dataLength: number;
  presentationContextId: number;
  isCommand: boolean;
  isLast: boolean;
}

/**
 * PS3.8 §9.3.5 P-DATA-TF presentation-data-value item and Annex E.2 message
 * control header. `pduRemaining` is what is left of the enclosing PDU,
 * header included, so an item that overruns it is an error.
 */
export function parsePdvHeader(buf: Buffer, off: number, pduRemaining: number): Parsed<PdvHeader> {
  if (pduRemaining < DICOM_PDV_HEADER_LENGTH) {
    return { kind: 'error', code: 'DICOM_ERR_BAD_PDV_LENGTH', detail: `${pduRemaining} bytes left in P-DATA-TF, too few for a PDV item` };
  }
  if (buf.length - off < DICOM_PDV_HEADER_LENGTH) {
    return { kind: 'need-more', needed: DICOM_PDV_HEADER_LENGTH - (buf.length - off) };
  }
  const itemLength = buf.readUInt32BE(off);
  if (itemLength < 2 || itemLength > pduRemaining - 4) {
    return { kind: 'error', code: 'DICOM_ERR_BAD_PDV_LENGTH', detail: `PDV item length ${itemLength} does not fit the ${pduRemaining - 4} bytes left in the PDU` };
  }
  const mch = buf[off + 5]!;
  return {
    kind: 'ok',
    value: {
      dataLength: itemLength - 2,
      presentationContextId: buf[off + 4]!,
      isCommand: (mch & 0x01) !== 0,
      isLast: (mch & 0x02) !== 0,
    },
    consumed: DICOM_PDV_HEADER_LENGTH,
  };
}

export interface AssociateRqValue {
  protocolVersion: number;
  calledAeTitle: string;
  callingAeTitle: string;
  applicationContextName: string | null;
  presentationContexts: DicomPresentationContextRq[];
  userInfo: DicomUserInfo | null;
}

export interface AssociateAcValue {
  protocolVersion: number;
  calledAeTitle: string;
  callingAeTitle: string;
  applicationContextName: string | null;
  presentationContexts: DicomPresentationContextAc[];
  userInfo: DicomUserInfo | null;
}

/** A body parse that keeps what it could read and says what it could not. */
export interface BodyParse<T> {
  value: T;
  issues: string[];
}

/** PS3.8 §9.3.2 A-ASSOCIATE-RQ body (after the 6-byte PDU header). */
export function parseAssociateRq(body: Buffer): BodyParse<AssociateRqValue> {
  const issues: string[] = [];
  const value: AssociateRqValue = { ...parseAssociateFixed(body), applicationContextName: null, presentationContexts: [], userInfo: null };
  walkItems(body, DICOM_ASSOCIATE_FIXED_LENGTH, body.length, issues, 'A-ASSOCIATE-RQ', (type, data) => {
    if (type === DICOM_ITEM_APPLICATION_CONTEXT) value.applicationContextName = uidString(data);
    else if (type === DICOM_ITEM_PRESENTATION_CONTEXT_RQ) value.presentationContexts.push(parsePcRq(data, issues));
    else if (type === DICOM_ITEM_USER_INFORMATION) value.userInfo = parseUserInfo(data, issues);
    else issues.push(`A-ASSOCIATE-RQ: unexpected item type 0x${hex2(type)}`);
  });
  return { value, issues };
}

/** PS3.8 §9.3.3 A-ASSOCIATE-AC body. */
export function parseAssociateAc(body: Buffer): BodyParse<AssociateAcValue> {
  const issues: string[] = [];
  const value: AssociateAcValue = { ...parseAssociateFixed(body), applicationContextName: null, presentationContexts: [], userInfo: null };
  walkItems(body, DICOM_ASSOCIATE_FIXED_LENGTH, body.length, issues, 'A-ASSOCIATE-AC', (type, data) => {
    if (type === DICOM_ITEM_APPLICATION_CONTEXT) value.applicationContextName = uidString(data);
    else if (type === DICOM_ITEM_PRESENTATION_CONTEXT_AC) value.presentationContexts.push(parsePcAc(data, issues));
    else if (type === DICOM_ITEM_USER_INFORMATION) value.userInfo = parseUserInfo(data, issues);
    else issues.push(`A-ASSOCIATE-AC: unexpected item type 0x${hex2(type)}`);
  });
  return { value, issues };
}

export interface AssociateRjValue {
  result: number;
  resultName: string;
  source: number;
  sourceName: string;
  reason: number;
  reasonName: string;
}

/** PS3.8 §9.3.4 A-ASSOCIATE-RJ: reserved (1), result (1), source (1), reason/diag (1). */
export function parseAssociateRj(body: Buffer): AssociateRjValue {
  const result = body[1] ?? 0;
  const source = body[2] ?? 0;
  const reason = body[3] ?? 0;
  return {
    result,
    resultName: DICOM_RJ_RESULT_NAMES[result] ?? `unknown-${result}`,
    source,
    sourceName: DICOM_RJ_SOURCE_NAMES[source] ?? `unknown-${source}`,
    reason,
    reasonName: DICOM_RJ_REASON_NAMES[source]?.[reason] ?? `reserved-${reason}`,
  };
}

export interface AbortValue {
  source: number;
  sourceName: string;
  reason: number;
  reasonName: string;
}

/** PS3.8 §9.3.8 A-ABORT: reserved (2), source (1), reason/diag (1; meaningful only for source 2). */
export function parseAbort(body: Buffer): AbortValue {
  const source = body[2] ?? 0;
  const reason = body[3] ?? 0;
  return {
    source,
    sourceName: DICOM_ABORT_SOURCE_NAMES[source] ?? `unknown-${source}`,
    reason,
    reasonName: DICOM_ABORT_REASON_NAMES[reason] ?? `reserved-${reason}`,
  };
}

/** PS3.8 §9.3.2: protocol version, reserved, called AE (16), calling AE (16), reserved (32). */
function parseAssociateFixed(body: Buffer): { protocolVersion: number; calledAeTitle: string; callingAeTitle: string } {
  return {
    protocolVersion: body.readUInt16BE(0),
    calledAeTitle: textStringAt(body, 4, 20),
    callingAeTitle: textStringAt(body, 20, 36),
  };
}

/**
 * PS3.8 §9.3.2.1: items are type (1), reserved (1), length (2, BE), value.
 * Calls `fn` with each complete item; a length overrunning `end` is an issue
 * and stops the walk (the items before it are kept).
 */
function walkItems(
  buf: Buffer,
  start: number,
  end: number,
  issues: string[],
  where: string,
  fn: (type: number, data: Buffer) => void,
): void {
  let off = start;
  while (off < end) {
    if (end - off < 4) {
      issues.push(`${where}: ${end - off} trailing bytes, too few for an item header`);
      return;
    }
    const type = buf[off]!;
    const len = buf.readUInt16BE(off + 2);
    if (off + 4 + len > end) {
      issues.push(`${where}: item 0x${hex2(type)} declares ${len} bytes, only ${end - off - 4} left`);
      return;
    }
    fn(type, buf.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
}

/** PS3.8 §9.3.2.2: id (1), reserved (3), then abstract syntax 0x30 and transfer syntax 0x40 sub-items. */
function parsePcRq(data: Buffer, issues: string[]): DicomPresentationContextRq {
  const pc: DicomPresentationContextRq = { id: data[0] ?? 0, abstractSyntax: null, abstractSyntaxName: null, transferSyntaxes: [] };
  if (data.length < 4) {
    issues.push('presentation context item shorter than 4 bytes');
    return pc;
  }
  walkItems(data, 4, data.length, issues, `presentation context ${pc.id}`, (type, sub) => {
    if (type === DICOM_ITEM_ABSTRACT_SYNTAX) {
      pc.abstractSyntax = uidString(sub);
      pc.abstractSyntaxName = DICOM_UID_NAMES[pc.abstractSyntax] ?? null;
    } else if (type === DICOM_ITEM_TRANSFER_SYNTAX) {
      if (pc.transferSyntaxes.length < 64) pc.transferSyntaxes.push(uidString(sub));
    } else issues.push(`presentation context ${pc.id}: unexpected sub-item 0x${hex2(type)}`);
  });
  return pc;
}

/** PS3.8 §9.3.3.2: id (1), reserved (1), result/reason (1), reserved (1), one transfer syntax sub-item. */
function parsePcAc(data: Buffer, issues: string[]): DicomPresentationContextAc {
  const result = data[2] ?? 0;
  const pc: DicomPresentationContextAc = {
    id: data[0] ?? 0,
    result,
    resultName: DICOM_PC_RESULT_NAMES[result] ?? `unknown-${result}`,
    transferSyntax: null,
    transferSyntaxName: null,
  };
  if (data.length < 4) {
    issues.push('presentation context item shorter than 4 bytes');
    return pc;
  }
  walkItems(data, 4, data.length, issues, `presentation context ${pc.id}`, (type, sub) => {
    if (type === DICOM_ITEM_TRANSFER_SYNTAX) {
      pc.transferSyntax = uidString(sub);
      pc.transferSyntaxName = DICOM_UID_NAMES[pc.transferSyntax] ?? null;
    } else issues.push(`presentation context ${pc.id}: unexpected sub-item 0x${hex2(type)}`);
  });
  return pc;
}

/** PS3.8 Annex D.1 / PS3.7 Annex D.3.3 User Information sub-items. */
function parseUserInfo(data: Buffer, issues: string[]): DicomUserInfo {
  const info: DicomUserInfo = {
    maxPduLength: null,
    implementationClassUid: null,
    implementationVersionName: null,
    asyncOperationsWindow: null,
    roleSelections: [],
    userIdentity: null,
    userIdentityResponsePresent: false,
    sopClassExtendedNegotiations: 0,
    sopClassCommonExtendedNegotiations: 0,
  };
  walkItems(data, 0, data.length, issues, 'user information', (type, sub) => {
    switch (type) {
      case DICOM_USER_MAX_LENGTH: // PS3.8 D.1.1
        if (sub.length >= 4) info.maxPduLength = sub.readUInt32BE(0);
        else issues.push('maximum length sub-item shorter than 4 bytes');
        break;
      case DICOM_USER_IMPLEMENTATION_CLASS_UID: // PS3.7 D.3.3.2
        info.implementationClassUid = uidString(sub);
        break;
      case DICOM_USER_ASYNC_OPERATIONS_WINDOW: // PS3.7 D.3.3.3
        if (sub.length >= 4) info.asyncOperationsWindow = { invoked: sub.readUInt16BE(0), performed: sub.readUInt16BE(2) };
        else issues.push('asynchronous operations window sub-item shorter than 4 bytes');
        break;
      case DICOM_USER_ROLE_SELECTION: { // PS3.7 D.3.3.4: uid length (2), uid, scu role (1), scp role (1)
        const uidLen = sub.length >= 2 ? sub.readUInt16BE(0) : -1;
        if (uidLen < 0 || 2 + uidLen + 2 > sub.length) {
          issues.push('role selection sub-item malformed');
          break;
        }
        if (info.roleSelections.length < 128) {
          info.roleSelections.push({
            sopClassUid: uidString(sub.subarray(2, 2 + uidLen)),
            scu: sub[2 + uidLen] === 1,
            scp: sub[3 + uidLen] === 1,
          });
        }
        break;
      }
      case DICOM_USER_IMPLEMENTATION_VERSION_NAME: // PS3.7 D.3.3.2
        info.implementationVersionName = textString(sub);
        break;
      case DICOM_USER_SOP_CLASS_EXTENDED: // PS3.7 D.3.3.5: presence only
        info.sopClassExtendedNegotiations++;
        break;
      case DICOM_USER_SOP_CLASS_COMMON_EXTENDED: // PS3.7 D.3.3.6: presence only
        info.sopClassCommonExtendedNegotiations++;
        break;
      case DICOM_USER_IDENTITY_RQ: { // PS3.7 D.3.3.7.1: type (1), positive response requested (1), then fields we never read
        if (sub.length < 2) {
          issues.push('user identity sub-item shorter than 2 bytes');
          break;
        }
        const idType = sub[0]!;
        info.userIdentity = {
          type: idType,
          typeName: DICOM_USER_IDENTITY_TYPE_NAMES[idType] ?? `unknown-${idType}`,
          positiveResponseRequested: sub[1] === 1,
        };
        break;
      }
      case DICOM_USER_IDENTITY_AC: // PS3.7 D.3.3.7.2: only that a server response came back
        info.userIdentityResponsePresent = true;
        break;
      default:
        issues.push(`user information: unknown sub-item 0x${hex2(type)}`);
    }
  });
  return info;
}

/** UIDs are padded with a NUL (PS3.8 §9.3.2.2 / PS3.5 §9.1); trim it and spaces. */
export function uidString(b: Buffer): string {
  return textString(b);
}

/**
 * A printable projection of bytes from the wire: latin1, control characters
 * dropped, trimmed of spaces and NUL padding, capped in length.
 */
export function textString(b: Buffer): string {
  return textStringAt(b, 0, b.length);
}

/**
 * `textString` of the bytes `b[from, to)`, read in place: the command set and
 * dataset readers call it per element, where a view each would be garbage.
 */
export function textStringAt(b: Buffer, from: number, to: number): string {
  const n = from + Math.min(to - from, DICOM_MAX_EVENT_STRING * 2);
  // Fast path: UIDs and AE titles are plain printable ASCII, padded with
  // spaces or one NUL; decode them in one native call.
  let end = n;
  while (end > from && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  let plain = true;
  for (let i = from; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 || c >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) {
    // Short values (every AE title, most UIDs) repeat across associations: interned.
    let start = from;
    while (start < end && b[start] === 0x20) start++;
    if (end - start <= INTERN_MAX_BYTES) return internLatin1(b, start, end);
    return b.toString('latin1', from, end).trim().slice(0, DICOM_MAX_EVENT_STRING);
  }
  let s = '';
  for (let i = from; i < n; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c !== 0x7f) s += String.fromCharCode(c);
    else if (c === 0) s += ' ';
  }
  return s.trim().slice(0, DICOM_MAX_EVENT_STRING);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
