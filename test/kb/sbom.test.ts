/**
 * CycloneDX, SPDX and KEV parsers over every document of the shared data:
 * the medical-device SBOMs (device and firmware components), the CISA VEX
 * use cases, SPDX 2.2 and 2.3, and the KEV catalog.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCycloneDx } from '../../rules/kb/cyclonedx.js';
import { detectKind } from '../../rules/kb/detect.js';
import { parseKev } from '../../rules/kb/kev.js';
import { parseSpdx } from '../../rules/kb/spdx.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';

const SBOM_DIR = join(SHARED_DATA, 'sbom');
const load = (f: string): unknown => JSON.parse(readFileSync(join(SBOM_DIR, f), 'utf8'));
const cdx = (f: string) => parseCycloneDx(load(f), f);
const spdx = (f: string) => parseSpdx(load(f), f);
const skip = sharedDataMissing('sbom');

t.test('every SBOM of the shared data parses without errors', { skip }, async (t) => {
  const files = readdirSync(SBOM_DIR).filter((f) => f.endsWith('.json'));
  t.equal(files.length, 18);
  for (const f of files) {
    const doc = load(f);
    const kind = detectKind(doc).kind;
    t.ok(kind === 'cyclonedx' || kind === 'spdx', `${f}: ${kind}`);
    const r = kind === 'cyclonedx' ? parseCycloneDx(doc, f) : parseSpdx(doc, f);
    t.same(r.problems.filter((p) => p.severity === 'error'), [], `${f}: no errors`);
  }
});

t.test('CycloneDX SBOMs: subjects and component counts', { skip }, async (t) => {
  const expect: Array<[string, string, number, string | null]> = [
    ['cdx_cern-lhc-vdm-editor.cdx.json', '1.2', 43, 'lhc-vdm-editor'],
    ['cdx_dropwizard-1.3.15.cdx.json', '1.2', 167, 'dropwizard-parent'],
    ['cdx_hbom_pcie_sata_adapter.cdx.json', '1.4', 6, 'pcie-sata-adaptor-board'],
    ['cdx_laravel-7.12.0.cdx.json', '1.4', 62, 'cyclonedx-php-composer-demo'],
    ['cdx_proton-bridge-v1.8.0.cdx.json', '1.2', 201, 'github.com/ProtonMail/proton-bridge'],
    ['cdx_vex_example_bom.cdx.json', '1.3', 3, 'example-app'],
    ['medical_device_extended.cdx.json', '1.4', 65, 'REDACTED'],
    ['medical_device_narrow.cdx.json', '1.4', 55, 'REDACTED'],
  ];
  for (const [f, spec, n, subject] of expect) {
    const r = cdx(f);
    t.equal(r.sbom?.specVersion, spec, `${f} spec`);
    t.equal(r.sbom?.components.length, n, `${f} components`);
    t.equal(r.sbom?.subject?.name ?? null, subject, `${f} subject`);
    t.equal(new Set(r.sbom!.components.map((c) => c.ref)).size, n, `${f}: refs unique`);
  }
  t.equal(cdx('cdx_dropwizard-1.3.15.cdx.json').sbom!.id, 'urn:uuid:b4f2954f-a96d-4578-9509-1ae2d6476209', 'serialNumber is the id');
  t.equal(cdx('cdx_laravel-7.12.0.cdx.json').sbom!.id, 'cdx_laravel-7.12.0.cdx.json', 'no serialNumber: the file name');
});

t.test('the real medical-device SBOM: device, firmware, OS, CPE and purl', { skip }, async (t) => {
  const r = cdx('medical_device_extended.cdx.json');
  const s = r.sbom!;
  t.match(s.subject, { type: 'device', name: 'REDACTED', version: null, supplier: 'REDACTED' });
  const types: Record<string, number> = {};
  for (const c of s.components) types[c.type ?? 'null'] = (types[c.type ?? 'null'] ?? 0) + 1;
  t.same(types, { application: 1, device: 2, firmware: 9, library: 52, 'operating-system': 1 });
  t.same(s.components[0], {
    ref: 'BomRef.44305842036545207.6160051513931243',
    type: 'application',
    name: 'UniFi Network Application',
    version: '8.3.32',
    supplier: 'Ubiquiti',
    cpe: 'cpe:2.3:a:ubiquiti:unifi_network_application:8.3.32:*:*:*:*:*:*:*',
    purl: 'pkg:generic/unifi_network_application@8.3.32',
  });
  t.match(s.components[1], { type: 'device', name: 'Qualcomm Atheros QCA9563', version: null, supplier: 'Qualcomm', cpe: 'cpe:2.3:h:qualcomm:atheros_qca9563:*:*:*:*:*:*:*:*' });
  t.ok(s.components.some((c) => /freertos/i.test(c.name)), 'FreeRTOS is listed');
  t.ok(s.components.some((c) => /wolfssl/i.test(c.name)), 'wolfSSL is listed');
  const narrow = cdx('medical_device_narrow.cdx.json').sbom!;
  t.equal(narrow.components.filter((c) => c.type === 'firmware').length, 3);
  t.equal(narrow.components.filter((c) => c.type === 'device').length, 1);
  // The hardware BOM: suppliers from supplier.name.
  const hbom = cdx('cdx_hbom_pcie_sata_adapter.cdx.json').sbom!;
  t.match(hbom.components[0], { type: 'device', name: 'PCIE-098-02-F-D-EMS2', version: '2.9.10', supplier: 'Samtec', ref: 'PCIE-098-02-F-D-EMS2' });
});

t.test('nested components, missing bom-refs and 1.6 manufacturer', async (t) => {
  const r = parseCycloneDx(
    {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: 'urn:uuid:00000000-0000-0000-0000-000000000001',
      version: 3,
      metadata: { component: { type: 'device', name: 'Pump', version: '2.0', 'bom-ref': 'pump' }, manufacturer: { name: 'Example Medical' } },
      components: [
        {
          type: 'firmware',
          name: 'pump-fw',
          version: '2.0.1',
          'bom-ref': 'fw',
          components: [{ type: 'library', name: 'zlib', version: '1.2.11', purl: 'pkg:generic/zlib@1.2.11' }, { type: 'library', name: 'zlib', version: '1.2.11' }],
        },
        { type: 'operating-system', name: 'FreeRTOS', version: '10.4.3', manufacturer: { name: 'Amazon' } },
        { type: 'library', version: '1' },
      ],
      vulnerabilities: [
        { id: 'CVE-2018-25032', analysis: { state: 'resolved' }, affects: [{ ref: 'pkg:generic/zlib@1.2.11' }] },
        { id: 'CVE-2022-37434', affects: [{ ref: 'fw' }] },
      ],
    },
    'pump.cdx.json',
  );
  t.same(
    r.sbom!.components.map((c) => [c.ref, c.type, c.name, c.supplier]),
    [
      ['fw', 'firmware', 'pump-fw', null],
      ['pkg:generic/zlib@1.2.11', 'library', 'zlib', null],
      ['zlib@1.2.11', 'library', 'zlib', null],
      ['FreeRTOS@10.4.3', 'operating-system', 'FreeRTOS', 'Amazon'],
    ],
  );
  t.equal(r.sbom!.subject!.supplier, 'Example Medical', 'metadata.manufacturer supplies the subject');
  t.match(r.problems, [{ severity: 'error', path: '/components/2/name' }]);
  t.same(r.revision, { id: 'urn:uuid:00000000-0000-0000-0000-000000000001', version: '3', date: null });
  t.match(r.vex, [
    { vulnerability: 'CVE-2018-25032', product: 'pkg:generic/zlib@1.2.11', status: 'fixed', productName: 'zlib', version: '1.2.11' },
    { vulnerability: 'CVE-2022-37434', product: 'fw', status: 'affected', detail: /without an analysis/, productName: 'pump-fw' },
  ]);
});

t.test('CISA VEX case 1: the same CVE affected in DEF, not affected in ABC', { skip }, async (t) => {
  const a = cdx('cdx_vex_cisa_case1_affected.cdx.json');
  const n = cdx('cdx_vex_cisa_case1_not_affected.cdx.json');
  t.equal(a.sbom, null, 'a VEX document is not an SBOM');
  t.same(a.vex, [
    {
      vulnerability: 'CVE-2021-44228',
      product: 'product-DEF',
      status: 'affected',
      justification: null,
      detail: 'This version of Product DEF is affected by the vulnerability. Customers are advised to upgrade to the latest release.',
      source: 'cdx_vex_cisa_case1_affected.cdx.json',
      productName: 'DEF',
      version: '1.0',
    },
  ]);
  t.same(n.vex, [
    {
      vulnerability: 'CVE-2021-44228',
      product: 'product-ABC',
      status: 'not_affected',
      justification: 'code_not_present',
      detail: 'This version of Product ABC is not affected by the vulnerability. Class with vulnerable code was removed before shipping.',
      source: 'cdx_vex_cisa_case1_not_affected.cdx.json',
      productName: 'ABC',
      version: '4.2',
    },
  ]);
});

t.test('CISA VEX cases 2 and 8, and a BOM-link VEX', { skip }, async (t) => {
  const c2 = cdx('cdx_vex_cisa_case2.cdx.json').vex;
  t.equal(c2.length, 19);
  t.ok(c2.every((s) => s.status === 'not_affected' && s.product === 'product-ABC'));
  const c8 = cdx('cdx_vex_cisa_case8.cdx.json').vex;
  const tally: Record<string, number> = {};
  for (const s of c8) tally[`${s.product} ${s.status}`] = (tally[`${s.product} ${s.status}`] ?? 0) + 1;
  t.same(tally, {
    'product-ABC affected': 6,
    'product-ABC not_affected': 8,
    'product-JKL affected': 3,
    'product-JKL not_affected': 4,
    'product-JKL fixed': 3,
  });
  // Per-version statuses: 2.4 affected, >=1.0|<=2.3 not affected.
  t.match(c8.find((s) => s.version === '2.4'), { product: 'product-ABC', status: 'affected' });
  t.match(c8.find((s) => s.version === 'vers:generic/>=1.0|<=2.3'), { product: 'product-ABC', status: 'not_affected', justification: 'code_not_present' });
  // A BOM-link ref names a component of another BOM by its bom-ref (here a purl).
  t.match(cdx('cdx_vex_example_vex.cdx.json').vex, [
    { vulnerability: 'CVE-2020-25649', product: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar', status: 'not_affected', justification: 'code_not_reachable' },
  ]);
});

t.test('SPDX 2.2 and 2.3: described package, suppliers, CPE and purl', { skip }, async (t) => {
  const acme = spdx('spdx23_ACME.spdx.json');
  t.match(acme.sbom, { format: 'spdx', specVersion: '2.3', id: 'http://spdx.org/spdxdocs/spdx-example-4ca64a7e-2f6f-41bf-8b18-16da59d67824' });
  t.same(acme.sbom!.subject, { ref: 'SPDXRef-Acme', type: 'application', name: 'Acme Applcation', version: '2.3', supplier: 'Jane Doe', cpe: null, purl: null });
  t.same(
    acme.sbom!.components.map((c) => [c.name, c.version, c.purl]),
    [
      ['elliptic', '6.5.2', 'pkg:npm/elliptic@6.5.2'],
      ['alpine', 'latest', null],
      ['OpenSSL', '3.0.4', 'pkg:alpine/openssl@3.0.4'],
    ],
  );
  const ex7 = spdx('spdx22_example7-bin.spdx.json');
  t.match(ex7.sbom, { specVersion: '2.2', subject: { name: 'hello', ref: 'SPDXRef-go-bin-hello' }, components: [] });
  // DESCRIBES relationship instead of documentDescribes.
  t.match(spdx('spdx23_SBOMwSecurity.spdx.json').sbom, { subject: { name: 'tools-java', version: '1.5.1', supplier: 'SPDX' }, components: [{ name: 'xlsx', supplier: 'Webjar' }] });
  t.match(spdx('spdx23_examplemaven_enriched.spdx.json').sbom, { subject: { name: 'examplemaven', type: 'library' } });
  t.equal(spdx('spdx23_examplemaven_enriched.spdx.json').sbom!.components.length, 5);
  // documentDescribes names a package and a file: the package is the subject.
  t.match(spdx('spdx23_example11.spdx.json').sbom, { subject: { name: 'hello-server-src', version: '0.1.0' } });
});

t.test('KEV: every entry of the catalog', { skip: sharedDataMissing('kev') }, async (t) => {
  const doc = JSON.parse(readFileSync(join(SHARED_DATA, 'kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as { count: number };
  const r = parseKev(doc);
  t.same(r.problems, []);
  t.equal(r.entries.length, doc.count, `count = the catalog's count (${doc.count})`);
  t.equal(r.catalogVersion, '2025.08.25');
  t.same(r.entries[0], {
    cve: 'CVE-2025-48384',
    vendorProject: 'Git',
    product: 'Git',
    dateAdded: '2025-08-25',
    dueDate: '2025-09-15',
    knownRansomwareCampaignUse: 'Unknown',
    requiredAction:
      'Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable.',
  });
  t.equal(r.entries.filter((e) => e.knownRansomwareCampaignUse === 'Known').length, 293);
});

t.test('KEV: bad entries are skipped with warnings', async (t) => {
  const r = parseKev({ catalogVersion: '1', count: 3, vulnerabilities: [{ cveID: 'nope' }, { cveID: 'CVE-2024-0001', dateAdded: '2024-01-01' }, 7] });
  t.equal(r.entries.length, 1);
  t.equal(r.problems.filter((p) => p.severity === 'warning').length, 2);
});

t.test('problems are capped: a broken BOM lists at most MAX_PROBLEMS', async (t) => {
  const { MAX_PROBLEMS } = await import('../../rules/kb/json.js');
  const r = parseCycloneDx({ bomFormat: 'CycloneDX', specVersion: '1.5', components: Array.from({ length: 5000 }, () => ({ type: 'library' })) }, 'x');
  t.equal(r.problems.length, MAX_PROBLEMS);
  t.match(r.problems.at(-1), { severity: 'error', message: `${5000 - MAX_PROBLEMS + 1} more problems not listed` });
});
