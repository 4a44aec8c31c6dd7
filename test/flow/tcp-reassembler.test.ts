/**
 * One direction's reassembler driven directly: the per-direction cap as an
 * invariant, and acknowledgements from a receiver that saw what the capture lost.
 */
import fc from 'fast-check';
import t from 'tap';
import type { Direction, EndReason } from '../../protocols/common/analyzer.js';
import { AnalyzerGuard } from '../../agent/flow/analyzer-guard.js';
import { newFlowStats } from '../../agent/flow/flow-stats.js';
import { HeldBudget } from '../../agent/flow/held-budget.js';
import { seqDiff } from '../../agent/flow/seq.js';
import { TcpReassembler } from '../../agent/flow/tcp-reassembler.js';
import { TCP_FIN, TCP_SYN } from '../../protocols/link/types.js';
import { cutAt, Recorder } from './helpers.js';

function setup(maxHeld: number, maxTotal = 1 << 30) {
  const stats = newFlowStats();
  const rec = new Recorder({ id: 'x', orig: { ip: 'a', port: 1, mac: null }, resp: { ip: 'b', port: 2, mac: null }, handshakeSeen: true });
  const r = new TcpReassembler('orig', new AnalyzerGuard(rec, stats), new HeldBudget(maxTotal, stats), stats, maxHeld);
  return { stats, rec, r };
}

/** Every delivered byte at its true offset, and data + gaps cover the stream. */
function consistent(rec: Recorder, stream: Buffer): boolean {
  let pos = 0;
  for (const e of rec.events) {
    if (e.kind === 'gap') pos += e.length;
    else if (e.kind === 'data') {
      if (!e.bytes.equals(stream.subarray(pos, pos + e.bytes.length))) return false;
      pos += e.bytes.length;
    }
  }
  return pos === stream.length;
}

function order(n: number, seed: number): number[] {
  const idx = [...Array(n).keys()];
  let s = seed >>> 0 || 7;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

const arbIsn = fc.oneof(fc.integer({ min: 0xffffffff - 2000, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }));

t.test('serial arithmetic wraps', (t) => {
  t.equal(seqDiff(5, 0xfffffffb), 10);
  t.equal(seqDiff(0xfffffffb, 5), -10);
  t.equal(seqDiff(0x80000000, 0), -(2 ** 31), 'exactly half the space apart is ambiguous (RFC 1982 §3.2)');
  t.end();
});

t.test('held bytes never exceed the per-direction cap', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      arbIsn,
      fc.integer({ min: 1, max: 500 }),
      fc.integer(),
      (u, cuts, isn, cap, seed) => {
        const stream = Buffer.from(u);
        const { r, rec, stats } = setup(cap);
        r.segment(isn, TCP_SYN, Buffer.alloc(0), 1);
        const segs = cutAt(stream.length, cuts);
        for (const i of order(segs.length, seed)) {
          const [a, b] = segs[i]!;
          r.segment((isn + 1 + a) >>> 0, 0, Buffer.from(stream.subarray(a, b)), 1);
          if (r.heldBytes > cap || stats.bytesHeld !== r.heldBytes) return false;
        }
        r.segment((isn + 1 + stream.length) >>> 0, TCP_FIN, Buffer.alloc(0), 1);
        r.finish('eof', 2);
        return consistent(rec, stream) && rec.ends('orig').join() === 'fin' && stats.bytesHeld === 0;
      },
    ),
    { numRuns: 300, interruptAfterTimeLimit: 2000 },
  );
  t.pass('property held');
  t.end();
});

t.test("receiver ACKs past segments the capture lost: gaps exact, data in place", (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      arbIsn,
      fc.array(fc.boolean(), { minLength: 41, maxLength: 41 }),
      fc.array(fc.boolean(), { minLength: 41, maxLength: 41 }),
      (u, cuts, isn, captured, ackAfter) => {
        const stream = Buffer.from(u);
        const { r, rec, stats } = setup(1 << 20);
        r.segment(isn, TCP_SYN, Buffer.alloc(0), 1);
        const segs = cutAt(stream.length, cuts);
        // In-order sending; the receiver gets everything and sometimes ACKs;
        // the capture misses some segments.
        segs.forEach(([a, b], i) => {
          if (captured[i]) r.segment((isn + 1 + a) >>> 0, 0, Buffer.from(stream.subarray(a, b)), 1);
          if (ackAfter[i]) r.ack((isn + 1 + b) >>> 0, 1);
        });
        r.segment((isn + 1 + stream.length) >>> 0, TCP_FIN, Buffer.alloc(0), 1);
        r.ack((isn + 2 + stream.length) >>> 0, 1); // ACK of the FIN ends the direction
        const lost = segs.reduce((n, [a, b], i) => n + (captured[i] ? 0 : b - a), 0);
        return (
          consistent(rec, stream) &&
          stats.gapBytes === lost &&
          rec.ends('orig').join() === 'fin' &&
          rec.endIsLast('orig') &&
          stats.bytesHeld === 0
        );
      },
    ),
    { numRuns: 300, interruptAfterTimeLimit: 2000 },
  );
  t.pass('property held');
  t.end();
});

t.test('an analyzer that throws is detached, not propagated', (t) => {
  const stats = newFlowStats();
  const seen: Array<[Direction, EndReason | number]> = [];
  const guard = new AnalyzerGuard(
    {
      data() {
        throw new Error('bug');
      },
      gap(d, n) {
        seen.push([d, n]);
      },
      end(d, why) {
        seen.push([d, why]);
      },
    },
    stats,
  );
  const r = new TcpReassembler('resp', guard, new HeldBudget(1000, stats), stats, 1000);
  r.segment(0, TCP_SYN, Buffer.alloc(0), 1);
  r.segment(5, 0, Buffer.from('later'), 1);
  t.equal(r.heldBytes, 5);
  t.doesNotThrow(() => r.segment(1, 0, Buffer.from('abcd'), 1));
  t.equal(stats.analyzerErrors, 1);
  t.ok(guard.dead);
  r.segment(10, 0, Buffer.from('x'), 1);
  t.equal(r.heldBytes, 0, 'a dead analyzer makes the reassembler drop what it held');
  t.equal(stats.bytesHeld, 0);
  r.finish('eof', 2);
  t.same(seen, [], 'no more calls after the failure');
  t.equal(r.ended, 'eof');
  t.end();
});
