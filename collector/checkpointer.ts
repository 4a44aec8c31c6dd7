/**
 * WAL checkpoints off the storing thread.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT of whichever
 * transaction pushes the WAL past 1,000 pages: under a steady stream of
 * agent messages, every batch commit also copied its pages back into the
 * database file (with an fsync), about a third of the collector's storing
 * time (bench/collector-load.ts). Here a worker thread with its own
 * connection checkpoints every `intervalMs` instead, on the other core,
 * and pages written many times between two checkpoints are copied once.
 * The storing connection turns its automatic checkpoint off while the
 * worker runs, and back on if the worker fails, so the WAL never grows
 * unchecked.
 */
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { startModuleWorker } from '../agent/worker-thread.js';

export interface CheckpointerInit {
  file: string;
  intervalMs: number;
  /** WAL size past which a checkpoint also restarts the WAL (briefly holding the writer back). */
  restartBytes: number;
  busyTimeoutMs: number;
}

/** What the worker has done so far (posted after every checkpoint). */
export interface CheckpointerReport {
  checkpoints: number;
  restarts: number;
  framesCopied: number;
  /** Checkpoints that could not copy everything (a reader or the writer was in the way). */
  busy: number;
  ms: number;
  /** Frames in the WAL at the last checkpoint. */
  walFrames: number;
  error: string | null;
}

export interface CheckpointerOptions {
  intervalMs?: number;
  restartBytes?: number;
  log?: (level: 'warn', event: string, fields: Record<string, unknown>) => void;
}

/** SQLite's default wal_autocheckpoint (pages), restored when the worker stops. */
const SQLITE_AUTOCHECKPOINT = 1000;

export class Checkpointer {
  private readonly worker: Worker;
  private last: CheckpointerReport | null = null;
  private stopped = false;

  /** Starts checkpointing `file`, which `db` (the storing connection) has open in WAL mode. */
  constructor(
    private readonly db: Database.Database,
    file: string,
    opts: CheckpointerOptions = {},
  ) {
    const init: CheckpointerInit = { file, intervalMs: opts.intervalMs ?? 1000, restartBytes: opts.restartBytes ?? 64 * 1024 * 1024, busyTimeoutMs: 5000 };
    db.pragma('wal_autocheckpoint = 0');
    // After a restart the WAL file is cut back to this size instead of keeping its largest.
    db.pragma(`journal_size_limit = ${init.restartBytes}`);
    this.worker = startModuleWorker(import.meta.url, 'checkpoint-worker', { workerData: init });
    this.worker.unref();
    this.worker.on('message', (r: CheckpointerReport) => {
      if (r.error && r.error !== this.last?.error) opts.log?.('warn', 'checkpoint-failed', { reason: r.error });
      this.last = r;
    });
    const fallBack = (why: string) => {
      if (this.stopped) return;
      this.stopped = true;
      opts.log?.('warn', 'checkpointer-stopped', { reason: why });
      // The storing connection checkpoints for itself again.
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    };
    this.worker.on('error', (err) => fallBack(err.message));
    this.worker.on('exit', (code) => fallBack(`exited with code ${code}`));
  }

  get report(): CheckpointerReport | null {
    return this.last;
  }

  /** Stops the worker (waits for it to close its connection). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise((r) => this.worker.once('exit', r));
    // Keep the process up until the worker has closed its connection.
    this.worker.ref();
    this.worker.postMessage({ stop: true });
    await exited;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
  }
}
