/**
 * Bypass (StreamAnalyzer.skip): the DICOM analyzer passes over the bytes of
 * a data set it has finished with, and the flow table hands them to skip()
 * instead of data(). Whatever the capture, the events, counters and report
 * must be exactly those of delivering every byte, including when packets
 * are lost (gaps land in skipped stretches) or the capture starts late.
 */
import t from 'tap';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pipeline } from '../../agent/pipeline.js';
import { readPcap, type PcapRecord } from '../../scripts/lib/pcap-file.js';
import { DICOM_FIXTURES } from '../helpers/paths.js';

function run(linkType: number, records: PcapRecord[], bypass: boolean): { events: string; report: string } {
  const events: string[] = [];
  const p = new Pipeline({ flows: { bypass }, onEvent: (conn, e) => events.push(`${conn.id} ${JSON.stringify(e)}`) });
  for (const r of records) p.packet(linkType, r.frame, r.sec + r.usec / 1e6, r.origLen);
  // The report includes the flow counters (bytes delivered, gaps) as well as the devices.
  return { events: events.join('\n'), report: JSON.stringify(p.finish()) };
}

const fixtures = readdirSync(DICOM_FIXTURES).filter((f) => f.endsWith('.pcap'));

t.test('every DICOM fixture: the same events and report with and without bypass', async (t) => {
  t.ok(fixtures.length >= 5, `${fixtures.length} captures`);
  for (const f of fixtures) {
    const cap = readPcap(join(DICOM_FIXTURES, f));
    const on = run(cap.linkType, cap.records, true);
    const off = run(cap.linkType, cap.records, false);
    t.ok(on.events.length > 0, `${f}: events`);
    t.equal(on.events, off.events, `${f}: events`);
    t.equal(on.report, off.report, `${f}: report`);
  }
});

t.test('packets dropped and the start cut: still the same with and without bypass', async (t) => {
  const caps = ['store.pcap', 'archive.pcap', 'syntaxes.pcap'].map((f) => readPcap(join(DICOM_FIXTURES, f)));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: caps.length - 1 }),
      fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
      fc.nat({ max: 20 }),
      fc.integer({ min: 2, max: 40 }),
      (which, keep, start, every) => {
        const cap = caps[which]!;
        // Drop some packets in a repeating pattern (every Nth, as the pattern says), after a late start.
        const records = cap.records.slice(start).filter((_, i) => i % every !== 0 || keep[i % 64]);
        const on = run(cap.linkType, records, true);
        const off = run(cap.linkType, records, false);
        return on.events === off.events && on.report === off.report;
      },
    ),
    { numRuns: 60, interruptAfterTimeLimit: 20_000 },
  );
  t.pass('property held');
});

t.test('bypass does skip: most of a stored series never reaches the parser', async (t) => {
  const cap = readPcap(join(DICOM_FIXTURES, 'store.pcap'));
  const { AnalyzerGuard } = await import('../../agent/flow/analyzer-guard.js');
  let skipped = 0;
  let delivered = 0;
  const skip = AnalyzerGuard.prototype.skip;
  const data = AnalyzerGuard.prototype.data;
  AnalyzerGuard.prototype.skip = function (dir, n, ts) {
    skipped += n;
    return skip.call(this, dir, n, ts);
  };
  AnalyzerGuard.prototype.data = function (dir, chunk, ts) {
    delivered += chunk.length;
    return data.call(this, dir, chunk, ts);
  };
  try {
    run(cap.linkType, cap.records, true);
  } finally {
    AnalyzerGuard.prototype.skip = skip;
    AnalyzerGuard.prototype.data = data;
  }
  t.ok(skipped > 4 * delivered, `${skipped} bytes skipped, ${delivered} parsed`);
});
