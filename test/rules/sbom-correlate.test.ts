/**
 * Correlation through an SBOM: device → SBOM (by purl/CPE or by name and
 * version) → components (CycloneDX `device` and `firmware` included) →
 * vulnerabilities named for those components by VEX or by an advisory.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { correlate } from '../../rules/correlate/index.js';
import { deviceFromFragment, type DeviceFragment } from '../../rules/fingerprint/index.js';
import type { DeviceRecord } from '../../rules/inventory.js';
import { parseCycloneDx } from '../../rules/kb/cyclonedx.js';
import type { DeviceIdentity, KnowledgeBase } from '../../rules/types.js';
import { parseRange } from '../../rules/versions/range.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';

const missing = sharedDataMissing('sbom');
const sbomFile = (name: string) => parseCycloneDx(JSON.parse(readFileSync(join(SHARED_DATA, 'sbom', name), 'utf8')), name);

/** A device with only the given fields known. */
const device = (id: string, over: DeviceFragment): DeviceRecord => deviceFromFragment(over, id);

const emptyKb = (): KnowledgeBase => ({ version: 't', advisories: [], products: [], vulnerabilities: [], kev: new Map(), sboms: [], vex: [] });

t.test('VEX on a component of the device\'s SBOM (CycloneDX example BOM + VEX)', { skip: missing }, async (t) => {
  const bom = sbomFile('cdx_vex_example_bom.cdx.json');
  const vex = sbomFile('cdx_vex_example_vex.cdx.json');
  t.ok(bom.sbom, 'the BOM parses');
  t.ok(vex.vex.length > 0, 'the VEX has statements');
  const kb = emptyKb();
  kb.sboms.push(bom.sbom!);
  kb.vex.push(...vex.vex);
  const subjectPurl = bom.sbom!.subject!.purl!;
  const identity: DeviceIdentity = { vendorId: null, vendor: null, product: 'example-app', model: null, version: '1.0.0', deviceClass: null, cpe: null, purl: subjectPurl, confidence: 1, rules: [], because: [] };
  const d = device('ip:192.0.2.99', { ip: '192.0.2.99', model: 'example-app', softwareVersions: ['1.0.0'] });
  const findings = correlate([d], kb, { identify: () => identity });
  const f = findings.find((x) => x.cves.includes('CVE-2020-25649'));
  t.ok(f, 'the VEX statement about jackson-databind reaches the device');
  t.equal(f!.kind, 'sbom');
  t.equal(f!.status, 'not_affected');
  t.match(f!.explanation.summary, /jackson-databind/);
  // The same device under another product name and no purl: no SBOM, no finding.
  const other = correlate([device('ip:192.0.2.98', { model: 'other-app', softwareVersions: ['1.0.0'] })], kb, {});
  t.equal(other.filter((x) => x.kind === 'sbom').length, 0);
});

t.test('an advisory naming a firmware component of a real medical-device SBOM', { skip: missing }, async (t) => {
  const med = sbomFile('medical_device_extended.cdx.json');
  t.ok(med.sbom, 'the medical device SBOM parses');
  const freertos = med.sbom!.components.find((c) => c.name === 'FreeRTOS');
  t.ok(freertos, 'it lists FreeRTOS');
  t.equal(freertos!.type, 'firmware', 'as firmware');
  t.ok(med.sbom!.components.some((c) => c.type === 'device'), 'and device components');
  // The published SBOM is anonymised (REDACTED): give its subject a name and
  // supplier, and add a hypothetical advisory on FreeRTOS <= 10.4.2.
  const kb = emptyKb();
  kb.sboms.push({ ...med.sbom!, subject: { ...med.sbom!.subject!, name: 'Acme Infusion Pump', supplier: 'Acme', version: '3.2', purl: 'pkg:generic/acme/infusion-pump@3.2' } });
  kb.advisories.push({ id: 'TEST-ADV-1', title: 'FreeRTOS TCP/IP flaws', publisher: 'test', initialRelease: null, currentRelease: null, url: null, source: 'test', category: 'csaf_security_advisory' });
  kb.products.push({ key: 'TEST-ADV-1#P1', advisoryId: 'TEST-ADV-1', productId: 'P1', vendor: 'Amazon', vendorId: 'amazon', name: 'FreeRTOS', versionText: '<= 10.4.2', range: parseRange('<= 10.4.2'), cpe: null, purl: null });
  kb.vulnerabilities.push({ advisoryId: 'TEST-ADV-1', id: 'CVE-2018-16525', cve: 'CVE-2018-16525', title: null, cwe: null, cvss: { version: '3.1', baseScore: 8.1, baseSeverity: 'HIGH', vectorString: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H' }, knownAffected: ['TEST-ADV-1#P1'], fixed: [], knownNotAffected: [], underInvestigation: [], justifications: {}, remediations: [] });
  const pump = device('ip:192.0.2.77', { ip: '192.0.2.77', manufacturer: 'Acme', model: 'Infusion Pump', softwareVersions: ['3.2'] });
  const findings = correlate([pump], kb, {});
  const f = findings.find((x) => x.advisoryIds.includes('TEST-ADV-1'));
  t.ok(f, 'the pump inherits its firmware component\'s advisory');
  t.equal(f!.kind, 'sbom');
  t.equal(f!.status, 'affected', 'FreeRTOS 10.0.1 <= 10.4.2');
  t.equal(f!.severity, 'high');
  t.match(f!.explanation.summary, /FreeRTOS 10\.0\.1/);
  // A pump on another software version does not match this SBOM.
  const other = correlate([device('ip:192.0.2.78', { manufacturer: 'Acme', model: 'Infusion Pump', softwareVersions: ['4.0'] })], kb, {});
  t.equal(other.filter((x) => x.advisoryIds.includes('TEST-ADV-1')).length, 0);
});
