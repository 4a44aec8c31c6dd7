/**
 * HL7 in the inventory, from captures of real MLLP peers (python-hl7's
 * mllp_send and node-hl7-client) on the testbed: senders and receivers,
 * interface engines, devices seen only through a gateway, and every message
 * of the public corpus checked against python-hl7's reading
 * (test/fixtures/hl7/expected.json, made by scripts/testbed/hl7-expected.py).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import { lookupVendor } from '../../agent/inventory/mac-vendor.js';
import { FIXTURES } from '../helpers/paths.js';

const HL7 = join(FIXTURES, 'hl7');
const inventory = async (name: string) => {
  const { report, error } = await runInventory({ file: join(HL7, name) });
  if (error) throw error;
  return report;
};

t.test('a gateway reporting bedside devices by EUI-64', async (t) => {
  const r = await inventory('gateway.pcap');
  const gw = r.devices.find((d) => d.ip === '192.0.2.65');
  t.ok(gw, 'the gateway host is a device');
  t.ok(gw!.roles.includes('hl7-gateway'));
  t.ok(gw!.hl7!.equipmentIds.includes('00A0C9FFFE010203'), "the gateway's own EUI-64 (MSH-3) is its own");
  t.same(gw!.hl7!.mdcCodes, [], "the devices' codes are not the gateway's");
  t.equal(gw!.deviceClass, 'device-gateway');
  const behind = r.devices.filter((d) => d.id.startsWith('eui64:'));
  t.same(
    behind.map((d) => d.id).sort(),
    ['eui64:00094BFFFE7C0004', 'eui64:0012A1FFFE4B0001', 'eui64:0012A1FFFE4B0002', 'eui64:0012A1FFFE4B0003'],
    'one device per EUI-64 in OBX-18, and not the gateway itself',
  );
  for (const d of behind) {
    t.equal(d.ip, null, `${d.id} has no address of its own`);
    t.same(d.gateways, ['ip:192.0.2.65'], `${d.id} links to its gateway`);
    t.same(d.hl7!.equipmentIds, [d.id.slice(6)]);
    t.equal(d.macVendor, lookupVendor(d.id.slice(6)).vendor, `${d.id} vendor from its EUI-64's OUI`);
    t.ok(d.evidence.some((e) => e.attribute === 'equipmentId' && /OBX-18/.test(e.field)), 'evidence names OBX-18');
    t.same(d.hl7!.mdcCodes, ['MDC_DEV_SPEC_PROFILE_BP'], 'the OBX-3 device code of its OBX');
    t.equal(d.deviceClass, 'blood-pressure-monitor');
  }
});

t.test('an interface engine relays; its feeders and the EHR do not', async (t) => {
  const r = await inventory('interface-engine.pcap');
  const byIp = (ip: string) => r.devices.find((d) => d.ip === ip)!;
  t.ok(byIp('192.0.2.80').roles.includes('interface-engine'), 'the engine');
  t.equal(byIp('192.0.2.80').deviceClass, 'interface-engine');
  for (const ip of ['192.0.2.61', '192.0.2.62']) {
    t.same(byIp(ip).roles, ['hl7-sender'], `${ip} only sends`);
  }
  t.same(byIp('192.0.2.60').roles, ['hl7-receiver'], 'the EHR only receives (and ACKs)');
  t.equal(r.stats.malformed, 0);
});

t.test('MLLP on non-standard ports is recognised by content', async (t) => {
  const r = await inventory('nonstandard-port.pcap');
  t.ok(r.devices.some((d) => d.roles.includes('hl7-sender')));
  t.ok(r.devices.some((d) => d.roles.includes('hl7-receiver')));
});

interface Expected {
  sendingApplication: { namespaceId: string | null; universalId: string | null; universalIdType: string | null } | null;
  messageType: string | null;
  version: string | null;
  obx18: Array<{ entityId: string | null; namespaceId: string | null; universalIdType: string | null }>;
  prt: Array<{ udi?: string | null; serial?: string | null }>;
}

t.test('every corpus message: MSH-3, MSH-9, MSH-12 and OBX-18 as python-hl7 reads them', async (t) => {
  const manifest = JSON.parse(readFileSync(join(HL7, 'manifest.json'), 'utf8')) as { corpus: Array<{ file: string; ip: string }> };
  const expected = JSON.parse(readFileSync(join(HL7, 'expected.json'), 'utf8')) as Record<string, Expected>;
  const r = await inventory('corpus.pcap');
  t.equal(manifest.corpus.length, 38, 'all 38 public messages were sent');
  for (const m of manifest.corpus) {
    const e = expected[m.file];
    const d = r.devices.find((x) => x.ip === m.ip);
    if (!t.ok(d?.hl7, `${m.file}: sender ${m.ip} has an hl7 block`)) continue;
    const hl7 = d!.hl7!;
    if (e.messageType) t.ok(hl7.messageTypes.includes(e.messageType), `${m.file}: MSH-9 ${e.messageType}`);
    if (e.version) t.ok(hl7.versions.includes(e.version), `${m.file}: MSH-12 ${e.version}`);
    const app = e.sendingApplication?.namespaceId || e.sendingApplication?.universalId;
    if (app) t.ok(hl7.sendingApplications.includes(app), `${m.file}: MSH-3 ${app}`);
    for (const o of e.obx18) {
      const id = (o.entityId ?? '').toUpperCase();
      if (!/^[0-9A-F]{16}$/.test(id)) continue;
      const own = (e.sendingApplication?.universalId ?? '').toUpperCase() === id;
      const found = own ? hl7.equipmentIds.includes(id) : r.devices.some((x) => x.id === `eui64:${id}` && x.gateways.includes(`ip:${m.ip}`));
      t.ok(found, `${m.file}: OBX-18 EUI-64 ${id} ${own ? 'is the sender itself' : 'is a device behind the sender'}`);
    }
  }
});
