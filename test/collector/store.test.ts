/**
 * The store on its own (a real SQLite file): devices merged across agents,
 * version history, findings closed and re-opened, filters.
 */
import t from 'tap';
import { join } from 'node:path';
import { CollectorStore } from '../../collector/store.js';
import { classifyVersionChange } from '../../collector/merge.js';
import { device, evidence, finding, tempDir } from './helpers.js';

function open(t: { teardown(fn: () => void): void }) {
  const s = CollectorStore.open(join(tempDir('store'), 'c.sqlite'));
  t.teardown(() => s.close());
  s.enroll('a1');
  s.enroll('a2');
  return s;
}

let seq = 0;
const put = (s: CollectorStore, agentId: string, d: ReturnType<typeof device>, observedAt = d.lastSeen) =>
  s.applyBatch([{ agentId, msg: { type: 'device', v: 1, seq: ++seq, observedAt, device: d } }]);

t.test('two agents: union of evidence, newest values win', async (t) => {
  const s = open(t);
  put(s, 'a1', device('mac:02:00:00:00:00:01', {
    ip: '10.0.0.1', ips: ['10.0.0.1'], manufacturer: 'GE MEDICAL SYSTEMS', model: 'Optima', roles: ['modality'], softwareVersions: ['1.0'],
    firstSeen: '2024-05-01T09:00:00.000Z', lastSeen: '2024-05-01T10:00:00.000Z',
    evidence: [evidence('manufacturer', 'GE MEDICAL SYSTEMS', { count: 5, firstSeen: '2024-05-01T09:00:00.000Z', lastSeen: '2024-05-01T10:00:00.000Z' })],
  }));
  put(s, 'a2', device('mac:02:00:00:00:00:01', {
    ip: '10.0.0.2', ips: ['10.0.0.2'], manufacturer: null, model: 'Optima CT660', roles: ['hl7-sender'], serialNumber: 'SN1', softwareVersions: [],
    firstSeen: '2024-05-01T09:30:00.000Z', lastSeen: '2024-05-01T11:00:00.000Z',
    evidence: [
      evidence('manufacturer', 'GE MEDICAL SYSTEMS', { count: 2, firstSeen: '2024-05-01T08:00:00.000Z', lastSeen: '2024-05-01T11:00:00.000Z' }),
      evidence('serialNumber', 'SN1', { protocol: 'hl7', field: 'PRT-16' }),
    ],
  }));
  const d = s.device('mac:02:00:00:00:00:01')!;
  t.same(d.agents, ['a1', 'a2']);
  t.equal(d.ip, '10.0.0.2', 'newest ip');
  t.equal(d.manufacturer, 'GE MEDICAL SYSTEMS', 'a newer null does not erase a value');
  t.equal(d.model, 'Optima CT660', 'newest model');
  t.equal(d.serialNumber, 'SN1');
  t.same(d.softwareVersions, ['1.0'], 'newest non-empty version list');
  t.same(d.ips.sort(), ['10.0.0.1', '10.0.0.2']);
  t.same(d.roles.sort(), ['hl7-sender', 'modality']);
  t.equal(d.firstSeen, '2024-05-01T09:00:00.000Z');
  t.equal(d.lastSeen, '2024-05-01T11:00:00.000Z');
  t.equal(d.evidence.length, 2, 'evidence union');
  const m = d.evidence.find((e) => e.attribute === 'manufacturer')!;
  t.equal(m.firstSeen, '2024-05-01T08:00:00.000Z');
  t.equal(m.lastSeen, '2024-05-01T11:00:00.000Z');
  t.equal(m.count, 5, 'largest count (overlapping SPAN ports see the same packets)');
  const rows = s.db.prepare('SELECT agent_id, count(*) AS n FROM evidence GROUP BY agent_id ORDER BY agent_id').all();
  t.same(rows, [{ agent_id: 'a1', n: 1 }, { agent_id: 'a2', n: 2 }], 'evidence rows per agent');
  t.same(s.devices({ agent: 'a2' }).map((x) => x.id), ['mac:02:00:00:00:00:01']);

  // A late, older report from a1 does not overwrite its newer one.
  put(s, 'a1', device('mac:02:00:00:00:00:01', { model: 'stale', lastSeen: '2024-05-01T08:00:00.000Z' }), '2024-05-01T08:00:00.000Z');
  t.equal(s.device('mac:02:00:00:00:00:01')!.model, 'Optima CT660');
});

t.test('version history: patched, downgraded, changed', async (t) => {
  const s = open(t);
  const at = (h: number) => `2024-05-01T${String(h).padStart(2, '0')}:00:00.000Z`;
  put(s, 'a1', device('ip:10.0.0.9', { softwareVersions: ['4.2.1'], lastSeen: at(1) }));
  put(s, 'a1', device('ip:10.0.0.9', { softwareVersions: ['4.2.1'], lastSeen: at(2) }));
  put(s, 'a1', device('ip:10.0.0.9', { softwareVersions: ['4.10'], lastSeen: at(3) }));
  put(s, 'a2', device('ip:10.0.0.9', { softwareVersions: ['4.2.1 SP2'], lastSeen: at(4) }));
  put(s, 'a2', device('ip:10.0.0.9', { softwareVersions: ['v4.2.1 SP2'], lastSeen: at(5) }));
  const h = s.deviceDetail('ip:10.0.0.9')!.history;
  t.same(h.map((x) => [x.from, x.to, x.change, x.agentId]), [
    [['4.2.1'], ['4.10'], 'patched', 'a1'],
    [['4.10'], ['4.2.1 SP2'], 'downgraded', 'a2'],
    [['4.2.1 SP2'], ['v4.2.1 SP2'], 'changed', 'a2'],
  ]);
  t.equal(classifyVersionChange([], ['1.0']), null, 'first sighting is not a change');
});

t.test('findings: upsert, close, re-open, filters and order', async (t) => {
  const s = open(t);
  put(s, 'a1', device('ip:10.0.0.1', { manufacturer: 'Philips', deviceClass: 'patient-monitor' }));
  put(s, 'a1', device('ip:10.0.0.2', { manufacturer: 'Baxter', deviceClass: 'infusion-pump' }));
  const f = (id: string, dev: string, o = {}) => s.applyBatch([{ agentId: 'a1', msg: { type: 'finding', v: 1, seq: ++seq, finding: finding(id, dev, o) } }]);
  f('f-med', 'ip:10.0.0.1', { severity: 'medium', cvss: null });
  f('f-crit', 'ip:10.0.0.1', { severity: 'critical' });
  f('f-kev', 'ip:10.0.0.2', { severity: 'high', kev: { dateAdded: '2024-01-01', dueDate: null, knownRansomwareCampaignUse: 'Known' } });
  f('f-fixed', 'ip:10.0.0.2', { severity: 'low', status: 'fixed' });
  t.same(s.findings().map((x) => x.id), ['f-kev', 'f-crit', 'f-med', 'f-fixed'], 'riskiest first: KEV, then severity');
  t.same(s.findings({ severity: ['critical', 'high'] }).map((x) => x.id), ['f-kev', 'f-crit']);
  t.same(s.findings({ kev: true }).map((x) => x.id), ['f-kev']);
  t.same(s.findings({ status: ['fixed'] }).map((x) => x.id), ['f-fixed']);
  s.applyBatch([{ agentId: 'a1', msg: { type: 'finding-closed', v: 1, seq: ++seq, findingId: 'f-crit', deviceId: 'ip:10.0.0.1', reason: 'patched' } }]);
  const closed = s.finding('f-crit')!;
  t.equal(closed.closedReason, 'patched');
  t.ok(closed.closedAt);
  t.same(s.findings({ open: true }).map((x) => x.id), ['f-kev', 'f-med', 'f-fixed']);
  t.same(s.findings({ open: false }).map((x) => x.id), ['f-crit']);
  const d1 = s.device('ip:10.0.0.1')!;
  t.equal(d1.openFindings, 1);
  t.equal(d1.maxSeverity, 'medium');
  t.equal(d1.kev, false);
  t.equal(s.device('ip:10.0.0.2')!.kev, true);
  f('f-crit', 'ip:10.0.0.1', { severity: 'critical' });
  t.equal(s.finding('f-crit')!.closedAt, null, 're-reported: open again');
  t.same(s.devices({ vulnerable: true }).map((x) => x.id), ['ip:10.0.0.1', 'ip:10.0.0.2']);
  s.applyBatch([{ agentId: 'a1', msg: { type: 'finding-closed', v: 1, seq: ++seq, findingId: 'f-kev', deviceId: 'ip:10.0.0.2', reason: 'patched' } }]);
  t.same(s.devices({ vulnerable: true }).map((x) => x.id), ['ip:10.0.0.1'], 'a fixed finding does not make a device vulnerable');
  t.same(s.devices({ vulnerable: false }).map((x) => x.id), ['ip:10.0.0.2']);
  t.same(s.devices({ vendor: 'baxter' }).map((x) => x.id), ['ip:10.0.0.2']);
  t.same(s.devices({ class: 'patient-monitor' }).map((x) => x.id), ['ip:10.0.0.1']);
  t.same(s.devices({ q: 'PHILIPS' }).map((x) => x.id), ['ip:10.0.0.1']);
});

t.test('class, vendor and search columns follow every report (same class, new class)', async (t) => {
  const s = open(t);
  const id = 'ip:10.0.0.61';
  put(s, 'a1', device(id, { manufacturer: 'GE', deviceClass: 'ct', lastSeen: '2024-05-01T01:00:00.000Z' }));
  s.db.prepare("UPDATE devices SET stored_first = 'first' WHERE id = ?").run(id);
  put(s, 'a1', device(id, { manufacturer: 'Siemens', deviceClass: 'ct', model: 'SOMATOM', lastSeen: '2024-05-01T02:00:00.000Z' }));
  t.same([s.devices({ class: 'ct' }).length, s.devices({ vendor: 'siemens' }).length, s.devices({ vendor: 'ge' }).length, s.devices({ q: 'somatom' }).length], [1, 1, 0, 1]);
  put(s, 'a1', device(id, { manufacturer: 'Siemens', deviceClass: 'mr', lastSeen: '2024-05-01T03:00:00.000Z' }));
  t.same([s.devices({ class: 'ct' }).length, s.devices({ class: 'mr' }).length], [0, 1], 'a new class moves the device in the class index');
  put(s, 'a1', device(id, { manufacturer: 'Siemens', deviceClass: null, lastSeen: '2024-05-01T04:00:00.000Z' }));
  t.same([s.devices({ class: 'mr' }).length, s.device(id)!.deviceClass], [0, null]);
  put(s, 'a1', device(id, { manufacturer: 'Siemens', deviceClass: null, lastSeen: '2024-05-01T05:00:00.000Z' }));
  t.equal(s.device(id)!.storedFirst, 'first', 'updates keep when the device was first stored');
  t.equal((s.db.prepare('SELECT observed_at FROM devices WHERE id = ?').get(id) as { observed_at: string }).observed_at, '2024-05-01T05:00:00.000Z');
});

t.test('a file that is not a collector database is refused', async (t) => {
  const dir = tempDir('store-bad');
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(dir, 'other.sqlite'));
  db.exec('CREATE TABLE x (a)');
  db.close();
  t.throws(() => CollectorStore.open(join(dir, 'other.sqlite')), { code: 'AUSCULT_ERR_COLLECTOR_DATABASE' });
  const s = CollectorStore.open(join(dir, 'c.sqlite'));
  t.teardown(() => s.close());
  s.enroll('a1');
  t.throws(() => s.enroll('a1'), { code: 'AUSCULT_ERR_AGENT_EXISTS' });
  t.throws(() => s.enroll('bad name'), { code: 'AUSCULT_ERR_AGENT_NAME' });
  t.throws(() => s.revoke('nobody'), { code: 'AUSCULT_ERR_AGENT_UNKNOWN' });
});

t.test('evidence rows: only rows whose key set or state (flow, first seen, confidence) moved are rewritten; counts stay right in the JSON', async (t) => {
  const s = open(t);
  const id = 'ip:10.0.0.21';
  const at = (h: number) => `2024-05-01T${String(h).padStart(2, '0')}:00:00.000Z`;
  const rows = () =>
    s.db.prepare('SELECT attribute, value, first_seen, flow, confidence FROM evidence WHERE device_id = ? AND agent_id = ? ORDER BY attribute, value').all(id, 'a1') as Array<{
      attribute: string;
      value: string;
      first_seen: string;
      flow: string;
      confidence: string;
    }>;
  const ev = (attribute: string, value: string, lastHour: number, count: number, flow = 'f1', firstHour = 1) =>
    evidence(attribute, value, { field: attribute, firstSeen: at(firstHour), lastSeen: at(lastHour), count, flow });
  put(s, 'a1', device(id, { lastSeen: at(1), evidence: [ev('aeTitle', 'CT1', 1, 1), ev('manufacturer', 'GE', 1, 1), ev('model', 'Optima', 1, 1)] }));
  t.equal(rows().length, 3);
  const cols = (s.db.prepare("SELECT name FROM pragma_table_info('evidence')").all() as Array<{ name: string }>).map((c) => c.name);
  t.notOk(cols.includes('last_seen') || cols.includes('count'), 'what moves with every report is not kept per row');

  // A marker the store would overwrite if it rewrote the row: proves unchanged rows are skipped.
  s.db.prepare("UPDATE evidence SET confidence = 'untouched' WHERE device_id = ?").run(id);
  put(s, 'a1', device(id, { lastSeen: at(2), evidence: [ev('aeTitle', 'CT1', 2, 3), ev('manufacturer', 'GE', 1, 1), ev('model', 'Optima', 2, 2)] }));
  const report = s.db.prepare('SELECT observed_at, json FROM device_agents WHERE device_id = ?').get(id) as { observed_at: string; json: string | null };
  t.same(report, { observed_at: at(1), json: null }, "only counts moved: the only agent's row is not rewritten");
  t.same([...new Set(rows().map((r) => r.confidence))], ['untouched'], 'nor its evidence rows');
  t.equal(s.device(id)!.evidence.find((e) => e.attribute === 'aeTitle')!.count, 3, 'the merged view has the new count');
  put(s, 'a1', device(id, { lastSeen: at(2), evidence: [ev('aeTitle', 'CT1', 2, 4), ev('manufacturer', 'GE', 1, 1), ev('model', 'Optima', 2, 2, 'f2')] }));
  t.same(rows().map((r) => [r.attribute, r.flow, r.confidence]), [
    ['aeTitle', 'f1', 'untouched'],
    ['manufacturer', 'f1', 'untouched'],
    ['model', 'f2', 'high'],
  ], 'the row whose flow moved rewritten; rows where only last seen and count moved skipped');
  const merged = s.device(id)!.evidence.find((e) => e.attribute === 'aeTitle')!;
  t.equal(merged.count, 4, 'the merged view has the new count');
  t.equal(merged.lastSeen, at(2));

  // An earlier first sighting (another flow showed it before): rewritten.
  put(s, 'a1', device(id, { lastSeen: at(3), evidence: [ev('aeTitle', 'CT1', 3, 5, 'f1', 0), ev('manufacturer', 'GE', 1, 1), ev('model', 'Optima', 2, 2, 'f2')] }));
  t.same(rows().map((r) => [r.attribute, r.first_seen, r.confidence]), [
    ['aeTitle', at(0), 'high'],
    ['manufacturer', at(1), 'untouched'],
    ['model', at(1), 'high'],
  ]);

  // The set of rows changes (a patch: a new model row, the old one gone): all rows replaced.
  put(s, 'a1', device(id, { lastSeen: at(4), evidence: [ev('aeTitle', 'CT1', 3, 5), ev('manufacturer', 'GE', 1, 1), ev('model', 'Optima 2', 3, 1)] }));
  t.same(rows().map((r) => [r.attribute, r.value, r.flow, r.confidence]), [
    ['aeTitle', 'CT1', 'f1', 'high'],
    ['manufacturer', 'GE', 'f1', 'high'],
    ['model', 'Optima 2', 'f1', 'high'],
  ], 'vanished row dropped, every row written again');

  // A replay of an already-stored seq changes nothing (exactly once).
  s.db.prepare("UPDATE evidence SET flow = 'marker' WHERE device_id = ?").run(id);
  s.applyBatch([{ agentId: 'a1', msg: { type: 'device', v: 1, seq, observedAt: at(4), device: device(id, { lastSeen: at(4), evidence: [ev('aeTitle', 'CT1', 9, 9, 'f9')] }) } }]);
  t.same([...new Set(rows().map((r) => r.flow))], ['marker'], 'duplicate seq not applied');

  // A report stored by schema version 1 kept keys only, no state: its rows count as changed.
  put(s, 'a1', device(id, { lastSeen: at(5), evidence: [ev('aeTitle', 'CT1', 3, 5)] }));
  s.db.prepare("UPDATE evidence SET flow = 'marker' WHERE device_id = ?").run(id);
  s.db.prepare("UPDATE device_agents SET evidence_keys = 'aeTitle' || char(0) || 'CT1' || char(0) || 'dicom' || char(0) || 'aeTitle' || char(1) WHERE device_id = ?").run(id);
  put(s, 'a1', device(id, { lastSeen: at(6), evidence: [ev('aeTitle', 'CT1', 3, 5)] }));
  t.same(rows().map((r) => [r.attribute, r.flow]), [['aeTitle', 'f1']], 'rewritten although its state is the one stored');
});

t.test("a lone agent's unchanged row: late replays are still refused, and a second agent merges with its newest report", async (t) => {
  const s = open(t);
  const id = 'ip:10.0.0.22';
  const at = (h: number) => `2024-05-01T${String(h).padStart(2, '0')}:00:00.000Z`;
  const ev = (lastHour: number) => [evidence('model', 'Optima', { field: 'model', firstSeen: at(1), lastSeen: at(lastHour), count: lastHour })];
  put(s, 'a1', device(id, { model: 'Optima', serialNumber: 'SN-OLD', lastSeen: at(1), evidence: ev(1) }));
  put(s, 'a1', device(id, { model: 'Optima', serialNumber: 'SN-NEW', lastSeen: at(5), evidence: ev(5) }));
  t.equal((s.db.prepare('SELECT observed_at FROM device_agents WHERE device_id = ?').get(id) as { observed_at: string }).observed_at, at(1), 'row not rewritten');
  // Observed at 3, arriving after the report observed at 5: the older one must not win.
  put(s, 'a1', device(id, { model: 'Optima', serialNumber: 'SN-LATE', lastSeen: at(3), evidence: ev(3) }));
  t.equal(s.device(id)!.serialNumber, 'SN-NEW', 'a late, older report is ignored although the row says 01:00');

  // A second agent with an older observation: a1's newest report (05:00) must win the merge.
  put(s, 'a2', device(id, { serialNumber: 'SN-A2', lastSeen: at(2) }));
  t.equal(s.device(id)!.serialNumber, 'SN-NEW', "a1's newest report is newer than a2's");
  const row = s.db.prepare("SELECT observed_at, json FROM device_agents WHERE device_id = ? AND agent_id = 'a1'").get(id) as { observed_at: string; json: string };
  t.equal(row.observed_at, at(5), "a1's row carries its newest observation once a second agent reports");
  t.equal((JSON.parse(row.json) as { serialNumber: string }).serialNumber, 'SN-NEW');
  put(s, 'a2', device(id, { serialNumber: 'SN-A2b', lastSeen: at(6) }));
  t.equal(s.device(id)!.serialNumber, 'SN-A2b', 'then the newer report wins');
});

t.test('a version 1 database is migrated: device_agents becomes a rowid table, reports kept', async (t) => {
  const dir = tempDir('store-v1');
  const file = join(dir, 'c.sqlite');
  const s1 = CollectorStore.open(file);
  s1.enroll('a1');
  put(s1, 'a1', device('ip:10.0.0.31', { model: 'Optima', evidence: [evidence('model', 'Optima')] }));
  // Turn it back into what version 1 wrote.
  s1.db.exec(`
    CREATE TABLE device_agents_v1 (device_id TEXT NOT NULL, agent_id TEXT NOT NULL, json TEXT NOT NULL, observed_at TEXT NOT NULL,
      stored_at TEXT NOT NULL, evidence_keys TEXT NOT NULL, PRIMARY KEY (device_id, agent_id)) WITHOUT ROWID;
    INSERT INTO device_agents_v1 SELECT device_id, agent_id, coalesce(json, (SELECT json FROM devices WHERE id = device_id)), observed_at, stored_at, evidence_keys FROM device_agents;
    DROP TABLE device_agents;
    ALTER TABLE device_agents_v1 RENAME TO device_agents;
    CREATE INDEX device_agents_agent ON device_agents(agent_id);
    UPDATE schema_version SET version = 1;`);
  s1.close();

  const s = CollectorStore.open(file);
  t.teardown(() => s.close());
  t.equal((s.db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, 3);
  const sql = (s.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'device_agents'").get() as { sql: string }).sql;
  t.notMatch(sql, /WITHOUT ROWID/);
  t.match(sql, /json TEXT,\s*UNIQUE/, 'json is the last column');
  t.equal(s.device('ip:10.0.0.31')!.model, 'Optima');
  t.same(s.devices({ agent: 'a1' }).map((d) => d.id), ['ip:10.0.0.31'], 'the per-agent index still answers');
  s.enroll('a2');
  put(s, 'a2', device('ip:10.0.0.31', { model: 'Optima CT660', lastSeen: '2024-05-01T12:00:00.000Z' }));
  t.same(s.device('ip:10.0.0.31')!.agents, ['a1', 'a2'], 'the migrated report merges with a new one');
});

t.test("a device's only agent: its report is stored once (devices.json) until a second agent reports the device", async (t) => {
  const s = open(t);
  const reportJson = (id: string, agent: string) =>
    (s.db.prepare('SELECT json FROM device_agents WHERE device_id = ? AND agent_id = ?').get(id, agent) as { json: string | null }).json;
  const first = device('ip:10.0.0.41', { model: 'Optima', manufacturer: 'GE MEDICAL SYSTEMS', roles: ['modality'], lastSeen: '2024-05-01T10:00:00.000Z' });
  put(s, 'a1', first);
  t.equal(reportJson('ip:10.0.0.41', 'a1'), null, 'not repeated in device_agents');
  t.same(s.device('ip:10.0.0.41')!.model, 'Optima');

  put(s, 'a2', device('ip:10.0.0.41', { model: 'Optima CT660', roles: ['hl7-sender'], lastSeen: '2024-05-01T11:00:00.000Z' }));
  t.same(JSON.parse(reportJson('ip:10.0.0.41', 'a1')!), first, "the first agent's report written out as it sent it");
  t.not(reportJson('ip:10.0.0.41', 'a2'), null);
  const d = s.device('ip:10.0.0.41')!;
  t.same([d.model, d.manufacturer, d.roles.sort(), d.agents], ['Optima CT660', 'GE MEDICAL SYSTEMS', ['hl7-sender', 'modality'], ['a1', 'a2']]);
  put(s, 'a1', device('ip:10.0.0.41', { model: 'Optima CT660 Pro', lastSeen: '2024-05-01T12:00:00.000Z' }));
  t.equal(s.device('ip:10.0.0.41')!.model, 'Optima CT660 Pro', 'reports of both agents are kept from now on');
  t.not(reportJson('ip:10.0.0.41', 'a1'), null);

  // An identity the collector computed goes into the merged view only, not into what the agent sent.
  const sent = device('ip:10.0.0.42', { model: 'Optima', lastSeen: '2024-05-01T10:00:00.000Z' });
  put(s, 'a1', sent);
  const identity = { vendorId: 'ge-healthcare', vendor: 'GE HealthCare', product: 'Optima', model: 'Optima', version: null, deviceClass: 'ct', cpe: null, purl: null, confidence: 0.9, rules: ['r1'] };
  t.ok(s.fillIdentity('ip:10.0.0.42', identity as unknown as NonNullable<ReturnType<typeof device>['identity']>));
  t.equal(s.device('ip:10.0.0.42')!.identity?.vendorId, 'ge-healthcare');
  t.same(JSON.parse(reportJson('ip:10.0.0.42', 'a1')!), sent, "the agent's report kept apart before the merged view changed");
  put(s, 'a2', device('ip:10.0.0.42', { serialNumber: 'SN42', lastSeen: '2024-05-01T11:00:00.000Z' }));
  const merged = s.device('ip:10.0.0.42')!;
  t.same([merged.model, merged.serialNumber, merged.identity], ['Optima', 'SN42', null], 'merged from what the agents sent');
});
