/**
 * Thin wrappers around DCMTK and GDCM command-line tools for the testbed:
 * sending objects with a chosen transfer syntax, reading equipment attributes
 * with dcmdump, and building canary copies with dcmodify.
 */
import { execFileSync } from 'node:child_process';
import type { Pacs, RunResult, Testbed } from './testbed.js';

/** Transfer syntax UIDs (PS3.5 §10 and PS3.6 Annex A). */
export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
  rle: '1.2.840.10008.1.2.5',
} as const;

/** The four uncompressed network syntaxes DCMTK can convert any uncompressed file to. */
export const UNCOMPRESSED_SYNTAXES: readonly string[] = [TS.implicitLE, TS.explicitLE, TS.explicitBE, TS.deflatedLE];

/** Short label per syntax, used in AE titles and file names. */
export const TS_LABEL: Readonly<Record<string, string>> = {
  [TS.implicitLE]: 'IL',
  [TS.explicitLE]: 'EL',
  [TS.explicitBE]: 'EB',
  [TS.deflatedLE]: 'DF',
  [TS.jpegBaseline]: 'J1',
  [TS.jpegExtended]: 'J2',
  [TS.jpegLossless]: 'J4',
  [TS.jpegLosslessSV1]: 'J7',
  [TS.jpegLsLossless]: 'L0',
  [TS.jpegLsNearLossless]: 'L1',
  [TS.j2kLossless]: 'K0',
  [TS.j2k]: 'K1',
  [TS.rle]: 'RL',
};

/**
 * storescu option that proposes a syntax first (storescp `+xa` accepts the
 * first it supports). storescu then sends each file in the accepted context
 * whose syntax equals the file's own, if there is one; so to be sure a file
 * travels in syntax X, convert it to X first (`convertTo`) and propose X.
 */
const STORESCU_PROPOSE: Readonly<Record<string, string>> = {
  [TS.implicitLE]: '-xi',
  [TS.explicitLE]: '-xe',
  [TS.explicitBE]: '-xb',
  [TS.deflatedLE]: '-xd',
  [TS.jpegBaseline]: '-xy',
  [TS.jpegExtended]: '-xx',
  [TS.jpegLosslessSV1]: '-xs',
  [TS.jpegLsLossless]: '-xt',
  [TS.jpegLsNearLossless]: '-xu',
  [TS.j2kLossless]: '-xv',
  [TS.j2k]: '-xw',
  [TS.rle]: '-xr',
};

/** DCMTK's names for syntaxes, as printed in "Accepted Transfer Syntax: =Name". */
const DCMTK_TS_NAME: Readonly<Record<string, string>> = {
  LittleEndianImplicit: TS.implicitLE,
  LittleEndianExplicit: TS.explicitLE,
  BigEndianExplicit: TS.explicitBE,
  DeflatedLittleEndianExplicit: TS.deflatedLE,
  JPEGBaseline: TS.jpegBaseline,
  JPEGExtended: TS.jpegExtended,
  JPEGLossless: TS.jpegLosslessSV1,
  JPEGLSLossless: TS.jpegLsLossless,
  JPEGLSLossy: TS.jpegLsNearLossless,
  JPEG2000LosslessOnly: TS.j2kLossless,
  JPEG2000: TS.j2k,
  RLELossless: TS.rle,
};

/** Can storescu propose this syntax (so the file can be sent as-is)? */
export function canPropose(ts: string): boolean {
  return ts in STORESCU_PROPOSE;
}

export interface StoreOptions {
  /** calling AE title */
  aet: string;
  /** syntax proposed first; omitted: storescu's default proposal */
  syntax?: string;
  /** called AE title (default: the PACS's) */
  called?: string;
  /** extra storescu options (e.g. `--user`, `--password`) */
  extraArgs?: string[];
  allowFail?: boolean;
}

export interface StoreResult extends RunResult {
  /** transfer syntax UIDs the PACS accepted, in presentation-context order */
  accepted: string[];
}

/**
 * Send files in one association with DCMTK storescu, proposing only the
 * presentation contexts the files need (`-R`).
 */
export async function storescu(tb: Testbed, host: string, pacs: Pacs, files: string[], opts: StoreOptions): Promise<StoreResult> {
  const args = ['-v', '+v', '-R', '-aet', opts.aet, '-aec', opts.called ?? pacs.aet];
  if (opts.syntax) {
    const flag = STORESCU_PROPOSE[opts.syntax];
    if (!flag) throw new Error(`storescu cannot propose transfer syntax ${opts.syntax}`);
    args.push(flag);
  }
  args.push(...(opts.extraArgs ?? []), pacs.ip, String(pacs.port), ...files);
  const r = await tb.run(host, 'storescu', args, { allowFail: opts.allowFail });
  return { ...r, accepted: acceptedSyntaxes(r.stdout + r.stderr) };
}

/** Parse "Accepted Transfer Syntax: =Name" lines from DCMTK verbose output. */
export function acceptedSyntaxes(log: string): string[] {
  const out: string[] = [];
  for (const m of log.matchAll(/Accepted Transfer Syntax: =?(\S+)/g)) {
    const name = m[1] ?? '';
    out.push(DCMTK_TS_NAME[name] ?? name);
  }
  return out;
}

/**
 * GDCM's gdcmscu. Version 3.0.21 (Debian bookworm) aborts with
 * "ProtocolStream as nullptr is invalid" (exit 134) *after* the association has
 * been released; the traffic on the wire is complete. So its exit status is not
 * trusted: callers check the PACS side or the capture instead.
 */
export async function gdcmscu(tb: Testbed, host: string, pacs: Pacs, mode: 'echo' | 'store', aet: string, file?: string): Promise<RunResult> {
  const args = [`--${mode}`, '--aetitle', aet, '--call', pacs.aet];
  if (mode === 'store') {
    if (!file) throw new Error('gdcmscu --store needs a file');
    args.push('-i', file);
  }
  args.push(pacs.ip, String(pacs.port));
  return tb.run(host, 'gdcmscu', args, { allowFail: true, timeoutMs: 30_000 });
}

/** Equipment attributes read from the top-level dataset (PS3.3 C.7.5.1 and friends). */
export const EQUIPMENT_TAGS: ReadonlyArray<{ tag: string; keyword: string; multi: boolean }> = [
  { tag: '0008,0060', keyword: 'Modality', multi: false },
  { tag: '0008,0070', keyword: 'Manufacturer', multi: false },
  { tag: '0008,0080', keyword: 'InstitutionName', multi: false },
  { tag: '0008,1010', keyword: 'StationName', multi: false },
  { tag: '0008,1090', keyword: 'ManufacturerModelName', multi: false },
  { tag: '0018,1000', keyword: 'DeviceSerialNumber', multi: false },
  { tag: '0018,1002', keyword: 'DeviceUID', multi: false },
  { tag: '0018,1020', keyword: 'SoftwareVersions', multi: true },
];

/**
 * Read equipment attributes with dcmdump, top-level dataset only (`+p` prefixes
 * matches inside sequences with their path, and those lines are skipped). Values are trimmed of DICOM padding; empty and
 * absent elements are left out. SoftwareVersions is always an array; any other
 * attribute is an array only when it holds several values.
 */
export function readEquipment(file: string): Record<string, string | string[]> {
  const args = ['-q', '+p', '+L'];
  for (const t of EQUIPMENT_TAGS) args.push('+P', t.tag);
  args.push(file);
  let out: string;
  try {
    out = execFileSync('dcmdump', args, { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  const attrs: Record<string, string | string[]> = {};
  for (const line of out.split('\n')) {
    const m = /^\((\w{4}),(\w{4})\) \w\w \[(.*)\]\s+#/.exec(line);
    if (!m) continue;
    const tag = `${m[1]},${m[2]}`.toLowerCase();
    const def = EQUIPMENT_TAGS.find((t) => t.tag === tag);
    if (!def) continue;
    const values = (m[3] ?? '').split('\\').map((v) => v.replace(/[\s\0]+$/, '').replace(/^\s+/, ''));
    if (values.every((v) => v === '')) continue;
    attrs[def.keyword] = def.multi || values.length > 1 ? values : values[0] ?? '';
  }
  return attrs;
}

/** Transfer syntax UID from the file meta information, or undefined when there is none. */
export function fileTransferSyntax(file: string): string | undefined {
  let out = '';
  try {
    out = execFileSync('dcmdump', ['-q', '-s', '+P', '0002,0010', '-Un', file], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  const m = /\(0002,0010\) UI \[?([0-9.]+)/.exec(out);
  return m?.[1];
}

const DCMCONV_WRITE: Readonly<Record<string, string>> = {
  [TS.implicitLE]: '+ti',
  [TS.explicitLE]: '+te',
  [TS.explicitBE]: '+tb',
  [TS.deflatedLE]: '+td',
};

/** Write a copy of an uncompressed file in another uncompressed syntax, with file meta. */
export function convertTo(src: string, ts: string, dst: string): void {
  const flag = DCMCONV_WRITE[ts];
  if (!flag) throw new Error(`dcmconv cannot write transfer syntax ${ts}`);
  execFileSync('dcmconv', ['-q', '+F', flag, src, dst], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Overwrite or insert attributes in a copy with dcmodify (no backup file). */
export function dcmodify(file: string, values: Record<string, string>): void {
  const args = ['-nb'];
  for (const [k, v] of Object.entries(values)) args.push('-i', `${k}=${v}`);
  args.push(file);
  execFileSync('dcmodify', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
