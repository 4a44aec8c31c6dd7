import t from 'tap';
import { lookupVendor, normaliseHardwareAddress } from '../../agent/inventory/mac-vendor.js';

t.test('MA-L: a medical vendor OUI', async (t) => {
  const v = lookupVendor('00:09:fb:12:34:56');
  t.equal(v.registry, 'MA-L');
  t.match(v.vendor, /Philips/);
  t.equal(v.locallyAdministered, false);
});

t.test('MA-M and MA-S win over the IEEE RA block they subdivide', async (t) => {
  // 00:1B:C5 is an IEEE RA (IAB/MA-S) block: 00:1B:C5:00:0x:xx is Converging Systems.
  const s = lookupVendor('00:1b:c5:00:00:01');
  t.equal(s.registry, 'MA-S');
  t.match(s.vendor, /Converging Systems/);
  // 10:06:48 is subdivided into 28-bit (MA-M) blocks: 10:06:48:1x:xx:xx is KYTRONICS.
  const m = lookupVendor('10:06:48:12:34:56');
  t.equal(m.registry, 'MA-M');
  t.match(m.vendor, /KYTRONICS/);
});

t.test('an IEEE RA block with no sub-assignment is not a vendor', async (t) => {
  const v = lookupVendor('70:b3:d5:ff:ff:ff'); // 70:B3:D5 belongs to the IEEE RA itself
  t.notMatch(v.vendor ?? '', /IEEE Registration Authority/);
});

t.test('locally administered and multicast addresses are flagged, with no vendor', async (t) => {
  const l = lookupVendor('02:00:00:00:00:15');
  t.equal(l.locallyAdministered, true);
  t.equal(l.vendor, null);
  const r = lookupVendor('da:a1:19:00:00:01'); // a typical randomised phone MAC
  t.equal(r.locallyAdministered, true);
  t.equal(lookupVendor('01:00:5e:00:00:01').multicast, true);
});

t.test('EUI-64 identifiers resolve through the same registries', async (t) => {
  const v = lookupVendor('0009FB0000000001');
  t.match(v.vendor, /Philips/);
});

t.test('notations', async (t) => {
  t.equal(normaliseHardwareAddress('00-09-FB-12-34-56'), '0009FB123456');
  t.equal(normaliseHardwareAddress('0009.fb12.3456'), '0009FB123456');
  t.equal(normaliseHardwareAddress('not a mac'), null);
  t.equal(normaliseHardwareAddress('00:09:fb'), null);
});
