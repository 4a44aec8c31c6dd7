/**
 * DIMSE command sets (PS3.7 §9.3, §10.3, Annex E). A command set is always
 * encoded Implicit VR Little Endian (PS3.7 §6.3.1), whatever the negotiated
 * transfer syntax, and is small: it is reassembled whole, then parsed here.
 */
import {
  DICOM_COMMAND_NAMES,
  DICOM_NO_DATA_SET,
  DICOM_STATUS_NAMES,
  DICOM_TAG_AFFECTED_SOP_CLASS_UID,
  DICOM_TAG_COMMAND_DATA_SET_TYPE,
  DICOM_TAG_COMMAND_FIELD,
  DICOM_TAG_MESSAGE_ID,
  DICOM_TAG_MESSAGE_ID_RESPONDED_TO,
  DICOM_TAG_MOVE_DESTINATION,
  DICOM_TAG_PRIORITY,
  DICOM_TAG_REQUESTED_SOP_CLASS_UID,
  DICOM_TAG_STATUS,
  DICOM_UID_NAMES,
} from './constants.js';
import { textStringAt } from './pdu-parser.js';

export interface DimseCommand {
  commandField: number | null;
  name: string;
  messageId: number | null;
  messageIdBeingRespondedTo: number | null;
  sopClassUid: string | null;
  sopClassName: string | null;
  priority: number | null;
  moveDestination: string | null;
  status: number | null;
  statusName: string | null;
  hasDataset: boolean;
}

/**
 * Parse a complete command set. Only the allow-listed command elements are
 * read; a truncated element ends the walk and what was read is kept, with
 * the problem in `issues`.
 */
export function parseCommandSet(buf: Buffer): { value: DimseCommand; issues: string[] } {
  const issues: string[] = [];
  let commandField: number | null = null;
  let affected: string | null = null;
  let requested: string | null = null;
  let messageId: number | null = null;
  let respondedTo: number | null = null;
  let priority: number | null = null;
  let moveDestination: string | null = null;
  let status: number | null = null;
  let dataSetType: number | null = null;
  let off = 0;
  while (off < buf.length) {
    // PS3.5 §7.1.3 implicit VR element: tag (4), length (4), value
    if (buf.length - off < 8) {
      issues.push(`command set: ${buf.length - off} trailing bytes`);
      break;
    }
    const tag = ((buf.readUInt16LE(off) << 16) | buf.readUInt16LE(off + 2)) >>> 0;
    const len = buf.readUInt32LE(off + 4);
    const start = off + 8;
    if (len > buf.length - start) {
      issues.push(`command set: element (${tagText(tag)}) declares ${len} bytes, ${buf.length - start} left`);
      break;
    }
    if (tag >>> 16 !== 0) issues.push(`command set: element (${tagText(tag)}) outside group 0000`);
    // values are read in place: a view per element was most of this function's garbage
    const end = start + len;
    const us = len >= 2 ? buf[start]! | (buf[start + 1]! << 8) : null;
    switch (tag) {
      case DICOM_TAG_COMMAND_FIELD: commandField = us; break;
      case DICOM_TAG_AFFECTED_SOP_CLASS_UID: affected = textStringAt(buf, start, end); break;
      case DICOM_TAG_REQUESTED_SOP_CLASS_UID: requested = textStringAt(buf, start, end); break;
      case DICOM_TAG_MESSAGE_ID: messageId = us; break;
      case DICOM_TAG_MESSAGE_ID_RESPONDED_TO: respondedTo = us; break;
      case DICOM_TAG_PRIORITY: priority = us; break;
      case DICOM_TAG_MOVE_DESTINATION: moveDestination = textStringAt(buf, start, end); break;
      case DICOM_TAG_STATUS: status = us; break;
      case DICOM_TAG_COMMAND_DATA_SET_TYPE: dataSetType = us; break;
      default: break; // other command elements (instance UIDs, comments, counters) are not projected
    }
    off = end;
  }
  if (commandField === null) issues.push('command set has no Command Field (0000,0100)');
  const sopClassUid = affected || requested || null;
  const isResponse = commandField !== null && (commandField & 0x8000) !== 0;
  return {
    value: {
      commandField,
      name: commandField === null ? 'UNKNOWN' : DICOM_COMMAND_NAMES[commandField] ?? `UNKNOWN-0x${commandField.toString(16).padStart(4, '0')}`,
      messageId,
      messageIdBeingRespondedTo: respondedTo,
      sopClassUid,
      sopClassName: sopClassUid ? DICOM_UID_NAMES[sopClassUid] ?? null : null,
      priority,
      moveDestination,
      status: isResponse ? status : null,
      statusName: isResponse && status !== null ? statusName(status) : null,
      // PS3.7 §E.1: any value other than 0101H means a data set follows
      hasDataset: dataSetType !== null && dataSetType !== DICOM_NO_DATA_SET,
    },
    issues,
  };
}

/** PS3.7 Annex C: named statuses first, then the ranges services share. */
export function statusName(status: number): string {
  const named = DICOM_STATUS_NAMES[status];
  if (named) return named;
  if ((status & 0xff00) === 0xa700) return 'Refused: out of resources';
  if ((status & 0xff00) === 0xa900) return 'Error: data set does not match SOP class';
  if ((status & 0xf000) === 0xc000) return 'Error: cannot understand';
  if ((status & 0xf000) === 0xb000) return 'Warning';
  if ((status & 0xf000) === 0xa000) return 'Failure';
  return `Unknown 0x${status.toString(16).padStart(4, '0')}`;
}

function tagText(tag: number): string {
  return `${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')}`;
}
