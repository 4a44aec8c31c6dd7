/**
 * The fingerprint engine: operators, case handling, negation, version
 * extraction, CPE/purl templates, combining several matching rules, the
 * explanations, vendor normalisation as a fallback, the schema validator
 * and the pack loader's errors.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceFromFragment } from '../../rules/fingerprint/attributes.js';
import { cpeValue, identify, MANUFACTURER_CONFIDENCE } from '../../rules/fingerprint/engine.js';
import { validateJsonSchema } from '../../rules/fingerprint/json-schema.js';
import { loadRulePack } from '../../rules/fingerprint/load.js';
import type { Condition, DeviceFragment, Rule, RulePack } from '../../rules/fingerprint/types.js';
import { validateRulePack } from '../../rules/fingerprint/validate.js';
import { RulesError } from '../../rules/fingerprint/errors.js';

function rule(id: string, match: Condition[], identity: Rule['identity'], confidence = 0.5): Rule {
  return { id, description: id, source: 'unit test fixture', match, identity, confidence, examples: { match: [], noMatch: [] } };
}
const pack = (...rules: Rule[]): RulePack => ({ name: 'test', version: '1', rules });
const dev = (f: DeviceFragment) => deviceFromFragment(f);
const matches = (c: Condition, f: DeviceFragment): boolean =>
  identify(dev(f), pack(rule('r', [c], { deviceClass: 'x' }))).rules.includes('r');

t.test('operators', async (t) => {
  const d = { dicom: { implementationClassUid: '1.2.276.0.7230010.3.0.3.6.7', aeTitles: ['CT_SCANNER1', 'STORESCU'] } };
  t.ok(matches({ attribute: 'implementationClassUid', equals: '1.2.276.0.7230010.3.0.3.6.7' }, d), 'equals');
  t.notOk(matches({ attribute: 'implementationClassUid', equals: '1.2.276.0.7230010.3' }, d), 'equals is whole value');
  t.ok(matches({ attribute: 'implementationClassUid', prefix: '1.2.276.0.7230010.3.' }, d), 'prefix');
  t.notOk(matches({ attribute: 'implementationClassUid', prefix: '1.2.276.0.7230010.30' }, d), 'prefix is literal');
  t.ok(matches({ attribute: 'implementationClassUid', regex: '^1\\.2\\.276\\.0\\.7230010\\.3\\.0\\.\\d' }, d), 'regex');
  t.ok(matches({ attribute: 'aeTitle', in: ['PACS', 'STORESCU'] }, d), 'in, any value of a multi-valued attribute');
  t.notOk(matches({ attribute: 'aeTitle', in: ['PACS'] }, d), 'in misses');
  t.notOk(matches({ attribute: 'model', equals: 'X' }, d), 'an absent attribute never matches');
});

t.test('case and whitespace', async (t) => {
  const d = { manufacturer: ' GE MEDICAL SYSTEMS ', model: 'LightSpeed Plus' };
  t.ok(matches({ attribute: 'manufacturer', equals: 'ge medical systems' }, d), 'case-insensitive and trimmed by default');
  t.notOk(matches({ attribute: 'manufacturer', equals: 'ge medical systems', caseSensitive: true }, d), 'caseSensitive');
  t.ok(matches({ attribute: 'model', regex: '^lightspeed' }, d), 'regex is case-insensitive by default');
  t.notOk(matches({ attribute: 'model', regex: '^lightspeed', caseSensitive: true }, d));
});

t.test('negate', async (t) => {
  t.ok(matches({ attribute: 'role', equals: 'archive', negate: true }, { roles: ['dicom-scu'] }));
  t.notOk(matches({ attribute: 'role', equals: 'archive', negate: true }, { roles: ['archive', 'dicom-scu'] }));
  t.ok(matches({ attribute: 'role', equals: 'archive', negate: true }, {}), 'an absent attribute satisfies a negated condition');
});

t.test('derived attributes', async (t) => {
  t.ok(matches({ attribute: 'vendorId', equals: 'ge-healthcare' }, { manufacturer: 'G.E. Medical Systems' }), 'vendorId normalises the manufacturer');
  t.ok(matches({ attribute: 'macOui', equals: '0009FB' }, { mac: '00:09:fb:00:02:02' }));
  t.ok(matches({ attribute: 'equipmentIdOui', equals: '00A0C9' }, { hl7: { equipmentIds: ['00A0C9FFFE010203'] } }));
  t.ok(matches({ attribute: 'softwareProduct', equals: 'Rhapsody' }, { evidence: [{ attribute: 'softwareProduct', value: 'Rhapsody' }] }), 'SFT evidence rows');
  t.ok(matches({ attribute: 'manufacturer', equals: 'Philips' }, { manufacturer: 'GE', evidence: [{ attribute: 'manufacturer', value: 'Philips' }] }), 'every manufacturer evidence value counts');
  t.notOk(
    matches({ attribute: 'manufacturer', equals: 'GE MEDICAL SYSTEMS' }, { dicom: { relayedEquipment: [{ manufacturer: 'GE MEDICAL SYSTEMS', model: 'RHAPSODE', serialNumber: null, stationName: null, modality: 'CT', count: 1 }] } }),
    'equipment an archive relayed is not its own',
  );
});

t.test('version extraction, CPE and purl templates', async (t) => {
  const r = rule('dcmtk', [{ attribute: 'implementationClassUid', prefix: '1.2.276.0.7230010.3.' }], {
    vendorId: 'offis',
    product: 'DCMTK',
    version: { from: 'implementationVersionName', regex: '^OFFIS_DCMTK_(\\d)(\\d)(\\d)$', format: '$1.$2.$3' },
    cpe: 'cpe:2.3:a:offis:dcmtk:{version}:*:*:*:*:*:*:*',
    purl: 'pkg:generic/dcmtk@{version}',
  });
  const id = identify(dev({ dicom: { implementationClassUid: '1.2.276.0.7230010.3.0.3.6.7', implementationVersionName: 'OFFIS_DCMTK_367' } }), pack(r));
  t.equal(id.version, '3.6.7');
  t.equal(id.cpe, 'cpe:2.3:a:offis:dcmtk:3.6.7:*:*:*:*:*:*:*');
  t.equal(id.purl, 'pkg:generic/dcmtk@3.6.7');
  const unknown = identify(dev({ dicom: { implementationClassUid: '1.2.276.0.7230010.3.0.3.6.7', implementationVersionName: 'MYAPP' } }), pack(r));
  t.equal(unknown.version, null, 'no version when the regex does not match');
  t.equal(unknown.cpe, 'cpe:2.3:a:offis:dcmtk:*:*:*:*:*:*:*:*', 'CPE version * when unknown');
  t.equal(unknown.purl, 'pkg:generic/dcmtk', 'purl without @version when unknown');
  t.equal(cpeValue('V3.51*P25'), 'v3.51\\*p25', 'CPE special characters escaped');
  t.equal(cpeValue('syngo MR 2004V'), 'syngo_mr_2004v');
  const raw = rule('raw', [{ attribute: 'model', equals: 'CX50' }], { product: 'CX50', version: { from: 'softwareVersion' } });
  t.equal(identify(dev({ model: 'CX50', softwareVersions: ['CX50_210'] }), pack(raw)).version, 'CX50_210', 'without regex the value is taken whole');
  const matchedFirst = rule('m', [{ attribute: 'softwareVersion', prefix: 'B' }], { product: 'P', version: { from: 'softwareVersion' } });
  t.equal(identify(dev({ softwareVersions: ['A1', 'B2'] }), pack(matchedFirst)).version, 'B2', 'the value that satisfied the condition is preferred');
});

t.test('combining rules', async (t) => {
  const dcmtk = rule('dcmtk', [{ attribute: 'implementationClassUid', prefix: '1.2.276.0.7230010.3.' }], { subject: 'software', vendorId: 'offis', product: 'DCMTK', version: { from: 'implementationVersionName', regex: '(\\d)(\\d)(\\d)$', format: '$1.$2.$3' } }, 0.6);
  const rhapsode = rule('rhapsode', [{ attribute: 'vendorId', equals: 'ge-healthcare' }, { attribute: 'model', equals: 'RHAPSODE' }], { vendorId: 'ge-healthcare', product: 'RHAPSODE', deviceClass: 'ct-scanner' }, 0.85);
  const ct = rule('ct', [{ attribute: 'modality', equals: 'CT' }], { deviceClass: 'imaging' }, 0.6);
  const weakPhilips = rule('weak', [{ attribute: 'aeTitle', equals: 'CT_SCANNER1' }], { vendorId: 'philips', product: 'Wrong', version: '9.9' }, 0.3);
  const scanner = dev({
    manufacturer: 'GE MEDICAL SYSTEMS', model: 'RHAPSODE', softwareVersions: ['05'],
    dicom: { implementationClassUid: '1.2.276.0.7230010.3.0.3.6.7', implementationVersionName: 'OFFIS_DCMTK_367', modalities: ['CT'], aeTitles: ['CT_SCANNER1'] },
  });
  const id = identify(scanner, pack(dcmtk, ct, weakPhilips, rhapsode));
  t.equal(id.vendorId, 'ge-healthcare', 'the device rule names the vendor, not the toolkit');
  t.equal(id.vendor, 'GE HealthCare');
  t.equal(id.product, 'RHAPSODE');
  t.equal(id.model, 'RHAPSODE', 'model falls back to what the device reported');
  t.equal(id.version, '05', 'version from the device, not from DCMTK nor the weaker rule of another vendor');
  t.equal(id.deviceClass, 'ct-scanner', 'highest confidence wins the device class');
  t.equal(id.confidence, 0.85);
  t.same(id.rules, ['rhapsode', 'dcmtk', 'ct', 'weak'], 'every matched rule, strongest first, ties in pack order');
  t.same(id.components.map((c) => [c.product, c.version]), [['DCMTK', '3.6.7']], 'the toolkit is a component');
  t.ok(id.because.some((b) => b.rule === 'rhapsode' && b.attribute === 'model' && b.value === 'RHAPSODE' && b.condition === 'equals "RHAPSODE"'));
  t.ok(id.because.some((b) => b.rule === 'rhapsode' && b.attribute === 'vendorId' && b.value === 'ge-healthcare'));
  t.ok(id.because.some((b) => b.rule === 'dcmtk' && b.attribute === 'implementationClassUid' && b.value === '1.2.276.0.7230010.3.0.3.6.7' && b.condition.startsWith('prefix')));
  t.ok(id.because.some((b) => b.rule === 'weak'), 'even a rule that lost is explained');
  t.ok(id.because.some((b) => b.rule === 'inventory' && b.attribute === 'softwareVersion' && b.value === '05'));
  t.equal(new Set(id.because.filter((b) => !['inventory', 'vendor-normalisation'].includes(b.rule)).map((b) => b.rule)).size, 4, 'all four rules explained');

  const server = dev({ dicom: { implementationClassUid: '1.2.276.0.7230010.3.0.3.6.7', implementationVersionName: 'OFFIS_DCMTK_367' } });
  const sid = identify(server, pack(dcmtk, rhapsode));
  t.equal(sid.vendorId, 'offis', 'with nothing better, the toolkit names the host');
  t.equal(sid.product, 'DCMTK');
  t.equal(sid.version, '3.6.7');
  t.equal(sid.confidence, 0.6);
});

t.test('vendor normalisation of the manufacturer when no rule names the vendor', async (t) => {
  const id = identify(dev({ manufacturer: 'G.E. Medical Systems', model: 'LOGIQ 700', softwareVersions: ['R6.1'] }), pack());
  t.equal(id.vendorId, 'ge-healthcare');
  t.equal(id.vendor, 'GE HealthCare');
  t.equal(id.model, 'LOGIQ 700');
  t.equal(id.version, 'R6.1');
  t.equal(id.confidence, MANUFACTURER_CONFIDENCE);
  t.same(id.rules, []);
  t.ok(id.because.some((b) => b.rule === 'vendor-normalisation' && b.value === 'G.E. Medical Systems'));
  const strongOther = rule('other', [{ attribute: 'model', equals: 'LOGIQ 700' }], { vendorId: 'philips' }, 0.9);
  t.equal(identify(dev({ manufacturer: 'GE', model: 'LOGIQ 700' }), pack(strongOther)).vendorId, 'philips', 'a stronger rule overrides the manufacturer');
  const weakOther = rule('other', [{ attribute: 'model', equals: 'LOGIQ 700' }], { vendorId: 'philips', product: 'P' }, 0.3);
  const w = identify(dev({ manufacturer: 'GE', model: 'LOGIQ 700' }), pack(weakOther));
  t.equal(w.vendorId, 'ge-healthcare', 'a weaker rule does not');
  t.equal(w.product, null, 'and its product is not taken for another vendor');
  const unknown = identify(dev({ manufacturer: 'Acme Products' }), pack());
  t.equal(unknown.vendorId, null, 'an unknown manufacturer has no id');
  t.equal(unknown.vendor, 'Acme Products', 'but keeps its name');
  const mac = identify(dev({ macVendor: 'Draeger Medical' }), pack());
  t.equal(mac.vendorId, 'draeger', 'a known MAC registrant names the vendor');
  t.equal(identify(dev({ macVendor: 'Intel Corporation' }), pack()).vendorId, null, 'a NIC maker does not');
});

t.test('identify is pure', async (t) => {
  const p = pack(rule('a', [{ attribute: 'model', equals: 'X' }], { product: 'X' }));
  const d = dev({ model: 'X', manufacturer: 'SIEMENS' });
  const before = JSON.stringify([d, p]);
  t.same(identify(d, p), identify(d, p));
  t.equal(JSON.stringify([d, p]), before, 'inputs untouched');
});

t.test('JSON Schema subset', async (t) => {
  const schema = { type: 'object', required: ['a'], additionalProperties: false, properties: { a: { oneOf: [{ type: 'string', minLength: 2 }, { type: 'number', minimum: 0 }] }, b: { enum: [1, 2] } } };
  t.same(validateJsonSchema(schema, { a: 'xy' }), []);
  t.same(validateJsonSchema(schema, { a: 3 }), []);
  t.match(validateJsonSchema(schema, { a: 'x' }).join(), /matches none/);
  t.match(validateJsonSchema(schema, {}).join(), /missing 'a'/);
  t.match(validateJsonSchema(schema, { a: 'xy', c: 1 }).join(), /\$\.c: unknown property/);
  t.match(validateJsonSchema(schema, { a: 'xy', b: 3 }).join(), /one of 1, 2/);
  t.throws(() => validateJsonSchema({ type: 'string', format: 'uri' }, 'x'), /outside the supported subset/, 'unsupported keywords are refused');
});

t.test('pack validation', async (t) => {
  const good: RulePack = { name: 'p', version: '1', rules: [{ ...rule('a', [{ attribute: 'model', equals: 'X' }], { product: 'X' }), examples: { match: [{ device: { model: 'X' } }], noMatch: [{ device: { model: 'Y' } }] } }] };
  t.same(validateRulePack(good), []);
  const twoOps = structuredClone(good);
  (twoOps.rules[0]!.match[0] as Condition).prefix = 'X';
  t.match(validateRulePack(twoOps).join('\n'), /match\[0\]/, 'exactly one operator');
  const badAttr = structuredClone(good) as unknown as { rules: Array<{ match: Array<{ attribute: string }> }> };
  badAttr.rules[0]!.match[0]!.attribute = 'colour';
  t.ok(validateRulePack(badAttr).length > 0, 'unknown attribute');
  const badRegex = structuredClone(good);
  badRegex.rules[0]!.match[0] = { attribute: 'model', regex: '(' };
  t.match(validateRulePack(badRegex).join(), /match\[0\]/, 'regex must compile');
  const dup = structuredClone(good);
  dup.rules.push(structuredClone(good.rules[0]!));
  t.match(validateRulePack(dup).join(), /duplicate rule id/);
  const badVendor = structuredClone(good);
  badVendor.rules[0]!.identity.vendorId = 'no-such-vendor';
  t.match(validateRulePack(badVendor).join(), /not a known vendor/);
  const badCpe = structuredClone(good);
  badCpe.rules[0]!.identity.cpe = 'cpe:2.3:a:x:y:{version}';
  t.match(validateRulePack(badCpe).join(), /13 colon-separated parts/);
  const wrongExample = structuredClone(good);
  wrongExample.rules[0]!.examples.noMatch[0]!.device = { model: 'X' };
  wrongExample.rules[0]!.examples.match[0]!.expect = { product: 'Z' };
  t.match(validateRulePack(wrongExample).join('\n'), /noMatch\[0\]: matches/);
  t.match(validateRulePack(wrongExample).join('\n'), /product is "X", expected "Z"/);
  t.ok(validateRulePack({ name: 'p', version: '1', rules: [{ ...good.rules[0]!, examples: { match: [], noMatch: [] } }] }).length > 0, 'a rule needs examples both ways');
});

t.test('loadRulePack errors carry stable codes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'auscult-rules-'));
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof RulesError ? e.code : 'not a RulesError';
    }
    return undefined;
  };
  t.equal(code(() => loadRulePack(join(dir, 'missing.json'))), 'RULES_ERR_PACK_UNREADABLE');
  writeFileSync(join(dir, 'bad.json'), '{ not json');
  t.equal(code(() => loadRulePack(join(dir, 'bad.json'))), 'RULES_ERR_PACK_NOT_JSON');
  writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ name: 'x', version: '1', rules: [{ id: 'a' }] }));
  t.equal(code(() => loadRulePack(join(dir, 'invalid.json'))), 'RULES_ERR_BAD_PACK');
  try {
    loadRulePack(join(dir, 'invalid.json'));
  } catch (e) {
    t.ok((e as RulesError).problems.some((p) => p.includes("missing 'source'")), 'problems name the path and what is missing');
    t.match((e as Error).message, /rule-pack\.schema\.json/, 'the message says where to look');
  }
});
