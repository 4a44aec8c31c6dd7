/**
 * Golden tests: every committed testbed capture (DICOM, HL7, DHCP) is read by
 * the real pipeline (libpcap in the worker, decoders, reassembly, protocol
 * analyzers, inventory) and its inventory JSON is compared with the
 * checked-in baseline next to it.
 *
 * After an intended change: UPDATE_GOLDEN=1 npx tap test/golden/captures-golden.test.ts
 */
import t from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import { FIXTURES } from '../helpers/paths.js';

const captures = ['dicom', 'hl7', 'dhcp'].flatMap((dir) =>
  existsSync(join(FIXTURES, dir))
    ? readdirSync(join(FIXTURES, dir))
        .filter((f) => f.endsWith('.pcap'))
        .sort()
        .map((f) => join(dir, f))
    : [],
);

t.ok(captures.length >= 12, `fixture captures present (${captures.join(', ')})`);

for (const name of captures) {
  t.test(name, async (t) => {
    const { report, error } = await runInventory({ file: join(FIXTURES, name) });
    t.equal(error, null, 'read without error');
    const golden = join(FIXTURES, name.replace(/\.pcap$/, '.golden.json'));
    const actual = JSON.parse(JSON.stringify(report));
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(golden, JSON.stringify(report, null, 2) + '\n');
      t.comment(`wrote ${golden}`);
    }
    if (!existsSync(golden)) {
      t.fail(`no golden file ${golden}: create it with UPDATE_GOLDEN=1 and review it`);
      return;
    }
    t.same(actual, JSON.parse(readFileSync(golden, 'utf8')), 'inventory matches the golden file');
    t.equal(report.stats.malformed, 0, 'a clean testbed capture has no malformed packets');
    t.equal(report.stats.gaps, 0, 'nor gaps');
    t.ok(report.devices.length > 0, 'devices found');
  });
}
