/**
 * The durable outbox on a real SQLite file: seqs persist across reopen,
 * device states are compacted, stats are dropped first at the cap, findings
 * never.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox, type OutgoingMessage } from '../../agent/uplink/outbox.js';
import type { DeviceRecord } from '../../rules/inventory.js';
import type { Finding } from '../../rules/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'auscult-outbox-'));
let n = 0;
const file = (): string => join(tmp, `outbox-${n++}.sqlite`);

function device(id: string, model = 'M1'): OutgoingMessage {
  return { type: 'device', v: 1, observedAt: '2024-01-01T00:00:00.000Z', device: { id, model } as unknown as DeviceRecord };
}
function stats(i: number): OutgoingMessage {
  return { type: 'stats', v: 1, at: new Date(i).toISOString(), stats: { packets: i } as never };
}
function finding(id: string): OutgoingMessage {
  return { type: 'finding', v: 1, finding: { id, deviceId: 'ip:1' } as Finding };
}
/** Every row, taken for sending (assigns seqs to rows that had none). */
const take = (o: Outbox) => o.take(0, 1e6).map((r) => ({ ...r, msg: JSON.parse(r.body) as { seq: number; type: string; device?: { id: string; model: string }; stats?: { packets: number } } }));
/** Rows as stored, read beside the outbox without taking them (no seq assigned). */
const peek = (f: string) => {
  const db = new Database(f, { readonly: true });
  try {
    return db.prepare('SELECT type, body FROM outbox ORDER BY id').all() as Array<{ type: string; body: string }>;
  } finally {
    db.close();
  }
};

t.test('seqs are assigned at first send, persist across reopen and are never reused', async (t) => {
  const f = file();
  let o = Outbox.open(f);
  o.enqueue(stats(1));
  o.enqueue(stats(2));
  o.enqueue(finding('a'));
  t.equal(o.lastSeq, 0, 'nothing sent yet, no seq assigned');
  const rows = o.take(0, 2);
  t.same(rows.map((r) => [r.seq, r.resend]), [[1, false], [2, false]]);
  t.same(JSON.parse(rows[0].body).seq, 1, 'the body carries its seq');
  t.same(o.take(0, 10).map((r) => [r.seq, r.resend]), [[1, true], [2, true], [3, false]], 'a second take (reconnect) reuses seqs');
  t.equal(o.ack(3), 3, 'ack deletes rows <= seq');
  t.equal(o.depth, 0);
  o.close();
  o = Outbox.open(f);
  t.equal(o.lastSeq, 3, 'counter survived with an empty outbox');
  o.enqueue(stats(3));
  t.same(o.take(0, 10).map((r) => r.seq), [4]);
  o.close();
  o = Outbox.open(f);
  t.equal(o.depth, 1, 'unacked row survived');
  t.same(o.take(0, 10).map((r) => [r.seq, r.resend]), [[4, true]], 'and keeps its seq after a restart');
  o.close();
});

t.test('device messages are compacted: the latest state per device, in place while unsent', async (t) => {
  const o = Outbox.open(file());
  o.enqueue(device('ip:10.0.0.1', 'A'));
  o.enqueue(finding('f1'));
  o.enqueue(device('ip:10.0.0.1', 'B'));
  t.equal(o.counters.compactions, 1);
  t.equal(o.depth, 2);
  let rows = take(o);
  t.same(rows.map((r) => [r.seq, r.msg.type, r.msg.device?.model]), [[1, 'device', 'B'], [2, 'finding', undefined]], 'same position: the device still precedes its finding');
  // Once on the wire, a new state gets a new row (the old one may already be stored).
  o.enqueue(device('ip:10.0.0.1', 'C'));
  o.enqueue(device('ip:10.0.0.1', 'D'));
  rows = take(o);
  t.same(rows.map((r) => r.msg.device?.model ?? r.msg.type), ['B', 'finding', 'D'], 'the unsent new row compacts again');
  t.same(rows.map((r) => r.seq), [1, 2, 3], 'no hole in the seqs');
  o.close();
});

t.test('after a restart, rows already sent are not rewritten', async (t) => {
  const f = file();
  let o = Outbox.open(f);
  o.enqueue(device('ip:1', 'A'));
  o.take(0, 10);
  o.close();
  o = Outbox.open(f);
  o.enqueue(device('ip:1', 'B'));
  t.same(take(o).map((r) => [r.seq, r.msg.device?.model]), [[1, 'A'], [2, 'B']]);
  o.close();
});

t.test('cap: stats dropped first (oldest), findings never, overflow counted', async (t) => {
  const o = Outbox.open(file(), { maxRows: 5 });
  for (let i = 1; i <= 4; i++) o.enqueue(stats(i));
  o.enqueue(finding('f1'));
  t.equal(o.depth, 5);
  o.enqueue(stats(5));
  t.equal(o.depth, 5);
  t.equal(o.counters.statsDropped, 1);
  t.same(peek(o.file).filter((r) => r.type === 'stats').map((r) => JSON.parse(r.body).stats.packets), [2, 3, 4, 5], 'the newest stats stay');
  for (let i = 2; i <= 10; i++) o.enqueue(finding(`f${i}`));
  const kinds = take(o).map((r) => r.msg.type);
  t.equal(kinds.filter((k) => k === 'finding').length, 10, 'every finding kept');
  t.equal(kinds.filter((k) => k === 'stats').length, 0, 'every stats row dropped to make room');
  t.ok(o.counters.overCap > 0, 'going over the cap with nothing droppable is counted');
  t.equal(o.depth, 10);
  o.close();
});

t.test('commit writes messages and state in one transaction', async (t) => {
  const f = file();
  let o = Outbox.open(f);
  o.commit([
    { message: device('ip:1'), state: { key: 'd:ip:1', deviceId: 'ip:1', stable: 's', full: 'f', at: 1 } },
    { message: finding('x'), state: { key: 'f:x', deviceId: 'ip:1', stable: 's2', full: 'f2', at: 1 } },
  ]);
  o.commit([{ forget: 'f:x' }]);
  o.close();
  o = Outbox.open(f);
  t.same([...o.loadState().keys()], ['d:ip:1']);
  o.close();
});

t.test('a refused row becomes a stats filler under its seq; refused again, it is deleted', async (t) => {
  const o = Outbox.open(file());
  o.enqueue(finding('bad'));
  o.enqueue(finding('good'));
  o.take(0, 10);
  const r1 = o.fillGap(1, stats(42) as OutgoingMessage & { type: 'stats' });
  t.equal(r1.result, 'filled');
  t.match(JSON.parse((r1 as { body: string }).body), { seq: 1, type: 'stats', stats: { packets: 42 } });
  t.same(take(o).map((r) => [r.seq, r.msg.type]), [[1, 'stats'], [2, 'finding']], 'the seq stays, so the contiguous ack can pass it');
  t.equal(o.fillGap(1, stats(43) as OutgoingMessage & { type: 'stats' }).result, 'dropped');
  t.equal(o.fillGap(99, stats(43) as OutgoingMessage & { type: 'stats' }).result, 'unknown');
  t.equal(o.depth, 1);
  t.equal(o.counters.refusedDropped, 2);
  o.advancePast(100);
  o.enqueue(stats(2));
  t.same(o.take(0, 10).map((r) => r.seq), [2, 101], 'a collector that holds more moves the counter past it');
  o.close();
});

t.test('a file that is not an outbox is refused with a code', async (t) => {
  const f = join(tmp, 'not-outbox.sqlite');
  writeFileSync(f, 'hello');
  t.throws(() => Outbox.open(f), { code: 'AUSCULT_ERR_OUTBOX' });
});

t.test('10 000 device states in one commit stay fast', async (t) => {
  const o = Outbox.open(file());
  const started = performance.now();
  o.commit(Array.from({ length: 10_000 }, (_, i) => ({ message: device(`ip:10.0.${i >> 8}.${i & 255}`) })));
  o.commit(Array.from({ length: 10_000 }, (_, i) => ({ message: device(`ip:10.0.${i >> 8}.${i & 255}`, 'B') })));
  const ms = performance.now() - started;
  t.equal(o.depth, 10_000);
  t.equal(o.counters.compactions, 10_000);
  t.equal(o.take(0, 20_000).length, 10_000);
  t.ok(ms < 3000, `two commits of 10k rows in ${ms.toFixed(0)} ms`);
  o.close();
});
