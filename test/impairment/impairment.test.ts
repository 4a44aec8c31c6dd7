/**
 * A SPAN port loses packets and the sensor starts in the middle of
 * conversations. The same testbed captures, impaired on purpose, must still
 * identify the devices whose evidence survived, and must never credit a
 * device with something the unimpaired capture did not show.
 */
import t from 'tap';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import type { DeviceRecord } from '../../agent/inventory/types.js';
import { readPcap, writePcap, type PcapRecord } from '../../scripts/lib/pcap-file.js';
import { DICOM_FIXTURES } from '../helpers/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'auscult-impair-'));

/** The 4-tuple of an Ethernet/IPv4/TCP frame as a direction-free key, or null. */
function flowOf(frame: Buffer): string | null {
  let off = 12;
  let type = frame.readUInt16BE(off);
  while (type === 0x8100 || type === 0x88a8) {
    off += 4;
    type = frame.readUInt16BE(off);
  }
  off += 2;
  if (type !== 0x0800 || frame[off + 9] !== 6) return null;
  const ihl = (frame[off] & 0x0f) * 4;
  const a = `${frame.subarray(off + 12, off + 16).join('.')}:${frame.readUInt16BE(off + ihl)}`;
  const b = `${frame.subarray(off + 16, off + 20).join('.')}:${frame.readUInt16BE(off + ihl + 2)}`;
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

type Claim = string; // "ip attribute=value"

function claims(devices: DeviceRecord[]): Set<Claim> {
  const out = new Set<Claim>();
  for (const d of devices) {
    if (d.manufacturer) out.add(`${d.ip} manufacturer=${d.manufacturer}`);
    if (d.model) out.add(`${d.ip} model=${d.model}`);
    for (const v of d.softwareVersions) out.add(`${d.ip} softwareVersion=${v}`);
    for (const ae of d.dicom?.aeTitles ?? []) out.add(`${d.ip} aeTitle=${ae}`);
    if (d.dicom?.implementationClassUid) out.add(`${d.ip} implementationClassUid=${d.dicom.implementationClassUid}`);
    for (const r of d.roles) out.add(`${d.ip} role=${r}`);
  }
  return out;
}

async function inventoryOf(records: PcapRecord[], linkType: number, name: string) {
  const path = join(tmp, name);
  writePcap(path, { linkType, snapLen: 262144, records });
  const { report, error } = await runInventory({ file: path });
  if (error) throw error;
  return report;
}

for (const fixture of ['store.pcap', 'archive.pcap']) {
  t.test(fixture, async (t) => {
    const src = readPcap(join(DICOM_FIXTURES, fixture));
    const baseline = await inventoryOf(src.records, src.linkType, `base-${fixture}`);
    const truth = claims(baseline.devices);
    t.ok(truth.size > 0, 'the unimpaired capture identifies devices');

    t.test('first packets of every flow removed (joined mid-stream)', async (t) => {
      // Drop each flow's first 4 packets: handshake and the A-ASSOCIATE-RQ.
      const seen = new Map<string, number>();
      const kept = src.records.filter((r) => {
        const f = flowOf(r.frame);
        if (!f) return true;
        const n = (seen.get(f) ?? 0) + 1;
        seen.set(f, n);
        return n > 4;
      });
      const report = await inventoryOf(kept, src.linkType, `midstream-${fixture}`);
      const got = claims(report.devices);
      for (const c of got) t.ok(truth.has(c), `no false claim: ${c}`);
      // Equipment comes from datasets later in each flow: it must survive.
      for (const d of baseline.devices.filter((d) => d.manufacturer)) {
        t.ok(got.has(`${d.ip} manufacturer=${d.manufacturer}`), `${d.ip} still identified as ${d.manufacturer}`);
      }
      t.ok(report.stats.gaps >= 0 && (report.stats.protocols as { midstreamIdentified: number }).midstreamIdentified > 0, 'mid-stream joins were recognised');
    });

    t.test('random packet loss', async (t) => {
      let recallSum = 0;
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1 << 30 }), async (seed) => {
          let s = seed;
          const rand = (): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
          const kept = src.records.filter(() => rand() >= 0.03);
          const report = await inventoryOf(kept, src.linkType, `loss-${fixture}`);
          const got = claims(report.devices);
          for (const c of got) if (!truth.has(c)) throw new Error(`false claim with 3% loss (seed ${seed}): ${c}`);
          recallSum += [...truth].filter((c) => got.has(c)).length / truth.size;
          runs++;
        }),
        { numRuns: 6 },
      );
      const recall = recallSum / runs;
      t.comment(`mean recall of claims under 3% loss: ${(recall * 100).toFixed(1)}%`);
      t.ok(recall >= 0.6, `most claims survive 3% loss (${(recall * 100).toFixed(1)}%)`);
    });
  });
}
