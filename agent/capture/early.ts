/**
 * The capture worker of a plain `auscult inventory --read FILE`, started by
 * the command line's first module (agent/cli/main.ts) before the rest of
 * auscult loads. Its thread boot (about 60 ms of Node start-up per worker,
 * then the libpcap addon and the file) was the longest part of start-up;
 * begun first, it overlaps all of the main thread's module loading.
 * `Capture.open()` adopts it when asked for exactly that file and filter with
 * the default tuning; the messages the worker sent meanwhile wait here, in order.
 *
 * Only this module, worker-thread.ts and types.ts load before the worker
 * starts. Anything unusual (a path that is not a non-empty regular file) is
 * left to `Capture.open()`, which reports it as it always has.
 */
import { statSync } from 'node:fs';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../worker-thread.js';
import {
  CTL_CREDITS,
  CTL_LENGTH,
  CTL_STOP,
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCHES_AHEAD,
  DEFAULT_STATS_INTERVAL_MS,
  type WorkerInit,
  type WorkerToMain,
} from './types.js';

/** A started worker and what it said or did before anyone listened. */
export interface EarlyWorker {
  readonly file: string;
  readonly filter: string | undefined;
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly recycle: MessageChannel;
  readonly init: WorkerInit;
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
  const control = new Int32Array(new SharedArrayBuffer(CTL_LENGTH * 4));
  Atomics.store(control, CTL_CREDITS, DEFAULT_BATCHES_AHEAD);
  const recycle = new MessageChannel();
  const init: WorkerInit = {
    options: filter === undefined ? { file } : { file, filter },
    control: control.buffer as SharedArrayBuffer,
    batchBytes: DEFAULT_BATCH_BYTES,
    statsIntervalMs: DEFAULT_STATS_INTERVAL_MS,
    recycle: recycle.port2,
  };
  // By way of ../capture/, as capture.ts does, so the URL holds from a bundle too.
  const worker = startModuleWorker(import.meta.url, '../capture/worker', { workerData: init, transferList: [init.recycle] });
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

/** How long a discarded worker gets to leave its read loop before it is terminated. */
const STOP_GRACE_MS = 500;

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
  const exited = new Promise<void>((resolve) => early.worker.once('exit', () => resolve()));
  Atomics.store(early.control, CTL_STOP, 1);
  Atomics.notify(early.control, CTL_CREDITS);
  Atomics.notify(early.control, CTL_STOP);
  const timer = setTimeout(() => void early.worker.terminate(), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
