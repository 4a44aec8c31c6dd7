/**
 * No PHI leaves the analyzer (STYLE habit 11): canary values in every
 * patient field and free text must not appear in any event, however the
 * bytes are chunked, cut or escaped.
 */
import t from 'tap';
import fc from 'fast-check';
import { HL7_HEADER_SEGMENTS, HL7_SEGMENT_IDS, HL7_TRAILER_SEGMENTS, HL7_Z_SEGMENT } from '../../protocols/hl7/constants.js';
import { anomalies, message, mllp, run, messages, type Feed } from './builder.js';

const CANARIES = ['CANARY', 'MRN-4411', '19020202', 'STREET', 'OBX-VALUE', 'NOTE'];

function phiMessage(eol: string, sep = '|'): Buffer {
  const s = (x: string) => x.replaceAll('|', sep);
  return message(
    [
      (sep === '|' ? 'MSH|^~\\&|' : `MSH${sep}^~\\&${sep}`) + s('MONITOR^0011223344556677^EUI-64|ICU|||20240101||ORU^R01|1|P|2.6'),
      s('SFT|Acme|1.0|Mon|b1||20230101'),
      s('PID|1||CANARY-MRN-4411^^^HOSP^MR||CANARY^PATIENT||19020202|F|||1 CANARY STREET^^TOWN||^PRN^PH^^^555^CANARY-PHONE'),
      s('PD1|||CANARY CLINIC'),
      s('NK1|1|CANARY^RELATIVE|SPO|2 CANARY STREET'),
      s('PV1|1|I|CANARY-WARD^12^1||||CANARY^DOCTOR'),
      s('PV2|||CANARY REASON'),
      s('IN1|1|CANARY-PLAN'),
      s('GT1|1||CANARY^GUARANTOR'),
      s('NTE|1||CANARY NOTE'),
      s('OBR|1|||69837^MDC_DEV_MON_PHYSIO_MDS^MDC'),
      s('OBX|1|ST|69837^MDC_DEV_MON_PHYSIO_MDS^MDC|1|CANARY-OBX-VALUE||||||F|||||||0011223344556677^EUI-64'),
      s('OBX|2|ST|1234^MDC_X^MDC|1.1|CANARY\\F\\OBX-VALUE~CANARY-OBX-VALUE^CANARY-OBX-VALUE||||||F'),
      s('NTE|2||CANARY NOTE \\X43414E415259\\'),
      s('PRT|1|UC||EQUIP|CANARY^PERSON^NAME|||CANARY ORG|CANARY-LOCATION|DEV-1^ACME'),
    ],
    eol,
  );
}

t.test('canary values never reach an event', async (t) => {
  for (const eol of ['\r', '\n', '\r\n']) {
    for (const sep of ['|', '#']) {
      const bytes = mllp(phiMessage(eol, sep));
      const feeds: Feed[] = [{ dir: 'orig', bytes }];
      const whole = run(feeds).events;
      const ms = messages(whole);
      t.equal(ms.length, 1);
      t.equal(ms[0]!.patientDataPresent, true);
      t.ok(ms[0]!.equipment.some((e) => e.id === '0011223344556677'), 'the device is still found');
      const json = JSON.stringify(whole);
      for (const c of CANARIES) t.notOk(json.includes(c), `${c} absent (eol ${JSON.stringify(eol)}, sep ${sep})`);
      // cut anywhere (gaps, partial frames) and chunked at random: still nothing
      fc.assert(
        fc.property(fc.nat({ max: bytes.length - 1 }), fc.array(fc.nat(), { maxLength: 10 }), (cut, cuts) => {
          const r = run(
            [{ dir: 'orig', bytes: bytes.subarray(0, cut) }, { dir: 'orig', gap: 7 }, { dir: 'orig', bytes }],
            {},
            (len) => [...new Set(cuts.map((c) => c % len))].sort((a, b) => a - b),
          );
          const j = JSON.stringify(r.events);
          return CANARIES.every((c) => !j.includes(c));
        }),
        { numRuns: 60 },
      );
    }
  }
});

t.test('a stray line break inside free text does not leak the text as a segment id', async (t) => {
  const bytes = mllp(message(['MSH|^~\\&|APP|FAC|||||ORU^R01|1|P|2.5', 'NTE|1||first line', 'CANARY NOTE continues', 'CAN|x', 'ZBE|1', 'OBX|1|ST|x||v']));
  const { events, stats } = run([{ dir: 'orig', bytes }]);
  const ev = messages(events)[0]!;
  t.same(ev.segments, ['MSH', 'NTE', '?', '?', 'ZBE', 'OBX'], 'only standard ids and Z-segments are named');
  t.notOk(JSON.stringify(events).includes('CAN'), 'not even three characters of the free text');
  t.equal(stats.malformed, 1, 'the two stray lines are counted');
  t.match(anomalies(events, 'malformed').map((a) => (a.type === 'anomaly' ? a.detail : '')), [/^2 line\(s\) are not segments/]);
});

t.test('canary: free text shaped like segments after stray line breaks never names a segment', async (t) => {
  // NTE-3 and OBX-5 broken over several lines, each continuation shaped like a segment
  const lines = (eol: string) =>
    message(
      [
        'MSH|^~\\&|MONITOR^0011223344556677^EUI-64|ICU|||20240101||ORU^R01|1|P|2.6',
        'PID|1||CANARY-MRN-4411^^^HOSP^MR||CANARY^PATIENT',
        'NTE|1||CANARY NOTE',
        'MRN|4411 STREET',
        'STR|EET 12',
        'CAN|ARY',
        'OBX|1|ST|69837^MDC_DEV_MON_PHYSIO_MDS^MDC|1|CANARY-OBX-VALUE||||||F|||||||0011223344556677^EUI-64',
        'NOT|E CANARY',
        'OBX|2|ST|1234^MDC_X^MDC|1.1|CANARY',
        'OBX-VALUE continued',
      ],
      eol,
    );
  for (const eol of ['\r', '\n', '\r\n']) {
    const bytes = mllp(lines(eol));
    const feeds: Feed[] = [{ dir: 'orig', bytes }];
    const whole = run(feeds).events;
    const ev = messages(whole)[0]!;
    t.same(ev.segments, ['MSH', 'PID', 'NTE', '?', '?', '?', 'OBX', '?', 'OBX', '?'], `segment ids (eol ${JSON.stringify(eol)})`);
    t.ok(ev.equipment.some((e) => e.id === '0011223344556677'), 'the device is still found');
    const json = JSON.stringify(whole);
    for (const fragment of ['MRN', 'STR', 'CAN', 'NOT', 'VALUE']) t.notOk(json.includes(fragment), `${fragment} absent`);
    // however the bytes are chunked, every id named is a standard one, a Z-segment or '?'
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        const r = run(feeds, {}, (len) => [...new Set(cuts.map((c) => c % len))].sort((a, b) => a - b));
        return messages(r.events).every((m) => m.segments.every((id) => id === '?' || HL7_SEGMENT_IDS.has(id) || HL7_Z_SEGMENT.test(id)));
      }),
      { numRuns: 40 },
    );
  }
  // random upper-case text after a line break: it is named only when it is a real segment id
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Z0-9]{3}$/), (id) => {
      // Header and trailer segments (MSH, FHS, BHS, BTS, FTS) are structure, not content:
      // a line starting with one begins a new message or batch (seed 281436658 found BHS).
      fc.pre(!HL7_HEADER_SEGMENTS.has(id) && !HL7_TRAILER_SEGMENTS.has(id));
      const bytes = mllp(message(['MSH|^~\\&|APP|FAC|||||ORU^R01|1|P|2.5', `NTE|1||free`, `${id}|text`]));
      const ev = messages(run([{ dir: 'orig', bytes }]).events)[0]!;
      const expected = HL7_SEGMENT_IDS.has(id) || HL7_Z_SEGMENT.test(id) ? id : '?';
      return ev.segments[2] === expected;
    }),
    { numRuns: 200 },
  );
});
