// Corpus test: every file of the DICOM corpus, in every transfer syntax DCMTK
// negotiates for it, is stored over the testbed (one simulated device per
// file); the capture goes through the auscult pipeline, and each device must
// carry the equipment attributes dcmdump reads from its file.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testbedAvailable } from '../../scripts/testbed/testbed.js';
import { recordCorpus, type CorpusEntry } from '../../scripts/testbed/corpus.js';
import { runInventory } from '../../agent/inventory/run.js';
import type { DeviceRecord } from '../../agent/inventory/types.js';

const avail = testbedAvailable();

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join('\\') : v);

t.test('corpus over the wire: equipment per file', { skip: avail.ok ? false : avail.why, timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'auscult-corpus-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { pcap, expected, skipped } = await recordCorpus(dir);
  t.ok(expected.length >= 60, `${expected.length} associations recorded (${skipped.length} skipped)`);

  const result = await runInventory({ file: pcap });
  const devices: DeviceRecord[] = result.report.devices;
  t.equal(result.error, null, 'capture read to the end');

  const pacs = devices.find((d) => d.ip === '192.0.2.10');
  t.ok(pacs, 'the PACS is a device');
  const byFile = new Map<string, CorpusEntry[]>();
  for (const e of expected) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);

  for (const [file, entries] of byFile) {
    const first = entries[0]!;
    const a = first.attrs;
    t.test(file, async (t) => {
      const dev = devices.find((d) => d.ip === first.ip);
      if (!dev) {
        t.fail(`no device for ${first.ip} (${first.host})`);
        return;
      }
      t.equal(dev.mac, first.mac, 'MAC');
      t.notOk(dev.roles.includes('archive'), 'a single device is not an archive');
      for (const e of entries) {
        t.ok(dev.dicom?.aeTitles.includes(e.callingAe), `calling AE ${e.callingAe}`);
        // The inventory keeps accepted syntaxes on the side that accepted them
        // (the PACS); either side will do here.
        const syntaxes = [...(dev.dicom?.transferSyntaxes ?? []), ...(pacs?.dicom?.transferSyntaxes ?? [])];
        t.ok(syntaxes.includes(e.transferSyntax), `transfer syntax ${e.transferSyntax}`);
      }
      if (a.Manufacturer !== undefined) t.equal(dev.manufacturer, one(a.Manufacturer), 'Manufacturer');
      if (a.ManufacturerModelName !== undefined) t.equal(dev.model, one(a.ManufacturerModelName), 'ManufacturerModelName');
      if (a.DeviceSerialNumber !== undefined) t.equal(dev.serialNumber, one(a.DeviceSerialNumber), 'DeviceSerialNumber');
      if (a.SoftwareVersions !== undefined) {
        const sv = Array.isArray(a.SoftwareVersions) ? a.SoftwareVersions : [a.SoftwareVersions];
        t.same([...dev.softwareVersions].sort(), [...sv].sort(), 'SoftwareVersions (all values)');
      }
      if (a.StationName !== undefined) t.equal(dev.dicom?.stationName, one(a.StationName), 'StationName');
      if (a.InstitutionName !== undefined) t.equal(dev.dicom?.institutionName, one(a.InstitutionName), 'InstitutionName');
      if (a.DeviceUID !== undefined) t.equal(dev.dicom?.deviceUid, one(a.DeviceUID), 'DeviceUID');
      if (a.Modality !== undefined) {
        // Also for objects that name no equipment at all (SC_rgb_small_odd, image_dfl).
        t.ok(dev.dicom?.modalities.includes(one(a.Modality)!), `Modality ${one(a.Modality)}`);
      }
    });
  }
});
