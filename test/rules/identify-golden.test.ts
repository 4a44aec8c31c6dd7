/**
 * identify() with the seed pack over the checked-in golden inventories
 * (test/fixtures/<protocol>/*.golden.json): the testbed's storescu/storescp
 * hosts are DCMTK, its gdcmscu host GDCM, the modalities are who their
 * Manufacturer says (with the toolkit as a component), the HL7 senders with
 * an SFT segment are Rhapsody, the DHCP clients what their OUI and vendor
 * class say.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceRecord, InventoryReport } from '../../agent/inventory/types.js';
import { identify } from '../../rules/fingerprint/engine.js';
import { loadRulePack } from '../../rules/fingerprint/load.js';
import type { FingerprintIdentity } from '../../rules/fingerprint/types.js';
import { FIXTURES, REPO } from '../helpers/paths.js';

const pack = loadRulePack(join(REPO, 'rules', 'packs', 'seed.json'));

function devices(file: string): DeviceRecord[] {
  return (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as InventoryReport).devices;
}
function who(file: string, id: string): FingerprintIdentity {
  const d = devices(file).find((x) => x.id === id);
  if (!d) throw new Error(`${id} not in ${file}`);
  return identify(d, pack);
}

const DCMTK = { vendorId: 'offis', vendor: 'OFFIS', product: 'DCMTK', version: '3.6.7', cpe: 'cpe:2.3:a:offis:dcmtk:3.6.7:*:*:*:*:*:*:*' };

t.test('DICOM testbed: DCMTK and GDCM hosts', async (t) => {
  for (const [file, id] of [
    ['dicom/store.golden.json', 'ip:192.0.2.10'],
    ['dicom/echo.golden.json', 'ip:192.0.2.21'],
    ['dicom/echo.golden.json', 'ip:192.0.2.50'],
    ['dicom/find.golden.json', 'ip:192.0.2.10'],
    ['dicom/archive.golden.json', 'ip:192.0.2.40'],
  ] as const) {
    const i = who(file, id);
    t.match(i, DCMTK, `${file} ${id} is DCMTK 3.6.7`);
    t.ok(i.rules.includes('dicom.dcmtk'));
  }
  const gdcm = who('dicom/echo.golden.json', 'ip:192.0.2.24');
  t.match(gdcm, { vendorId: 'gdcm', product: 'GDCM', version: '3.0.21' }, 'gdcmscu host is GDCM 3.0.21');
  t.equal(who('dicom/archive.golden.json', 'ip:192.0.2.40').deviceClass, 'pacs-archive', 'the archive is not classed by the modalities it relays');
});

t.test('DICOM testbed: modalities by manufacturer', async (t) => {
  const ge = who('dicom/store.golden.json', 'ip:192.0.2.21');
  t.match(ge, { vendorId: 'ge-healthcare', vendor: 'GE HealthCare', product: 'RHAPSODE', model: 'RHAPSODE', version: '05', deviceClass: 'ct-scanner', confidence: 0.85 });
  t.match(ge.components, [{ product: 'DCMTK', version: '3.6.7' }], 'its DICOM stack is a component');
  t.equal(ge.cpe, null, 'no CPE from the toolkit on the scanner');
  t.match(who('dicom/store.golden.json', 'ip:192.0.2.22'), { vendorId: 'canon-medical', model: 'MRT50H1', version: 'V3.51*P25', deviceClass: 'mr-scanner' });
  const agfa = who('dicom/store.golden.json', 'ip:192.0.2.23');
  t.match(agfa, { vendorId: 'agfa', product: 'ADC', model: 'ADC_5146', version: 'acp_3403', deviceClass: 'cr-reader' });
  t.match(agfa.components, [{ product: 'GDCM', version: '3.0.21' }]);
  t.match(who('dicom/port4242.golden.json', 'ip:192.0.2.22'), { vendorId: 'canon-medical' });
  t.match(who('dicom/phi-canary.golden.json', 'ip:192.0.2.21'), { vendorId: 'ge-healthcare' });
});

t.test('HL7 testbed', async (t) => {
  for (const id of ['ip:192.0.2.61', 'ip:192.0.2.62', 'ip:192.0.2.63']) {
    t.match(who('hl7/corpus.golden.json', id), { vendorId: 'orion-health', product: 'Rhapsody', version: '2.4.3.52854', deviceClass: 'interface-engine' }, `${id} sent SFT Rhapsody`);
  }
  t.match(who('hl7/gateway.golden.json', 'ip:192.0.2.65'), { vendorId: null, deviceClass: 'device-gateway' }, 'the PCD-01 reporter is a gateway of unknown make');
  t.match(who('hl7/gateway.golden.json', 'eui64:0012A1FFFE4B0001'), { vendorId: null, deviceClass: 'blood-pressure-monitor', confidence: 0 }, 'OBX-18 devices keep the inventory class, no vendor guessed from a non-medical OUI');
  t.match(who('hl7/interface-engine.golden.json', 'ip:192.0.2.80'), { vendorId: null, product: null, deviceClass: 'interface-engine' });
});

t.test('DHCP testbed', async (t) => {
  t.match(who('dhcp/leases.golden.json', 'mac:00:09:fb:00:02:02'), { vendorId: 'philips', product: 'IntelliVue', model: 'MX450', deviceClass: 'patient-monitor' });
  t.match(who('dhcp/leases.golden.json', 'mac:02:00:00:00:02:07'), { vendorId: 'bd', product: 'Alaris PC Unit', version: '9.19', deviceClass: 'infusion-pump' });
  t.match(who('dhcp/address-change.golden.json', 'mac:02:00:00:00:02:03'), { vendorId: null, product: null }, 'no rule for the made-up ventilator class');
});

t.test('every golden device gets an identity and every rule it cites is explained', async (t) => {
  let n = 0;
  for (const dir of ['dicom', 'hl7', 'dhcp']) {
    for (const f of readdirSync(join(FIXTURES, dir)).filter((x) => x.endsWith('.golden.json'))) {
      for (const d of devices(join(dir, f))) {
        const i = identify(d, pack);
        n++;
        for (const r of i.rules) if (!i.because.some((b) => b.rule === r)) t.fail(`${f} ${d.id}: rule ${r} without explanation`);
        t.ok(i.confidence >= 0 && i.confidence <= 1);
      }
    }
  }
  t.ok(n >= 40, `${n} devices identified`);
});
