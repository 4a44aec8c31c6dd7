import t from 'tap';
import fc from 'fast-check';
import {
  byType,
  cStoreRq,
  cStoreRsp,
  ctDataset,
  datasetPdus,
  encodeForTs,
  pdata,
  pdu,
  pdv,
  releaseRq,
  run,
  storeSession,
  TS_BIG,
  TS_DEFLATE,
  TS_EXPLICIT,
  TS_IMPLICIT,
  type Feed,
} from './builder.js';
import { createDicomAnalyzer } from '../../protocols/dicom/stream.js';
import type { DicomEvent } from '../../protocols/dicom/events.js';
import type { Direction } from '../../protocols/common/analyzer.js';

/** A session with two C-STOREs, fragmented into small PDUs, in every transfer syntax. */
function richSession(ts: string): Feed[] {
  const s = storeSession(ts, ctDataset(), 200);
  const second = encodeForTs(ctDataset([], 300), ts);
  s.splice(4, 0,
    { dir: 'orig', bytes: Buffer.concat([pdata(pdv(1, true, false, cStoreRq(8).subarray(0, 10)), pdv(1, true, true, cStoreRq(8).subarray(10))), ...datasetPdus(1, second, 77)]) },
    { dir: 'resp', bytes: pdata(pdv(1, true, true, cStoreRsp(8, 0))) },
  );
  return s;
}

const canon = (events: DicomEvent[]): string => JSON.stringify(events);

t.test('split-chunk contract: whole, byte by byte and random cuts give identical events', async (t) => {
  for (const ts of [TS_IMPLICIT, TS_EXPLICIT, TS_BIG, TS_DEFLATE]) {
    const feeds = richSession(ts);
    const whole = run(feeds).events;
    t.equal(byType(whole, 'dicom.equipment').length, 2, `${ts}: both datasets`);
    t.equal(byType(whole, 'dicom.dimse').length, 4);
    t.equal(byType(whole, 'anomaly').length, 0);
    const bytewise = run(feeds, {}, (len) => Array.from({ length: len }, (_, i) => i));
    t.equal(canon(bytewise.events), canon(whole), `${ts}: byte by byte`);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        const r = run(feeds, {}, (len) => [...new Set(cuts.map((c) => c % len))].sort((a, b) => a - b));
        return canon(r.events) === canon(whole);
      }),
      { numRuns: 60 },
    );
  }
});

t.test('a 50 MB C-STORE streams through with bounded retained memory', async (t) => {
  const events: DicomEvent[] = [];
  const a = createDicomAnalyzer((e) => events.push(e));
  const pixels = 50 * 1024 * 1024;
  // header elements up to Pixel Data, then the pixel value streamed from one reused buffer
  const header = encodeForTs(ctDataset([], 0), TS_EXPLICIT);
  const pre = header.subarray(0, header.length); // ends with (7FE0,0010) OW length 0: patch the length
  pre.writeUInt32LE(pixels, pre.length - 4);
  const session = storeSession(TS_EXPLICIT, []);
  a.data('orig', session[0]!.bytes, 1);
  a.data('resp', session[1]!.bytes, 1);
  a.data('orig', pdata(pdv(1, true, true, cStoreRq(1))), 1);
  const pduData = 16378;
  const total = pre.length + pixels;
  const filler = Buffer.alloc(pduData, 0x5a);
  let sent = 0;
  let peak = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  while (sent < total) {
    const n = Math.min(pduData, total - sent);
    const body = sent < pre.length ? Buffer.concat([pre.subarray(sent, Math.min(pre.length, sent + n)), filler]).subarray(0, n) : filler.subarray(0, n);
    pending.push(pdata(pdv(1, false, sent + n === total, body)));
    pendingLen += n;
    sent += n;
    if (pendingLen > 60000 || sent === total) {
      // deliver in odd-sized TCP-like chunks
      const buf = Buffer.concat(pending);
      for (let off = 0; off < buf.length; off += 1000) a.data("orig", buf.subarray(off, off + 1000), 1);
      pending = [];
      pendingLen = 0;
      peak = Math.max(peak, a.stats.peakRetainedBytes);
    }
  }
  a.data('resp', pdata(pdv(1, true, true, cStoreRsp(1, 0))), 1);
  t.ok(peak < 128 * 1024, `peak retained ${peak} bytes`);
  t.ok(a.stats.bytes > pixels);
  const [eq] = byType(events, 'dicom.equipment');
  t.equal(eq?.manufacturer, 'ACME Medical');
  t.same(byType(events, 'dicom.dimse').map((e) => e.name), ['C-STORE-RQ', 'C-STORE-RSP']);
  t.equal(byType(events, 'anomaly').length, 0);
});

/** Feed `bytes` to one direction, replacing [at, at+n) with a gap. */
function withGap(bytes: Buffer, at: number, n: number, opts: { dir?: Direction; prefix?: Feed[] } = {}): { events: DicomEvent[]; stats: ReturnType<typeof createDicomAnalyzer>['stats'] } {
  const events: DicomEvent[] = [];
  const a = createDicomAnalyzer((e) => events.push(e));
  for (const f of opts.prefix ?? []) a.data(f.dir, f.bytes, 1);
  const dir = opts.dir ?? 'orig';
  a.data(dir, bytes.subarray(0, at), 1);
  a.gap(dir, n, 1);
  a.data(dir, bytes.subarray(at + n), 1);
  a.end(dir, 'fin', 2);
  return { events, stats: a.stats };
}

t.test('gaps', async (t) => {
  const s = storeSession(TS_EXPLICIT, ctDataset([], 5000), 1024);
  const assoc = [s[0]!, s[1]!];
  const ds = encodeForTs(ctDataset([], 5000), TS_EXPLICIT);
  const stream = Buffer.concat([pdata(pdv(1, true, true, cStoreRq(1))), ...datasetPdus(1, ds, 1000), pdata(pdv(1, true, true, cStoreRq(2))), ...datasetPdus(1, ds, 1000), releaseRq()]);

  t.test('inside the pixel data of a P-DATA PDU: stays in sync', async (t) => {
    const at = stream.indexOf(Buffer.alloc(300, 0x41)) + 100;
    const { events, stats } = withGap(stream, at, 50, { prefix: assoc });
    t.match(byType(events, 'anomaly'), [{ kind: 'gap', detail: /kept sync/ }]);
    t.equal(stats.resyncs, 0);
    t.same(byType(events, 'dicom.dimse').map((e) => e.messageId), [1, 2]);
    t.equal(byType(events, 'dicom.equipment').length, 2, 'the first dataset was already read');
    t.equal(byType(events, 'dicom.release-rq').length, 1);
  });

  t.test('inside the equipment tags: partial result kept, next message intact', async (t) => {
    const at = stream.indexOf(Buffer.from('Scanmaster'));
    const { events } = withGap(stream, at, 4, { prefix: assoc });
    const eq = byType(events, 'dicom.equipment');
    t.equal(eq.length, 2);
    t.match(eq[0], { partial: true, manufacturer: 'ACME Medical', modelName: null });
    t.match(eq[1], { partial: false, modelName: 'Scanmaster 3000' });
  });

  t.test('spanning a PDV header inside one PDU: skips to the PDU end, in sync', async (t) => {
    const two = Buffer.concat([pdata(pdv(1, true, true, cStoreRq(1)), pdv(1, false, true, ds.subarray(0, 200))), pdata(pdv(1, true, true, cStoreRq(2)))]);
    const firstPdvEnd = 6 + 6 + cStoreRq(1).length;
    const { events, stats } = withGap(two, firstPdvEnd - 3, 8, { prefix: assoc });
    t.equal(stats.resyncs, 0);
    t.same(byType(events, 'dicom.dimse').map((e) => e.messageId), [2]);
  });

  t.test('at a PDU boundary: resynchronises on the next PDU', async (t) => {
    const pdus = [pdata(pdv(1, true, true, cStoreRq(1))), pdata(pdv(1, true, true, cStoreRq(2))), pdata(pdv(1, true, true, cStoreRq(3)))];
    const bytes = Buffer.concat(pdus);
    const { events, stats } = withGap(bytes, pdus[0]!.length, pdus[1]!.length, { prefix: assoc });
    t.same(byType(events, 'dicom.dimse').map((e) => e.messageId), [1, 3]);
    t.equal(stats.resyncs, 1);
    t.match(byType(events, 'anomaly'), [{ kind: 'gap' }, { kind: 'resync' }]);
  });

  t.test('joined mid-stream in the middle of a PDU: recovers on the next PDU', async (t) => {
    const start = stream.indexOf(Buffer.alloc(300, 0x41)) + 7;
    const events: DicomEvent[] = [];
    const a = createDicomAnalyzer((e) => events.push(e));
    a.data('orig', stream.subarray(start), 1);
    a.end('orig', 'fin', 2);
    const d = byType(events, 'dicom.dimse');
    t.same(d.map((e) => e.messageId), [2]);
    const eq = byType(events, 'dicom.equipment');
    t.equal(eq.length, 1, 'the orphaned tail of the first dataset is not parsed');
    t.match(eq[0], { transferSyntaxGuessed: true, transferSyntaxUid: TS_EXPLICIT, modelName: 'Scanmaster 3000' });
    t.equal(a.stats.resyncs, 1);
  });
});

t.test('malformed PDV item length: rest of the PDU skipped, next PDU parsed', async (t) => {
  const bad = pdu(4, Buffer.from([0, 0, 0, 200, 1, 3, 0, 0]));
  const { events, stats } = run([{ dir: 'orig', bytes: Buffer.concat([releaseRq(), bad, pdata(pdv(1, true, true, cStoreRq(4)))]) }]);
  t.equal(stats.malformed, 1);
  t.same(byType(events, 'dicom.dimse').map((e) => e.messageId), [4]);
});

t.test('end inside a PDU reports truncation', async (t) => {
  const full = pdata(pdv(1, true, true, cStoreRq(1)));
  const { events } = run([{ dir: 'orig', bytes: Buffer.concat([releaseRq(), full.subarray(0, 20)]) }]);
  t.match(byType(events, 'anomaly'), [{ kind: 'truncated' }]);
});

t.test('fuzz: random bytes, mutated sessions, random chunking and gaps never throw', async (t) => {
  const base = Buffer.concat(richSession(TS_EXPLICIT).filter((f) => f.dir === 'orig').map((f) => f.bytes));
  const deflated = Buffer.concat(richSession(TS_DEFLATE).map((f) => f.bytes));
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
    fc
      .tuple(fc.constantFrom(base, deflated), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 12 }))
      .map(([b, muts]) => {
        const m = Buffer.from(b);
        for (const [i, v] of muts) m[i % m.length] = v;
        return m;
      }),
  );
  let runs = 0;
  fc.assert(
    fc.property(input, fc.array(fc.nat(), { maxLength: 20 }), fc.array(fc.nat({ max: 500 }), { maxLength: 3 }), (bytes, cuts, gaps) => {
      runs++;
      const events: DicomEvent[] = [];
      const a = createDicomAnalyzer((e) => events.push(e), { maxPduLength: 4096 });
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
      let prev = 0;
      points.forEach((p, i) => {
        a.data(i % 2 ? 'resp' : 'orig', bytes.subarray(prev, p), 1);
        if (gaps[i] !== undefined) a.gap('orig', gaps[i]!, 1);
        prev = p;
      });
      a.data('orig', bytes.subarray(prev), 1);
      a.end('orig', 'rst', 2);
      a.end('resp', 'rst', 2);
      const json = JSON.stringify(events);
      return !events.some((e) => e.type === 'anomaly' && e.kind === 'internal') && !json.includes('"type":"Buffer"') && a.stats.peakRetainedBytes < 4096 + 200_000;
    }),
    { numRuns: 400, interruptAfterTimeLimit: 4000 },
  );
  t.ok(runs > 20, `${runs} runs`);
});
