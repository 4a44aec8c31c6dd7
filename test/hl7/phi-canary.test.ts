/**
 * No PHI leaves the analyzer (STYLE habit 11): canary values in every
 * patient field and free text must not appear in any event, however the
 * bytes are chunked, cut or escaped.
 */
import t from 'tap';
import fc from 'fast-check';
import { message, mllp, run, messages, type Feed } from './builder.js';

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
  const bytes = mllp(message(['MSH|^~\\&|APP|FAC|||||ORU^R01|1|P|2.5', 'NTE|1||first line', 'CANARY NOTE continues', 'CAN|x', 'OBX|1|ST|x||v']));
  const ev = messages(run([{ dir: 'orig', bytes }]).events)[0]!;
  t.same(ev.segments, ['MSH', 'NTE', '?', 'CAN', 'OBX']);
  t.notOk(JSON.stringify(ev).includes('CANARY'));
});
