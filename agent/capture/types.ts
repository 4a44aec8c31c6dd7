import type { MessagePort } from 'node:worker_threads';
/**
 * Messages between the capture worker and the main thread.
 *
 * The worker copies each libpcap packet (whose buffer libpcap reuses) into a
 * batch buffer and transfers the batch. Batch layout, little endian, repeated:
 *   u32 tsSec, u32 tsUsec, u32 capLen, u32 origLen, capLen bytes of frame.
 */
export const BATCH_RECORD_HEADER = 16;

export interface CaptureOptions {
  /** Offline file path (pcap or pcapng). */
  file?: string;
  /** Live interface name. */
  iface?: string;
  /** BPF filter expression. */
  filter?: string;
  snapLength?: number;
  bufferSize?: number;
  promiscuous?: boolean;
}

export type WorkerToMain =
  | { kind: 'opened'; linkType: number; linkTypeName: string }
  | { kind: 'batch'; buffer: ArrayBuffer; count: number; bytes: number }
  | { kind: 'stats'; received: number; dropped: number; ifDropped: number }
  | { kind: 'done'; packets: number; stopped?: boolean }
  | { kind: 'warning'; message: string }
  | { kind: 'error'; code: string; message: string };

/** Indexes into the control Int32Array shared with the worker. */
export const CTL_CREDITS = 0; // batches the worker may still send before waiting
export const CTL_STOP = 1; // non-zero: stop at the next packet or wait
export const CTL_WAITING = 2; // non-zero while the worker waits for a credit (the consumer notifies only then)
export const CTL_LENGTH = 3;

/** Batches the worker may run ahead of the consumer, unless tuned (memory bound = this x batch size). */
export const DEFAULT_BATCHES_AHEAD = 4;
/** Target size of one batch buffer, unless tuned. */
export const DEFAULT_BATCH_BYTES = 1024 * 1024;
/** How often a live capture reports libpcap statistics, unless tuned. */
export const DEFAULT_STATS_INTERVAL_MS = 1000;

/** What the main thread hands the worker at start (worker_threads workerData). */
export interface WorkerInit {
  options: CaptureOptions;
  /** SharedArrayBuffer of CTL_LENGTH Int32 slots. */
  control: SharedArrayBuffer;
  /** Target size of one batch buffer in bytes. */
  batchBytes: number;
  /** How often a live capture reports libpcap statistics, in ms. */
  statsIntervalMs: number;
  /**
   * Batch buffers the consumer is done with come back on this port, so the
   * worker reuses memory that is already mapped instead of faulting in a
   * fresh megabyte per batch (about a third of the copy cost otherwise).
   */
  recycle: MessagePort;
}

export interface CapturedPacket {
  ts: number;
  capLen: number;
  origLen: number;
  /** Frame bytes, a view into the batch buffer (owned by the main thread). */
  frame: Buffer;
}
