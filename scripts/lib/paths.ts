/**
 * Where things are, relative to this repository (never absolute paths: CI
 * runs a fresh clone in another folder, with `shared/` beside it).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The workplace's public data: `../shared/data` beside the repository. */
export const SHARED_DATA = resolve(REPO, '..', 'shared', 'data');
export const SHARED_DICOM = process.env.AUSCULT_DICOM_DATA ?? join(SHARED_DATA, 'dicom');
export const SHARED_HL7 = process.env.AUSCULT_HL7_DATA ?? join(SHARED_DATA, 'hl7');
