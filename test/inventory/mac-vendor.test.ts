import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  fileSource,
  lookupVendor,
  normaliseHardwareAddress,
  sortedRegistryLines,
  type RegistryIndex,
} from '../../agent/inventory/mac-vendor.js';

const REGISTRY = createRequire(import.meta.url).resolve('oui-data');
const registryBytes = readFileSync(REGISTRY);
/** The installed registry as JSON.parse reads it: the reference for every lookup structure. */
const registry = JSON.parse(registryBytes.toString('utf8')) as Record<string, string>;

/** How many registry entries `index` answers differently from JSON.parse. */
function wrongEntries(index: RegistryIndex): number {
  let wrong = 0;
  for (const [k, v] of Object.entries(registry)) if (index.get(k) !== v) wrong++;
  return wrong;
}

t.test('the installed registry is searched in place, and every entry reads as JSON.parse does', async (t) => {
  const search = sortedRegistryLines(registryBytes);
  t.ok(search, 'oui-data is one entry per line, sorted by key length then key (else a run indexes it: slower, same answers)');
  t.equal(wrongEntries(search!), 0);
  for (const miss of ['ZZZZZZ', '', 'FFFFFFFFFFFFFF', '000', 'FFFFFF', '8C1F64FFF']) t.equal(search!.get(miss), registry[miss], miss);
  // The same search reading the file in blocks as it probes (how a run reads it).
  const fromFile = sortedRegistryLines(fileSource(REGISTRY));
  t.ok(fromFile);
  t.equal(wrongEntries(fromFile!), 0, 'every entry read through 16 KiB blocks');
});

t.test('the block reader serves windows across block edges', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'auscult-oui-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Entries sorted by length then key, enough of them to span several 16 KiB blocks.
  const keys = Array.from({ length: 3000 }, (_, i) => i.toString(16).toUpperCase().padStart(6, '0'));
  const text = '{\n' + keys.map((k, i) => ` "${k}": "vendor ${k}\\nline two"${i < keys.length - 1 ? ',' : ''}`).join('\n') + '\n}\n';
  const path = join(dir, 'registry.json');
  writeFileSync(path, text);
  const s = sortedRegistryLines(fileSource(path))!;
  t.ok(s);
  let wrong = 0;
  for (const k of keys) if (s.get(k) !== `vendor ${k}\nline two`) wrong++;
  t.equal(wrong, 0);
  t.equal(s.get('FFFFFF'), undefined);
  t.equal(s.get('000BB8'), undefined, 'one past the last key');
});

t.test('the in-place search takes only a sorted one-entry-per-line object', async (t) => {
  const sorted = '{\n "00AA": "a",\n "00AB": "b",\n "00AAA": "long",\n "01AAA": "c\\nd"\n}\n';
  const s = sortedRegistryLines(Buffer.from(sorted))!;
  t.ok(s);
  t.equal(s.get('00AA'), 'a');
  t.equal(s.get('00AB'), 'b');
  t.equal(s.get('00AAA'), 'long');
  t.equal(s.get('01AAA'), 'c\nd');
  t.equal(s.get('00AC'), undefined);
  t.equal(s.get('0'), undefined);
  // Values are JSON strings: escapes decode as JSON.parse decodes them.
  t.equal(sortedRegistryLines(Buffer.from('{\n "00AA": "x\\"",\n "00BB": "\\u00e9t\\u00e9"\n}'))!.get('00BB'), 'été');
  for (const bad of [
    '{\n "00AB": "b",\n "00AA": "a"\n}',
    '{\n "00AAA": "long",\n "00AA": "a"\n}',
    '{"00AA": "x"}',
    '{\n "00AA": "x", "00BB": "y"\n}',
    '{\n "00AA": 1\n}',
    '{\n "00AA": "x"\n',
    '{\n "00AA": "x\\"\n}',
    '{\n "00AA": "x"\n}\n{',
    '[\n "00AA"\n]',
  ]) {
    t.equal(sortedRegistryLines(Buffer.from(bad)), null, bad);
  }
});

t.test('MA-M and MA-S blocks lie only under MA-L blocks of the IEEE RA (or unlisted ones), so a vendor MA-L ends a lookup', async (t) => {
  const name = (k: string): string => (registry[k] ?? '').split('\n', 1)[0].trim();
  let sub = 0;
  const under: string[] = [];
  for (const k of Object.keys(registry)) {
    if (k.length !== 7 && k.length !== 9) continue;
    sub++;
    const l = name(k.slice(0, 6));
    if (l !== '' && !/^IEEE Registration Authority$/i.test(l)) under.push(`${k} under ${l}`);
  }
  t.ok(sub > 1000, `${sub} MA-M/MA-S blocks`);
  t.same(under.slice(0, 5), [], 'no sub-block under a vendor MA-L');
});

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
