/**
 * HL7 v2 and MLLP constants. Numbers cite HL7 v2.5 unless a later version
 * introduced the structure (PRT: v2.7; truncation character: v2.7).
 */

// HL7 v2.5 Appendix C.4.2 "MLLP Release 2": <SB> payload <EB><CR>
/** Start block: vertical tab. */
export const MLLP_START_BLOCK = 0x0b;
/** End block: file separator. */
export const MLLP_END_BLOCK = 0x1c;
/** The carriage return that follows the end block. */
export const MLLP_CARRIAGE_RETURN = 0x0d;

/** Largest MLLP payload held before giving up on a frame (HL7 messages are small). */
export const HL7_DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Longest single extracted value (characters); longer values are cut. */
export const HL7_MAX_VALUE_CHARS = 256;
/** Most list entries (equipment, software, codes, segment names) one message may report. */
export const HL7_MAX_LIST_ENTRIES = 64;
/** Most segment names kept in `segments` of one message. */
export const HL7_MAX_SEGMENT_NAMES = 512;

/** UTF-8 byte order mark, seen in front of files saved by Windows editors. */
export const HL7_UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

// HL7 v2.5 §2.5.4 message delimiters: the recommended defaults
export const HL7_DEFAULT_FIELD_SEPARATOR = 0x7c; // |
export const HL7_DEFAULT_COMPONENT_SEPARATOR = 0x5e; // ^
export const HL7_DEFAULT_REPETITION_SEPARATOR = 0x7e; // ~
export const HL7_DEFAULT_ESCAPE_CHARACTER = 0x5c; // \
export const HL7_DEFAULT_SUBCOMPONENT_SEPARATOR = 0x26; // &

/**
 * Segments that carry a header whose field 1 is the field separator itself
 * and field 2 the encoding characters: HL7 v2.5 §2.14.9 MSH, §2.15.5 FHS,
 * §2.15.2 BHS.
 */
export const HL7_HEADER_SEGMENTS: ReadonlySet<string> = new Set(['MSH', 'FHS', 'BHS']);
/** Batch and file trailers, HL7 v2.5 §2.15.3 BTS, §2.15.6 FTS. */
export const HL7_TRAILER_SEGMENTS: ReadonlySet<string> = new Set(['BTS', 'FTS']);

/**
 * Segments that identify a patient, their relatives, visit, insurance or
 * guarantor (HL7 v2.5 chapters 3 and 6). Their presence is reported; their
 * fields are never located, decoded or copied.
 */
export const HL7_PATIENT_SEGMENTS: ReadonlySet<string> = new Set([
  'PID', 'PD1', 'NK1', 'PV1', 'PV2', 'IN1', 'IN2', 'IN3', 'GT1', 'MRG', 'DB1', 'ACC', 'AL1', 'DG1', 'PDA', 'ARV',
]);

/**
 * Segment ids defined by HL7 v2.3 through v2.8.2 (Appendix A of each
 * version), with the v2.9 additions so that newer senders are not flagged.
 * Withdrawn ids (QRD, QRF, URD, URS, EQL, ERQ, SPR, VTQ) stay: v2.3-v2.6
 * traffic still carries them. A line whose id is neither in this set nor a
 * Z-segment (HL7 v2.5 §2.11.2, `HL7_Z_SEGMENT`) is reported as '?': it is
 * most likely free text after a stray line break, and its first three
 * characters are not to be echoed.
 */
export const HL7_SEGMENT_IDS: ReadonlySet<string> = new Set([
  // v2.3 (chapters 2-11)
  'ACC', 'ADD', 'AIG', 'AIL', 'AIP', 'AIS', 'AL1', 'APR', 'ARQ', 'AUT', 'BHS', 'BLG', 'BTS', 'CDM', 'CM0', 'CM1',
  'CM2', 'CSP', 'CSR', 'CSS', 'CTD', 'CTI', 'DB1', 'DG1', 'DRG', 'DSC', 'DSP', 'EQL', 'ERQ', 'ERR', 'EVN', 'FAC',
  'FHS', 'FT1', 'FTS', 'GOL', 'GT1', 'IN1', 'IN2', 'IN3', 'LCC', 'LCH', 'LDP', 'LOC', 'LRL', 'MFA', 'MFE', 'MFI',
  'MRG', 'MSA', 'MSH', 'NCK', 'NK1', 'NPU', 'NSC', 'NST', 'NTE', 'OBR', 'OBX', 'ODS', 'ODT', 'OM1', 'OM2', 'OM3',
  'OM4', 'OM5', 'OM6', 'ORC', 'PCR', 'PD1', 'PDC', 'PEO', 'PES', 'PID', 'PR1', 'PRA', 'PRB', 'PRC', 'PRD', 'PSH',
  'PTH', 'PV1', 'PV2', 'QAK', 'QRD', 'QRF', 'RDF', 'RDT', 'RF1', 'RGS', 'ROL', 'RQ1', 'RQD', 'RXA', 'RXC', 'RXD',
  'RXE', 'RXG', 'RXO', 'RXR', 'SCH', 'SPR', 'STF', 'TXA', 'UB1', 'UB2', 'URD', 'URS', 'VAR', 'VTQ',
  // v2.4-v2.6
  'ABS', 'ADJ', 'AFF', 'ARV', 'BLC', 'BPO', 'BPX', 'BTX', 'CER', 'CNS', 'CON', 'DMI', 'ECD', 'ECR', 'EDU', 'EQP',
  'EQU', 'GP1', 'GP2', 'IAM', 'IIM', 'ILT', 'INV', 'IPC', 'IPR', 'ISD', 'ITM', 'IVC', 'IVT', 'LAN', 'NDS', 'OM7',
  'ORG', 'OVR', 'PCE', 'PDA', 'PKG', 'PMT', 'PSG', 'PSL', 'PSS', 'PYE', 'QID', 'QPD', 'QRI', 'RCP', 'REL', 'RFI',
  'RMI', 'SAC', 'SCD', 'SCP', 'SDD', 'SFT', 'SID', 'SLT', 'SPM', 'STZ', 'TCC', 'TCD', 'TQ1', 'TQ2', 'UAC', 'VND',
  // v2.7-v2.8.2
  'BUI', 'CDO', 'DON', 'DPS', 'IAR', 'MCP', 'OH1', 'OH2', 'OH3', 'OH4', 'OMC', 'PAC', 'PM1', 'PRT', 'RXV', 'SGH',
  'SGT', 'SHP',
  // v2.9
  'CTR', 'DEV', 'DST', 'GSC', 'GSP', 'GSR',
]);

/** HL7 v2.5 §2.11.2: locally defined segments are named Z followed by two letters or digits. */
export const HL7_Z_SEGMENT = /^Z[A-Z0-9]{2}$/;

/** HL7 v2.5 §2.15.8 MSA-1 acknowledgment codes (original and enhanced mode). */
export const HL7_ACK_CODES: ReadonlySet<string> = new Set(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);

/**
 * HL7 v2.5 Table 0211 alternate character sets (MSH-18) mapped to a Node
 * decoder. 'latin1' also stands for ASCII so that no byte is lost.
 */
export const HL7_CHARSETS: Readonly<Record<string, 'latin1' | 'utf8'>> = {
  ASCII: 'latin1',
  '8859/1': 'latin1',
  'ISO IR6': 'latin1',
  'ISO IR100': 'latin1',
  'UNICODE UTF-8': 'utf8',
  'UNICODE': 'utf8',
  'UTF-8': 'utf8',
};

/** IEEE EUI-64 as 16 hex digits (IHE PCD TF-2 Appendix: equipment identifiers). */
export const HL7_EUI64_TYPE = 'EUI-64';

/**
 * Issue prefix for a declared MSH-18 character set we do not decode. Not
 * malformed input (the message is valid; we read it as UTF-8): reported as
 * an 'unsupported-charset' anomaly and not counted as malformed.
 */
export const HL7_ISSUE_UNSUPPORTED_CHARSET = 'unsupported-charset';
