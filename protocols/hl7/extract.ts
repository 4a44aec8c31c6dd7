/**
 * The allow-listed projection of a tokenized HL7 v2 payload: the fields that
 * name the sending application, facility, software and equipment. Patient
 * segments (PID, PD1, NK1, PV1, ...), NTE and OBX-5 are never located,
 * decoded or copied; only their segment names are seen.
 */
import {
  HL7_ACK_CODES,
  HL7_EUI64_TYPE,
  HL7_MAX_LIST_ENTRIES,
  HL7_MAX_SEGMENT_NAMES,
  HL7_MAX_VALUE_CHARS,
  HL7_PATIENT_SEGMENTS,
} from './constants.js';
import type {
  Hl7Equipment,
  Hl7HierarchicDesignator,
  Hl7MessageEvent,
  Hl7Software,
  Hl7BatchEvent,
} from './events.js';
import { internAsciiWithout } from '../common/intern.js';
import { rangeStartsWith, type Hl7Message, type Hl7Scope } from './tokenizer.js';

/** A message event without the per-stream fields (ts, dir). */
export type Hl7MessageProjection = Omit<Hl7MessageEvent, 'ts' | 'dir'>;
/** A batch header event without the per-stream fields. */
export type Hl7BatchProjection = Omit<Hl7BatchEvent, 'ts' | 'dir'>;

/** What one payload says, in order of appearance. */
export interface Hl7Extraction {
  items: (Hl7MessageProjection | Hl7BatchProjection)[];
  /** Malformed-input notes (never values). */
  issues: string[];
}

/** Encoded bytes decoded per value at most (a UTF-8 char is up to 4 bytes). */
const MAX_VALUE_BYTES = HL7_MAX_VALUE_CHARS * 4;
/** OBX-18 bytes compared when skipping a repeated equipment identifier. */
const MAX_OBX18_KEY_BYTES = 512;

/**
 * Project every message (and batch header) of a tokenized payload.
 * `partial` marks the last message as cut short (gap, cap, end of stream).
 */
export function extractMessages(msg: Hl7Message, partial = false): Hl7Extraction {
  const items: (Hl7MessageProjection | Hl7BatchProjection)[] = [];
  const issues = msg.issues.slice();
  const n = msg.segmentCount;
  // component ranges of the composite being read, reused by every lookup of this payload
  const ranges: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  let current: Builder | null = null;
  let lastMessage: Hl7MessageProjection | null = null;
  let orphans = 0;
  for (let i = 0; i < n; i++) {
    const id = msg.segmentId(i);
    if (id === 'MSH') {
      if (current) items.push((lastMessage = current.finish()));
      current = new Builder(msg, i, ranges);
      continue;
    }
    if (id === 'FHS' || id === 'BHS' || id === 'BTS' || id === 'FTS') {
      if (current) items.push((lastMessage = current.finish()));
      current = null;
      if (id === 'FHS' || id === 'BHS') items.push(batchHeader(msg, i, id, ranges));
      continue;
    }
    if (current) current.segment(i, id);
    else orphans++;
  }
  if (current) items.push((lastMessage = current.finish()));
  if (orphans > 0) issues.push(`${orphans} segment(s) outside any message (no MSH before them)`);
  if (lastMessage && partial) lastMessage.partial = true;
  if (!items.length) issues.push('no MSH, FHS or BHS header segment');
  return { items, issues };
}

/** Collects one message's allow-listed fields as its segments go by. */
class Builder {
  private readonly m: Hl7MessageProjection;
  // OBX-18 fields already read, as raw ranges (capped) and the MDC code they were read with
  private seenStarts: number[] | null = null;
  private seenEnds: number[] | null = null;
  private seenCodes: (string | null)[] | null = null;

  constructor(
    private readonly msg: Hl7Message,
    mshIndex: number,
    private readonly r: number[],
  ) {
    // HL7 v2.5 §2.14.9 MSH
    const scope = msg.scope(mshIndex);
    const sendingApplication = hd(msg, mshIndex, 3, scope, r);
    this.m = {
      type: 'hl7.message',
      protocol: 'hl7',
      sendingApplication,
      sendingFacility: hd(msg, mshIndex, 4, scope, r),
      receivingApplication: hd(msg, mshIndex, 5, scope, r),
      receivingFacility: hd(msg, mshIndex, 6, scope, r),
      messageType: messageType(msg, mshIndex, scope, r),
      version: value(msg, mshIndex, 12, scope, r),
      characterSets: characterSets(msg, mshIndex, scope, r),
      profileIds: profileIds(msg, mshIndex, scope, r),
      software: [],
      equipment: [],
      deviceTypeCodes: [],
      ackCode: null,
      segments: ['MSH'],
      patientDataPresent: false,
      partial: false,
    };
    // A device that names itself by EUI-64 in MSH-3 (IHE PCD-01 gateways and devices do)
    const app = sendingApplication;
    if (app && app.universalId !== null && app.universalIdType !== null && sameAscii(app.universalIdType, HL7_EUI64_TYPE)) {
      const id = isEui64(app.universalId) ? app.universalId.toUpperCase() : app.universalId;
      this.addEquipment(equipment(id, HL7_EUI64_TYPE, app.namespaceId, 'MSH-3', null, null, null, null));
    }
  }

  segment(i: number, id: string): void {
    if (this.m.segments.length < HL7_MAX_SEGMENT_NAMES) this.m.segments.push(id);
    switch (id) {
      case 'OBX':
        this.obx(i);
        return;
      case 'SFT':
        this.sft(i);
        return;
      case 'PRT':
        this.prt(i);
        return;
      case 'MSA':
        // HL7 v2.5 §2.15.8 MSA-1
        if (this.m.ackCode === null) {
          const code = value(this.msg, i, 1, this.msg.scope(i), this.r);
          if (code !== null) {
            const upper = code.toUpperCase();
            this.m.ackCode = HL7_ACK_CODES.has(upper) ? upper : code;
          }
        }
        return;
      default:
        // presence only: a patient segment's fields are never located
        if (HL7_PATIENT_SEGMENTS.has(id)) this.m.patientDataPresent = true;
    }
  }

  finish(): Hl7MessageProjection {
    return this.m;
  }

  // HL7 v2.5 §2.15.12 SFT: software segment (SFT-5 product information is free text: not read)
  private sft(i: number): void {
    if (this.m.software.length >= HL7_MAX_LIST_ENTRIES) return;
    const msg = this.msg;
    const scope = msg.scope(i);
    const r = this.r;
    const s: Hl7Software = {
      vendorOrganization: value(msg, i, 1, scope, r),
      version: value(msg, i, 2, scope, r),
      productName: value(msg, i, 3, scope, r),
      binaryId: value(msg, i, 4, scope, r),
      installDate: value(msg, i, 6, scope, r),
    };
    if (s.vendorOrganization ?? s.version ?? s.productName ?? s.binaryId ?? s.installDate) this.m.software.push(s);
  }

  /**
   * HL7 v2.5 §7.4.2 OBX: only OBX-3 (observation identifier), OBX-4 (sub-id)
   * and OBX-18 (equipment instance identifier) are read; OBX-5 is skipped
   * over without decoding.
   *
   * A device-type code (IEEE 11073-10101 MDC, as IHE PCD-01 sends them) is
   * an OBX-3 whose text starts with 'MDC_DEV_', or an MDC-coded OBX-3 on an
   * OBX whose OBX-4 is the MDS level of the containment tree ('1' or
   * '1.0.0.0'): simple and documented rather than a full partition table.
   */
  private obx(i: number): void {
    const msg = this.msg;
    const b = msg.buf;
    const r = this.r;
    const scope = msg.scope(i);
    // bytes are compared first: most OBX-3 are measurements and are never decoded
    const n3 = msg.components(i, 3, 0, 3, r);
    const codeStart = r[0]!;
    const codeEnd = r[1]!;
    const textStart = r[2]!;
    const textEnd = r[3]!;
    let deviceLevel = n3 >= 2 && rangeStartsWith(b, textStart, textEnd, 'MDC_DEV_');
    if (!deviceLevel && n3 >= 3 && rangeStartsWith(b, r[4]!, r[5]!, 'MDC', true) && msg.components(i, 4, 0, 1, r) > 0) {
      deviceLevel = rangeStartsWith(b, r[0]!, r[1]!, '1', true) || rangeStartsWith(b, r[0]!, r[1]!, '1.0.0.0', true);
    }
    let mdcCode: string | null = null;
    let mdcText: string | null = null;
    if (deviceLevel) {
      mdcCode = text(msg, codeStart, codeEnd, scope);
      mdcText = text(msg, textStart, textEnd, scope);
      const name = mdcText ?? mdcCode;
      const codes = this.m.deviceTypeCodes;
      if (name !== null && codes.length < HL7_MAX_LIST_ENTRIES && !codes.includes(name)) codes.push(name);
    }
    // Most OBX of a device message repeat the same OBX-18: skip a byte-identical one already read with the same code
    if (!msg.selectField(i, 18) || msg.selectedStart === msg.selectedEnd) return;
    if (this.seenBefore(msg.selectedStart, msg.selectedEnd, mdcCode)) return;
    const reps = msg.repetitionCount(i, 18);
    for (let rep = 0; rep < reps; rep++) {
      const eq = this.entityEquipment(i, 18, rep, scope, 'OBX-18', mdcCode, mdcText, null, null);
      if (eq) this.addEquipment(eq);
    }
  }

  // HL7 v2.7 §7.4.4 PRT: participation. PRT-5 (a person) and the other person/organisation fields are not read.
  private prt(i: number): void {
    const msg = this.msg;
    const r = this.r;
    const scope = msg.scope(i);
    // PRT-16 (UDI, an EI): its identifier, and for a UDI-only PRT its type and namespace
    let udi: string | null = null;
    let udiNamespace: string | null = null;
    let udiType: string | null = null;
    const n16 = msg.components(i, 16, 0, 4, r);
    if (n16 > 0) {
      const r1s = r[0]!, r1e = r[1]!, r2s = r[2]!, r2e = r[3]!, r3s = r[4]!, r3e = r[5]!, r4s = r[6]!, r4e = r[7]!;
      udi = text(msg, r1s, r1e, scope) ?? (n16 > 2 ? text(msg, r3s, r3e, scope) : null);
      udiNamespace = n16 > 1 ? text(msg, r2s, r2e, scope) : null;
      udiType = n16 > 3 ? text(msg, r4s, r4e, scope) : null;
    }
    const serialNumber = value(msg, i, 20, scope, r);
    const reps = msg.repetitionCount(i, 10);
    let added = false;
    for (let rep = 0; rep < reps; rep++) {
      const eq = this.entityEquipment(i, 10, rep, scope, 'PRT-10', null, null, udi, serialNumber);
      if (!eq) continue;
      this.addEquipment(eq);
      added = true;
    }
    if (!added && (udi !== null || serialNumber !== null)) {
      this.addEquipment(
        udi !== null
          ? equipment(udi, udiType ?? 'UDI', udiNamespace, 'PRT-16', null, null, udi, serialNumber)
          : equipment(serialNumber!, 'serial', udiNamespace, 'PRT-20', null, null, udi, serialNumber),
      );
    }
  }

  /** An equipment entry from repetition `rep` of an EI field (HL7 v2.5 §2.A.28), or null when it names nothing. */
  private entityEquipment(
    i: number,
    field: number,
    rep: number,
    scope: Hl7Scope,
    source: string,
    mdcCode: string | null,
    mdcText: string | null,
    udi: string | null,
    serialNumber: string | null,
  ): Hl7Equipment | null {
    const msg = this.msg;
    const r = this.r;
    const n = msg.components(i, field, rep, 4, r);
    if (n === 0) return null;
    const r1s = r[0]!, r1e = r[1]!, r2s = r[2]!, r2e = r[3]!, r3s = r[4]!, r3e = r[5]!, r4s = r[6]!, r4e = r[7]!;
    const entityId = text(msg, r1s, r1e, scope);
    const namespaceId = n > 1 ? text(msg, r2s, r2e, scope) : null;
    const universalId = n > 2 ? text(msg, r3s, r3e, scope) : null;
    const universalIdType = n > 3 ? text(msg, r4s, r4e, scope) : null;
    return equipmentFromEi(entityId, namespaceId, universalId, universalIdType, source, mdcCode, mdcText, udi, serialNumber);
  }

  /** Was this OBX-18 (raw bytes, capped) already read with the same MDC code? Remembers it if not. */
  private seenBefore(start: number, end: number, mdcCode: string | null): boolean {
    const stop = Math.min(end, start + MAX_OBX18_KEY_BYTES);
    const b = this.msg.buf;
    const starts = (this.seenStarts ??= []);
    const ends = (this.seenEnds ??= []);
    const codes = (this.seenCodes ??= []);
    for (let k = 0; k < starts.length; k++) {
      const s = starts[k]!;
      if (ends[k]! - s !== stop - start || codes[k] !== mdcCode) continue;
      let p = 0;
      while (p < stop - start && b[s + p] === b[start + p]) p++;
      if (p === stop - start) return true;
    }
    if (starts.length < HL7_MAX_LIST_ENTRIES) {
      starts.push(start);
      ends.push(stop);
      codes.push(mdcCode);
    }
    return false;
  }

  /** One entry per (source, id, namespace); a later sighting fills in what the first lacked. */
  private addEquipment(eq: Hl7Equipment): void {
    const list = this.m.equipment;
    for (let k = 0; k < list.length; k++) {
      const seen = list[k]!;
      if (seen.id !== eq.id || seen.source !== eq.source || (seen.namespace ?? '') !== (eq.namespace ?? '')) continue;
      if (seen.mdcCode === null && eq.mdcCode !== null) {
        seen.mdcCode = eq.mdcCode;
        seen.mdcText = eq.mdcText;
      }
      seen.udi ??= eq.udi;
      seen.serialNumber ??= eq.serialNumber;
      return;
    }
    if (list.length < HL7_MAX_LIST_ENTRIES) list.push(eq);
  }
}

/** Every equipment entry has this one shape (and key order). */
function equipment(
  id: string,
  idType: string | null,
  namespace: string | null,
  source: string,
  mdcCode: string | null,
  mdcText: string | null,
  udi: string | null,
  serialNumber: string | null,
): Hl7Equipment {
  return { id, idType, namespace, source, mdcCode, mdcText, udi, serialNumber };
}

/**
 * An equipment entry from an EI. IHE PCD-01 puts the device EUI-64 in EI.1
 * with EI.4 'EUI-64'; senders also put it in EI.3, or write 'EUI-64' in
 * EI.2 (seen in IHE test messages). A 16-hex-digit EI.1 is taken as an
 * EUI-64 whatever the declared type.
 */
function equipmentFromEi(
  entityId: string | null,
  namespaceId: string | null,
  universalId: string | null,
  universalIdType: string | null,
  source: string,
  mdcCode: string | null,
  mdcText: string | null,
  udi: string | null,
  serialNumber: string | null,
): Hl7Equipment | null {
  const namespaceIsType = namespaceId !== null && sameAscii(namespaceId, HL7_EUI64_TYPE);
  const declaredEui = namespaceIsType || (universalIdType !== null && sameAscii(universalIdType, HL7_EUI64_TYPE));
  const namespace = namespaceIsType ? null : namespaceId;
  if (entityId !== null && isEui64(entityId)) {
    return equipment(entityId.toUpperCase(), HL7_EUI64_TYPE, namespace, source, mdcCode, mdcText, udi, serialNumber);
  }
  if (declaredEui && universalId !== null && isEui64(universalId)) {
    return equipment(universalId.toUpperCase(), HL7_EUI64_TYPE, namespace, source, mdcCode, mdcText, udi, serialNumber);
  }
  const id = entityId ?? universalId;
  if (id === null) return null;
  return equipment(id, declaredEui ? HL7_EUI64_TYPE : universalIdType, namespace, source, mdcCode, mdcText, udi, serialNumber);
}

// HL7 v2.5 §2.15.5 FHS / §2.15.2 BHS: same sender/receiver layout as MSH-3..6
function batchHeader(msg: Hl7Message, i: number, header: 'FHS' | 'BHS', r: number[]): Hl7BatchProjection {
  const scope = msg.scope(i);
  return {
    type: 'hl7.batch',
    protocol: 'hl7',
    header,
    sendingApplication: hd(msg, i, 3, scope, r),
    sendingFacility: hd(msg, i, 4, scope, r),
    receivingApplication: hd(msg, i, 5, scope, r),
    receivingFacility: hd(msg, i, 6, scope, r),
  };
}

/** Decode one raw value [start, end), capped in length; null when empty or the explicit null "" (HL7 v2.5 §2.5.3). */
function text(msg: Hl7Message, start: number, end: number, scope: Hl7Scope): string | null {
  if (start === end) return null;
  // A short value of plain ASCII without escapes reads the same in every charset: interned
  // (the same application, facility and version names come in every message).
  const short = internAsciiWithout(msg.buf, start, end, scope.delimiters.escape);
  if (short !== null) return short === '""' ? null : short;
  const v = msg.decode(start, end - start > MAX_VALUE_BYTES ? start + MAX_VALUE_BYTES : end, scope);
  const t = v.length > HL7_MAX_VALUE_CHARS ? v.slice(0, HL7_MAX_VALUE_CHARS) : v;
  return t === '""' || t === '' ? null : t;
}

/** Component 1 (subcomponent 1) of repetition `rep` of field `field`, decoded and capped. */
function value(msg: Hl7Message, i: number, field: number, scope: Hl7Scope, r: number[], rep = 0): string | null {
  return msg.components(i, field, rep, 1, r) > 0 ? text(msg, r[0]!, r[1]!, scope) : null;
}

// HL7 v2.5 §2.14.9.18 MSH-18: every repetition's first component
function characterSets(msg: Hl7Message, i: number, scope: Hl7Scope, r: number[]): string[] {
  const out: string[] = [];
  const reps = Math.min(msg.repetitionCount(i, 18), HL7_MAX_LIST_ENTRIES);
  for (let rep = 0; rep < reps; rep++) {
    const v = value(msg, i, 18, scope, r, rep);
    if (v !== null) out.push(v);
  }
  return out;
}

// HL7 v2.5 §2.14.9.21 MSH-21 (EI): the entity id, else the universal id, of each repetition
function profileIds(msg: Hl7Message, i: number, scope: Hl7Scope, r: number[]): string[] {
  const out: string[] = [];
  const reps = Math.min(msg.repetitionCount(i, 21), HL7_MAX_LIST_ENTRIES);
  for (let rep = 0; rep < reps; rep++) {
    const n = msg.components(i, 21, rep, 3, r);
    if (n === 0) continue;
    const universalStart = r[4]!;
    const universalEnd = r[5]!;
    const v = text(msg, r[0]!, r[1]!, scope) ?? (n > 2 ? text(msg, universalStart, universalEnd, scope) : null);
    if (v !== null) out.push(v);
  }
  return out;
}

/** MSH-9 (MSG): its components, each decoded, joined by '^' whatever the message's component separator. */
function messageType(msg: Hl7Message, i: number, scope: Hl7Scope, r: number[]): string | null {
  const n = msg.components(i, 9, 0, 3, r);
  if (n === 0) return null;
  const r2s = r[2]!, r2e = r[3]!, r3s = r[4]!, r3e = r[5]!;
  const code = text(msg, r[0]!, r[1]!, scope) ?? '';
  const event = n > 1 ? text(msg, r2s, r2e, scope) ?? '' : '';
  const structure = n > 2 ? text(msg, r3s, r3e, scope) ?? '' : '';
  if (structure !== '') return `${code}^${event}^${structure}`;
  if (event !== '') return `${code}^${event}`;
  return code !== '' ? code : null;
}

// HL7 v2.5 §2.A.36 HD
function hd(msg: Hl7Message, i: number, field: number, scope: Hl7Scope, r: number[]): Hl7HierarchicDesignator | null {
  const n = msg.components(i, field, 0, 3, r);
  if (n === 0) return null;
  const r2s = r[2]!, r2e = r[3]!, r3s = r[4]!, r3e = r[5]!;
  const namespaceId = text(msg, r[0]!, r[1]!, scope);
  const universalId = n > 1 ? text(msg, r2s, r2e, scope) : null;
  const universalIdType = n > 2 ? text(msg, r3s, r3e, scope) : null;
  if (namespaceId === null && universalId === null && universalIdType === null) return null;
  return { namespaceId, universalId, universalIdType };
}

/** IEEE EUI-64 written as 16 hex digits. */
function isEui64(s: string): boolean {
  if (s.length !== 16) return false;
  for (let k = 0; k < 16; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Equal to `upper` (ASCII upper case) ignoring ASCII case, without allocating an upper-cased copy. */
function sameAscii(s: string, upper: string): boolean {
  if (s.length !== upper.length) return false;
  for (let k = 0; k < s.length; k++) {
    let c = s.charCodeAt(k);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== upper.charCodeAt(k)) return false;
  }
  return true;
}
