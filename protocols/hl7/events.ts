/**
 * Events the HL7 v2 / MLLP analyzer emits: allow-listed, device-identifying
 * projections of each message. Never a patient segment (PID, PD1, NK1, PV1,
 * PV2, IN1, GT1), never NTE or other free text, never an OBX-5 value, never
 * a Buffer.
 */
import type { AnomalyEvent, EventBase } from '../common/analyzer.js';

/** HL7 v2.5 §2.A.36 HD: hierarchic designator (MSH-3/4/5/6, EI assigning authority). */
export interface Hl7HierarchicDesignator {
  namespaceId: string | null;
  universalId: string | null;
  /** e.g. 'EUI-64', 'ISO', 'DNS', 'GUID'. */
  universalIdType: string | null;
}

/** HL7 v2.5 §2.A.28 EI: entity identifier (OBX-18, MSH-21, PRT-10). */
export interface Hl7EntityIdentifier {
  entityId: string | null;
  namespaceId: string | null;
  universalId: string | null;
  universalIdType: string | null;
}

/** An equipment instance named in a message (IHE PCD-01 OBX-18, PRT-10, or MSH-3 of a device). */
export interface Hl7Equipment {
  /** The identifier itself, e.g. an EUI-64 "0123456789ABCDEF" (as sent, upper-cased hex for EUI-64). */
  id: string;
  /** 'EUI-64' when the identifier is (or is declared as) an IEEE EUI-64; else the declared type or null. */
  idType: string | null;
  /** Namespace / assigning authority text, e.g. 'Philips', 'ACME_GATEWAY'. */
  namespace: string | null;
  /** Where it was found: 'OBX-18', 'PRT-10', 'MSH-3'. */
  source: string;
  /** IEEE 11073 MDC code naming the device type, from the OBX-3 of the same OBX when it is a device-level code. */
  mdcCode: string | null;
  mdcText: string | null;
  /** PRT-16 (UDI) and PRT-20 (serial) when from a PRT segment. */
  udi: string | null;
  serialNumber: string | null;
}

/** HL7 v2.5 §2.15.12 SFT: software segment. */
export interface Hl7Software {
  vendorOrganization: string | null; // SFT-1 (XON.1)
  version: string | null; // SFT-2
  productName: string | null; // SFT-3
  binaryId: string | null; // SFT-4
  installDate: string | null; // SFT-6
}

/** One message (MLLP frame or batch member) and what it says about its sender. */
export interface Hl7MessageEvent extends EventBase {
  type: 'hl7.message';
  protocol: 'hl7';
  sendingApplication: Hl7HierarchicDesignator | null; // MSH-3
  sendingFacility: Hl7HierarchicDesignator | null; // MSH-4
  receivingApplication: Hl7HierarchicDesignator | null; // MSH-5
  receivingFacility: Hl7HierarchicDesignator | null; // MSH-6
  /** MSH-9 as sent, components joined by '^', e.g. 'ORU^R01^ORU_R01'. */
  messageType: string | null;
  /** MSH-12 version id, e.g. '2.6'. */
  version: string | null;
  /** MSH-18 character set(s), as sent ('UNICODE UTF-8', '8859/1', ...). */
  characterSets: string[];
  /** MSH-21 message profile identifiers (entity ids, e.g. 'IHE_PCD_001'). */
  profileIds: string[];
  software: Hl7Software[];
  equipment: Hl7Equipment[];
  /** Device-type MDC codes seen in OBX-3 (not tied to an OBX-18), e.g. 'MDC_DEV_ANALY_SAT_O2_MDS'. */
  deviceTypeCodes: string[];
  /** MSA-1 when this message is an acknowledgement: 'AA', 'AE', 'AR', 'CA', 'CE', 'CR'. */
  ackCode: string | null;
  /** Segment ids in order (e.g. ['MSH','PID','OBR','OBX']): names only, for behaviour checks; never contents. */
  segments: string[];
  /** A patient-identifying segment (PID, PD1, NK1, PV1, ...) was present; its contents were never read. */
  patientDataPresent: boolean;
  /** True when the message was cut (gap, cap, end of stream) before its end. */
  partial: boolean;
}

/** FHS/BHS batch headers (HL7 v2.5 §2.15.5, §2.15.2): sender of a batch file. */
export interface Hl7BatchEvent extends EventBase {
  type: 'hl7.batch';
  protocol: 'hl7';
  header: 'FHS' | 'BHS';
  sendingApplication: Hl7HierarchicDesignator | null;
  sendingFacility: Hl7HierarchicDesignator | null;
  receivingApplication: Hl7HierarchicDesignator | null;
  receivingFacility: Hl7HierarchicDesignator | null;
}

export interface Hl7AnomalyEvent extends AnomalyEvent {
  protocol: 'hl7';
}

export type Hl7Event = Hl7MessageEvent | Hl7BatchEvent | Hl7AnomalyEvent;

/** Counters kept per connection. */
export interface Hl7StreamStats {
  frames: number;
  messages: number;
  bytes: number;
  malformed: number;
  capHits: number;
  resyncs: number;
  gaps: number;
  retainedBytes: number;
  peakRetainedBytes: number;
}
