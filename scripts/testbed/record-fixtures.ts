/**
 * Records the committed DICOM fixture captures in test/fixtures/dicom/ by
 * running real DCMTK/GDCM peers on the testbed. Run through
 * scripts/testbed/record-fixtures.sh (root needed). Scenarios are listed in
 * test/fixtures/dicom/README.md; keep the two in step.
 *
 * Usage: npx tsx scripts/testbed/record-fixtures.ts [outDir] [scenario...]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_AE as AE, type Testbed, withTestbed } from './testbed.js';
import { TS, convertTo, dcmodify, fileTransferSyntax, gdcmscu, storescu } from './dicom-tools.js';
import { SHARED_DICOM } from '../lib/paths.js';

const DATA = SHARED_DICOM;
const f = (name: string): string => join(DATA, name);
const CT = f('CT_small.dcm');
const MR = f('MR_small.dcm');
const CR = f('pcir_77654033_CR2_6247.dcm');
const MR_PHILIPS = f('pcir_98892003_MR1_5641.dcm');

/** Values planted in phi-canary.pcap; none may ever leave the agent. */
export const CANARIES = {
  PatientName: 'CANARY^PATIENT',
  PatientID: 'CANARY-ID-991',
  PatientBirthDate: '19010101',
  AccessionNumber: 'CANARYACC',
  StudyDescription: 'CANARY STUDY',
  ReferringPhysicianName: 'CANARY^DOCTOR',
  UserIdentityUsername: 'CANARY-USERNAME',
  UserIdentityPassword: 'CANARY-PASSWORD',
} as const;

function check(cond: boolean, what: string, detail = ''): void {
  if (!cond) throw new Error(`fixture check failed: ${what}${detail ? `\n${detail}` : ''}`);
}

function storedCount(dir: string): number {
  return readdirSync(dir).filter((n) => !n.startsWith('seed-') && n !== 'db' && !n.endsWith('.cfg')).length;
}

type Scenario = (tb: Testbed, scratch: string) => Promise<void>;

const scenarios: Record<string, Scenario> = {
  // C-ECHO from DCMTK and GDCM, one rejection (unknown called AE), one abort.
  async echo(tb) {
    const pacs = await tb.startPacs({ kind: 'dcmqrscp' });
    const ok = await tb.run('ws', 'echoscu', ['-v', '-aet', AE.ws!, '-aec', pacs.aet, pacs.ip, String(pacs.port)]);
    check(ok.code === 0, 'echoscu C-ECHO');
    await gdcmscu(tb, 'us4', pacs, 'echo', AE.us4!);
    const rj = await tb.run('ct1', 'echoscu', ['-v', '-aet', AE.ct1!, '-aec', 'NOT_THE_PACS', pacs.ip, String(pacs.port)], { allowFail: true });
    check(/Called AE Title Not Recognized/i.test(rj.stderr + rj.stdout), 'rejected association', rj.stderr);
    await tb.run('mr2', 'echoscu', ['-v', '--abort', '-aet', AE.mr2!, '-aec', pacs.aet, pacs.ip, String(pacs.port)]);
  },

  // Three modalities storing their own images; one through GDCM.
  async store(tb) {
    const pacs = await tb.startPacs();
    await storescu(tb, 'ct1', pacs, [CT], { aet: AE.ct1! });
    await storescu(tb, 'mr2', pacs, [MR], { aet: AE.mr2! });
    await gdcmscu(tb, 'cr3', pacs, 'store', AE.cr3!, CR);
    await new Promise((r) => setTimeout(r, 200));
    check(storedCount(pacs.storageDir) === 3, 'PACS received 3 objects', readdirSync(pacs.storageDir).join(' '));
  },

  // One router/archive forwarding images of four manufacturers in one association.
  async archive(tb) {
    const pacs = await tb.startPacs();
    await storescu(tb, 'archive', pacs, [CT, MR, CR, MR_PHILIPS], { aet: AE.archive! });
    check(storedCount(pacs.storageDir) === 4, 'PACS received 4 objects');
  },

  // Study-root C-FIND against dcmqrscp (database filled offline).
  async find(tb) {
    const pacs = await tb.startPacs({ kind: 'dcmqrscp', files: [CT, MR, CR, MR_PHILIPS] });
    const common = ['-v', '-S', '-aet', AE.ws!, '-aec', pacs.aet];
    const studies = await tb.run('ws', 'findscu', [...common,
      '-k', 'QueryRetrieveLevel=STUDY', '-k', 'PatientName=', '-k', 'PatientID=', '-k', 'StudyInstanceUID=',
      '-k', 'StudyDate=', '-k', 'AccessionNumber=', '-k', 'StudyDescription=',
      pacs.ip, String(pacs.port)]);
    check(/Find Response: 4 /.test(studies.stdout + studies.stderr) || /Received Final Find Response/.test(studies.stdout + studies.stderr), 'study-level C-FIND answered', studies.stderr);
    const studyUid = execFileSync('dcmdump', ['-q', '-s', '+P', '0020,000d', CT], { encoding: 'latin1' }).match(/\[([0-9.]+)\]/)?.[1];
    check(Boolean(studyUid), 'StudyInstanceUID of CT_small');
    await tb.run('ws', 'findscu', [...common,
      '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${studyUid}`, '-k', 'SeriesInstanceUID=',
      '-k', 'Modality=', '-k', 'SeriesNumber=', pacs.ip, String(pacs.port)]);
  },

  // Patient fields and user identity holding canary values.
  async 'phi-canary'(tb, scratch) {
    const pacs = await tb.startPacs();
    const canary = join(scratch, 'canary-ct.dcm');
    copyFileSync(CT, canary);
    dcmodify(canary, {
      '(0010,0010)': CANARIES.PatientName,
      '(0010,0020)': CANARIES.PatientID,
      '(0010,0030)': CANARIES.PatientBirthDate,
      '(0008,0050)': CANARIES.AccessionNumber,
      '(0008,1030)': CANARIES.StudyDescription,
      '(0008,0090)': CANARIES.ReferringPhysicianName,
    });
    await storescu(tb, 'ct1', pacs, [canary], { aet: AE.ct1! });
    await storescu(tb, 'ct1', pacs, [canary], {
      aet: AE.ct1!,
      extraArgs: ['--user', CANARIES.UserIdentityUsername, '--password', CANARIES.UserIdentityPassword],
    });
  },

  // The same CT stored once in each uncompressed network transfer syntax.
  // The file is converted to each syntax first, so storescu sends it in the
  // context of that syntax (see STORESCU_PROPOSE in dicom-tools.ts).
  async syntaxes(tb, scratch) {
    const pacs = await tb.startPacs();
    for (const ts of [TS.implicitLE, TS.explicitLE, TS.explicitBE, TS.deflatedLE]) {
      const copy = join(scratch, `ct-${ts}.dcm`);
      convertTo(CT, ts, copy);
      check(fileTransferSyntax(copy) === ts, `dcmconv wrote ${ts}`);
      const r = await storescu(tb, 'ct1', pacs, [copy], { aet: AE.ct1!, syntax: ts });
      check(r.accepted.includes(ts), `negotiated ${ts}`, r.accepted.join(' '));
    }
  },

  // PACS on a non-standard port: DICOM must be recognised by content.
  async port4242(tb) {
    const pacs = await tb.startPacs({ port: 4242 });
    await tb.run('mr2', 'echoscu', ['-aet', AE.mr2!, '-aec', pacs.aet, pacs.ip, '4242']);
    await storescu(tb, 'mr2', pacs, [MR], { aet: AE.mr2! });
  },
};

/** Record the named scenarios (default: all) into `outDir`/<name>.pcap. */
export async function recordFixtures(outDir: string, names: string[] = Object.keys(scenarios)): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const name of names) {
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`unknown scenario '${name}' (have: ${Object.keys(scenarios).join(', ')})`);
    const pcap = join(outDir, `${name}.pcap`);
    const scratch = mkdtempSync(join(tmpdir(), `auscult-fx-${name}-`));
    try {
      await withTestbed(async (tb) => {
        await scenario(tb, scratch);
        await tb.stopCapture();
      }, { capture: pcap });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    written.push(pcap);
    process.stdout.write(`${name}.pcap ${statSync(pcap).size} bytes\n`);
  }
  if (names.includes('phi-canary')) {
    writeFileSync(join(outDir, 'canaries.json'), `${JSON.stringify({
      description: 'Values planted in phi-canary.pcap (patient fields of a CT and a User Identity). None may appear in any auscult output, log, store or message.',
      fields: CANARIES,
      strings: Object.values(CANARIES),
    }, null, 2)}\n`);
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('record-fixtures.ts')) {
  const [outArg, ...names] = process.argv.slice(2);
  const out = resolve(outArg ?? 'test/fixtures/dicom');
  recordFixtures(out, names.length > 0 ? names : undefined).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
