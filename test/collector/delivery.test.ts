/**
 * Exactly-once delivery: duplicates and replays after a reconnect are
 * acknowledged and not applied again; out-of-order seqs are stored and the
 * ack only moves once the gap below them closes; the acked seq survives a
 * collector restart.
 */
import t from 'tap';
import { device, deviceMsg, evidence, finding, findingMsg, statsMsg, testCollector, tempDir } from './helpers.js';

t.test('same seq twice, out of order after a reconnect, restart', async (t) => {
  const dir = tempDir('delivery');
  let tc = await testCollector({ dir });
  const token = tc.enroll('ward-a');

  let a = await tc.connect(token);
  t.equal((await a.hello()).ackedSeq, 0);
  const d1 = device('ip:10.0.0.1', { manufacturer: 'GE', evidence: [evidence('manufacturer', 'GE', { count: 3 })] });
  t.equal((await a.sendAcked(deviceMsg(1, d1))).seq, 1);
  t.equal((await a.sendAcked(findingMsg(2, finding('f-1', 'ip:10.0.0.1')))).seq, 2);
  // The same seq again (the agent did not see the ack): acked, not applied.
  const changed = { ...d1, manufacturer: 'CHANGED' };
  t.equal((await a.sendAcked(deviceMsg(2, changed))).seq, 2, 'duplicate acked with the stored seq');
  t.equal(tc.c.store.device('ip:10.0.0.1')!.manufacturer, 'GE', 'the duplicate was not applied');
  t.equal(tc.c.endpoint.counters.duplicates, 1);
  await a.close();

  // Reconnect: replay 2 (already stored), then 5 and 4 out of order, then 3.
  a = await tc.connect(token);
  t.equal((await a.hello()).ackedSeq, 2, 'welcome says what is stored');
  t.equal((await a.sendAcked(findingMsg(2, finding('f-1', 'ip:10.0.0.1', { title: 'replayed' })))).seq, 2);
  t.equal((await a.sendAcked(deviceMsg(5, device('ip:10.0.0.5')), 2)).seq, 2, 'seq 5 stored but the ack stays at 2 (3 and 4 missing)');
  t.ok(tc.c.store.device('ip:10.0.0.5'), 'seq 5 is stored');
  t.equal((await a.sendAcked(statsMsg(4), 2)).seq, 2);
  t.equal((await a.sendAcked(deviceMsg(5, device('ip:10.0.0.5', { model: 'again' })), 2)).seq, 2, 'seq 5 again: duplicate');
  t.equal(tc.c.store.device('ip:10.0.0.5')!.model, null);
  t.equal((await a.sendAcked(deviceMsg(3, device('ip:10.0.0.3')))).seq, 5, 'the gap closes: ack jumps to 5');
  t.equal(tc.c.store.findings({ device: 'ip:10.0.0.1' })[0]!.title, 'test finding', 'the replayed finding was not applied');
  t.equal(tc.c.store.devices().length, 3, 'each device stored once');
  const ev = tc.c.store.db.prepare('SELECT count(*) AS n FROM evidence').get() as { n: number };
  t.equal(ev.n, 1, 'evidence rows not duplicated');
  const seqRows = tc.c.store.db.prepare('SELECT count(*) AS n FROM agent_seqs').get() as { n: number };
  t.equal(seqRows.n, 0, 'out-of-order seqs folded into acked_seq');
  await a.close();

  // Restart the collector on the same database: the acked seq is durable.
  await tc.c.close();
  tc = await testCollector({ dir });
  t.teardown(() => tc.close());
  a = await tc.connect(token);
  t.equal((await a.hello()).ackedSeq, 5, 'acked seq survives a restart');
  t.equal((await a.sendAcked(deviceMsg(4, device('ip:10.0.0.44')), 5)).seq, 5);
  t.notOk(tc.c.store.device('ip:10.0.0.44'), 'seq 4 after a restart: still a duplicate');
  t.equal((await a.sendAcked(deviceMsg(6, device('ip:10.0.0.6')))).seq, 6);
  await a.close();
});

t.test('a burst is stored in batches and acked up to the last seq', async (t) => {
  const tc = await testCollector();
  t.teardown(() => tc.close());
  const a = await tc.connect(tc.enroll('ward-a'));
  await a.hello();
  const last = a.next('ack', (m) => m.seq === 3000, 10_000);
  for (let i = 1; i <= 3000; i++) a.send(deviceMsg(i, device(`ip:10.1.${i >> 8}.${i & 255}`)));
  t.equal((await last).seq, 3000);
  t.equal(tc.c.store.devices().length, 3000);
  t.ok(tc.c.endpoint.counters.batches < 3000, `batched: ${tc.c.endpoint.counters.batches} transactions`);
  const acks = a.received.filter((m) => m.type === 'ack').map((m) => (m as { seq: number }).seq);
  t.ok(acks.every((s, i) => i === 0 || s >= acks[i - 1]!), 'acks never go backwards');
});

t.test('a new agent whose outbox starts above 1 (acked by an earlier collector)', async (t) => {
  const tc = await testCollector();
  t.teardown(() => tc.close());
  const a = await tc.connect(tc.enroll('ward-a'));
  await a.hello('x', { lastSeq: 120 });
  t.equal((await a.sendAcked(deviceMsg(101, device('ip:10.0.0.1')))).seq, 101);
  t.equal((await a.sendAcked(deviceMsg(102, device('ip:10.0.0.2')))).seq, 102);
});
