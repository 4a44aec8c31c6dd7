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

/**
 * An analyzer of records "length byte, then that many bytes", which reads
 * each length byte and offers to skip the body: what a parser that only
 * needs headers (DICOM past the equipment tags) does.
 */
class HeaderReader extends Recorder {
  /** Body bytes still to come, which it would pass over. */
  private body = 0;
  readonly skips: number[] = [];
  lengthsRead = 0;
  overSkipped = false;
  override data(dir: Direction, chunk: Buffer, ts: number): number {
    super.data(dir, chunk, ts);
    for (const b of chunk) {
      if (this.body > 0) this.body--;
      else {
        this.body = b;
        this.lengthsRead++;
      }
    }
    return this.body;
  }
  skip(dir: Direction, length: number, ts: number): number {
    if (length > this.body) this.overSkipped = true;
    this.skips.push(length);
    // Recorded as a gap: the coverage check (consistent) counts skipped bytes as passed over.
    this.events.push({ kind: 'gap', dir, length, ts });
    this.body -= length;
    return this.body;
  }
  override gap(dir: Direction, length: number, ts: number): void {
    super.gap(dir, length, ts);
    this.body = 0; // lost sync: the next byte is read as a length
  }
}

t.test('bypass: bytes an analyzer offers to skip go to skip(), never more than offered, the rest to data() in place', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      arbIsn,
      fc.integer(),
      fc.boolean(),
      (bodies, cuts, isn, seed, bypass) => {
        // The stream: records of [length, body...] (bodies up to 255 bytes).
        const parts: Buffer[] = [];
        for (const b of bodies) {
          const body = Buffer.from(b.subarray(0, 255));
          parts.push(Buffer.from([body.length]), body);
        }
        const stream = Buffer.concat(parts);
        const stats = newFlowStats();
        const rec = new HeaderReader({ id: 'x', orig: { ip: 'a', port: 1, mac: null }, resp: { ip: 'b', port: 2, mac: null }, handshakeSeen: true });
        const r = new TcpReassembler('orig', new AnalyzerGuard(rec, stats, bypass), new HeldBudget(1 << 30, stats), stats, 1 << 20);
        r.segment(isn, TCP_SYN, Buffer.alloc(0), 1);
        const segs = cutAt(stream.length, cuts);
        // Half the segments as a range of a larger buffer (segmentFrom, what
        // the pipeline uses: no view when all of it is skipped).
        const framed = Buffer.concat([Buffer.alloc(5, 0xee), stream, Buffer.alloc(3, 0xee)]);
        for (const i of order(segs.length, seed)) {
          const [a, b] = segs[i]!;
          if ((i + seed) % 2 === 0) r.segment((isn + 1 + a) >>> 0, 0, Buffer.from(stream.subarray(a, b)), 1);
          else r.segmentFrom((isn + 1 + a) >>> 0, 0, framed, 5 + a, b - a, 1);
        }
        r.segment((isn + 1 + stream.length) >>> 0, TCP_FIN, Buffer.alloc(0), 1);
        r.finish('eof', 2);
        // data() runs in place and skips (recorded as gaps) cover the stream
        // exactly; every length byte reached data() (the reader counted them).
        let lengthsSeen = 0;
        let p = 0;
        while (p < stream.length) {
          lengthsSeen++;
          p += 1 + stream[p]!;
        }
        const skipped = rec.skips.reduce((a, b) => a + b, 0);
        const dataBytes = rec.bytes('orig').length;
        return (
          consistent(rec, stream) &&
          !rec.overSkipped &&
          rec.lengthsRead === lengthsSeen &&
          (bypass || skipped === 0) &&
          skipped + dataBytes === stream.length &&
          stats.bytesDelivered === stream.length &&
          rec.ends('orig').join() === 'fin'
        );
      },
    ),
    { numRuns: 300, interruptAfterTimeLimit: 2500 },
  );
  // And it does skip: a 200-byte body in 10-byte segments. The first segment
  // (length byte and 9 body bytes) goes to data(); the next 19 to skip(); the
  // last carries the final body byte (skipped) and the next length byte, which
  // data() gets as a view of the segment's tail.
  const stats = newFlowStats();
  const rec = new HeaderReader({ id: 'x', orig: { ip: 'a', port: 1, mac: null }, resp: { ip: 'b', port: 2, mac: null }, handshakeSeen: true });
  const r = new TcpReassembler('orig', new AnalyzerGuard(rec, stats), new HeldBudget(1 << 30, stats), stats, 1 << 20);
  const stream = Buffer.concat([Buffer.from([200]), Buffer.alloc(200, 7), Buffer.from([0])]);
  r.segment(99, TCP_SYN, Buffer.alloc(0), 1);
  for (let a = 0; a < stream.length; a += 10) r.segment(100 + a, 0, stream.subarray(a, a + 10), 1);
  t.equal(rec.bytes('orig').toString('hex'), 'c8' + '07'.repeat(9) + '00', 'data() saw the first segment and the next length byte');
  t.equal(rec.skips.length, 20, 'nineteen whole segments and one byte skipped');
  t.equal(rec.skips.reduce((x, y) => x + y, 0), 191);
  t.equal(stats.bytesDelivered, stream.length);
  t.end();
});
