/**
 * Events the DICOM analyzer emits. Each is an allow-listed projection of
 * device-identifying fields: no patient attribute, no user identity value,
 * no Buffer ever appears here.
 */
import type { AnomalyEvent, EventBase } from '../common/analyzer.js';
import type { EquipmentAttributes } from './dataset.js';
import type { DimseCommand } from './dimse.js';

interface DicomEventBase extends EventBase {
  protocol: 'dicom';
}

/** PS3.8 Annex D.1 and PS3.7 Annex D.3.3: what the User Information item negotiated. */
export interface DicomUserInfo {
  /** 0x51; 0 means "no limit". */
  maxPduLength: number | null;
  /** 0x52 */
  implementationClassUid: string | null;
  /** 0x55 */
  implementationVersionName: string | null;
  /** 0x53 */
  asyncOperationsWindow: { invoked: number; performed: number } | null;
  /** 0x54 */
  roleSelections: { sopClassUid: string; scu: boolean; scp: boolean }[];
  /** 0x58 (RQ only): the identity type and whether a response was asked for; never the fields. */
  userIdentity: { type: number; typeName: string; positiveResponseRequested: boolean } | null;
  /** 0x59 (AC only): a server response was present; never its value. */
  userIdentityResponsePresent: boolean;
  /** 0x56: how many SOP Class Extended Negotiation sub-items were present. */
  sopClassExtendedNegotiations: number;
  /** 0x57: how many SOP Class Common Extended Negotiation sub-items were present. */
  sopClassCommonExtendedNegotiations: number;
}

export interface DicomPresentationContextRq {
  id: number;
  abstractSyntax: string | null;
  abstractSyntaxName: string | null;
  transferSyntaxes: string[];
}

export interface DicomPresentationContextAc {
  id: number;
  /** PS3.8 §9.3.3.2: 0 acceptance .. 4 transfer-syntaxes-not-supported. */
  result: number;
  resultName: string;
  transferSyntax: string | null;
  transferSyntaxName: string | null;
}

interface DicomAssociateCommon {
  callingAeTitle: string;
  calledAeTitle: string;
  protocolVersion: number;
  applicationContextName: string | null;
  userInfo: DicomUserInfo | null;
}

/** PS3.8 §9.3.2 */
export interface DicomAssociateRqEvent extends DicomEventBase, DicomAssociateCommon {
  type: 'dicom.associate-rq';
  presentationContexts: DicomPresentationContextRq[];
}

/** PS3.8 §9.3.3 */
export interface DicomAssociateAcEvent extends DicomEventBase, DicomAssociateCommon {
  type: 'dicom.associate-ac';
  presentationContexts: DicomPresentationContextAc[];
}

/** PS3.8 §9.3.4 */
export interface DicomAssociateRjEvent extends DicomEventBase {
  type: 'dicom.associate-rj';
  result: number;
  resultName: string;
  source: number;
  sourceName: string;
  reason: number;
  reasonName: string;
}

/** PS3.8 §9.3.6 */
export interface DicomReleaseRqEvent extends DicomEventBase {
  type: 'dicom.release-rq';
}

/** PS3.8 §9.3.7 */
export interface DicomReleaseRpEvent extends DicomEventBase {
  type: 'dicom.release-rp';
}

/** PS3.8 §9.3.8 */
export interface DicomAbortEvent extends DicomEventBase {
  type: 'dicom.abort';
  source: number;
  sourceName: string;
  reason: number;
  reasonName: string;
}

/**
 * One per DIMSE command set (PS3.7 §9.3, §10.3): the parsed command
 * (dimse.ts DimseCommand: name 'C-STORE-RQ' or 'UNKNOWN-0x1234', message ids,
 * affected else requested SOP class, priority, move destination, status for
 * responses, whether a dataset follows) with a known command field.
 */
export interface DicomDimseEvent extends DicomEventBase, Omit<DimseCommand, 'commandField'> {
  type: 'dicom.dimse';
  presentationContextId: number;
  commandField: number;
}

/**
 * One per dataset that carried any equipment attribute (PS3.3 C.7.5.1,
 * C.7.5.2): dataset.ts EquipmentAttributes (udi from (0018,1009), top level or
 * inside the UDI Sequence (0018,100A)) plus where the dataset came from.
 */
export interface DicomEquipmentEvent extends DicomEventBase, EquipmentAttributes {
  type: 'dicom.equipment';
  presentationContextId: number;
  /** The command that announced this dataset, e.g. 'C-STORE-RQ' (a C-FIND-RSP describes other devices). */
  command: string | null;
  sopClassName: string | null;
  transferSyntaxUid: string;
  /** True when the association was not seen and the encoding was sniffed. */
  transferSyntaxGuessed: boolean;
  /** Some group 0010 element appeared; its value was never read. */
  patientModulePresent: boolean;
  /** The dataset was cut (gap, cap, malformed, end of stream) before the equipment tags were passed. */
  partial: boolean;
}

export interface DicomAnomalyEvent extends AnomalyEvent {
  protocol: 'dicom';
}

export type DicomEvent =
  | DicomAssociateRqEvent
  | DicomAssociateAcEvent
  | DicomAssociateRjEvent
  | DicomReleaseRqEvent
  | DicomReleaseRpEvent
  | DicomAbortEvent
  | DicomDimseEvent
  | DicomEquipmentEvent
  | DicomAnomalyEvent;

/** Counters kept per connection (both directions). */
export interface DicomStreamStats {
  /** PDUs by name ('associate-rq', 'p-data-tf', ...). */
  pdus: Record<string, number>;
  /** Bytes received, all directions. */
  bytes: number;
  malformed: number;
  capHits: number;
  resyncs: number;
  gaps: number;
  /** Bytes this analyzer holds right now (queued chunks, command fragments, dataset prefixes, deflate input). */
  retainedBytes: number;
  /** Largest retainedBytes seen at the end of any call. */
  peakRetainedBytes: number;
}
