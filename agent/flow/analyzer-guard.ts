import type { Direction, EndReason, StreamAnalyzer } from '../../protocols/common/analyzer.js';
import type { FlowStats } from './flow-stats.js';

/**
 * Shields the flow table from a misbehaving analyzer: an exception thrown by
 * one connection's parser is counted and that analyzer is detached, and the
 * capture loop goes on (STYLE habit 5). Both directions of a connection share
 * one guard, so a failure in either stops delivery to both.
 */
export class AnalyzerGuard {
  private target: StreamAnalyzer | null;

  constructor(
    target: StreamAnalyzer | null,
    private readonly stats: FlowStats,
    /** Pass on the analyzer's offers to skip bytes (FlowTableOptions.bypass). */
    private readonly bypass = true,
  ) {
    this.target = target;
  }

  /** True when there is no analyzer (ignored connection) or it has failed. */
  get dead(): boolean {
    return this.target === null;
  }

  /** Delivers `chunk`; returns how many following bytes the analyzer would pass over unread (see `skip`). */
  data(dir: Direction, chunk: Buffer, ts: number): number {
    const t = this.target;
    if (t === null) return 0;
    this.stats.bytesDelivered += chunk.length;
    try {
      const skippable = t.data(dir, chunk, ts);
      return this.bypass && typeof skippable === 'number' && skippable > 0 && t.skip !== undefined ? skippable : 0;
    } catch {
      this.fail();
      return 0;
    }
  }

  /** `length` bytes the analyzer allowed to pass unread (StreamAnalyzer.skip); counted as delivered. */
  skip(dir: Direction, length: number, ts: number): number {
    const t = this.target;
    if (t === null || t.skip === undefined) return 0;
    this.stats.bytesDelivered += length;
    try {
      return t.skip(dir, length, ts);
    } catch {
      this.fail();
      return 0;
    }
  }

  gap(dir: Direction, length: number, ts: number): void {
    const t = this.target;
    if (t === null) return;
    try {
      t.gap(dir, length, ts);
    } catch {
      this.fail();
    }
  }

  end(dir: Direction, reason: EndReason, ts: number): void {
    const t = this.target;
    if (t === null) return;
    try {
      t.end(dir, reason, ts);
    } catch {
      this.fail();
    }
  }

  private fail(): void {
    this.stats.analyzerErrors++;
    this.target = null;
  }
}
