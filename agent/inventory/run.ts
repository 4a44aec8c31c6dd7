/**
 * One pass over a capture file, on both cores:
 *
 *   capture worker: libpcap → packet stage (decode, reassembly, DICOM/HL7/DHCP parsers)
 *        │ protocol events (PHI-free, batched, credit flow control)
 *   main thread:   observe stage (observers → inventory) → report
 */
import { openCapture, parseModeTuning } from '../capture/preopen.js';
import { AuscultError } from '../errors.js';
import { newFlowStats } from '../flow/flow-stats.js';
import { ObserveStage, UDP_CONN, type PacketStageCounters, type PipelineOptions } from '../pipeline.js';
import type { DhcpEvent } from '../../protocols/dhcp/events.js';
import type { RulePack } from '../../rules/fingerprint/index.js';
import type { KnowledgeBase } from '../../rules/types.js';
import type { ParseFlowOptions } from '../capture/types.js';
import { enrichReport } from './enrich.js';
import type { InventoryReport } from './types.js';

export interface RunInventoryOptions extends Omit<PipelineOptions, 'flows' | 'observe'> {
  file: string;
  filter?: string;
  /** Flow-table limits (applied in the capture worker). */
  flows?: ParseFlowOptions;
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
  const capture = await openCapture({ file: opts.file, filter: opts.filter }, parseModeTuning(opts.flows));
  const observers = new ObserveStage(opts.inventory);
  const onEvent = opts.onEvent;
  let error: AuscultError | null = null;
  try {
    for await (const batch of capture.eventBatches()) {
      const { conns, events } = batch;
      for (let i = 0; i < events.length; i++) {
        const conn = conns[i];
        if (conn === null) {
          onEvent?.(UDP_CONN, events[i]);
          observers.dhcpEvent(events[i] as DhcpEvent);
        } else {
          onEvent?.(conn, events[i]);
          observers.event(conn, events[i]);
        }
      }
    }
  } catch (err) {
    if (!(err instanceof AuscultError)) throw err;
    error = err;
  }
  const counters = capture.stageCounters ?? noCounters(capture.totals().packets);
  const report = enrichReport({ devices: observers.inventory.report(), findings: [], stats: observers.stats(counters) }, { kb: opts.kb, pack: opts.pack });
  if (error) report.stats.readError = { code: error.code, message: error.message };
  return { report, error };
}

/** Counters when the worker ended without sending its own (it failed): what is known is the packet count. */
function noCounters(packets: number): PacketStageCounters {
  return {
    packets,
    bytes: 0,
    decodeFailures: {},
    flows: newFlowStats(),
    dispatcher: { connections: 0, identified: {}, unidentified: 0, midstreamIdentified: 0 },
    dicom: { pdus: 0, malformed: 0, capHits: 0, resyncs: 0, gaps: 0 },
    hl7: { frames: 0, messages: 0, malformed: 0, capHits: 0, resyncs: 0, gaps: 0 },
  };
}
