/**
 * Real DICOM files from ../shared/data/dicom (see SOURCES.md there): strip
 * the Part 10 preamble and File Meta group, wrap the dataset in P-DATA PDVs of
 * random sizes, and compare what the analyzer extracts with what DCMTK's
 * dcmdump prints for the same file.
 */
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import dicomParser from 'dicom-parser';
import {
  associateAc,
  associateRq,
  byType,
  CT_STORAGE,
  cStoreRq,
  pdata,
  pdv,
  run,
  type Feed,
} from './builder.js';
import { SHARED_DICOM } from '../../scripts/lib/paths.js';

const DIR = SHARED_DICOM;

/** One dcmdump run over every file: first printed value list per (file, tag). */
function dcmdumpAll(files: string[], tags: string[]): Map<string, Map<string, string[] | null>> {
  let out = '';
  const args = ['-q', '+L', '+F', ...tags.flatMap((tag) => ['+P', tag]), ...files];
  try {
    out = execFileSync('dcmdump', args, { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24 });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? ''); // dcmdump exits non-zero on files with warnings
  }
  const result = new Map<string, Map<string, string[] | null>>();
  let current: Map<string, string[] | null> | null = null;
  for (const line of out.split('\n')) {
    const head = /^# dcmdump \(\d+\/\d+\): (.*)$/.exec(line);
    if (head) {
      current = new Map();
      result.set(path.basename(head[1]!), current);
      continue;
    }
    const el = /^\(([0-9a-f]{4},[0-9a-f]{4})\) \w\w (.*)$/.exec(line);
    if (!current || !el || current.has(el[1]!)) continue;
    const m = /^\[(.*)\]\s+#/.exec(el[2]!);
    const vals = m ? m[1]!.split('\\').map((v) => v.trim()).filter((v) => v.length > 0) : [];
    current.set(el[1]!, vals.length ? vals : null);
  }
  return result;
}

/** Dataset bytes and transfer syntax: after the File Meta group, or the whole file when there is none. */
function datasetOf(bytes: Buffer): { ds: Buffer; ts: string | null } {
  if (bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM') {
    const meta = dicomParser.readPart10Header(bytes);
    let end = 132;
    for (const el of Object.values(meta.elements)) end = Math.max(end, el.dataOffset + el.length);
    return { ds: bytes.subarray(end), ts: meta.string('x00020010') ?? null };
  }
  return { ds: bytes, ts: null };
}

/** Deterministic pseudo-random fragment sizes (a seeded LCG, so failures reproduce). */
function fragments(pcId: number, ds: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let s = seed;
  let off = 0;
  while (off < ds.length) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = 1 + (s % 4000);
    out.push(pdata(pdv(pcId, false, off + n >= ds.length, ds.subarray(off, off + n))));
    off += n;
  }
  return out;
}

if (!fs.existsSync(DIR)) {
  t.comment(`skipped: ${DIR} is absent (real-file comparison needs the shared DICOM samples)`);
  t.pass('real files absent');
} else {
  let dcmdumpOk = true;
  try {
    execFileSync('dcmdump', ['--version'], { stdio: 'ignore' });
  } catch {
    dcmdumpOk = false;
  }
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.dcm')).sort();
  t.test('equipment from real files matches dcmdump', { skip: dcmdumpOk ? false : 'dcmdump (DCMTK) not installed' }, async (t) => {
    const dump = dcmdumpAll(files.map((f) => path.join(DIR, f)), ['0008,0070', '0008,1090', '0018,1020']);
    files.forEach((name, i) => {
      const file = path.join(DIR, name);
      const { ds, ts } = datasetOf(fs.readFileSync(file));
      const feeds: Feed[] = [];
      if (ts) {
        feeds.push(
          { dir: 'orig', bytes: associateRq({ pcs: [{ id: 1, abstract: CT_STORAGE, ts: [ts] }] }) },
          { dir: 'resp', bytes: associateAc({ pcs: [{ id: 1, result: 0, ts }] }) },
        );
      }
      feeds.push({ dir: 'orig', bytes: Buffer.concat([pdata(pdv(1, true, true, cStoreRq(1))), ...fragments(1, ds, i + 1)]) });
      const { events } = run(feeds, {}, (len) => [Math.floor(len / 3), Math.floor(len / 2) + 1]);
      const eq = byType(events, 'dicom.equipment')[0];
      const ref = dump.get(name);
      if (!ref) return void t.fail(`${name}: dcmdump printed nothing`);
      const manufacturer = ref.get('0008,0070') ?? null;
      const model = ref.get('0008,1090') ?? null;
      const sw = ref.get('0018,1020') ?? null;
      if (!manufacturer && !model && !sw && !eq) {
        t.pass(`${name}: no equipment attributes, no event`);
        return;
      }
      t.ok(eq, `${name}: equipment event`);
      t.equal(eq?.manufacturer ?? null, manufacturer ? manufacturer.join('\\') : null, `${name}: Manufacturer`);
      t.equal(eq?.modelName ?? null, model ? model.join('\\') : null, `${name}: Model`);
      t.same(eq?.softwareVersions ?? [], sw ?? [], `${name}: Software Versions`);
      t.equal(eq?.transferSyntaxGuessed, ts === null, `${name}: guessed only without File Meta`);
      if (ts) t.equal(eq?.transferSyntaxUid, ts);
    });
  });
}
