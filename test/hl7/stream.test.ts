import t from 'tap';
import fc from 'fast-check';
import { anomalies, message, messages, mllp, pcdMessage, run, type Feed } from './builder.js';
import { hl7Probe } from '../../protocols/hl7/probe.js';
import { createHl7Analyzer } from '../../protocols/hl7/stream.js';
import type { Hl7Event } from '../../protocols/hl7/events.js';

const ack = (control: string) => message(['MSH|^~\\&|GW|FAC|INFUSION|WARD3|20240101||ACK^R01^ACK|A' + control + '|P|2.6', 'MSA|AA|' + control]);

/** A conversation: two frames each way, one a batch, one with CRLF. */
function session(): Feed[] {
  const batch = Buffer.concat([
    message(['BHS|^~\\&|BATCHER|FAC']),
    pcdMessage('B1'),
    message(['MSH#@!$%#OTHER#FAC#####ORU@R01#B2#P#2.5', 'OBX#1##1@MDC_DEV_X@MDC']),
    message(['BTS|2']),
  ]);
  return [
    { dir: 'orig', bytes: Buffer.concat([mllp(pcdMessage('M1')), mllp(pcdMessage('M2', '\r\n'))]) },
    { dir: 'resp', bytes: Buffer.concat([mllp(ack('M1')), mllp(ack('M2'))]) },
    { dir: 'orig', bytes: mllp(batch) },
  ];
}

const canon = (events: Hl7Event[]): string => JSON.stringify(events);

t.test('split-chunk contract: whole, byte by byte and random cuts give identical events', async (t) => {
  const feeds = session();
  const whole = run(feeds).events;
  t.equal(messages(whole).length, 6);
  t.equal(whole.filter((e) => e.type === 'hl7.batch').length, 1);
  t.same(anomalies(whole), []);
  t.same(messages(whole).filter((m) => m.dir === 'resp').map((m) => m.ackCode), ['AA', 'AA']);
  t.equal(canon(run(feeds, {}, (len) => Array.from({ length: len }, (_, i) => i)).events), canon(whole), 'byte by byte');
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
      const r = run(feeds, {}, (len) => [...new Set(cuts.map((c) => c % len))].sort((a, b) => a - b));
      return canon(r.events) === canon(whole) && r.stats.retainedBytes === 0;
    }),
    { numRuns: 150 },
  );
});

t.test('gap inside a frame: partial message, resync on the next frame', async (t) => {
  const f1 = mllp(pcdMessage('M1'));
  const cut = f1.indexOf('OBR'); // after MSH, SFT, PID
  const feeds: Feed[] = [
    { dir: 'orig', bytes: f1.subarray(0, cut + 10) },
    { dir: 'orig', gap: 300 },
    { dir: 'orig', bytes: Buffer.concat([Buffer.from('tail of the lost frame\x1c\r'), mllp(pcdMessage('M2'))]) },
  ];
  const { events, stats } = run(feeds);
  const ms = messages(events);
  t.equal(ms.length, 2);
  t.equal(ms[0]!.partial, true);
  t.equal(ms[0]!.sendingApplication?.namespaceId, 'INFUSION', 'what the header said is kept');
  t.same(ms[0]!.segments, ['MSH', 'SFT', 'PID'], 'the cut OBR is dropped');
  t.equal(ms[1]!.partial, false);
  t.equal(ms[1]!.equipment.length, 2);
  t.equal(anomalies(events, 'gap').length, 1);
  t.equal(anomalies(events, 'resync').length, 1);
  t.equal(stats.gaps, 1);
  // a gap before the header was read: no message, just the anomaly
  const early = run([{ dir: 'orig', bytes: f1.subarray(0, 10) }, { dir: 'orig', gap: 5 }, { dir: 'orig', bytes: mllp(pcdMessage('M3')) }]);
  t.same(messages(early.events).map((m) => m.partial), [false]);
});

t.test('joined mid-stream: garbage and half a frame are skipped', async (t) => {
  const f = mllp(pcdMessage('M1'));
  const bytes = Buffer.concat([f.subarray(200), Buffer.from([0x0b, 0x41, 0x42]), Buffer.from('\x0bNOT|hl7'), f, mllp(pcdMessage('M2'))]);
  const { events, stats } = run([{ dir: 'orig', bytes }]);
  t.equal(messages(events).length, 2);
  t.ok(messages(events).every((m) => !m.partial));
  t.equal(anomalies(events, 'resync').length, 1);
  t.equal(stats.resyncs, 1);
});

t.test('start block inside a frame cuts it; end of stream inside a frame is truncated', async (t) => {
  const f = mllp(pcdMessage('M1'));
  const r = run([{ dir: 'orig', bytes: Buffer.concat([f.subarray(0, f.indexOf('OBR')), mllp(pcdMessage('M2')), f.subarray(0, f.indexOf('PID') + 5)]) }]);
  t.same(messages(r.events).map((m) => m.partial), [true, false, true]);
  t.equal(anomalies(r.events, 'malformed').length, 1);
  t.equal(anomalies(r.events, 'truncated').length, 1);
});

t.test('frame-size cap: anomaly, partial header kept, bounded retained bytes, next frame read', async (t) => {
  const max = 4096;
  const big = message(['MSH|^~\\&|BIGAPP|FAC|||||ORU^R01|1|P|2.5', ...Array.from({ length: 2000 }, (_, i) => `OBX|${i}|ST|x||${'v'.repeat(40)}`)]);
  let peak = 0;
  const { events, stats } = run(
    [{ dir: 'orig', bytes: Buffer.concat([mllp(big), mllp(pcdMessage('M2'))]) }],
    { maxFrameBytes: max },
    (len) => Array.from({ length: Math.floor(len / 1000) }, (_, i) => (i + 1) * 1000),
    (s) => (peak = Math.max(peak, s.retainedBytes)),
  );
  t.equal(anomalies(events, 'cap').length, 1);
  t.equal(anomalies(events, 'resync').length, 0, 'the skip after a cap is not a second anomaly');
  t.equal(stats.capHits, 1);
  t.ok(peak <= max, `retained ${peak} <= ${max}`);
  t.ok(stats.peakRetainedBytes <= max);
  const ms = messages(events);
  t.same(ms.map((m) => [m.sendingApplication?.namespaceId, m.partial]), [['BIGAPP', true], ['INFUSION', false]]);
});

t.test('probe', async (t) => {
  t.equal(hl7Probe(Buffer.from('\x0bMSH|^~\\&|A', 'latin1')), 'match');
  t.equal(hl7Probe(Buffer.from('\x0bFHS|^~\\&', 'latin1')), 'match');
  t.equal(hl7Probe(Buffer.from('\x0bMSH#@!$%', 'latin1')), 'match');
  t.equal(hl7Probe(Buffer.from('\x0b\xef\xbb\xbfMSH|^', 'latin1')), 'match');
  t.equal(hl7Probe(Buffer.from('\x0bMS', 'latin1')), 'need-more');
  t.equal(hl7Probe(Buffer.from('\x0bMSH', 'latin1')), 'need-more');
  t.equal(hl7Probe(Buffer.alloc(0)), 'need-more');
  t.equal(hl7Probe(Buffer.from('MSH|^~\\&|A', 'latin1')), 'no-match', 'raw HL7 without MLLP is not claimed');
  t.equal(hl7Probe(Buffer.from('\x0bMSX|', 'latin1')), 'no-match');
  t.equal(hl7Probe(Buffer.from('\x0bMSHA^~', 'latin1')), 'no-match');
  t.equal(hl7Probe(Buffer.from('\x0bMSH||', 'latin1')), 'no-match');
  t.equal(hl7Probe(Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00, 0x10])), 'no-match', 'DICOM A-ASSOCIATE-RQ');
});

t.test('fuzz: random bytes, mutated frames, random chunking and gaps never throw', async (t) => {
  const base = Buffer.concat(session().filter((f): f is { dir: 'orig'; bytes: Buffer } => 'bytes' in f).map((f) => f.bytes));
  const deadline = Date.now() + 2500;
  let runs = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }).map((muts) => {
          const b = Buffer.from(base);
          for (const [at, v] of muts) b[at % b.length] = v;
          return b;
        }),
      ),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.array(fc.nat({ max: 50 }), { maxLength: 3 }),
      (bytes, cuts, gaps) => {
        runs++;
        if (Date.now() > deadline) return true;
        const events: Hl7Event[] = [];
        const a = createHl7Analyzer((e) => events.push(e), { maxFrameBytes: 2048 });
        const points = [...new Set(cuts.map((c) => c % Math.max(1, bytes.length)))].sort((x, y) => x - y);
        let prev = 0;
        let g = 0;
        for (const p of [...points, bytes.length]) {
          a.data('orig', bytes.subarray(prev, p), 1);
          if (g < gaps.length) a.gap('orig', gaps[g++]!, 1);
          prev = p;
        }
        a.end('orig', 'rst', 2);
        JSON.stringify(events);
        return !events.some((e) => e.type === 'anomaly' && e.kind === 'internal') && a.stats.retainedBytes === 0;
      },
    ),
    { numRuns: 400 },
  );
  t.ok(runs > 0);
});
