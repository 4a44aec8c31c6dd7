/**
 * Negative controls from the public data: Modbus/TCP and syslog captures
 * carry no medical protocol. Nothing may be identified from them, and
 * reading them must be clean.
 */
import t from 'tap';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';

for (const name of ['negative_modbus.pcap', 'negative_syslog.pcap']) {
  t.test(name, { skip: sharedDataMissing(`pcap/${name}`) }, async (t) => {
    const { report, error } = await runInventory({ file: join(SHARED_DATA, 'pcap', name) });
    t.equal(error, null);
    t.ok(report.stats.packets > 50, 'the capture was read');
    t.same(report.devices, [], 'no device identified');
    t.same(report.findings, [], 'no finding');
    t.equal(report.stats.malformed, 0);
    const protocols = report.stats.protocols as { identified: Record<string, number> };
    t.same(protocols.identified, {}, 'no connection taken for DICOM or HL7');
  });
}
