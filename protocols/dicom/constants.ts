/**
 * DICOM wire constants: Upper Layer PDU and item types (PS3.8), DIMSE command
 * fields, command tags and statuses (PS3.7), the equipment tags we read
 * (PS3.3), transfer syntax UIDs (PS3.5, PS3.6) and small display tables.
 */

// PS3.8 §9.3.1 PDU types
export const DICOM_PDU_ASSOCIATE_RQ = 0x01;
export const DICOM_PDU_ASSOCIATE_AC = 0x02;
export const DICOM_PDU_ASSOCIATE_RJ = 0x03;
export const DICOM_PDU_P_DATA_TF = 0x04;
export const DICOM_PDU_RELEASE_RQ = 0x05;
export const DICOM_PDU_RELEASE_RP = 0x06;
export const DICOM_PDU_ABORT = 0x07;

/** PS3.8 §9.3.1: type (1), reserved (1), length (4, big endian). */
export const DICOM_PDU_HEADER_LENGTH = 6;
/** PS3.8 §9.3.2: version (2) + reserved (2) + called AE (16) + calling AE (16) + reserved (32). */
export const DICOM_ASSOCIATE_FIXED_LENGTH = 68;
/** PS3.8 §9.3.5: PDV item length (4) + presentation context id (1) + message control header (1). */
export const DICOM_PDV_HEADER_LENGTH = 6;

/** Names used in stats and anomaly details, indexed by PDU type. */
export const DICOM_PDU_NAMES: Readonly<Record<number, string>> = {
  [DICOM_PDU_ASSOCIATE_RQ]: 'associate-rq',
  [DICOM_PDU_ASSOCIATE_AC]: 'associate-ac',
  [DICOM_PDU_ASSOCIATE_RJ]: 'associate-rj',
  [DICOM_PDU_P_DATA_TF]: 'p-data-tf',
  [DICOM_PDU_RELEASE_RQ]: 'release-rq',
  [DICOM_PDU_RELEASE_RP]: 'release-rp',
  [DICOM_PDU_ABORT]: 'abort',
};

// PS3.8 §9.3.2.1 / §9.3.3.1 variable item types
export const DICOM_ITEM_APPLICATION_CONTEXT = 0x10;
export const DICOM_ITEM_PRESENTATION_CONTEXT_RQ = 0x20;
export const DICOM_ITEM_PRESENTATION_CONTEXT_AC = 0x21;
export const DICOM_ITEM_ABSTRACT_SYNTAX = 0x30;
export const DICOM_ITEM_TRANSFER_SYNTAX = 0x40;
export const DICOM_ITEM_USER_INFORMATION = 0x50;

// PS3.8 Annex D.1 and PS3.7 Annex D.3.3 user information sub-items
export const DICOM_USER_MAX_LENGTH = 0x51;
export const DICOM_USER_IMPLEMENTATION_CLASS_UID = 0x52;
export const DICOM_USER_ASYNC_OPERATIONS_WINDOW = 0x53;
export const DICOM_USER_ROLE_SELECTION = 0x54;
export const DICOM_USER_IMPLEMENTATION_VERSION_NAME = 0x55;
export const DICOM_USER_SOP_CLASS_EXTENDED = 0x56;
export const DICOM_USER_SOP_CLASS_COMMON_EXTENDED = 0x57;
export const DICOM_USER_IDENTITY_RQ = 0x58;
export const DICOM_USER_IDENTITY_AC = 0x59;

// PS3.8 §9.3.5.1 / Annex E.2 message control header bits
export const DICOM_PDV_FLAG_COMMAND = 0x01;
export const DICOM_PDV_FLAG_LAST = 0x02;

// PS3.7 §9.3 / §10.3 command set tags, as (group << 16 | element)
export const DICOM_TAG_COMMAND_GROUP_LENGTH = 0x00000000;
export const DICOM_TAG_AFFECTED_SOP_CLASS_UID = 0x00000002;
export const DICOM_TAG_REQUESTED_SOP_CLASS_UID = 0x00000003;
export const DICOM_TAG_COMMAND_FIELD = 0x00000100;
export const DICOM_TAG_MESSAGE_ID = 0x00000110;
export const DICOM_TAG_MESSAGE_ID_RESPONDED_TO = 0x00000120;
export const DICOM_TAG_MOVE_DESTINATION = 0x00000600;
export const DICOM_TAG_PRIORITY = 0x00000700;
export const DICOM_TAG_COMMAND_DATA_SET_TYPE = 0x00000800;
export const DICOM_TAG_STATUS = 0x00000900;
/** PS3.7 §E.1: Command Data Set Type 0101H means "no data set follows". */
export const DICOM_NO_DATA_SET = 0x0101;

// PS3.7 §9.3 and §10.3 command field values
export const DICOM_COMMAND_NAMES: Readonly<Record<number, string>> = {
  0x0001: 'C-STORE-RQ',
  0x8001: 'C-STORE-RSP',
  0x0010: 'C-GET-RQ',
  0x8010: 'C-GET-RSP',
  0x0020: 'C-FIND-RQ',
  0x8020: 'C-FIND-RSP',
  0x0021: 'C-MOVE-RQ',
  0x8021: 'C-MOVE-RSP',
  0x0030: 'C-ECHO-RQ',
  0x8030: 'C-ECHO-RSP',
  0x0100: 'N-EVENT-REPORT-RQ',
  0x8100: 'N-EVENT-REPORT-RSP',
  0x0110: 'N-GET-RQ',
  0x8110: 'N-GET-RSP',
  0x0120: 'N-SET-RQ',
  0x8120: 'N-SET-RSP',
  0x0130: 'N-ACTION-RQ',
  0x8130: 'N-ACTION-RSP',
  0x0140: 'N-CREATE-RQ',
  0x8140: 'N-CREATE-RSP',
  0x0150: 'N-DELETE-RQ',
  0x8150: 'N-DELETE-RSP',
  0x0fff: 'C-CANCEL-RQ',
};

// PS3.7 Annex C status codes with a fixed meaning across services
export const DICOM_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'Success',
  0x0001: 'Warning: requested optional attributes not supported',
  0x0105: 'Failure: no such attribute',
  0x0106: 'Failure: invalid attribute value',
  0x0107: 'Warning: attribute list error',
  0x0110: 'Failure: processing failure',
  0x0111: 'Failure: duplicate SOP instance',
  0x0112: 'Failure: no such SOP instance',
  0x0113: 'Failure: no such event type',
  0x0114: 'Failure: no such argument',
  0x0115: 'Failure: invalid argument value',
  0x0116: 'Warning: attribute value out of range',
  0x0117: 'Failure: invalid object instance',
  0x0118: 'Failure: no such SOP class',
  0x0119: 'Failure: class-instance conflict',
  0x0120: 'Failure: missing attribute',
  0x0121: 'Failure: missing attribute value',
  0x0122: 'Failure: SOP class not supported',
  0x0123: 'Failure: no such action',
  0x0124: 'Failure: not authorized',
  0x0210: 'Failure: duplicate invocation',
  0x0211: 'Failure: unrecognized operation',
  0x0212: 'Failure: mistyped argument',
  0x0213: 'Failure: resource limitation',
  0xb000: 'Warning: coercion of data elements or sub-operations failed',
  0xb006: 'Warning: elements discarded',
  0xb007: 'Warning: data set does not match SOP class',
  0xfe00: 'Cancel',
  0xff00: 'Pending',
  0xff01: 'Pending: optional keys not supported',
};

// PS3.8 §9.3.3.2 presentation context result/reason
export const DICOM_PC_RESULT_NAMES: readonly string[] = [
  'acceptance',
  'user-rejection',
  'no-reason',
  'abstract-syntax-not-supported',
  'transfer-syntaxes-not-supported',
];

// PS3.8 §9.3.4 A-ASSOCIATE-RJ result, source, reason/diag
export const DICOM_RJ_RESULT_NAMES: Readonly<Record<number, string>> = {
  1: 'rejected-permanent',
  2: 'rejected-transient',
};
export const DICOM_RJ_SOURCE_NAMES: Readonly<Record<number, string>> = {
  1: 'service-user',
  2: 'service-provider-acse',
  3: 'service-provider-presentation',
};
export const DICOM_RJ_REASON_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  1: { 1: 'no-reason-given', 2: 'application-context-name-not-supported', 3: 'calling-ae-title-not-recognized', 7: 'called-ae-title-not-recognized' },
  2: { 1: 'no-reason-given', 2: 'protocol-version-not-supported' },
  3: { 1: 'temporary-congestion', 2: 'local-limit-exceeded' },
};

// PS3.8 §9.3.8 A-ABORT source and reason/diag
export const DICOM_ABORT_SOURCE_NAMES: Readonly<Record<number, string>> = {
  0: 'service-user',
  1: 'reserved',
  2: 'service-provider',
};
export const DICOM_ABORT_REASON_NAMES: Readonly<Record<number, string>> = {
  0: 'reason-not-specified',
  1: 'unrecognized-pdu',
  2: 'unexpected-pdu',
  4: 'unrecognized-pdu-parameter',
  5: 'unexpected-pdu-parameter',
  6: 'invalid-pdu-parameter-value',
};

// PS3.7 Annex D.3.3.7.1 user identity types
export const DICOM_USER_IDENTITY_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'username',
  2: 'username-and-passcode',
  3: 'kerberos',
  4: 'saml',
  5: 'jwt',
};

// PS3.5 §10 and Annex A transfer syntaxes whose encoding rules we must know
export const DICOM_TS_IMPLICIT_LE = '1.2.840.10008.1.2';
export const DICOM_TS_EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DICOM_TS_DEFLATED_EXPLICIT_LE = '1.2.840.10008.1.2.1.99';
export const DICOM_TS_EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** PS3.6 Annex A: a few well-known UIDs, for display only. */
export const DICOM_UID_NAMES: Readonly<Record<string, string>> = {
  [DICOM_TS_IMPLICIT_LE]: 'Implicit VR Little Endian',
  [DICOM_TS_EXPLICIT_LE]: 'Explicit VR Little Endian',
  [DICOM_TS_DEFLATED_EXPLICIT_LE]: 'Deflated Explicit VR Little Endian',
  [DICOM_TS_EXPLICIT_BE]: 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.3.1.1.1': 'DICOM Application Context',
  '1.2.840.10008.1.1': 'Verification',
  '1.2.840.10008.5.1.4.1.1.1': 'CR Image Storage',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.1.2': 'Digital Mammography X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.3.1': 'Ultrasound Multi-frame Image Storage',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.6.1': 'Ultrasound Image Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.9.1.1': '12-lead ECG Waveform Storage',
  '1.2.840.10008.5.1.4.1.1.12.1': 'X-Ray Angiographic Image Storage',
  '1.2.840.10008.5.1.4.1.1.20': 'Nuclear Medicine Image Storage',
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation Storage',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR Storage',
  '1.2.840.10008.5.1.4.1.1.128': 'PET Image Storage',
  '1.2.840.10008.5.1.4.1.1.481.1': 'RT Image Storage',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set Storage',
  '1.2.840.10008.5.1.4.1.1.481.5': 'RT Plan Storage',
  '1.2.840.10008.5.1.4.1.2.1.1': 'Patient Root Query/Retrieve - FIND',
  '1.2.840.10008.5.1.4.1.2.1.2': 'Patient Root Query/Retrieve - MOVE',
  '1.2.840.10008.5.1.4.1.2.2.1': 'Study Root Query/Retrieve - FIND',
  '1.2.840.10008.5.1.4.1.2.2.2': 'Study Root Query/Retrieve - MOVE',
  '1.2.840.10008.5.1.4.1.2.2.3': 'Study Root Query/Retrieve - GET',
  '1.2.840.10008.5.1.4.31': 'Modality Worklist - FIND',
  '1.2.840.10008.3.1.2.3.3': 'Modality Performed Procedure Step',
  '1.2.840.10008.1.20.1': 'Storage Commitment Push Model',
};

// PS3.3 C.7.5.1 General Equipment, C.7.5.2 Enhanced General Equipment, C.7.3.1 Modality,
// C.12.1 SOP Common; tags as (group << 16 | element)
export const DICOM_TAG_SOP_CLASS_UID = 0x00080016;
export const DICOM_TAG_MODALITY = 0x00080060;
export const DICOM_TAG_MANUFACTURER = 0x00080070;
export const DICOM_TAG_INSTITUTION_NAME = 0x00080080;
export const DICOM_TAG_STATION_NAME = 0x00081010;
export const DICOM_TAG_MODEL_NAME = 0x00081090;
export const DICOM_TAG_DEVICE_SERIAL_NUMBER = 0x00181000;
export const DICOM_TAG_DEVICE_UID = 0x00181002;
export const DICOM_TAG_UDI = 0x00181009;
export const DICOM_TAG_UDI_SEQUENCE = 0x0018100a;
export const DICOM_TAG_SOFTWARE_VERSIONS = 0x00181020;
/** Patient module (PS3.3 C.7.1.1) lives in group 0010: presence is recorded, values never read. */
export const DICOM_GROUP_PATIENT = 0x0010;

/** The only top-level tags whose values are ever copied out of the packet. */
export const DICOM_EQUIPMENT_TAGS: ReadonlySet<number> = new Set([
  DICOM_TAG_SOP_CLASS_UID,
  DICOM_TAG_MODALITY,
  DICOM_TAG_MANUFACTURER,
  DICOM_TAG_INSTITUTION_NAME,
  DICOM_TAG_STATION_NAME,
  DICOM_TAG_MODEL_NAME,
  DICOM_TAG_DEVICE_SERIAL_NUMBER,
  DICOM_TAG_DEVICE_UID,
  DICOM_TAG_UDI,
  DICOM_TAG_UDI_SEQUENCE,
  DICOM_TAG_SOFTWARE_VERSIONS,
]);
/** Past this top-level tag no equipment attribute can follow (PS3.5 §7.1: ascending order). */
export const DICOM_LAST_EQUIPMENT_TAG = DICOM_TAG_SOFTWARE_VERSIONS;

// PS3.5 §7.5 item and delimiter tags (group FFFE)
export const DICOM_TAG_ITEM = 0xfffee000;
export const DICOM_TAG_ITEM_DELIMITATION = 0xfffee00d;
export const DICOM_TAG_SEQUENCE_DELIMITATION = 0xfffee0dd;
export const DICOM_UNDEFINED_LENGTH = 0xffffffff;

/** PS3.5 Table 6.2-1: VRs whose explicit encoding has 2 reserved bytes and a 4-byte length (PS3.5 §7.1.2). */
export const DICOM_LONG_VRS: ReadonlySet<string> = new Set([
  'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV',
]);
/** PS3.5 Table 6.2-1: every VR, used to sniff explicit from implicit encodings. */
export const DICOM_ALL_VRS: ReadonlySet<string> = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW',
  'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);

/** Default limits; every one can be overridden through DicomOptions. */
export const DICOM_DEFAULT_MAX_PDU_LENGTH = 1024 * 1024;
export const DICOM_DEFAULT_MAX_COMMAND_BYTES = 16 * 1024;
export const DICOM_DEFAULT_MAX_PREFIX_BYTES = 64 * 1024;
export const DICOM_DEFAULT_MAX_VALUE_BYTES = 1024;
export const DICOM_DEFAULT_MAX_DEFLATED_BYTES = 64 * 1024;
export const DICOM_DEFAULT_MAX_INFLATED_BYTES = 4 * 1024 * 1024;
/** Longest string copied into an event, after trimming. */
export const DICOM_MAX_EVENT_STRING = 256;
