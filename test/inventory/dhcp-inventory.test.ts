/**
 * DHCP in the inventory, from real exchanges (dnsmasq with busybox udhcpc and
 * ISC dhclient in test namespaces): a device names itself, and keeps one
 * identity when its address changes.
 */
import t from 'tap';
import { join } from 'node:path';
import { Inventory } from '../../agent/inventory/inventory.js';
import { runInventory } from '../../agent/inventory/run.js';
import { FIXTURES } from '../helpers/paths.js';

const DHCP = join(FIXTURES, 'dhcp');

t.test('a ventilator that moves from .150 to .160 stays one device', async (t) => {
  const { report } = await runInventory({ file: join(DHCP, 'address-change.pcap') });
  const vents = report.devices.filter((d) => d.mac === '02:00:00:00:02:03');
  t.equal(vents.length, 1, 'one device for the MAC');
  const v = vents[0];
  t.equal(v.id, 'mac:02:00:00:00:02:03');
  t.equal(v.ip, '192.0.2.160', 'the current address is the latest lease');
  t.same(v.ips, ['192.0.2.160', '192.0.2.150'], 'both addresses, most recent first');
  t.same(v.dhcp!.hostNames, ['VENTILATOR-12']);
  t.same(v.dhcp!.vendorClasses, ['HAMILTON-C6 2.2.4']);
  t.equal(v.macLocallyAdministered, true);
  t.ok(v.evidence.some((e) => e.attribute === 'dhcpLease' && e.value === '192.0.2.150'));
  const server = report.devices.find((d) => d.roles.includes('dhcp-server'));
  t.equal(server?.ip, '192.0.2.1');
});

t.test('host names, vendor classes, fingerprints and the MAC vendor', async (t) => {
  const { report } = await runInventory({ file: join(DHCP, 'leases.pcap') });
  const monitor = report.devices.find((d) => d.mac === '00:09:fb:00:02:02');
  t.ok(monitor, 'the monitor');
  t.match(monitor!.macVendor, /Philips Patient Monitoring/);
  t.equal(monitor!.macLocallyAdministered, false);
  t.ok(monitor!.dhcp!.hostNames.includes('PATIENT-MONITOR-3'));
  t.ok(monitor!.dhcp!.vendorClasses.includes('IntelliVue MX450'));
  t.ok(monitor!.dhcp!.fingerprints.length > 0 && /^\d+(,\d+)*$/.test(monitor!.dhcp!.fingerprints[0]), 'option 55 fingerprint');
  t.ok(monitor!.dhcp!.clientIds.length > 0, 'option 61 client id');
  const pump = report.devices.find((d) => d.mac === '02:00:00:00:02:07');
  t.ok(pump!.dhcp!.hostNames.includes('INFUSION-PUMP-07'));
  t.ok(pump!.dhcp!.vendorClasses.includes('AlarisPC 9.19'));
});

t.test('a DICOM host whose MAC DHCP bound to two addresses is one device with both', async (t) => {
  const inv = new Inventory();
  const src = (ts: number) => ({ protocol: 'dicom', field: 'test', flow: 'f', ts, confidence: 'high' as const });
  const mac = '00:09:fb:aa:bb:cc';
  inv.bindDhcp(mac, '192.0.2.50', 100);
  inv.observe('192.0.2.50', mac, 'aeTitle', 'US_CART', src(110));
  inv.bindDhcp(mac, '192.0.2.77', 200);
  inv.observe('192.0.2.77', mac, 'aeTitle', 'US_CART', src(210));
  inv.observe('192.0.2.99', '02:00:00:00:00:99', 'aeTitle', 'OTHER', src(210));
  const devices = inv.report();
  t.equal(devices.length, 2);
  const cart = devices.find((d) => d.mac === mac)!;
  t.equal(cart.ip, '192.0.2.77');
  t.same(cart.ips, ['192.0.2.77', '192.0.2.50']);
  t.same(cart.dicom!.aeTitles, ['US_CART']);
  const ev = cart.evidence.find((e) => e.attribute === 'aeTitle')!;
  t.equal(ev.count, 2, 'the same observation under both addresses is one evidence row, counted twice');
  t.equal(ev.firstSeen, new Date(110_000).toISOString());
  t.equal(ev.lastSeen, new Date(210_000).toISOString());
});

t.test('without DHCP, two addresses behind one MAC are not merged (that MAC may be a router)', async (t) => {
  const inv = new Inventory();
  const src = { protocol: 'dicom', field: 'test', flow: 'f', ts: 1, confidence: 'high' as const };
  inv.observe('192.0.2.50', '00:09:fb:aa:bb:cc', 'aeTitle', 'A', src);
  inv.observe('192.0.2.51', '00:09:fb:aa:bb:cc', 'aeTitle', 'B', src);
  t.equal(inv.report().length, 2);
});
