import t from 'tap';
import { Inventory, compareIp, equipmentKey, type EquipmentIdentity } from '../../agent/inventory/inventory.js';

const src = (ts: number, field = 'test field') => ({ protocol: 'dicom', field, flow: 'tcp:a-b#1', ts, confidence: 'high' as const });

function equipment(manufacturer: string, model: string, serial: string | null = null): EquipmentIdentity {
  return {
    manufacturer,
    model,
    serialNumber: serial,
    stationName: null,
    softwareVersions: ['1.0'],
    modality: 'CT',
    institutionName: null,
    deviceUid: null,
    udi: null,
  };
}

t.test('a host that sends one piece of equipment is credited with it', async (t) => {
  const inv = new Inventory();
  inv.observe('192.0.2.10', '02:00:00:00:00:10', 'role', 'dicom-scu', src(100));
  inv.equipment('192.0.2.10', '02:00:00:00:00:10', equipment('GE MEDICAL SYSTEMS', 'RHAPSODE'), src(100));
  inv.equipment('192.0.2.10', '02:00:00:00:00:10', equipment('GE MEDICAL SYSTEMS', 'RHAPSODE'), src(160));
  const [d] = inv.report();
  t.equal(d.manufacturer, 'GE MEDICAL SYSTEMS');
  t.equal(d.model, 'RHAPSODE');
  t.same(d.softwareVersions, ['1.0']);
  t.equal(d.deviceClass, 'imaging-modality');
  t.equal(d.mac, '02:00:00:00:00:10');
  const ev = d.evidence.find((e) => e.attribute === 'manufacturer');
  t.ok(ev, 'manufacturer has evidence');
  t.equal(ev!.count, 2);
  t.equal(ev!.firstSeen, new Date(100_000).toISOString());
  t.equal(ev!.lastSeen, new Date(160_000).toISOString());
});

t.test('a host relaying several pieces of equipment is an archive, not their manufacturer', async (t) => {
  const inv = new Inventory();
  inv.observe('192.0.2.20', null, 'role', 'dicom-scu', src(1));
  inv.equipment('192.0.2.20', null, equipment('GE MEDICAL SYSTEMS', 'RHAPSODE'), src(1));
  inv.equipment('192.0.2.20', null, equipment('TOSHIBA_MEC', 'MRT50H1'), src(2));
  inv.equipment('192.0.2.20', null, equipment('Agfa-Gevaert AG', 'ADC_5146'), src(3));
  const [d] = inv.report();
  t.equal(d.manufacturer, null);
  t.equal(d.model, null);
  t.same(d.softwareVersions, []);
  t.ok(d.roles.includes('archive'));
  t.equal(d.deviceClass, 'pacs-archive');
  t.equal(d.dicom!.relayedEquipment.length, 3);
  t.same(
    d.dicom!.relayedEquipment.map((e) => e.manufacturer).sort(),
    ['Agfa-Gevaert AG', 'GE MEDICAL SYSTEMS', 'TOSHIBA_MEC'],
  );
});

t.test('equipment identity ignores case and punctuation differences', async (t) => {
  t.equal(
    equipmentKey({ manufacturer: 'GE Medical Systems', model: 'LOGIQ 700', serialNumber: null, stationName: null }),
    equipmentKey({ manufacturer: 'GE  MEDICAL SYSTEMS ', model: 'logiq 700', serialNumber: null, stationName: null }),
  );
  t.not(
    equipmentKey({ manufacturer: 'GE', model: 'A', serialNumber: '1', stationName: null }),
    equipmentKey({ manufacturer: 'GE', model: 'A', serialNumber: '2', stationName: null }),
  );
});

t.test('a MAC that fronts several IPs is a router and is not given to devices', async (t) => {
  const inv = new Inventory({ routerMacThreshold: 3 });
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
    inv.observe(ip, '02:aa:aa:aa:aa:aa', 'role', 'dicom-scu', src(1));
  }
  inv.observe('198.51.100.9', '02:bb:bb:bb:bb:bb', 'role', 'dicom-scu', src(1));
  const devices = inv.report();
  t.same(
    devices.map((d) => d.mac),
    [null, null, null, '02:bb:bb:bb:bb:bb'],
  );
});

t.test('device cap: beyond it hosts are counted, not stored', async (t) => {
  const inv = new Inventory({ maxDevices: 5 });
  for (let i = 0; i < 20; i++) inv.observe(`10.0.0.${i}`, null, 'role', 'dicom-scu', src(1));
  t.equal(inv.size, 5);
  t.equal(inv.stats.devicesDropped, 15);
});

t.test('devices are ordered by address numerically', async (t) => {
  t.ok(compareIp('10.0.0.9', '10.0.0.10') < 0);
  t.ok(compareIp('10.0.0.10', '2001:db8::1') < 0);
  t.equal(compareIp('10.1.2.3', '10.1.2.3'), 0);
});
