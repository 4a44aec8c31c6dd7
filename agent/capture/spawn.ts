/**
 * Starting and stopping a capture worker: what `Capture.open()`/`stop()` and
 * the command line's early start (early.ts) share. Small on purpose: it is
 * among the few modules loaded before the early worker starts.
 */
import { MessageChannel, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../worker-thread.js';
import {
  CTL_CREDITS,
  CTL_LENGTH,
  CTL_STOP,
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCHES_AHEAD,
  DEFAULT_STATS_INTERVAL_MS,
  type CaptureOptions,
  type WorkerInit,
} from './types.js';

/** The batch, memory and statistics settings of a worker (the defaults where absent). */
export interface WorkerTuning {
  /** Batches the worker may run ahead of the consumer (memory bound = this × batchBytes). Default 4. */
  maxBatchesAhead?: number;
  /** Target batch size in bytes (at least 64 KiB). Default 1 MiB. */
  batchBytes?: number;
  /** Live statistics interval in ms. Default 1000. */
  statsIntervalMs?: number;
}

/** The shared control slots, the recycling channel and the worker's start data. */
export interface WorkerSetup {
  control: Int32Array;
  recycle: MessageChannel;
  init: WorkerInit;
}

/** How long a worker asked to stop gets to leave its read loop before it is terminated. */
const STOP_GRACE_MS = 500;

export function newWorkerSetup(options: CaptureOptions, tuning: WorkerTuning = {}): WorkerSetup {
  const control = new Int32Array(new SharedArrayBuffer(CTL_LENGTH * 4));
  Atomics.store(control, CTL_CREDITS, Math.max(1, tuning.maxBatchesAhead ?? DEFAULT_BATCHES_AHEAD));
  const recycle = new MessageChannel();
  const init: WorkerInit = {
    options,
    control: control.buffer as SharedArrayBuffer,
    batchBytes: Math.max(64 * 1024, tuning.batchBytes ?? DEFAULT_BATCH_BYTES),
    statsIntervalMs: tuning.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
    recycle: recycle.port2,
  };
  return { control, recycle, init };
}

/** Starts the capture worker (worker.ts / worker.js / worker.cjs beside this file). */
export function startCaptureWorker(init: WorkerInit): Worker {
  // By way of ../capture/ so that the URL is also right from the bundled command line (dist/agent/cli/commands.js).
  return startModuleWorker(import.meta.url, '../capture/worker', { workerData: init, transferList: [init.recycle] });
}

/**
 * Asks the worker to stop through the control slots (it sees the request at
 * its next packet or credit wait) and resolves once `exited` has; terminates
 * it only if it has not left after a grace period (a filter that matches
 * nothing in a large file, an idle interface). Terminating a worker inside
 * libpcap's read loop aborts the whole process, hence the request first.
 */
export async function stopCaptureWorker(worker: Worker, control: Int32Array, exited: Promise<void>): Promise<void> {
  Atomics.store(control, CTL_STOP, 1);
  Atomics.notify(control, CTL_CREDITS);
  Atomics.notify(control, CTL_STOP);
  const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
