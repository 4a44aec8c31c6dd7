/**
 * Main-thread side of capture: starts the worker, receives batches, returns
 * flow-control credits as the consumer finishes each batch, and stops the
 * worker on request.
 *
 * ```ts
 * const cap = await Capture.open({ file: 'x.pcap', filter: 'tcp' });
 * for await (const batch of cap.batches()) for (const p of batch) decodeFrame(cap.linkType, p.frame, p.ts);
 * ```
 */
import { stat } from 'node:fs/promises';
import type { MessagePort, Worker } from 'node:worker_threads';
import { isSupportedLinkType } from '../../protocols/link/decode.js';
import { AuscultError, ERRORS, type ErrorCode } from '../errors.js';
import { PacketBatch } from './packet-batch.js';
import { takeEarlyWorker } from './early.js';
import { newWorkerSetup, startCaptureWorker, stopCaptureWorker, type WorkerTuning } from './spawn.js';
import {
  CTL_CREDITS,
  CTL_STOP,
  CTL_WAITING,
  type CaptureOptions,
  type WorkerInit,
  type WorkerToMain,
} from './types.js';

/** libpcap counters for a live capture (pcap_stats). */
export interface CaptureStats {
  received: number;
  dropped: number;
  ifDropped: number;
}

/** What a capture delivered, known once `batches()` has ended. */
export interface CaptureTotals {
  packets: number;
  bytes: number;
  /** Ended by `stop()` rather than by the end of the file. */
  stopped: boolean;
  /** Last libpcap statistics of a live capture; null for files. */
  stats: CaptureStats | null;
}

/** Tuning knobs beyond `CaptureOptions`: the worker's (spawn.ts) and this. */
export interface CaptureTuning extends WorkerTuning {
  /** Accept link types `decodeFrame` cannot decode (default: reject with AUSCULT_ERR_UNSUPPORTED_LINKTYPE). */
  allowAnyLinkType?: boolean;
}

/** No batch, memory or statistics setting differs from the defaults an early worker starts with. */
function isDefaultTuning(t: CaptureTuning): boolean {
  return t.maxBatchesAhead === undefined && t.batchBytes === undefined && t.statsIntervalMs === undefined;
}

/**
 * The pcap addon is not context-aware: its shared object registers itself
 * only on the first dlopen, so while one thread of the process holds it,
 * another cannot load it ("Module did not self-register"). Hence one
 * capture worker at a time, and the main thread must never import `pcap`.
 */
let activeWorker: Worker | null = null;
/** Resolves when `activeWorker` has exited. */
let activeExited: Promise<void> = Promise.resolve();

/** How long `open()` waits for a previous capture's worker to finish exiting. */
const PREVIOUS_EXIT_WAIT_MS = 3000;

type Item = { kind: 'batch'; batch: PacketBatch } | { kind: 'end' } | { kind: 'error'; error: AuscultError };

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/** A running capture of a file or interface. */
export class Capture {
  /** LINKTYPE_ value of the source (tcpdump.org/linktypes.html). */
  readonly linkType: number;
  /** libpcap's name for it as the binding reports it. */
  readonly linkTypeName: string;
  /** Latest libpcap statistics (live only). */
  stats: CaptureStats | null = null;
  /** libpcap warnings (e.g. no IPv4 address on the interface). */
  readonly warnings: string[] = [];

  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly queue: Item[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  private stopping = false;
  private packets = 0;
  private bytes = 0;
  private stoppedByRequest = false;
  private readonly exited: Promise<void>;

  private constructor(
    worker: Worker,
    control: Int32Array,
    linkType: number,
    linkTypeName: string,
    exited: Promise<void>,
    private readonly recyclePort: MessagePort,
    private readonly batchBytes: number,
  ) {
    this.worker = worker;
    this.control = control;
    this.linkType = linkType;
    this.linkTypeName = linkTypeName;
    this.exited = exited;
  }

  /**
   * Opens a capture file (pcap or pcapng) or a live interface in a worker.
   * Rejects with an `AuscultError`: FILE_NOT_FOUND, FILE_UNREADABLE,
   * NOT_A_CAPTURE, CAPTURE_TRUNCATED (header cut), BAD_FILTER,
   * CAPTURE_FAILED, UNSUPPORTED_LINKTYPE, BAD_ARGUMENT.
   */
  static async open(options: CaptureOptions, tuning: CaptureTuning = {}): Promise<Capture> {
    if ((options.file === undefined) === (options.iface === undefined)) {
      throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', 'give exactly one of a capture file or an interface');
    }
    // A worker the command line started before loading the rest (early.ts).
    const early =
      options.file !== undefined && isDefaultTuning(tuning) ? takeEarlyWorker(options.file, options.filter) : null;
    if (options.file !== undefined && early === null) await checkFile(options.file);

    const { control, recycle, init } = early ?? newWorkerSetup({ ...options }, tuning);
    if (early === null) {
      if (activeWorker !== null) {
        // A capture that just failed or was stopped may still be unloading the
        // addon; give it a moment rather than refusing a sequential open.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([activeExited, new Promise<void>((r) => (timer = setTimeout(r, PREVIOUS_EXIT_WAIT_MS)))]);
        clearTimeout(timer);
      }
      if (activeWorker !== null) {
        throw new AuscultError(
          'AUSCULT_ERR_CAPTURE_FAILED',
          'another capture is still running in this process (libpcap binding is single-thread); stop it first',
        );
      }
    }
    const worker = early?.worker ?? startCaptureWorker(init);
    const exitedEarly = early !== null && early.exitCode !== null;
    activeWorker = exitedEarly ? null : worker;
    let exited: Promise<void>;
    if (exitedEarly) exited = Promise.resolve();
    else {
      worker.once('exit', () => {
        if (activeWorker === worker) activeWorker = null;
      });
      exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    }
    activeExited = exited;

    // Everything the worker says besides 'opened' is kept until the Capture
    // listens: a worker started early (preopen.ts, early.ts) can post its
    // first batches, 'done' and even exit before this function's continuation
    // runs, all in one delivery, and a message no listener saw would be lost
    // for good. An early worker's messages so far are replayed first, in order.
    const backlog: WorkerToMain[] = [];
    let exitedBeforeListen = false;
    const keep = (msg: WorkerToMain): void => void backlog.push(msg);
    const keepExit = (): void => void (exitedBeforeListen = true);
    const opened = await new Promise<WorkerToMain & { kind: 'opened' }>((resolve, reject) => {
      let settled = false;
      const onMessage = (msg: WorkerToMain): void => {
        if (settled) {
          keep(msg);
          return;
        }
        if (msg.kind === 'opened') {
          settled = true;
          cleanup();
          worker.on('message', keep);
          worker.once('exit', keepExit);
          resolve(msg);
        } else if (msg.kind === 'warning') {
          backlog.push(msg);
        } else if (msg.kind === 'error') {
          settled = true;
          cleanup();
          // Settle once the worker is gone, so a retry can load the addon again.
          void exited.then(() => reject(toError(msg.code, msg.message)));
        }
      };
      const onError = (err: Error): void => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(new AuscultError('AUSCULT_ERR_INTERNAL', `capture worker failed to start: ${err.message}`, { cause: err }));
      };
      const onExit = (code: number): void => {
        if (settled) {
          keepExit();
          return;
        }
        settled = true;
        cleanup();
        reject(new AuscultError('AUSCULT_ERR_INTERNAL', `capture worker exited (${code}) before opening`));
      };
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      if (early !== null) {
        for (const msg of early.messages) onMessage(msg);
        if (early.error !== null) onError(early.error);
        if (early.exitCode !== null) onExit(early.exitCode);
        else if (!settled) {
          worker.on('message', onMessage);
          worker.on('error', onError);
          worker.on('exit', onExit);
        }
        return;
      }
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });

    worker.off('message', keep);
    worker.off('exit', keepExit);
    if (!tuning.allowAnyLinkType && !isSupportedLinkType(opened.linkType)) {
      Atomics.store(control, CTL_STOP, 1);
      await worker.terminate();
      throw new AuscultError(
        'AUSCULT_ERR_UNSUPPORTED_LINKTYPE',
        `${options.file ?? options.iface}: link type ${opened.linkTypeName} is not decoded`,
      );
    }
    recycle.port1.unref();
    void exited.then(() => recycle.port1.close());
    const capture = new Capture(worker, control, opened.linkType, opened.linkTypeName, exited, recycle.port1, init.batchBytes);
    capture.listen(backlog, exitedBeforeListen);
    return capture;
  }

  /** Handles the worker's messages from now on, after those it sent while `open()` was finishing. */
  private listen(backlog: readonly WorkerToMain[], exitedAlready: boolean): void {
    for (const msg of backlog) this.onMessage(msg);
    this.worker.on('message', (msg: WorkerToMain) => this.onMessage(msg));
    this.worker.on('error', (err) => {
      this.push({ kind: 'error', error: new AuscultError('AUSCULT_ERR_INTERNAL', `capture worker: ${err.message}`, { cause: err }) });
    });
    if (exitedAlready) this.onExit();
    else this.worker.on('exit', () => this.onExit());
  }

  private onExit(): void {
    // Exits after 'done'/'error' are normal; one without them was a stop or a crash.
    if (this.stopping) this.stoppedByRequest = true;
    else this.push({ kind: 'error', error: new AuscultError('AUSCULT_ERR_INTERNAL', 'capture worker exited unexpectedly') });
    this.push({ kind: 'end' });
  }

  private onMessage(msg: WorkerToMain): void {
    switch (msg.kind) {
      case 'batch':
        this.push({ kind: 'batch', batch: new PacketBatch(msg.buffer, msg.count, msg.bytes) });
        break;
      case 'stats':
        this.stats = { received: msg.received, dropped: msg.dropped, ifDropped: msg.ifDropped };
        break;
      case 'warning':
        this.warnings.push(msg.message);
        break;
      case 'done':
        if (msg.stopped) this.stoppedByRequest = true;
        this.push({ kind: 'end' });
        break;
      case 'error':
        this.push({ kind: 'error', error: toError(msg.code, msg.message) });
        break;
      case 'opened':
        break;
    }
  }

  private push(item: Item): void {
    if (this.ended) return;
    if (item.kind !== 'batch') this.ended = true;
    this.queue.push(item);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * Hands a consumed batch's memory back to the worker. Frames of a batch are
   * therefore valid only until the consumer asks for the next batch (the
   * pipeline never keeps them: the analyzer contract says chunks are valid
   * only during the call).
   */
  private recycleBuffer(buffer: ArrayBuffer): void {
    if (buffer.byteLength !== this.batchBytes || this.stopping) return;
    try {
      this.recyclePort.postMessage(buffer, [buffer]);
    } catch {
      // port closed: the worker has gone; nothing to recycle
    }
  }

  private returnCredit(): void {
    Atomics.add(this.control, CTL_CREDITS, 1);
    // A notify costs a futex wake; most credits come back while the worker is reading.
    if (Atomics.load(this.control, CTL_WAITING) !== 0) Atomics.notify(this.control, CTL_CREDITS);
  }

  /**
   * The captured packets, batch by batch, until the file ends or `stop()`.
   * The worker gets a credit back each time the consumer asks for the next
   * batch. A read error (e.g. AUSCULT_ERR_CAPTURE_TRUNCATED) is thrown after
   * every batch read before it has been yielded. Returns the totals.
   * Call it once per capture. `onIdle`, if given, is called each time the
   * consumer has caught up and is about to wait for the worker: a place for
   * work that can go anywhere in the run.
   */
  async *batches(onIdle?: () => void): AsyncGenerator<PacketBatch, CaptureTotals, undefined> {
    for (;;) {
      const item = this.queue.shift();
      if (item === undefined) {
        onIdle?.();
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (item.kind === 'batch') {
        this.packets += item.batch.count;
        this.bytes += item.batch.bytes;
        try {
          yield item.batch;
        } finally {
          this.recycleBuffer(item.batch.buffer);
          this.returnCredit();
        }
        continue;
      }
      if (item.kind === 'error') {
        await this.exited;
        throw item.error;
      }
      await this.exited;
      return this.totals();
    }
  }

  /** Totals so far. */
  totals(): CaptureTotals {
    return { packets: this.packets, bytes: this.bytes, stopped: this.stoppedByRequest, stats: this.stats };
  }

  /**
   * Ends the capture: the worker stops at its next packet or wait and exits;
   * if it has not left after a grace period (a filter that matches nothing in
   * a large file, an idle interface) it is terminated. Resolves once it has
   * exited; `batches()` then ends after the batches already received.
   */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      await stopCaptureWorker(this.worker, this.control, this.exited);
      this.stoppedByRequest = true;
      this.push({ kind: 'end' });
    }
    await this.exited;
  }
}

function toError(code: string, message: string): AuscultError {
  return new AuscultError(isErrorCode(code) ? code : 'AUSCULT_ERR_INTERNAL', message);
}

/** Fails early, with a precise code, on what libpcap would report vaguely. */
async function checkFile(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AuscultError('AUSCULT_ERR_FILE_NOT_FOUND', `${path}: no such file`);
    throw new AuscultError('AUSCULT_ERR_FILE_UNREADABLE', `${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!info.isFile()) throw new AuscultError('AUSCULT_ERR_NOT_A_CAPTURE', `${path}: not a regular file`);
  if (info.size === 0) throw new AuscultError('AUSCULT_ERR_NOT_A_CAPTURE', `${path}: the file is empty`);
}
