/**
 * No patient data leaves the agent. The testbed stored a CT whose patient
 * fields hold canary values, over an association that also sent a User
 * Identity with a canary password. The capture holds them all; no output of
 * auscult (events, JSON, table) may.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import { formatTable } from '../../agent/inventory/format-table.js';
import type { EventBase } from '../../protocols/common/analyzer.js';
import { DICOM_FIXTURES } from '../helpers/paths.js';

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
