/**
 * Records the benchmark's "imaging" workload on the testbed: what most bytes
 * on a hospital's DICOM network look like, i.e. modalities sending whole
 * series of large images in long associations. An MR (Siemens Avanto, 321 KB
 * images) and a US cart (Philips, 283 KB) each send a series to the PACS.
 * Written to bench/out/imaging.pcap; never committed (regenerated per run).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_AE as AE, testbedAvailable, withTestbed } from '../scripts/testbed/testbed.js';
import { storescu } from '../scripts/testbed/dicom-tools.js';

const DATA = process.env.AUSCULT_DICOM_DATA ?? join(process.cwd(), '..', 'shared', 'data', 'dicom');

/** Record the imaging workload; returns the capture's path. */
export async function recordImaging(outDir: string, imagesPerSeries = 40): Promise<string> {
  const ok = testbedAvailable();
  if (!ok.ok) throw new Error(`the imaging workload needs the testbed: ${ok.why}`);
  mkdirSync(outDir, { recursive: true });
  const pcap = join(outDir, 'imaging.pcap');
  const mr = Array(imagesPerSeries).fill(join(DATA, 'examples_overlay.dcm'));
  const us = Array(imagesPerSeries).fill(join(DATA, 'examples_palette.dcm'));
  await withTestbed(
    async (tb) => {
      const pacs = await tb.startPacs();
      await storescu(tb, 'mr2', pacs, mr, { aet: AE.mr2! });
      await storescu(tb, 'us4', pacs, us, { aet: AE.us4! });
      await tb.stopCapture();
    },
    { capture: pcap },
  );
  return pcap;
}

if (process.argv[1]?.endsWith('record-imaging.ts')) {
  recordImaging(process.argv[2] ?? 'bench/out').then((p) => process.stdout.write(`${p}\n`));
}
