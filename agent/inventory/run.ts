/**
 * One pass over a capture file: capture worker → pipeline → report.
 */
import { openCapture } from '../capture/preopen.js';
import { AuscultError } from '../errors.js';
import { Pipeline, type PipelineOptions } from '../pipeline.js';
import type { RulePack } from '../../rules/fingerprint/index.js';
import type { KnowledgeBase } from '../../rules/types.js';
import type { InventoryReport } from './types.js';

export interface RunInventoryOptions extends PipelineOptions {
  file: string;
  filter?: string;
  /** Knowledge base to correlate against (findings); without it, only behaviour exposures. */
  kb?: KnowledgeBase | null;
  /** Fingerprint rule pack (default: the seed pack). */
  pack?: RulePack;
}

export interface RunInventoryResult {
  report: InventoryReport;
  /**
   * Set when reading stopped on an error after some packets were read (a
   * truncated capture): the report holds everything read before it.
   */
  error: AuscultError | null;
}

/**
 * Read `file` through libpcap and build the inventory. Rejects with an
 * AuscultError when the file cannot be opened at all (missing, not a
 * capture, bad filter, unsupported link type).
 */
export async function runInventory(opts: RunInventoryOptions): Promise<RunInventoryResult> {
  const capture = await openCapture({ file: opts.file, filter: opts.filter });
  const pipeline = new Pipeline(opts);
  // The identity step (its modules, the rule pack read and validated, some
  // 50-70 ms of work) is prepared the first time the pipeline has caught up
  // with the capture worker and would wait for it (at the latest after the
  // last packet), not in the way of the first packets. A bad pack still
  // fails after the read, as before.
  let enrichment: Promise<{ enrichReport: typeof import('./enrich.js').enrichReport; pack: RulePack }> | null = null;
  const prepare = (): NonNullable<typeof enrichment> => {
    if (enrichment === null) {
      enrichment = import('./enrich.js').then((m) => ({ enrichReport: m.enrichReport, pack: opts.pack ?? m.rulePack() }));
      enrichment.catch(() => {});
    }
    return enrichment;
  };
  const linkType = capture.linkType;
  let error: AuscultError | null = null;
  try {
    for await (const batch of capture.batches(prepare)) {
      batch.forEachAt((buf, start, end, ts, origLen) => pipeline.packetAt(linkType, buf, start, end, ts, origLen));
    }
  } catch (err) {
    if (!(err instanceof AuscultError)) throw err;
    error = err;
  }
  const { enrichReport, pack } = await prepare();
  const report = enrichReport(pipeline.finish(), { kb: opts.kb, pack });
  if (error) report.stats.readError = { code: error.code, message: error.message };
  return { report, error };
}
