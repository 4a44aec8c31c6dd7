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
  HL7_TRAILER_SEGMENTS,
} from './constants.js';
import type {
  Hl7EntityIdentifier,
  Hl7Equipment,
  Hl7HierarchicDesignator,
  Hl7MessageEvent,
  Hl7Software,
  Hl7BatchEvent,
} from './events.js';
import { HL7_INVALID_SEGMENT_ID, type Hl7Message } from './tokenizer.js';

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
const EUI64_RE = /^[0-9A-Fa-f]{16}$/;

/**
 * Project every message (and batch header) of a tokenized payload.
 * `partial` marks the last message as cut short (gap, cap, end of stream).
 */
export function extractMessages(msg: Hl7Message, partial = false): Hl7Extraction {
  const items: (Hl7MessageProjection | Hl7BatchProjection)[] = [];
  const issues = msg.issues.slice();
  const n = msg.segmentCount;
  let current: Builder | null = null;
  let lastMessage: Hl7MessageProjection | null = null;
  let orphans = 0;
  for (let i = 0; i < n; i++) {
    const id = msg.segmentId(i);
    if (id === 'MSH') {
      if (current) items.push((lastMessage = current.finish()));
      current = new Builder(msg, i);
      continue;
    }
    if (id === 'FHS' || id === 'BHS' || HL7_TRAILER_SEGMENTS.has(id)) {
      if (current) items.push((lastMessage = current.finish()));
      current = null;
      if (id === 'FHS' || id === 'BHS') items.push(batchHeader(msg, i, id));
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
  private readonly equipmentKeys = new Map<string, Hl7Equipment>();
  private readonly seenObx18 = new Set<string>();

  constructor(
    private readonly msg: Hl7Message,
    mshIndex: number,
  ) {
    // HL7 v2.5 §2.14.9 MSH
    const version = value(msg, mshIndex, 12);
    const messageType = joinedComponents(msg, mshIndex, 9);
    this.m = {
      type: 'hl7.message',
      protocol: 'hl7',
      sendingApplication: hd(msg, mshIndex, 3),
      sendingFacility: hd(msg, mshIndex, 4),
      receivingApplication: hd(msg, mshIndex, 5),
      receivingFacility: hd(msg, mshIndex, 6),
      messageType,
      version,
      characterSets: repetitions(msg, mshIndex, 18, (r) => value(msg, mshIndex, 18, r)),
      profileIds: repetitions(msg, mshIndex, 21, (r) => {
        const ei = entity(msg, mshIndex, 21, r);
        return ei ? ei.entityId ?? ei.universalId : null;
      }),
      software: [],
      equipment: [],
      deviceTypeCodes: [],
      ackCode: null,
      segments: ['MSH'],
      patientDataPresent: false,
      partial: false,
    };
    // A device that names itself by EUI-64 in MSH-3 (IHE PCD-01 gateways and devices do)
    const app = this.m.sendingApplication;
    if (app && app.universalId && (app.universalIdType ?? '').toUpperCase() === HL7_EUI64_TYPE) {
      this.addEquipment({
        id: EUI64_RE.test(app.universalId) ? app.universalId.toUpperCase() : app.universalId,
        idType: HL7_EUI64_TYPE,
        namespace: app.namespaceId,
        source: 'MSH-3',
        mdcCode: null,
        mdcText: null,
        udi: null,
        serialNumber: null,
      });
    }
  }

  segment(i: number, id: string): void {
    if (this.m.segments.length < HL7_MAX_SEGMENT_NAMES) this.m.segments.push(id);
    if (HL7_PATIENT_SEGMENTS.has(id)) {
      // presence only: the segment's fields are never located
      this.m.patientDataPresent = true;
      return;
    }
    switch (id) {
      case 'SFT':
        this.sft(i);
        break;
      case 'OBX':
        this.obx(i);
        break;
      case 'PRT':
        this.prt(i);
        break;
      case 'MSA':
        // HL7 v2.5 §2.15.8 MSA-1
        if (this.m.ackCode === null) {
          const code = value(this.msg, i, 1);
          if (code !== null) this.m.ackCode = HL7_ACK_CODES.has(code.toUpperCase()) ? code.toUpperCase() : code;
        }
        break;
      case HL7_INVALID_SEGMENT_ID:
        break;
    }
  }

  finish(): Hl7MessageProjection {
    return this.m;
  }

  // HL7 v2.5 §2.15.12 SFT: software segment (SFT-5 product information is free text: not read)
  private sft(i: number): void {
    if (this.m.software.length >= HL7_MAX_LIST_ENTRIES) return;
    const msg = this.msg;
    const s: Hl7Software = {
      vendorOrganization: value(msg, i, 1),
      version: value(msg, i, 2),
      productName: value(msg, i, 3),
      binaryId: value(msg, i, 4),
      installDate: value(msg, i, 6),
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
    // bytes are compared first: most OBX-3 are measurements and are never decoded
    const deviceLevel =
      msg.componentStartsWith(i, 3, 0, 2, 1, 'MDC_DEV_') ||
      (msg.componentStartsWith(i, 3, 0, 3, 1, 'MDC', true) &&
        (msg.componentStartsWith(i, 4, 0, 1, 1, '1', true) || msg.componentStartsWith(i, 4, 0, 1, 1, '1.0.0.0', true)));
    const mdcCode = deviceLevel ? value(msg, i, 3, 0, 1) : null;
    const mdcText = deviceLevel ? value(msg, i, 3, 0, 2) : null;
    const text = mdcText;
    const code = mdcCode;
    if (deviceLevel) {
      const name = text ?? code;
      if (name && !this.m.deviceTypeCodes.includes(name) && this.m.deviceTypeCodes.length < HL7_MAX_LIST_ENTRIES) {
        this.m.deviceTypeCodes.push(name);
      }
    }
    // Most OBX of a device message repeat the same OBX-18: skip a byte-identical one already read with the same code
    const raw = msg.fieldRange(i, 18);
    if (!raw || raw.start === raw.end) return;
    const rawKey = `${mdcCode ?? ''}\u0000${msg.buf.toString('latin1', raw.start, Math.min(raw.end, raw.start + 512))}`;
    if (this.seenObx18.has(rawKey)) return;
    if (this.seenObx18.size < HL7_MAX_LIST_ENTRIES) this.seenObx18.add(rawKey);
    const reps = msg.repetitionCount(i, 18);
    for (let r = 0; r < reps; r++) {
      const ei = entity(msg, i, 18, r);
      if (!ei) continue;
      const eq = equipmentFromEi(ei, 'OBX-18');
      if (!eq) continue;
      eq.mdcCode = mdcCode;
      eq.mdcText = mdcText;
      this.addEquipment(eq);
    }
  }

  // HL7 v2.7 §7.4.4 PRT: participation. PRT-5 (a person) and the other person/organisation fields are not read.
  private prt(i: number): void {
    const msg = this.msg;
    const udiEi = entity(msg, i, 16, 0);
    const udi = udiEi ? udiEi.entityId ?? udiEi.universalId : null;
    const serialNumber = value(msg, i, 20);
    const reps = msg.repetitionCount(i, 10);
    let added = false;
    for (let r = 0; r < reps; r++) {
      const ei = entity(msg, i, 10, r);
      const eq = ei ? equipmentFromEi(ei, 'PRT-10') : null;
      if (!eq) continue;
      eq.udi = udi;
      eq.serialNumber = serialNumber;
      this.addEquipment(eq);
      added = true;
    }
    if (!added && (udi || serialNumber)) {
      this.addEquipment({
        id: (udi ?? serialNumber)!,
        idType: udi ? udiEi?.universalIdType ?? 'UDI' : 'serial',
        namespace: udiEi?.namespaceId ?? null,
        source: udi ? 'PRT-16' : 'PRT-20',
        mdcCode: null,
        mdcText: null,
        udi,
        serialNumber,
      });
    }
  }

  /** One entry per (source, id, namespace); a later sighting fills in what the first lacked. */
  private addEquipment(eq: Hl7Equipment): void {
    const key = `${eq.source}\u0000${eq.id}\u0000${eq.namespace ?? ''}`;
    const seen = this.equipmentKeys.get(key);
    if (seen) {
      if (seen.mdcCode === null && eq.mdcCode !== null) {
        seen.mdcCode = eq.mdcCode;
        seen.mdcText = eq.mdcText;
      }
      seen.udi ??= eq.udi;
      seen.serialNumber ??= eq.serialNumber;
      return;
    }
    if (this.m.equipment.length >= HL7_MAX_LIST_ENTRIES) return;
    this.equipmentKeys.set(key, eq);
    this.m.equipment.push(eq);
  }
}

/**
 * An equipment entry from an EI. IHE PCD-01 puts the device EUI-64 in EI.1
 * with EI.4 'EUI-64'; senders also put it in EI.3, or write 'EUI-64' in
 * EI.2 (seen in IHE test messages). A 16-hex-digit EI.1 is taken as an
 * EUI-64 whatever the declared type.
 */
function equipmentFromEi(ei: Hl7EntityIdentifier, source: string): Hl7Equipment | null {
  const declaredEui =
    (ei.universalIdType ?? '').toUpperCase() === HL7_EUI64_TYPE || (ei.namespaceId ?? '').toUpperCase() === HL7_EUI64_TYPE;
  const base = { source, mdcCode: null, mdcText: null, udi: null, serialNumber: null };
  const namespace = (ei.namespaceId ?? '').toUpperCase() === HL7_EUI64_TYPE ? null : ei.namespaceId;
  if (ei.entityId && EUI64_RE.test(ei.entityId)) {
    return { ...base, id: ei.entityId.toUpperCase(), idType: HL7_EUI64_TYPE, namespace };
  }
  if (declaredEui && ei.universalId && EUI64_RE.test(ei.universalId)) {
    return { ...base, id: ei.universalId.toUpperCase(), idType: HL7_EUI64_TYPE, namespace };
  }
  const id = ei.entityId ?? ei.universalId;
  if (!id) return null;
  return { ...base, id, idType: declaredEui ? HL7_EUI64_TYPE : ei.universalIdType, namespace };
}

// HL7 v2.5 §2.15.5 FHS / §2.15.2 BHS: same sender/receiver layout as MSH-3..6
function batchHeader(msg: Hl7Message, i: number, header: 'FHS' | 'BHS'): Hl7BatchProjection {
  return {
    type: 'hl7.batch',
    protocol: 'hl7',
    header,
    sendingApplication: hd(msg, i, 3),
    sendingFacility: hd(msg, i, 4),
    receivingApplication: hd(msg, i, 5),
    receivingFacility: hd(msg, i, 6),
  };
}

/** One decoded value, capped in length. */
function value(msg: Hl7Message, i: number, field: number, rep = 0, comp = 1, sub = 1): string | null {
  const v = msg.component(i, field, rep, comp, sub, MAX_VALUE_BYTES);
  if (v === null) return null;
  const t = v.length > HL7_MAX_VALUE_CHARS ? v.slice(0, HL7_MAX_VALUE_CHARS) : v;
  // HL7 v2.5 §2.5.3: "" is an explicit null
  return t === '""' || t === '' ? null : t;
}

function repetitions(msg: Hl7Message, i: number, field: number, read: (rep: number) => string | null): string[] {
  const out: string[] = [];
  const reps = Math.min(msg.repetitionCount(i, field), HL7_MAX_LIST_ENTRIES);
  for (let r = 0; r < reps; r++) {
    const v = read(r);
    if (v !== null) out.push(v);
  }
  return out;
}

/** MSH-9 (MSG): its components, each decoded, joined by '^' whatever the message's component separator. */
function joinedComponents(msg: Hl7Message, i: number, field: number): string | null {
  const parts: string[] = [];
  for (let c = 1; c <= 3; c++) parts.push(value(msg, i, field, 0, c) ?? '');
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts.length ? parts.join('^') : null;
}

// HL7 v2.5 §2.A.36 HD
function hd(msg: Hl7Message, i: number, field: number): Hl7HierarchicDesignator | null {
  const namespaceId = value(msg, i, field, 0, 1);
  const universalId = value(msg, i, field, 0, 2);
  const universalIdType = value(msg, i, field, 0, 3);
  if (namespaceId === null && universalId === null && universalIdType === null) return null;
  return { namespaceId, universalId, universalIdType };
}

// HL7 v2.5 §2.A.28 EI
function entity(msg: Hl7Message, i: number, field: number, rep: number): Hl7EntityIdentifier | null {
  const entityId = value(msg, i, field, rep, 1);
  const namespaceId = value(msg, i, field, rep, 2);
  const universalId = value(msg, i, field, rep, 3);
  const universalIdType = value(msg, i, field, rep, 4);
  if (entityId === null && namespaceId === null && universalId === null && universalIdType === null) return null;
  return { entityId, namespaceId, universalId, universalIdType };
}
