/**
 * The capture worker of a plain `auscult inventory --read FILE`, started by
 * the command line's first module (agent/cli/main.ts) before the rest of
 * auscult loads. Its thread boot (about 60 ms of Node start-up per worker,
 * then the libpcap addon and the file) was the longest part of start-up;
 * begun first, it overlaps all of the main thread's module loading.
 * `Capture.open()` adopts it when asked for exactly that file and filter with
 * the default tuning; the messages the worker sent meanwhile wait here, in order.
 *
 * Only this module, spawn.ts, worker-thread.ts and types.ts load before the worker
 * starts. Anything unusual (a path that is not a non-empty regular file) is
 * left to `Capture.open()`, which reports it as it always has.
 */
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { newWorkerSetup, startCaptureWorker, stopCaptureWorker, type WorkerSetup } from './spawn.js';
import type { WorkerToMain } from './types.js';

/** A started worker and what it said or did before anyone listened. */
export interface EarlyWorker extends WorkerSetup {
  readonly file: string;
  readonly filter: string | undefined;
  readonly worker: Worker;
  /** Messages so far, in order. */
  readonly messages: WorkerToMain[];
  /** Set once the worker has exited. */
  exitCode: number | null;
  /** Set if the worker failed to start. */
  error: Error | null;
  /** Removes the listeners that fill `messages`, `exitCode` and `error`. */
  detach(): void;
}

// On globalThis: the compiled command line's first module and the bundle
// holding Capture.open() are separate copies of this module.
const SLOT = Symbol.for('auscult.capture.early-worker');
type Slot = { [SLOT]?: EarlyWorker | null };

/** Starts the capture worker for `file` now, if it is a non-empty regular file; otherwise does nothing. */
export function startEarlyWorker(file: string, filter: string | undefined): void {
  const g = globalThis as Slot;
  if (g[SLOT]) return;
  try {
    const info = statSync(file);
    if (!info.isFile() || info.size === 0) return;
  } catch {
    return;
  }
  const { control, recycle, init } = newWorkerSetup(filter === undefined ? { file } : { file, filter });
  const worker = startCaptureWorker(init);
  const messages: WorkerToMain[] = [];
  const early: EarlyWorker = {
    file,
    filter,
    worker,
    control,
    recycle,
    init,
    messages,
    exitCode: null,
    error: null,
    detach: () => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      worker.off('error', onError);
    },
  };
  const onMessage = (msg: WorkerToMain): void => void messages.push(msg);
  const onExit = (code: number): void => void (early.exitCode = code);
  const onError = (err: Error): void => void (early.error = err);
  worker.on('message', onMessage);
  worker.on('exit', onExit);
  worker.on('error', onError);
  g[SLOT] = early;
}

/** The early worker if it was started for exactly this file and filter (handed over once), else null. */
export function takeEarlyWorker(file: string, filter: string | undefined): EarlyWorker | null {
  const g = globalThis as Slot;
  const early = g[SLOT];
  if (!early || early.file !== file || early.filter !== (filter || undefined)) return null;
  g[SLOT] = null;
  early.detach();
  return early;
}

/**
 * Stops an early worker nobody took (the command line ended first); no-op
 * otherwise. Asked to stop through the control slots, as `Capture.stop()`
 * does: terminating a worker inside libpcap's read loop aborts the process.
 */
export async function discardEarlyWorker(): Promise<void> {
  const g = globalThis as Slot;
  const early = g[SLOT];
  if (!early) return;
  g[SLOT] = null;
  early.detach();
  if (early.exitCode !== null) return;
  await stopCaptureWorker(early.worker, early.control, new Promise<void>((resolve) => early.worker.once('exit', () => resolve())));
}
