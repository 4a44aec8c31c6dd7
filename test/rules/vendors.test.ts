/**
 * Vendor-name normalisation: the spellings devices and advisories use, the
 * vendor of every CISA ICSMA advisory in the shared data, mojibake, typos,
 * and names that must stay apart.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeVendor, normalizeVendors, repairMojibake, resolveVendor, vendorKey } from '../../rules/fingerprint/vendors.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';

const id = (s: string): string | null => normalizeVendor(s)?.id ?? null;

t.test('one vendor, many spellings', async (t) => {
  const groups: Record<string, string[]> = {
    'ge-healthcare': ['GE MEDICAL SYSTEMS', 'G.E. Medical Systems', 'GE Healthcare', 'GE HealthCare', 'General Electric (GE)', 'GEMS', 'GE Medical Systems', 'GE Medical System(China) Co., Ltd.', 'GE'],
    'siemens-healthineers': ['Siemens Healthineers', 'SIEMENS', 'Siemens AG Medical Solutions', 'Siemens Medical Solutions USA, Inc.'],
    philips: ['Philips', 'Philips Medical Systems', 'Philips Medical Systems, Inc.', 'Phillips', 'Philips Healthcare', 'Koninklijke Philips N.V.', 'Philips Patient Monitoring', 'Philips Medical Systems - Cardiac and Monitoring Systems (CM'],
    'canon-medical': ['TOSHIBA_MEC', 'Toshiba', 'Toshiba Medical Systems Corporation', 'Canon Medical Systems', 'Canon Medical Systems Corporation'],
    agfa: ['Agfa-Gevaert AG', 'AGFA HealthCare', 'Agfa'],
    fujifilm: ['Fujifilm', 'FUJIFILM Corporation'],
    bd: ['Becton, Dickinson and Company (BD)', 'BD', 'CareFusion', 'Carefusion', 'Alaris', 'Becton Dickinson'],
    'icu-medical': ['ICU Medical', 'Hospira', 'Hospira, Inc.', 'Smiths Medical'],
    baxter: ['Baxter', 'Baxter International Inc', 'Hillrom', 'Hill-Rom', 'Welch Allyn, Inc.'],
    'b-braun': ['B. Braun', 'B. Braun Medical', 'B. Braun Melsungen AG'],
    draeger: ['Dräger', 'Draeger', 'DrÃ¤ger', 'Draeger Medical', 'Drägerwerk AG & Co. KG aA', 'DRAEGER'],
    mindray: ['Mindray', 'Mindray DS USA, Inc.', 'Mindray Co., Ltd.', 'Shenzhen Mindray Bio-Medical Electronics Co., Ltd.'],
    'nihon-kohden': ['Nihon Kohden', 'NIHON KOHDEN AMERICA', 'Nihon Kohden Corporation'],
    spacelabs: ['Spacelabs', 'SPACELABS MEDICAL', 'Spacelabs Healthcare'],
    abbott: ['Abbott', 'Abbott Laboratories', 'St. Jude Medical'],
    offis: ['OFFIS', 'Kuratorium OFFIS e.V.', 'OFFIS e.V.'],
    'oracle-health': ['Cerner', 'Cerner Corporation', 'Oracle Health'],
    mortara: ['Mortara Instrument, Inc.'],
    natus: ['Natus Medical, Inc. (Natus)'],
  };
  for (const [want, names] of Object.entries(groups)) {
    for (const n of names) t.equal(id(n), want, `${JSON.stringify(n)} → ${want}`);
  }
});

t.test('display names', async (t) => {
  t.same(normalizeVendor('GE MEDICAL SYSTEMS'), { id: 'ge-healthcare', display: 'GE HealthCare' });
  t.same(normalizeVendor('DrÃ¤ger'), { id: 'draeger', display: 'Dräger' });
});

t.test('mojibake is repaired, clean text is left alone', async (t) => {
  t.equal(repairMojibake('DrÃ¤ger'), 'Dräger');
  t.equal(repairMojibake('Innokas YhtymÃ¤ Oy'), 'Innokas Yhtymä Oy');
  t.equal(repairMojibake('DrÃƒÂ¤ger'.normalize()), 'DrÃƒÂ¤ger', 'characters outside Latin-1 (CP1252 mojibake) are left as they are');
  t.equal(repairMojibake('Dräger'), 'Dräger');
  t.equal(repairMojibake('Ã'), 'Ã', 'a lone Ã is not mojibake');
  t.equal(id('Innokas YhtymÃ¤ Oy'), 'innokas');
});

t.test('corporate suffixes, case and punctuation', async (t) => {
  t.equal(vendorKey('SOOIL Developments Co, Ltd.'), 'sooil developments');
  t.equal(vendorKey('G.E. Medical Systems'), 'ge medical systems');
  t.equal(vendorKey('Agfa-Gevaert AG'), 'agfa gevaert');
  t.equal(vendorKey('Natus Medical, Inc. (Natus)'), 'natus medical');
  t.equal(vendorKey('  Medtronic '), 'medtronic');
});

t.test('typos: one edit, long known names only', async (t) => {
  t.equal(resolveVendor('Siemans')?.id, 'siemens-healthineers');
  t.equal(resolveVendor('Siemans')?.how, 'typo');
  t.equal(id('Medtronik'), 'medtronic');
  t.equal(id('Spacelab'), 'spacelabs');
  t.equal(id('Hologik'), 'hologic');
  t.equal(id('Siemans Healthcare'), 'siemens-healthineers', 'a typo in a known leading word');
  t.equal(id('Zol'), null, 'short names get no typo tolerance');
  t.equal(id('Bx'), null);
  t.equal(id('Phlips'), 'philips', 'six letters, one edit from a known name');
  t.equal(id('Agfa-Gevart'), 'agfa');
});

t.test('unrelated names do not merge', async (t) => {
  // Decisions: 'GE' matches only as a whole word; 'Phillips' (the spelling
  // two ICSMA advisories use) is Philips only on its own, so the oil
  // company keeps its name; consumer and energy arms are denied explicitly.
  for (const n of ['Geneva', 'Genentech', 'Gems Sensors Inc', 'Phillips 66', 'Phillips Petroleum Company', 'Braun', 'GE Aviation', 'Siemens Energy', 'Zoller + Fröhlich GmbH', 'Acme Products', 'CMS, Inc.', 'QIICR', 'Intel Corporation', 'VMware, Inc.', 'FillFactory NV', 'BluePacket Communications Co., Ltd.', 'Epicor', 'Rochester Medical', 'Philipsburg Clinic', '']) {
    t.equal(id(n), null, `${JSON.stringify(n)} is no known vendor`);
  }
});

t.test('lists of vendors', async (t) => {
  t.same(normalizeVendors('ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River').map((v) => v.id), ['enea', 'green-hills', 'itron', 'ip-infusion', 'wind-river']);
  t.same(normalizeVendors('Silex Technology and GE Healthcare').map((v) => v.id), ['silex', 'ge-healthcare']);
  t.equal(id('Silex Technology and GE Healthcare'), 'silex', 'the first vendor named');
  t.same(normalizeVendors('GE Healthcare').map((v) => v.id), ['ge-healthcare']);
  t.same(normalizeVendors('Acme'), []);
});

const missing = sharedDataMissing('advisories/csaf');

t.test('every vendor of the CISA ICSMA advisories normalises', { skip: missing }, async (t) => {
  const dir = join(SHARED_DATA, 'advisories', 'csaf');
  const vendors = new Map<string, string[]>();
  interface Branch { category: string; name: string; branches?: Branch[] }
  const walk = (bs: Branch[] | undefined, file: string): void => {
    for (const b of bs ?? []) {
      if (b.category === 'vendor') vendors.set(b.name, [...(vendors.get(b.name) ?? []), file]);
      walk(b.branches, file);
    }
  };
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  t.ok(files.length >= 100, `${files.length} advisories`);
  for (const f of files) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { product_tree?: { branches?: Branch[] } };
    walk(doc.product_tree?.branches, f);
  }
  const lines: string[] = [];
  for (const [name, where] of [...vendors].sort((a, b) => a[0].localeCompare(b[0]))) {
    const r = resolveVendor(name);
    lines.push(`${JSON.stringify(name).padEnd(66)} → ${r ? `${r.id} (${r.how})` : 'NONE'}  [${where.length} advisor${where.length === 1 ? 'y' : 'ies'}]`);
    t.ok(r, `${JSON.stringify(name)} (${where[0]}) normalises to a vendor id`);
  }
  t.comment(`ICSMA vendor mapping (${vendors.size} names):\n${lines.join('\n')}`);
  // Spot checks of the merges the mapping relies on.
  t.equal(id('Phillips'), 'philips');
  t.equal(id('General Electric (GE)'), id('GE Healthcare'));
  t.equal(id('Hillrom'), id('Baxter'));
  t.equal(id('B. Braun Melsungen AG'), id('B. Braun Medical'));
});
