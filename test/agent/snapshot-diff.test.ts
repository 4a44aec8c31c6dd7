/**
 * The snapshot diff: only changes are enqueued; last-seen/count churn is
 * rate-limited; a finding that disappears for a device still seen is closed.
 */
import t from 'tap';
import { applyChanges, diffSnapshot, fitDevice } from '../../agent/uplink/snapshot-diff.js';
import type { SentState } from '../../agent/uplink/outbox.js';
import type { DeviceRecord, Evidence } from '../../rules/inventory.js';
import type { Finding } from '../../rules/types.js';

const ev = (i: number, lastSeen = '2024-01-01T00:00:01.000Z'): Evidence => ({
  attribute: 'model', value: `M${i}`, protocol: 'dicom', field: 'x', flow: 'f', firstSeen: '2024-01-01T00:00:00.000Z', lastSeen, count: 1, confidence: 'high',
});
const dev = (id: string, model: string, lastSeen = '2024-01-01T00:00:01.000Z'): DeviceRecord =>
  ({ id, ip: null, mac: null, manufacturer: null, model, softwareVersions: [], serialNumber: null, deviceClass: null, roles: [], firstSeen: '2024-01-01T00:00:00.000Z', lastSeen, evidence: [ev(1, lastSeen)] }) as unknown as DeviceRecord;
const fnd = (id: string, deviceId: string): Finding => ({ id, deviceId, title: id }) as Finding;

t.test('changes only; volatile churn waits for the refresh interval; closed findings', async (t) => {
  const state = new Map<string, SentState>();
  let d = diffSnapshot([dev('a', 'X'), dev('b', 'Y')], [fnd('f1', 'a'), fnd('f2', 'b')], state, { now: 0, refreshMs: 1000 });
  t.equal(d.devices, 2);
  t.equal(d.findings, 2);
  applyChanges(state, d.changes);
  d = diffSnapshot([dev('a', 'X'), dev('b', 'Y')], [fnd('f1', 'a'), fnd('f2', 'b')], state, { now: 10, refreshMs: 1000 });
  t.equal(d.changes.length, 0, 'same snapshot: nothing');
  d = diffSnapshot([dev('a', 'X', '2024-01-01T00:00:09.000Z'), dev('b', 'Z')], [fnd('f1', 'a')], state, { now: 20, refreshMs: 1000 });
  t.same(d.changes.filter((c) => c.message?.type === 'device').map((c) => (c.message as { device: DeviceRecord }).device.id), ['b'], 'a model change goes at once; a last-seen change waits');
  t.equal(d.closed, 1);
  t.match(d.changes.find((c) => c.message?.type === 'finding-closed')?.message, { findingId: 'f2', deviceId: 'b' });
  applyChanges(state, d.changes);
  t.notOk(state.has('f:f2'), 'closed finding forgotten');
  d = diffSnapshot([dev('a', 'X', '2024-01-01T00:00:09.000Z'), dev('b', 'Z')], [fnd('f1', 'a')], state, { now: 2000, refreshMs: 1000 });
  t.equal(d.devices, 1, 'after the refresh interval the last-seen change goes');
  applyChanges(state, d.changes);
  d = diffSnapshot([dev('b', 'Z')], [], state, { now: 3000, refreshMs: 1000 });
  t.equal(d.closed, 0, "a finding whose device is not in the snapshot (e.g. after a restart) stays open");
});

t.test('a device too large for one frame keeps the evidence that fits', async (t) => {
  const big = dev('a', 'X');
  big.evidence = Array.from({ length: 5000 }, (_, i) => ({ ...ev(i), field: 'y'.repeat(300) }));
  const fitted = fitDevice(big);
  t.ok(fitted.evidence.length < 5000 && fitted.evidence.length > 0);
  t.ok(Buffer.byteLength(JSON.stringify(fitted)) < 1024 * 1024);
  t.equal(fitDevice(dev('b', 'Y')).evidence.length, 1);
});
