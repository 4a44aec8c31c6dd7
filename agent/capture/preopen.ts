/**
 * A capture opened ahead of time, for the command that will ask for it.
 *
 * `auscult inventory` starts its capture worker (thread, libpcap addon, file
 * open, first batches read ahead) before the command line parser and the
 * pipeline load, so both cores work during start-up (agent/cli/main.ts,
 * agent/cli/inventory-options.ts).
 * `openCapture()` hands the pre-opened capture over only when it was opened
 * for exactly the same file and filter; anything else opens a new one, and
 * `discardPreopened()` stops one that nobody took, so no thread is left
 * reading what the user did not ask for.
 */
import { Capture, type CaptureTuning } from './capture.js';
import type { CaptureOptions } from './types.js';

interface Preopened {
  file: string;
  filter: string | undefined;
  capture: Promise<Capture>;
}

let preopened: Preopened | null = null;

/** Starts opening a capture file now; the next matching `openCapture()` takes it. */
export function preopenCapture(options: { file: string; filter?: string }, tuning?: CaptureTuning): void {
  if (preopened !== null) return;
  const capture = Capture.open({ file: options.file, filter: options.filter }, tuning);
  // An error surfaces when the command takes the capture, with the same code
  // and message as opening it then; an untaken failure is no unhandled rejection.
  capture.catch(() => {});
  preopened = { file: options.file, filter: options.filter || undefined, capture };
}

/**
 * The pre-opened capture if it is for exactly these options (handed over
 * once), else a capture opened now.
 */
export function openCapture(options: CaptureOptions, tuning?: CaptureTuning): Promise<Capture> {
  const p = preopened;
  if (p !== null && options.iface === undefined && p.file === options.file && p.filter === (options.filter || undefined)) {
    preopened = null;
    return p.capture;
  }
  return Capture.open(options, tuning);
}

/** Stops a pre-opened capture nobody took (bad arguments, --help, a failed --kb). */
export async function discardPreopened(): Promise<void> {
  const p = preopened;
  if (p === null) return;
  preopened = null;
  try {
    await (await p.capture).stop();
  } catch {
    // it failed to open: nothing is running
  }
}
