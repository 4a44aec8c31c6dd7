/**
 * DICOM Upper Layer, DIMSE and equipment attributes from the wire.
 * See stream.ts for the analyzer, events.ts for what it emits.
 */
export { createDicomAnalyzer, type DicomOptions } from './stream.js';
export { AssociationCache } from './association-cache.js';
export { dicomProbe, findPduHeader, plausiblePduAt } from './probe.js';
export type * from './events.js';
export * from './constants.js';
export { parsePduHeader, parsePdvHeader, parseAssociateRq, parseAssociateAc, parseAssociateRj, parseAbort } from './pdu-parser.js';
export { parseCommandSet, statusName, type DimseCommand } from './dimse.js';
export { EquipmentExtractor, readEquipment, sniffTransferSyntax, encodingOf, type EquipmentAttributes } from './dataset.js';
