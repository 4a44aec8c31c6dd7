/**
 * The collector's exports as pure functions: CSV (RFC 4180, formula-safe)
 * and CycloneDX 1.6 (validated by @cyclonedx/cyclonedx-library's strict JSON
 * schema validator), over the devices of the repository's sample capture and
 * a hostile device whose every field is attacker-chosen.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { CollectorDevice } from '../../collector/api-types.js';
import { csvCell, devicesToCsv, DEVICE_CSV_COLUMNS } from '../../collector/export/csv.js';
import { devicesToCycloneDx } from '../../collector/export/cyclonedx.js';
import type { DeviceRecord } from '../../rules/inventory.js';
import { REPO } from '../helpers/paths.js';

function asCollectorDevice(d: DeviceRecord, extra: Partial<CollectorDevice> = {}): CollectorDevice {
  return {
    ...d,
    agents: ['agent-1'],
    openFindings: 0,
    maxSeverity: null,
    kev: false,
    storedFirst: d.firstSeen,
    storedLast: d.lastSeen,
    ...extra,
  };
}

const inventory = spawnSync(
  process.execPath,
  [join(REPO, 'bin', 'auscult.js'), 'inventory', '--read', join(REPO, 'samples', 'hospital-sample.pcap'), '--format', 'json'],
  { encoding: 'utf8', cwd: REPO, timeout: 60_000 },
);
const sampleDevices: CollectorDevice[] = (JSON.parse(inventory.stdout) as { devices: DeviceRecord[] }).devices.map((d) =>
  asCollectorDevice(d),
);

const base = sampleDevices.find((d) => d.identity?.product === 'RHAPSODE')!;
const hostile = asCollectorDevice(base, {
  id: 'ip:198.51.100.7',
  ip: '198.51.100.7',
  model: '=HYPERLINK("http://x.example/","click")',
  manufacturer: '+cmd|"/c calc"!A1',
  serialNumber: '-2+3',
  softwareVersions: ['@SUM(1,2)', 'v1, "beta"\r\nline2'],
  identity: null,
  agents: ['ward 3, "east"'],
  openFindings: 2,
  maxSeverity: 'critical',
  kev: true,
});

t.test('CSV: header, one row per device, RFC 4180 line ends', async (t) => {
  t.ok(sampleDevices.length >= 10, `the sample has devices (${sampleDevices.length})`);
  const csv = devicesToCsv(sampleDevices);
  t.ok(csv.endsWith('\r\n'));
  const lines = csv.slice(0, -2).split('\r\n');
  t.equal(lines[0], DEVICE_CSV_COLUMNS.join(','));
  t.equal(lines.length, sampleDevices.length + 1);
  const rhapsode = lines.find((l) => l.startsWith('ip:192.0.2.21,'))!;
  t.match(rhapsode, /,GE HealthCare,RHAPSODE,/, 'vendor and product from the identity');
});

t.test('CSV: quoting and formula injection', async (t) => {
  t.equal(csvCell('plain'), 'plain');
  t.equal(csvCell('a,b'), '"a,b"');
  t.equal(csvCell('say "hi"'), '"say ""hi"""');
  t.equal(csvCell('two\nlines'), '"two\nlines"');
  t.equal(csvCell('=1+1'), "'=1+1");
  t.equal(csvCell('+1'), "'+1");
  t.equal(csvCell('-1'), "'-1");
  t.equal(csvCell('@x'), "'@x");
  t.equal(csvCell('\tx'), "'\tx");
  t.equal(csvCell('=a,b'), `"'=a,b"`, 'prefixed, then quoted');
  t.equal(csvCell(null), '');
  t.equal(csvCell(3), '3');
  t.equal(csvCell(true), 'true');

  const csv = devicesToCsv([hostile]);
  const row = parseCsv(csv)[1]!;
  const col = (name: string) => row[DEVICE_CSV_COLUMNS.indexOf(name as (typeof DEVICE_CSV_COLUMNS)[number])];
  t.equal(col('vendor'), `'+cmd|"/c calc"!A1`);
  t.equal(col('product'), `'=HYPERLINK("http://x.example/","click")`);
  t.equal(col('serialNumber'), "'-2+3");
  t.equal(col('softwareVersions'), `'@SUM(1,2); v1, "beta"\r\nline2`);
  t.equal(col('agents'), 'ward 3, "east"');
  t.equal(col('kev'), 'true');
  t.equal(col('openFindings'), '2');
  t.equal(row.length, DEVICE_CSV_COLUMNS.length);
  for (const cell of row) t.notOk(/^[=+\-@]/.test(cell), `no cell starts a formula: ${JSON.stringify(cell)}`);
});

t.test('CycloneDX 1.6: valid under the strict schema, devices as components', async (t) => {
  const bom = devicesToCycloneDx([...sampleDevices, hostile], { collectorVersion: '0.1.0', timestamp: '2026-01-02T03:04:05.000Z' });
  const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  const errors = await validator.validate(JSON.stringify(bom));
  t.equal(errors, null, `schema errors: ${JSON.stringify(errors)}`);

  t.equal(bom.bomFormat, 'CycloneDX');
  t.equal(bom.specVersion, '1.6');
  t.match(bom.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const components = bom.components as Array<Record<string, any>>;
  t.equal(components.length, sampleDevices.length + 1);
  t.ok(components.every((c) => c.type === 'device'));

  const ct = components.find((c) => c['bom-ref'] === 'ip:192.0.2.21')!;
  t.equal(ct.name, 'RHAPSODE');
  t.equal(ct.version, '05');
  t.same(ct.supplier, { name: 'GE HealthCare' });
  t.same(ct.manufacturer, { name: 'GE HealthCare' });
  const p = (c: Record<string, any>, name: string) =>
    (c.properties as Array<{ name: string; value: string }>).filter((x) => x.name === `auscult:${name}`).map((x) => x.value);
  t.same(p(ct, 'ip'), ['192.0.2.21']);
  t.same(p(ct, 'deviceClass'), ['ct-scanner']);
  t.same(p(ct, 'role'), ['dicom-scu']);
  t.same(p(ct, 'evidenceCount'), [String(base.evidence.length)]);
  const dcmtk = (ct.components as Array<Record<string, any>>).find((c) => c.name === 'DCMTK')!;
  t.equal(dcmtk.cpe, 'cpe:2.3:a:offis:dcmtk:3.6.7:*:*:*:*:*:*:*', 'embedded software keeps its CPE');

  const bad = components.find((c) => c['bom-ref'] === 'ip:198.51.100.7')!;
  t.same(p(bad, 'serialNumber'), ['-2+3'], 'values are data in JSON, kept as observed');
  t.same(p(bad, 'kev'), ['true']);

  const again = devicesToCycloneDx([...sampleDevices, hostile], { collectorVersion: '0.1.0', timestamp: '2026-01-02T03:04:05.000Z' });
  t.same(again, bom, 'pure: same input, same BOM');
});

t.test('CycloneDX 1.6: an empty inventory is still a valid BOM', async (t) => {
  const bom = devicesToCycloneDx([], { collectorVersion: '0.1.0', timestamp: '2026-01-02T03:04:05.000Z' });
  t.equal(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(bom)), null);
});

/** A small RFC 4180 reader, to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), (i += 2);
      else if (ch === '"') (quoted = false), i++;
      else (cell += ch), i++;
    } else if (ch === '"') (quoted = true), i++;
    else if (ch === ',') row.push(cell), (cell = ''), i++;
    else if (ch === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), (i += 2);
    else (cell += ch), i++;
  }
  return rows;
}
