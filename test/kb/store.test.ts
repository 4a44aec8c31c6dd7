/**
 * The SQLite knowledge base on a real file in a temp folder: the whole
 * shared data imported and loaded back, idempotence, revisions, and bad
 * files among good ones.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KbStore } from '../../agent/kb/store.js';
import { AuscultError } from '../../agent/errors.js';
import { parseCsaf } from '../../rules/kb/csaf.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';
import { csafVexDocument } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'auscult-kb-'));
const CSAF_DIR = join(SHARED_DATA, 'advisories', 'csaf');
const skip = sharedDataMissing('advisories/csaf') || sharedDataMissing('sbom') || sharedDataMissing('kev');
let n = 0;
const fresh = () => KbStore.open(join(tmp, `kb-${++n}.sqlite`));

function thrown(fn: () => unknown): AuscultError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AuscultError) return err;
    throw err;
  }
  throw new Error('expected an AuscultError');
}

t.test('the whole shared data: import, load, list', { skip }, async (t) => {
  const kb = fresh();
  t.teardown(() => kb.close());
  const s = kb.importPaths([CSAF_DIR, join(SHARED_DATA, 'kev'), join(SHARED_DATA, 'sbom')]);
  t.equal(s.imported.length, 120 + 1 + 18, '120 advisories, the KEV catalog, 18 SBOM/VEX documents');
  t.same(s.skipped, []);
  // The KEV folder also holds the catalog's JSON Schema, which is not a document.
  t.match(s.failed, [{ code: 'AUSCULT_ERR_KB_UNKNOWN_FORMAT', message: /known_exploited_vulnerabilities_schema\.json: this is a JSON Schema/ }]);
  t.same(s.ignored.map((f) => f.replace(SHARED_DATA, '')).sort(), ['/advisories/csaf/SOURCES.md', '/kev/SOURCES.md', '/sbom/SOURCES.md']);

  const k = kb.load();
  t.equal(k.advisories.length, 120);
  t.equal(k.products.length, 555);
  t.equal(k.vulnerabilities.length, 370);
  t.equal(k.kev.size, 1404);
  t.equal(k.sboms.length, 13, '8 CycloneDX SBOMs and 5 SPDX; the VEX-only documents are not SBOMs');
  t.equal(k.vex.length, 46);
  t.match(k.version, /^[0-9a-f]{16}$/);
  t.match(k.kev.get('CVE-2025-48384'), { vendorProject: 'Git', dueDate: '2025-09-15' });

  // What load() gives back is what the parser read.
  for (const f of ['icsma-17-009-01a.json', 'icsma-23-117-01.json', 'icsma-19-080-01.json']) {
    const p = parseCsaf(JSON.parse(readFileSync(join(CSAF_DIR, f), 'utf8')), f);
    const id = p.advisory!.id;
    t.same(k.advisories.find((a) => a.id === id), p.advisory, `${f}: advisory round trip`);
    t.same(k.products.filter((x) => x.advisoryId === id), p.products, `${f}: products round trip`);
    t.same(k.vulnerabilities.filter((x) => x.advisoryId === id), p.vulnerabilities, `${f}: vulnerabilities round trip`);
  }
  const md = k.sboms.find((x) => x.source === 'medical_device_extended.cdx.json')!;
  t.equal(md.components.length, 65);
  t.equal(md.subject?.type, 'device');
  t.equal(md.components.filter((c) => c.type === 'firmware').length, 9);

  const l = kb.list();
  t.same(l.totals, { documents: 139, advisories: 120, products: 555, vulnerabilities: 370, kev: 1404, sboms: 13, components: 614, vex: 46 });
  t.equal(l.version, k.version);

  // The file is WAL and carries its schema version.
  const raw = new Database(kb.file, { readonly: true });
  t.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  t.same(raw.prepare('SELECT version FROM schema_version').all(), [{ version: 1 }]);
  raw.close();
});

t.test('re-importing the same files changes nothing', { skip }, async (t) => {
  const kb = fresh();
  t.teardown(() => kb.close());
  const first = kb.importDir(join(SHARED_DATA, 'sbom'));
  const before = kb.list();
  const again = kb.importDir(join(SHARED_DATA, 'sbom'));
  t.equal(first.imported.length, 18);
  t.equal(again.imported.length, 0);
  t.equal(again.skipped.length, 18);
  t.ok(again.skipped.every((r) => r.status === 'unchanged' && /same sha256/.test(r.note ?? '')));
  const after = kb.list();
  t.same(after.totals, before.totals);
  t.equal(after.version, before.version, 'same KB version');
  // A copy under another name is the same document.
  const copy = join(tmp, 'copy-of-case1.json');
  copyFileSync(join(SHARED_DATA, 'sbom', 'cdx_vex_cisa_case1_affected.cdx.json'), copy);
  t.equal(kb.importFile(copy).status, 'unchanged');
});

t.test('a newer revision replaces the older; the older one is then skipped', async (t) => {
  const kb = fresh();
  t.teardown(() => kb.close());
  const dir = join(tmp, 'revisions');
  mkdirSync(dir);
  const v1 = join(dir, 'vex-v1.json');
  const v2 = join(dir, 'vex-v2.json');
  writeFileSync(v1, JSON.stringify(csafVexDocument({ version: '1' }), null, 2));
  writeFileSync(v2, JSON.stringify(csafVexDocument({ version: '2', title: 'Example Medical VEX (Update A)' }), null, 2));

  const a = kb.importFile(v1);
  t.match(a, { status: 'imported', kind: 'csaf', docId: 'EXMED-VEX-2024-001', counts: { advisories: 1, products: 7, vulnerabilities: 1, vex: 5 } });
  const version1 = kb.list().version;
  const k1 = kb.load();
  t.equal(k1.vex.length, 5, 'CSAF VEX statements are stored');
  t.match(k1.vex.find((s) => s.product === 'EXMED-VEX-2024-001#GATEWAY:OPENSSL'), { status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' });
  t.match(k1.products.find((p) => p.productId === 'PM3000-4.2.1:OPENSSL')!.relationship, { category: 'default_component_of' });

  const b = kb.importFile(v2);
  t.match(b, { status: 'replaced', note: /replaces version 1/ });
  const k2 = kb.load();
  t.same(k2.advisories.map((x) => x.title), ['Example Medical VEX (Update A)']);
  t.equal(k2.products.length, 7, 'old rows are gone, not doubled');
  t.equal(k2.vex.length, 5);
  t.not(k2.version, version1, 'the KB version changed');
  t.equal(kb.list().totals.documents, 1);

  const c = kb.importFile(v1);
  t.match(c, { status: 'older', note: /a newer revision of EXMED-VEX-2024-001 is loaded \(version 2/ });
  t.same(kb.load().advisories.map((x) => x.title), ['Example Medical VEX (Update A)']);
});

t.test('bad files among good ones: each refused with a code, the rest imported', { skip }, async (t) => {
  const kb = fresh();
  t.teardown(() => kb.close());
  const dir = join(tmp, 'mixed');
  mkdirSync(dir);
  copyFileSync(join(CSAF_DIR, 'icsma-17-009-01a.json'), join(dir, 'a-good.json'));
  copyFileSync(join(CSAF_DIR, 'icsma-23-117-01.json'), join(dir, 'b-good.json'));
  copyFileSync(join(SHARED_DATA, 'sbom', 'medical_device_narrow.cdx.json'), join(dir, 'c-good.cdx.json'));
  writeFileSync(join(dir, 'notes.json'), 'these are my notes, not JSON\n');
  const full = readFileSync(join(CSAF_DIR, 'icsma-19-080-01.json'), 'utf8');
  writeFileSync(join(dir, 'truncated.json'), full.slice(0, Math.floor(full.length / 2)));
  writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ name: 'my-inventory', devices: [] }));
  writeFileSync(join(dir, 'old-csaf.json'), JSON.stringify({ document: { csaf_version: '1.2', title: 'x' } }));
  const broken = csafVexDocument() as { vulnerabilities: Array<{ product_status: Record<string, string[]> }> };
  broken.vulnerabilities[0]!.product_status.known_affected = ['PM3000-9.9'];
  writeFileSync(join(dir, 'broken-tree.json'), JSON.stringify(broken));
  writeFileSync(join(dir, 'binary.json'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x00, 0x01]));
  writeFileSync(join(dir, 'README.txt'), 'not read');

  const s = kb.importDir(dir);
  t.same(s.imported.map((r) => r.source).sort(), ['a-good.json', 'b-good.json', 'c-good.cdx.json']);
  const failed = Object.fromEntries(s.failed.map((f) => [f.path.slice(dir.length + 1), f]));
  t.same(Object.keys(failed).sort(), ['binary.json', 'broken-tree.json', 'notes.json', 'old-csaf.json', 'truncated.json', 'unknown.json']);
  t.match(failed['notes.json'], { code: 'AUSCULT_ERR_KB_NOT_JSON', message: /notes\.json: JSON parse error at line 1, column 2/ });
  t.match(failed['truncated.json'], { code: 'AUSCULT_ERR_KB_NOT_JSON', message: /truncated\.json: JSON parse error at line \d+, column \d+/ });
  t.match(failed['unknown.json'], { code: 'AUSCULT_ERR_KB_UNKNOWN_FORMAT', message: /unknown\.json: not a known format: expected CSAF 2\.0/ });
  t.match(failed['old-csaf.json'], { code: 'AUSCULT_ERR_KB_UNKNOWN_FORMAT', message: /old-csaf\.json: not CSAF 2\.0: document\.csaf_version is 1\.2/ });
  t.match(failed['broken-tree.json'], {
    code: 'AUSCULT_ERR_KB_INVALID_DOCUMENT',
    message: /broken-tree\.json: invalid csaf document \(1 error\):\n {4}\/vulnerabilities\/0\/product_status\/known_affected\/product_ids\/0: product id PM3000-9\.9 is not defined/,
  });
  t.match(failed['binary.json'], { code: 'AUSCULT_ERR_KB_NOT_JSON', message: /not UTF-8 text/ });
  t.same(s.ignored, [join(dir, 'README.txt')]);

  // Nothing of a refused file was stored.
  const l = kb.list();
  t.equal(l.totals.documents, 3);
  t.equal(l.totals.advisories, 2);
  t.equal(l.totals.sboms, 1);

  // A file named on its own is read whatever its name.
  t.match(thrown(() => kb.importFile(join(dir, 'README.txt'))), { code: 'AUSCULT_ERR_KB_NOT_JSON' });
  const missing = thrown(() => kb.importFile(join(dir, 'nope.json')));
  t.match(missing, { code: 'AUSCULT_ERR_KB_UNREADABLE', message: /nope\.json: no such file/ });
  t.match(missing.format(), /what to do: check the path/);
  t.match(thrown(() => kb.importFile(dir)), { code: 'AUSCULT_ERR_KB_UNREADABLE', message: /is a folder/ });
});

t.test('a file that is not a knowledge base is refused when opened', async (t) => {
  const notDb = join(tmp, 'not-a-db.sqlite');
  writeFileSync(notDb, 'hello, this is text\n'.repeat(100));
  t.match(thrown(() => KbStore.open(notDb)), { code: 'AUSCULT_ERR_KB_DATABASE', message: /cannot open the knowledge base/ });
  const other = join(tmp, 'other-app.sqlite');
  const db = new Database(other);
  db.exec('CREATE TABLE t (x)');
  db.close();
  t.match(thrown(() => KbStore.open(other)), { code: 'AUSCULT_ERR_KB_DATABASE', message: /not an auscult knowledge base/ });
  const newer = join(tmp, 'newer.sqlite');
  KbStore.open(newer).close();
  const db2 = new Database(newer);
  db2.exec('UPDATE schema_version SET version = 99');
  db2.close();
  t.match(thrown(() => KbStore.open(newer)), { code: 'AUSCULT_ERR_KB_DATABASE', message: /schema version 99, newer/ });
});
