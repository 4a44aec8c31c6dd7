import t from 'tap';
import zlib from 'node:zlib';
import {
  byType,
  cStoreRq,
  ctDataset,
  datasetPdus,
  encodeDataset,
  encodeForTs,
  pdata,
  pdv,
  run,
  storeSession,
  str,
  TS_BIG,
  TS_DEFLATE,
  TS_EXPLICIT,
  TS_IMPLICIT,
  TS_JPEG,
  type El,
} from './builder.js';
import { EquipmentExtractor, sniffTransferSyntax } from '../../protocols/dicom/dataset.js';

const limits = { maxPrefixBytes: 65536, maxValueBytes: 1024, maxDeflatedBytes: 65536, maxInflatedBytes: 4 << 20 };
const CANARIES = ['CANARY^PATIENT', 'CANARY-ID-991', 'CANARYACC', '19450317', 'CANARY STUDY', 'CANARY^REFERRER', 'CANARYSTUDYID'];

for (const ts of [TS_IMPLICIT, TS_EXPLICIT, TS_BIG, TS_DEFLATE, TS_JPEG]) {
  t.test(`equipment extraction under ${ts}`, async (t) => {
    const { events } = run(storeSession(ts, ctDataset()));
    const eq = byType(events, 'dicom.equipment');
    t.equal(eq.length, 1);
    t.match(eq[0], {
      command: 'C-STORE-RQ',
      transferSyntaxUid: ts,
      transferSyntaxGuessed: false,
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      modality: 'CT',
      manufacturer: 'ACME Medical',
      institutionName: 'General Hospital',
      stationName: 'CTSTATION1',
      modelName: 'Scanmaster 3000',
      deviceSerialNumber: 'SN-42',
      deviceUid: '1.2.826.0.1.3680043.2.1',
      patientModulePresent: true,
      partial: false,
    });
    t.same(eq[0]!.softwareVersions, ['VA10A', 'SP2']);
    const json = JSON.stringify(events);
    for (const c of CANARIES) t.notOk(json.includes(c), `PHI canary ${c} never emitted`);
    t.equal(byType(events, 'anomaly').length, 0);
  });
}

t.test('UDI: top-level and inside the UDI Sequence, defined and undefined length', async (t) => {
  for (const undefinedLength of [false, true]) {
    for (const ts of [TS_IMPLICIT, TS_EXPLICIT, TS_BIG]) {
      const udiSeq: El = {
        tag: 0x0018100a,
        vr: 'SQ',
        undefinedLength,
        items: [[str(0x00181009, 'UT', '(01)00884838012345(21)A1')], [str(0x00181009, 'UT', '(01)00884838099999')]],
      };
      const { events } = run(storeSession(ts, ctDataset([udiSeq])));
      const [eq] = byType(events, 'dicom.equipment');
      t.same(eq?.udi, ['(01)00884838012345(21)A1', '(01)00884838099999'], `${ts} undefined=${undefinedLength}`);
      t.equal(eq?.softwareVersions.length, 2);
    }
  }
});

t.test('a skipped sequence of undefined length before the equipment tags is walked, not copied', async (t) => {
  const refSeq: El = {
    tag: 0x00081140,
    vr: 'SQ',
    undefinedLength: true,
    items: [[str(0x00081150, 'UI', '1.2.3'), str(0x00100010, 'PN', 'CANARY^NESTED')]],
  };
  for (const ts of [TS_IMPLICIT, TS_EXPLICIT]) {
    const { events } = run(storeSession(ts, ctDataset([refSeq])));
    const [eq] = byType(events, 'dicom.equipment');
    t.equal(eq?.modelName, 'Scanmaster 3000');
    t.notOk(JSON.stringify(events).includes('CANARY^NESTED'));
  }
});

t.test('no patient module: flag is false; no equipment: no event', async (t) => {
  const els = ctDataset().filter((e) => e.tag >>> 16 !== 0x0010);
  const [eq] = byType(run(storeSession(TS_EXPLICIT, els)).events, 'dicom.equipment');
  t.equal(eq?.patientModulePresent, false);
  const bare = [str(0x00080016, 'UI', '1.2.3'), str(0x00100010, 'PN', 'X^Y')];
  t.equal(byType(run(storeSession(TS_EXPLICIT, bare)).events, 'dicom.equipment').length, 0);
});

t.test('association not seen: dataset encoding is guessed from its first element', async (t) => {
  for (const [enc, guess] of [['implicit', TS_IMPLICIT], ['explicit', TS_EXPLICIT], ['big', TS_BIG]] as const) {
    const ds = encodeDataset(ctDataset(), enc);
    const { events } = run([{ dir: 'orig', bytes: Buffer.concat([pdata(pdv(5, true, true, cStoreRq(1))), ...datasetPdus(5, ds, 100)]) }]);
    const [eq] = byType(events, 'dicom.equipment');
    t.equal(eq?.transferSyntaxGuessed, true);
    t.equal(eq?.transferSyntaxUid, guess);
    t.equal(eq?.manufacturer, 'ACME Medical');
    t.equal(byType(events, 'dicom.dimse').length, 1, 'command parsed: it starts with its group length');
  }
  t.equal(sniffTransferSyntax(Buffer.from([8, 0, 5, 0, 10, 0])), TS_IMPLICIT);
});

t.test('extractor stops at the first tag past (0018,1020) and never needs the rest', async (t) => {
  const ex = new EquipmentExtractor(TS_EXPLICIT, limits);
  const ds = encodeForTs(ctDataset([], 10_000_000), TS_EXPLICIT);
  ex.write(ds.subarray(0, 2000));
  t.equal(ex.done, true);
  t.ok(ex.retainedBytes() < 4096, `retained ${ex.retainedBytes()}`);
  const r = ex.finish(false);
  t.equal(r?.attributes.manufacturer, 'ACME Medical');
  t.equal(r?.partial, false);
});

t.test('an oversized equipment value is skipped with a cap anomaly', async (t) => {
  const els = ctDataset().map((e) => (e.tag === 0x00080070 ? str(0x00080070, 'LO', 'M'.repeat(3000)) : e));
  const { events } = run(storeSession(TS_EXPLICIT, els));
  const [eq] = byType(events, 'dicom.equipment');
  t.equal(eq?.manufacturer, null);
  t.equal(eq?.modelName, 'Scanmaster 3000');
  t.match(byType(events, 'anomaly'), [{ kind: 'cap' }]);
});

t.test('deflate: the inflated size has a hard cap (deflate bomb)', async (t) => {
  // a large private OB value before the equipment tags inflates far past the cap
  const bomb: El[] = [str(0x00080016, 'UI', '1.2.3'), { tag: 0x00090010, vr: 'OB', value: Buffer.alloc(6 << 20) }, str(0x00180070, 'LO', 'X')];
  const raw = zlib.deflateRawSync(encodeDataset(bomb, 'explicit'));
  const ex = new EquipmentExtractor(TS_DEFLATE, { ...limits, maxInflatedBytes: 1 << 20 });
  for (let i = 0; i < raw.length; i += 1000) ex.write(raw.subarray(i, i + 1000));
  const r = ex.finish(false);
  t.ok(ex.issues.some((i) => i.kind === 'cap'), 'cap reported');
  t.ok(ex.retainedBytes() < 200_000);
  t.ok(r);
});

t.test('deflate: corrupt stream is malformed, partial result kept', async (t) => {
  const raw = Buffer.from(zlib.deflateRawSync(encodeDataset(ctDataset(), 'explicit')));
  const ex = new EquipmentExtractor(TS_DEFLATE, limits);
  ex.write(raw.subarray(0, 40));
  ex.write(Buffer.alloc(400, 0xff));
  const r = ex.finish(false);
  t.ok(ex.issues.some((i) => i.kind === 'malformed'));
  t.ok(r);
});

t.test('malformed explicit VR stops the walk and keeps what was read', async (t) => {
  const ds = encodeDataset(ctDataset(), 'explicit');
  const cut = ds.indexOf(Buffer.from('Scanmaster'));
  const broken = Buffer.concat([ds.subarray(0, cut + 16), Buffer.from([0x18, 0, 0, 0x10, 0x01, 0x02, 4, 0]), Buffer.alloc(20)]);
  const ex = new EquipmentExtractor(TS_EXPLICIT, limits);
  ex.write(broken);
  const r = ex.finish(false);
  t.equal(r?.attributes.modelName, 'Scanmaster 3000');
  t.equal(r?.partial, true);
  t.match(ex.issues, [{ kind: 'malformed' }]);
});

t.test('the walk gives the same result and issues (with their byte positions) fed whole, byte by byte and at random cuts', async (t) => {
  const seqs = (undefinedLength: boolean): El[] => [
    { tag: 0x00081140, vr: 'SQ', undefinedLength, items: [[str(0x00081150, 'UI', '1.2.3')]] },
    { tag: 0x0018100a, vr: 'SQ', undefinedLength, items: [[str(0x00181009, 'UT', '(01)00884838012345(21)A1')]] },
  ];
  const cases: { name: string; ts: string; bytes: Buffer }[] = [];
  for (const [ts, enc] of [[TS_IMPLICIT, 'implicit'], [TS_EXPLICIT, 'explicit'], [TS_BIG, 'big']] as const) {
    for (const undefinedLength of [false, true]) {
      const bytes = encodeDataset(ctDataset(seqs(undefinedLength)), enc);
      cases.push({ name: `${ts} undefined=${undefinedLength}`, ts, bytes });
      // malformed after a long-VR header: the issue names the byte it was found at
      const at = bytes.indexOf(Buffer.from('Scanmaster'));
      if (enc === 'explicit') {
        const bad = Buffer.concat([bytes.subarray(0, at + 16), Buffer.from([0x18, 0, 0, 0x10, 0x01, 0x02, 4, 0]), Buffer.alloc(20)]);
        cases.push({ name: `${ts} invalid VR`, ts, bytes: bad });
        const undef = Buffer.concat([bytes.subarray(0, at + 16), Buffer.from([0x18, 0, 0x20, 0x10, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(20)]);
        cases.push({ name: `${ts} undefined OB length`, ts, bytes: undef });
      }
    }
  }
  const walk = (ts: string, bytes: Buffer, cuts: number[]): string => {
    const ex = new EquipmentExtractor(ts, limits);
    let from = 0;
    for (const c of [...cuts, bytes.length]) {
      ex.write(Buffer.from(bytes.subarray(from, c)));
      from = c;
    }
    return JSON.stringify({ r: ex.finish(false), issues: ex.issues });
  };
  let seed = 7;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (const c of cases) {
    const whole = walk(c.ts, c.bytes, []);
    if (c.name.includes('invalid') || c.name.includes('undefined OB')) t.match(whole, /dataset at byte \d+/, `${c.name}: malformed`);
    const bytewise = walk(c.ts, c.bytes, Array.from({ length: c.bytes.length - 1 }, (_, k) => k + 1));
    t.equal(bytewise, whole, `${c.name}: byte by byte`);
    for (let round = 0; round < 20; round++) {
      const cuts = [...new Set(Array.from({ length: 1 + rand(12) }, () => 1 + rand(c.bytes.length - 1)))].sort((a, b) => a - b);
      t.equal(walk(c.ts, c.bytes, cuts), whole, `${c.name}: cuts ${cuts.join(',')}`);
    }
  }
});
