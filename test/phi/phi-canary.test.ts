/**
 * No patient data leaves the agent. The testbed stored a CT whose patient
 * fields hold canary values, over an association that also sent a User
 * Identity with a canary password; and sent HL7 ADT and ORU messages whose
 * PID, NK1, PV1, OBX-5 and NTE hold canaries. The captures hold them all; no
 * output of auscult (events, JSON, table) may.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import { formatTable } from '../../agent/inventory/format-table.js';
import type { EventBase } from '../../protocols/common/analyzer.js';
import { DICOM_FIXTURES, FIXTURES } from '../helpers/paths.js';

const capture = join(DICOM_FIXTURES, 'phi-canary.pcap');
const canaries = JSON.parse(readFileSync(join(DICOM_FIXTURES, 'canaries.json'), 'utf8')) as { strings: string[] };

t.test('the capture really carries every canary (so this test can fail)', async (t) => {
  const raw = readFileSync(capture).toString('latin1');
  for (const c of canaries.strings) t.ok(raw.includes(c), `capture contains ${c}`);
});

t.test('no canary in events, JSON or table', async (t) => {
  const events: EventBase[] = [];
  const { report } = await runInventory({ file: capture, onEvent: (_conn, e) => events.push(e) });
  t.ok(events.some((e) => e.type === 'dicom.equipment'), 'the dataset was parsed');
  t.ok(
    report.devices.some((d) => d.manufacturer === 'GE MEDICAL SYSTEMS'),
    'the device is identified from the same dataset',
  );
  const outputs = { events: JSON.stringify(events), json: JSON.stringify(report), table: formatTable(report) };
  for (const [name, text] of Object.entries(outputs)) {
    for (const c of canaries.strings) t.notOk(text.includes(c), `${name} does not contain ${c}`);
    t.notOk(/CANARY/i.test(text), `${name} holds no fragment of a canary`);
  }
  const withIdentity = report.devices.find((d) => (d.dicom?.userIdentityTypes.length ?? 0) > 0);
  t.ok(withIdentity, 'User Identity use is reported');
  t.match(withIdentity!.dicom!.userIdentityTypes.join(','), /user/i, 'by its type only');
  const eq = events.find((e) => e.type === 'dicom.equipment') as unknown as { patientModulePresent: boolean };
  t.equal(eq.patientModulePresent, true, 'the presence of patient attributes is noted, never their values');
});

t.test('HL7: no canary from PID, NK1, PV1, OBX-5 or NTE in events, JSON or table', async (t) => {
  const hl7Capture = join(FIXTURES, 'hl7', 'phi-canary.pcap');
  const hl7Canaries = JSON.parse(readFileSync(join(FIXTURES, 'hl7', 'canaries.json'), 'utf8')) as { strings: string[] };
  const raw = readFileSync(hl7Capture).toString('latin1');
  for (const c of hl7Canaries.strings) t.ok(raw.includes(c), `capture contains ${c}`);
  const events: EventBase[] = [];
  const { report } = await runInventory({ file: hl7Capture, onEvent: (_conn, e) => events.push(e) });
  const messages = events.filter((e) => e.type === 'hl7.message') as unknown as Array<{ patientDataPresent: boolean }>;
  t.ok(messages.length >= 2, 'the messages were parsed');
  t.ok(messages.some((m) => m.patientDataPresent), 'patient segments are noted by presence only');
  t.ok(report.devices.some((d) => (d.hl7?.sendingApplications.length ?? 0) > 0), 'the senders are identified from the same messages');
  const outputs = { events: JSON.stringify(events), json: JSON.stringify(report), table: formatTable(report) };
  for (const [name, text] of Object.entries(outputs)) {
    for (const c of hl7Canaries.strings) t.notOk(text.includes(c), `${name} does not contain ${c}`);
    t.notOk(/CANARY/i.test(text), `${name} holds no fragment of a canary`);
  }
});
