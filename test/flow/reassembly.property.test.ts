/**
 * Properties of TCP reassembly through the flow table: random byte streams
 * cut into random segments, reordered, duplicated, overlapped and dropped.
 */
import fc from 'fast-check';
import t from 'tap';
import { FlowTable } from '../../agent/flow/flow-table.js';
import type { DecodedPacket } from '../../protocols/link/types.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../protocols/link/types.js';
import { cutAt, recordingFactory, tcpPacket, type Recorder } from './helpers.js';

const A = { src: '10.0.0.1', sport: 40000, dst: '10.0.0.2', dport: 104 };
const B = { src: '10.0.0.2', sport: 104, dst: '10.0.0.1', dport: 40000 };
const RUNS = { numRuns: 300, interruptAfterTimeLimit: 2500 };

/** Deterministic shuffle driven by a seed (fast-check supplies the seed). */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Feed packets, then overwrite each payload: held data must have been copied. */
function feed(table: FlowTable, pkts: DecodedPacket[]): void {
  for (const p of pkts) {
    table.packet(p);
    p.payload.fill(0xee);
  }
}

const arbIsn = fc.oneof(fc.integer({ min: 0xffffffff - 3000, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }));
const arbStream = fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((u) => Buffer.from(u));
const arbCuts = fc.array(fc.nat(), { maxLength: 40 });

function dataPacket(ep: typeof A, isn: number, stream: Buffer, a: number, b: number, ts = 1000): DecodedPacket {
  return tcpPacket({ ...ep, seq: (isn + 1 + a) >>> 0, flags: TCP_PSH, payload: Buffer.from(stream.subarray(a, b)), ts });
}

t.test('reordered, duplicated and overlapping segments give back exactly the stream', (t) => {
  fc.assert(
    fc.property(
      arbStream,
      arbCuts,
      arbIsn,
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
      fc.integer(),
      (stream, cuts, isn, retrans, seed) => {
        const rec = recordingFactory();
        const table = new FlowTable(rec.factory);
        const segs = cutAt(stream.length, cuts);
        const body = segs.map(([a, b]) => dataPacket(A, isn, stream, a, b));
        // Duplicates of real segments and retransmissions over arbitrary ranges.
        for (const [x, y] of retrans) {
          const a = x % stream.length;
          const b = a + 1 + (y % (stream.length - a));
          body.push(dataPacket(A, isn, stream, a, b));
        }
        body.push(tcpPacket({ ...A, seq: (isn + 1 + stream.length) >>> 0, flags: TCP_FIN }));
        feed(table, [tcpPacket({ ...A, seq: isn, flags: TCP_SYN }), ...shuffle(body, seed)]);
        const r = rec.all[0]!;
        if (!r.bytes('orig').equals(stream)) return false;
        if (r.gaps('orig').length !== 0) return false;
        if (r.ends('orig').join() !== 'fin' || !r.endIsLast('orig')) return false;
        return table.stats.bytesHeld === 0 && table.stats.gaps === 0;
      },
    ),
    RUNS,
  );
  t.pass('property held');
  t.end();
});

t.test('dropped segments become gaps of exactly the missing lengths; all else in order', (t) => {
  fc.assert(
    fc.property(
      arbStream,
      arbCuts,
      arbIsn,
      fc.array(fc.boolean(), { minLength: 41, maxLength: 41 }),
      fc.integer(),
      (stream, cuts, isn, keep, seed) => {
        const rec = recordingFactory();
        const table = new FlowTable(rec.factory);
        const segs = cutAt(stream.length, cuts);
        const kept = segs.filter((_, i) => keep[i]);
        const body = kept.map(([a, b]) => dataPacket(A, isn, stream, a, b));
        body.push(...kept.slice(0, 3).map(([a, b]) => dataPacket(A, isn, stream, a, b)));
        body.push(tcpPacket({ ...A, seq: (isn + 1 + stream.length) >>> 0, flags: TCP_FIN }));
        feed(table, [tcpPacket({ ...A, seq: isn, flags: TCP_SYN }), ...shuffle(body, seed)]);
        table.flush(2000);
        // Expected: runs of present bytes and missing lengths, in stream order.
        const expected: Array<['d', string] | ['g', number]> = [];
        segs.forEach(([a, b], i) => {
          const last = expected[expected.length - 1];
          if (keep[i]) {
            const hex = stream.subarray(a, b).toString('hex');
            if (last?.[0] === 'd') last[1] += hex;
            else expected.push(['d', hex]);
          } else if (last?.[0] === 'g') last[1] += b - a;
          else expected.push(['g', b - a]);
        });
        const r = rec.all[0]!;
        const got = r.runs('orig');
        if (JSON.stringify(got) !== JSON.stringify(expected)) return false;
        const missing = expected.filter((x) => x[0] === 'g');
        if (table.stats.gaps !== missing.length) return false;
        if (table.stats.gapBytes !== missing.reduce((s, x) => s + (x[1] as number), 0)) return false;
        // The FIN is reached once the last hole is given up.
        return r.ends('orig').join() === 'fin' && r.endIsLast('orig');
      },
    ),
    RUNS,
  );
  t.pass('property held');
  t.end();
});

t.test('mid-stream join starts at the first data segment seen', (t) => {
  fc.assert(
    fc.property(arbStream, arbCuts, arbIsn, fc.integer(), (stream, cuts, isn, seed) => {
      const rec = recordingFactory();
      const table = new FlowTable(rec.factory);
      const segs = cutAt(stream.length, cuts);
      const [first, ...rest] = segs.map(([a, b]) => dataPacket(A, isn, stream, a, b));
      // Plus a retransmission of bytes from before we joined: dropped.
      const before = tcpPacket({ ...A, seq: (isn - 99) >>> 0, flags: TCP_PSH, payload: Buffer.alloc(50, 1) });
      feed(table, [first!, ...shuffle([...rest, ...rest.slice(0, 2), before], seed)]);
      table.flush(2000);
      const r = rec.all[0]!;
      return (
        r.bytes('orig').equals(stream) &&
        r.gaps('orig').length === 0 &&
        r.ends('orig').join() === 'eof' &&
        r.ends('resp').join() === 'eof' &&
        !r.conn.handshakeSeen &&
        table.stats.midstreamJoins === 1
      );
    }),
    RUNS,
  );
  t.pass('property held');
  t.end();
});

t.test('both directions reassemble independently when interleaved', (t) => {
  fc.assert(
    fc.property(
      arbStream,
      arbStream,
      arbCuts,
      arbCuts,
      arbIsn,
      arbIsn,
      fc.integer(),
      (s1, s2, c1, c2, isnA, isnB, seed) => {
        const rec = recordingFactory();
        const table = new FlowTable(rec.factory);
        // ACKs acknowledge only the handshake: never past any hole.
        const aPk = cutAt(s1.length, c1).map(([a, b]) =>
          tcpPacket({ ...A, seq: (isnA + 1 + a) >>> 0, ack: (isnB + 1) >>> 0, flags: TCP_ACK, payload: Buffer.from(s1.subarray(a, b)) }),
        );
        const bPk = cutAt(s2.length, c2).map(([a, b]) =>
          tcpPacket({ ...B, seq: (isnB + 1 + a) >>> 0, ack: (isnA + 1) >>> 0, flags: TCP_ACK, payload: Buffer.from(s2.subarray(a, b)) }),
        );
        feed(table, [
          tcpPacket({ ...A, seq: isnA, flags: TCP_SYN }),
          tcpPacket({ ...B, seq: isnB, ack: (isnA + 1) >>> 0, flags: TCP_SYN | TCP_ACK }),
          ...shuffle([...aPk, ...bPk], seed),
        ]);
        table.flush(2000);
        const r = rec.all[0]!;
        return rec.all.length === 1 && r.bytes('orig').equals(s1) && r.bytes('resp').equals(s2) && table.stats.gaps === 0;
      },
    ),
    RUNS,
  );
  t.pass('property held');
  t.end();
});

/** Check a direction's events against the stream: every delivered byte sits at its true offset. */
function consistent(r: Recorder, stream: Buffer): boolean {
  let pos = 0;
  for (const e of r.events) {
    if (e.dir !== 'orig') continue;
    if (e.kind === 'gap') pos += e.length;
    else if (e.kind === 'data') {
      if (!e.bytes.equals(stream.subarray(pos, pos + e.bytes.length))) return false;
      pos += e.bytes.length;
    }
  }
  return pos === stream.length;
}

t.test('byte caps: held bytes never exceed the totals; forced gaps keep every byte in place', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(arbStream, arbCuts, arbIsn), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 16, max: 800 }),
      fc.integer({ min: 16, max: 2000 }),
      fc.integer(),
      (flows, perDir, total, seed) => {
        const rec = recordingFactory();
        const table = new FlowTable(rec.factory, { maxHeldBytesPerDirection: perDir, maxHeldBytesTotal: total });
        const pkts: DecodedPacket[] = [];
        flows.forEach(([stream, cuts, isn], i) => {
          const ep = { ...A, sport: 30000 + i };
          pkts.push(
            ...cutAt(stream.length, cuts).map(([a, b]) => dataPacket(ep, isn, stream, a, b)),
            tcpPacket({ ...ep, seq: (isn + 1 + stream.length) >>> 0, flags: TCP_FIN }),
          );
        });
        const syns = flows.map(([, , isn], i) => tcpPacket({ ...A, sport: 30000 + i, seq: isn, flags: TCP_SYN }));
        for (const p of [...syns, ...shuffle(pkts, seed)]) {
          table.packet(p);
          p.payload.fill(0xee);
          if (table.stats.bytesHeld > total || table.stats.bytesHeld < 0) return false;
        }
        table.flush(2000);
        if (table.stats.bytesHeldPeak > total || table.stats.bytesHeld !== 0) return false;
        return rec.all.every((r, i) => consistent(r, flows[i]![0]) && r.ends('orig').join() === 'fin');
      },
    ),
    RUNS,
  );
  t.pass('property held');
  t.end();
});
