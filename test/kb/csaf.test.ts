/**
 * CSAF 2.0 parser: every CISA ICSMA advisory in the shared data, three of
 * them checked by hand against their JSON, and a written CSAF VEX document
 * that walks the parts of the product tree the ICSMA files do not use
 * (product_family, full_product_names, relationships, product_groups,
 * identification helpers, flags and threats).
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsaf } from '../../rules/kb/csaf.js';
import { detectKind, parseJsonText } from '../../rules/kb/detect.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';
import { csafVexDocument } from './fixtures.js';

const CSAF_DIR = join(SHARED_DATA, 'advisories', 'csaf');
const load = (f: string): unknown => JSON.parse(readFileSync(join(CSAF_DIR, f), 'utf8'));

t.test('every ICSMA advisory parses without errors', { skip: sharedDataMissing('advisories/csaf') }, async (t) => {
  const files = readdirSync(CSAF_DIR).filter((f) => f.endsWith('.json'));
  t.equal(files.length, 120, '120 advisories in the shared data');
  let products = 0;
  let vulns = 0;
  const ids = new Set<string>();
  for (const f of files) {
    const doc = load(f);
    t.same(detectKind(doc), { kind: 'csaf', version: '2.0' }, `${f} detected as CSAF`);
    const r = parseCsaf(doc, f);
    const errors = r.problems.filter((p) => p.severity === 'error');
    t.same(errors, [], `${f}: no errors`);
    t.ok(r.advisory, `${f}: advisory`);
    ids.add(r.advisory!.id);
    products += r.products.length;
    vulns += r.vulnerabilities.length;
    for (const v of r.vulnerabilities) {
      // Every status key names a product of the same document.
      const keys = new Set(r.products.map((p) => p.key));
      for (const k of [...v.knownAffected, ...v.fixed, ...v.knownNotAffected, ...v.underInvestigation]) t.ok(keys.has(k), `${f}: ${k} defined`);
    }
  }
  t.equal(ids.size, 120, 'distinct advisory ids');
  t.equal(products, 555, 'products');
  t.equal(vulns, 370, 'vulnerabilities');
});

t.test('ICSMA-17-009-01A by hand', { skip: sharedDataMissing('advisories/csaf') }, async (t) => {
  const r = parseCsaf(load('icsma-17-009-01a.json'), 'icsma-17-009-01a.json');
  t.match(r.advisory, {
    id: 'ICSMA-17-009-01A',
    title: 'ICSMA-17-009-01A_St. Jude Merlin@home Transmitter Vulnerability (Update A)',
    publisher: 'CISA',
    initialRelease: '2017-01-09T00:00:00.000000Z',
    currentRelease: '2017-02-06T00:00:00.000000Z',
    url: 'https://www.cisa.gov/news-events/ics-medical-advisories/icsma-17-009-01a',
    source: 'icsma-17-009-01a.json',
    category: 'csaf_security_advisory',
  });
  t.same(r.tracking, { id: 'ICSMA-17-009-01A', version: '2', currentRelease: '2017-02-06T00:00:00.000000Z', status: 'final' });
  t.same(
    r.products.map((p) => [p.key, p.vendor, p.name, p.versionText, p.range.kind]),
    [
      ['ICSMA-17-009-01A#CSAFPID-0001', 'St. Jude Medical', 'Inductive models EX1100', '< 8.2.2', 'constraints'],
      ['ICSMA-17-009-01A#CSAFPID-0002', 'St. Jude Medical', 'Inductive models EX1100 with MerlinOnDemand capability', '< 8.2.2', 'constraints'],
      ['ICSMA-17-009-01A#CSAFPID-0003', 'St. Jude Medical', 'RF models EX1150', '< 8.2.2', 'constraints'],
    ],
  );
  t.same(r.products[0]!.range.intervals, [[{ op: '<', version: '8.2.2' }]]);
  t.equal(r.products[0]!.fullName, 'Inductive models EX1100: versions prior to Version 8.2.2');
  t.equal(r.vulnerabilities.length, 1);
  const v = r.vulnerabilities[0]!;
  t.match(v, { id: 'CVE-2017-5149', cve: 'CVE-2017-5149', cwe: 'CWE-300', title: null });
  t.same(v.cvss, { version: '3.0', baseScore: 8.9, baseSeverity: 'HIGH', vectorString: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:C/C:L/I:H/A:H' });
  t.same(v.knownAffected, ['ICSMA-17-009-01A#CSAFPID-0001', 'ICSMA-17-009-01A#CSAFPID-0002', 'ICSMA-17-009-01A#CSAFPID-0003']);
  t.same([v.fixed, v.knownNotAffected, v.underInvestigation], [[], [], []]);
  t.equal(v.remediations.length, 1);
  t.match(v.remediations[0], { category: 'mitigation', url: null, productKeys: v.knownAffected });
  t.match(v.remediations[0]!.details, /^The new version of the transmitter software, Version 8\.2\.2/);
  t.same(r.vex, [], 'not a VEX document');
});

t.test('ICSMA-23-117-01 (Illumina) by hand: versions and ranges side by side', { skip: sharedDataMissing('advisories/csaf') }, async (t) => {
  const r = parseCsaf(load('icsma-23-117-01.json'), 'icsma-23-117-01.json');
  t.equal(r.advisory!.id, 'ICSMA-23-117-01');
  t.equal(r.products.length, 13);
  const by = new Map(r.products.map((p) => [p.productId, p]));
  t.match(by.get('CSAFPID-0001'), { vendor: 'Illumina', name: 'iScan Control Software', versionText: '4.0.0' });
  t.same(by.get('CSAFPID-0001')!.range.intervals, [[{ op: '=', version: '4.0.0' }]]);
  t.match(by.get('CSAFPID-0002'), { name: 'iScan Control Software', versionText: '4.0.5' });
  t.match(by.get('CSAFPID-0003'), { name: 'iSeq 100', versionText: 'vers:all/*' });
  t.equal(by.get('CSAFPID-0003')!.range.kind, 'all');
  t.match(by.get('CSAFPID-0009'), { name: 'NextSeq 550Dx Operating Software', versionText: '>= 1.0.0  | <= 1.3.1' });
  t.match(by.get('CSAFPID-00011'), { name: 'NextSeq 1000/2000 Control Software', versionText: '<= 1.4.1' });
  t.equal(r.vulnerabilities.length, 2);
  t.same(
    r.vulnerabilities.map((v) => [v.cve, v.cwe, v.cvss?.baseScore, v.knownAffected.length, v.remediations.map((x) => x.category)]),
    [
      ['CVE-2023-1968', 'CWE-1327', 10.0, 13, ['vendor_fix']],
      ['CVE-2023-1966', 'CWE-250', 7.4, 13, ['vendor_fix']],
    ],
  );
  t.equal(r.vulnerabilities[0]!.remediations[0]!.url, 'https://support.illumina.com/downloads/illumina-universal-copy-service-1-0.html');
});

t.test('ICSMA-19-080-01 (Medtronic Conexus) by hand: 22 products, two CVEs, four remediations each', { skip: sharedDataMissing('advisories/csaf') }, async (t) => {
  const r = parseCsaf(load('icsma-19-080-01.json'), 'icsma-19-080-01.json');
  t.equal(r.advisory!.title, 'Medtronic Conexus Radio Frequency Telemetry Protocol (Update C)');
  t.equal(r.products.length, 22);
  t.ok(r.products.every((p) => p.vendor === 'Medtronic'));
  const by = new Map(r.products.map((p) => [p.productId, p]));
  t.match(by.get('CSAFPID-0001'), { name: 'MyCareLink Monitor', versionText: '24950 | 24952' });
  t.match(by.get('CSAFPID-0004'), { name: 'CareLink Monitor', versionText: '2490C' });
  t.match(by.get('CSAFPID-00022'), { name: 'Nayamed ND ICD', versionText: 'vers:all/*' });
  t.same(
    r.vulnerabilities.map((v) => [v.cve, v.cwe, v.cvss?.baseScore, v.knownAffected.length, v.remediations.length]),
    [
      ['CVE-2019-6538', 'CWE-284', 9.3, 22, 4],
      ['CVE-2019-6540', 'CWE-319', 6.5, 22, 4],
    ],
  );
  t.equal(r.vulnerabilities[0]!.remediations[3]!.url, 'https://www.medtronic.com/security');
  // vers:all/* written as a product_version (CSAF §6.1.31) is a warning, not an error.
  t.ok(r.problems.some((p) => p.severity === 'warning' && /6\.1\.31/.test(p.message)));
});

t.test('a CSAF VEX document: family, relationships, groups, helpers, flags, threats', async (t) => {
  const r = parseCsaf(csafVexDocument(), 'exmed-vex.json');
  t.same(r.problems.filter((p) => p.severity === 'error'), []);
  t.match(r.advisory, { id: 'EXMED-VEX-2024-001', category: 'csaf_vex', publisher: 'Example Medical', url: 'https://example.com/vex/exmed-vex-2024-001.json' });
  const by = new Map(r.products.map((p) => [p.productId, p]));
  t.equal(r.products.length, 7, '4 from branches, 1 full_product_name, 2 relationships');
  t.match(by.get('PM3000-4.2.1'), {
    key: 'EXMED-VEX-2024-001#PM3000-4.2.1',
    vendor: 'Example Medical',
    family: 'Infusion',
    name: 'PumpMaster 3000',
    versionText: '4.2.1',
    cpe: 'cpe:2.3:h:example_medical:pumpmaster_3000:4.2.1:*:*:*:*:*:*:*',
    modelNumbers: ['PM-3000'],
    relationship: null,
  });
  t.equal(by.get('PM3000-4.0-4.1')!.range.vers, 'vers:generic/>=4.0|<4.2');
  t.match(by.get('GATEWAY'), { vendor: null, name: 'PumpMaster Gateway', versionText: null });
  t.equal(by.get('GATEWAY')!.range.kind, 'all', 'no version on the path: not restricted');
  // A relationship product is the component (vendor, name, version) placed in another.
  t.match(by.get('PM3000-4.2.1:OPENSSL'), {
    vendor: 'OpenSSL',
    name: 'OpenSSL',
    versionText: '1.0.2k',
    purl: 'pkg:generic/openssl@1.0.2k',
    fullName: 'OpenSSL 1.0.2k as a component of PumpMaster 3000 4.2.1',
    relationship: { category: 'default_component_of', productKey: 'EXMED-VEX-2024-001#OPENSSL-1.0.2k', relatesToKey: 'EXMED-VEX-2024-001#PM3000-4.2.1' },
  });
  t.match(by.get('GATEWAY:OPENSSL')!.relationship, { category: 'installed_on', relatesToKey: 'EXMED-VEX-2024-001#GATEWAY' });

  const k = (id: string) => `EXMED-VEX-2024-001#${id}`;
  const v = r.vulnerabilities[0]!;
  t.same(v.knownAffected, [k('PM3000-4.2.1:OPENSSL')], 'first_affected → affected');
  t.same(v.fixed, [k('PM3000-5.0')], 'first_fixed → fixed');
  t.same(v.knownNotAffected.sort(), [k('GATEWAY:OPENSSL'), k('PM3000-4.0-4.1')].sort());
  t.same(v.underInvestigation, [k('GATEWAY')]);
  t.same(v.cvss, { version: '3.1', baseScore: 5.9, baseSeverity: 'MEDIUM', vectorString: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N' }, 'v3 preferred to v2');
  t.same(v.justifications, {
    [k('GATEWAY:OPENSSL')]: 'vulnerable_code_not_in_execute_path',
    [k('PM3000-4.0-4.1')]: 'The 4.0 and 4.1 firmware does not use AES-NI.',
  });
  t.same(v.remediations[0]!.productKeys.sort(), [k('PM3000-4.0-4.1'), k('PM3000-4.2.1')].sort(), 'group expanded');
  t.same(v.remediations[1]!.productKeys, [], 'no products: all of the vulnerability');

  const vex = new Map(r.vex.map((s) => [s.product, s]));
  t.equal(r.vex.length, 5);
  t.match(vex.get(k('GATEWAY:OPENSSL')), { vulnerability: 'CVE-2016-2107', status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', source: 'exmed-vex.json' });
  t.match(vex.get(k('PM3000-4.0-4.1')), { status: 'not_affected', justification: null, detail: 'The 4.0 and 4.1 firmware does not use AES-NI.' });
  t.match(vex.get(k('PM3000-4.2.1:OPENSSL')), { status: 'affected', detail: 'Disable TLS on the pump service port.' });
  t.match(vex.get(k('PM3000-5.0')), { status: 'fixed' });
  t.match(vex.get(k('GATEWAY')), { status: 'under_investigation' });
});

t.test('broken product trees are errors with JSON paths', async (t) => {
  const errorsOf = (mutate: (d: any) => void) => {
    const d = csafVexDocument();
    mutate(d);
    return parseCsaf(d, 'x.json').problems.filter((p) => p.severity === 'error');
  };
  t.match(errorsOf((d) => (d.vulnerabilities[0].product_status.known_not_affected = ['NOPE'])), [
    { path: '/vulnerabilities/0/product_status/known_not_affected/product_ids/0', message: /NOPE is not defined.*6\.1\.1/ },
  ]);
  t.match(errorsOf((d) => delete d.product_tree.branches[0].branches[0].branches[0].name), [{ path: '/product_tree/branches/0/branches/0/branches/0/name', message: /branch name is missing/ }]);
  t.match(errorsOf((d) => (d.product_tree.full_product_names[0].product_id = 'PM3000-5.0')), [{ message: /PM3000-5\.0 is defined twice.*6\.1\.2/ }]);
  t.match(errorsOf((d) => (d.vulnerabilities[0].remediations[0].group_ids = ['NO-GROUP'])), [{ message: /product group NO-GROUP is not defined.*6\.1\.4/ }]);
  t.match(errorsOf((d) => (d.product_tree.relationships[0].product_reference = 'PM3000-4.2.1:OPENSSL')), [{ message: /circular.*6\.1\.3/ }]);
  t.match(errorsOf((d) => (d.product_tree.branches[1].branches = 'oops')), [{ path: '/product_tree/branches/1/branches', message: /must be an array/ }]);
  t.match(errorsOf((d) => (d.product_tree.branches[1].product = { name: 'x', product_id: 'y' })), [{ message: /either branches or a product/ }]);
  t.match(errorsOf((d) => delete d.document.tracking.id), [{ path: '/document/tracking/id' }]);
});

t.test('detection says what a document is, or why it is none', async (t) => {
  t.same(detectKind({ document: { csaf_version: '1.2' } }), { kind: null, reason: 'not CSAF 2.0: document.csaf_version is 1.2' });
  t.same(detectKind({ bomFormat: 'CycloneDX', specVersion: '1.6' }), { kind: 'cyclonedx', version: '1.6' });
  t.match(detectKind({ bomFormat: 'CycloneDX', specVersion: '1.1' }), { kind: null, reason: /specVersion 1\.1 is not supported/ });
  t.same(detectKind({ spdxVersion: 'SPDX-2.3' }), { kind: 'spdx', version: '2.3' });
  t.match(detectKind({ spdxVersion: 'SPDX-2.1' }), { kind: null, reason: /SPDX version SPDX-2\.1 is not supported/ });
  t.same(detectKind({ catalogVersion: '2025.08.25', vulnerabilities: [] }), { kind: 'kev', version: '2025.08.25' });
  t.match(detectKind([1, 2]), { kind: null, reason: /top level is an array/ });
  t.match(detectKind({ hello: 'world' }), { kind: null, reason: /^not a known format: expected CSAF 2\.0/ });
  t.same(parseJsonText('{\n  "a": 1,\n  "b": }\n'), { ok: false, reason: 'JSON parse error at line 3, column 8: Unexpected token \'}\'' });
  // V8's wording varies between Node versions; the line and column do not.
  t.match(parseJsonText('{"a": [1, 2'), { ok: false, reason: /^JSON parse error at line 1, column 12: / });
  t.match(parseJsonText('{\n"a": [1, 2]'), { ok: false, reason: /^JSON parse error at line 2, column 12: / });
  t.same(parseJsonText('these are notes\n'), { ok: false, reason: "JSON parse error at line 1, column 2: Unexpected token 'h'" }, "V8 reads 't' as the start of true");
  t.same(parseJsonText('\ufeff{"a":1}'), { ok: true, value: { a: 1 } }, 'a byte-order mark is ignored');
  t.match(parseJsonText(''), { ok: false, reason: /empty/ });
});
