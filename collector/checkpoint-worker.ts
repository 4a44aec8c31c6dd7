/**
 * The checkpointer's thread (collector/checkpointer.ts): its own connection
 * to the collector database, copying WAL frames back into the database file
 * every `intervalMs` so that the thread storing agents' messages never does.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointerInit, CheckpointerReport } from './checkpointer.js';

const init = workerData as CheckpointerInit;
const db = new Database(init.file, { fileMustExist: true });
db.pragma(`busy_timeout = ${init.busyTimeoutMs}`);
const pageSize = db.pragma('page_size', { simple: true }) as number;
const report: CheckpointerReport = { checkpoints: 0, restarts: 0, framesCopied: 0, busy: 0, ms: 0, walFrames: 0, error: null };

function checkpoint(): void {
  const t0 = performance.now();
  try {
    // PASSIVE copies what it can without waiting for anyone: the writer goes on meanwhile.
    const [p] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    report.checkpoints++;
    report.framesCopied += Math.max(0, p!.checkpointed);
    report.walFrames = p!.log;
    if (p!.busy) report.busy++;
    // Under steady writes some frames are always newer than the last copy, so the WAL never
    // starts over by itself. Once it is big, RESTART copies that short tail while holding the
    // writer back (the writer waits in its busy handler) and makes the next write begin at the
    // start of the WAL again.
    if (p!.log * pageSize >= init.restartBytes) {
      const [r] = db.pragma('wal_checkpoint(RESTART)') as Array<{ busy: number; log: number; checkpointed: number }>;
      if (!r!.busy) report.restarts++;
      else report.busy++;
    }
  } catch (err) {
    report.error = (err as Error).message;
  }
  report.ms += performance.now() - t0;
  parentPort!.postMessage(report);
}

const timer = setInterval(checkpoint, init.intervalMs);
parentPort!.on('message', (m: { stop?: boolean }) => {
  if (!m.stop) return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
