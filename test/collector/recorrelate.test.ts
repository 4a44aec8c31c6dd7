/**
 * Re-correlation: importing an advisory into the collector's knowledge base
 * while it runs opens findings on the stored inventory (source
 * 'collector'), pushes the new document to connected agents, and removing
 * it closes them (closedReason 'kb-update'). A device that is patched
 * later has its collector finding closed too.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { KbStore } from '../../agent/kb/store.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';
import { device, deviceMsg, evidence, testCollector, tempDir } from './helpers.js';

const CSAF = join(SHARED_DATA, 'advisories', 'csaf');
const MX40_ADVISORY = 'ICSMA-17-255-01';

t.test('a new advisory in the KB while the collector runs', { skip: sharedDataMissing('advisories/csaf') }, async (t) => {
  const dir = tempDir('recorrelate');
  const kbFile = join(dir, 'kb.sqlite');
  const seed = KbStore.open(kbFile);
  seed.importFile(join(CSAF, 'icsma-17-009-01a.json'));
  seed.close();

  const tc = await testCollector({ kb: kbFile });
  t.teardown(() => tc.close());
  const kb0 = tc.c.correlator.kbVersion;
  t.not(kb0, 'none');
  const a = await tc.connect(tc.enroll('icu-span'));
  t.equal((await a.hello('icu', { kbVersion: kb0 })).kbVersion, kb0, 'welcome carries the collector KB version');

  const mx40 = (versions: string[]) =>
    device('mac:02:00:00:00:00:40', {
      manufacturer: 'Philips Medical Systems',
      model: 'IntelliVue MX40',
      softwareVersions: versions,
      evidence: [evidence('manufacturer', 'Philips Medical Systems', { protocol: 'hl7', field: 'MSH-3' }), evidence('model', 'IntelliVue MX40', { protocol: 'hl7', field: 'PRT-10' })],
    });
  await a.sendAcked(deviceMsg(1, mx40(['B.06.17'])));
  tc.c.poll();
  const open = () => tc.c.store.findings({ open: true, device: 'mac:02:00:00:00:00:40' }).filter((f) => f.advisoryIds.includes(MX40_ADVISORY));
  t.same(open(), [], 'no finding before the advisory is known');

  // Another process imports the MX40 advisory into the collector's KB.
  const kbUpdate = a.next('kb-update');
  const imp = KbStore.open(kbFile);
  t.equal(imp.importFile(join(CSAF, 'icsma-17-255-01.json')).status, 'imported');
  imp.close();
  tc.c.poll();
  const found = open();
  t.equal(found.length, 1, 'a new finding on the stored device');
  t.equal(found[0]!.source, 'collector');
  t.equal(found[0]!.status, 'affected');
  t.not(tc.c.correlator.kbVersion, kb0);
  const upd = await kbUpdate;
  t.equal(upd.kbVersion, tc.c.correlator.kbVersion);
  t.same(upd.documents.map((d) => d.name), ['icsma-17-255-01.json'], 'only the new document is pushed');
  t.match(JSON.parse(upd.documents[0]!.json), { document: { tracking: { id: MX40_ADVISORY } } });
  t.ok(tc.logs.some((l) => l.event === 'kb-recorrelated' && l.opened === 1));
  const detail = tc.c.store.device('mac:02:00:00:00:00:40')!;
  t.equal(detail.openFindings, 1);
  t.ok(detail.identity, 'the collector filled in the identity the agent did not send');

  // Patched: the agent reports B.06.18 → the collector's finding closes on the next tick.
  await a.sendAcked(deviceMsg(2, mx40(['B.06.18'])));
  tc.c.poll();
  t.same(open(), [], 'closed once the device is on the fixed version');
  t.equal(tc.c.store.finding(found[0]!.id)!.closedReason, 'no-longer-matches');
  t.same(tc.c.store.deviceDetail('mac:02:00:00:00:00:40')!.history.map((h) => h.change), ['patched']);

  // Back to B.06.17, then the advisory is withdrawn from the KB: closed with 'kb-update'.
  await a.sendAcked(deviceMsg(3, mx40(['B.06.17'])));
  tc.c.poll();
  t.equal(open().length, 1, 're-opened on the downgrade');
  const db = new Database(kbFile);
  db.pragma('foreign_keys = ON');
  db.prepare("DELETE FROM documents WHERE doc_id = ?").run(MX40_ADVISORY);
  db.close();
  tc.c.poll();
  t.same(open(), []);
  t.equal(tc.c.store.finding(found[0]!.id)!.closedReason, 'kb-update');
});

t.test('a KB that does not exist is refused at start', async (t) => {
  await t.rejects(testCollector({ kb: join(tempDir('nokb'), 'missing.sqlite') }), { code: 'AUSCULT_ERR_KB_MISSING' });
});
