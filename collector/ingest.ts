/**
 * Checking agent messages on another thread. The thread that owns the
 * agents' TLS connections and the database hands every received frame to
 * a worker, which parses it, checks it against its schema and prepares its
 * columns (collector/validate.ts ingestFrame); the results come back in
 * frame order and are stored there. On a 2-core machine that took about a
 * third of the storing thread's time off it (bench/collector-load.ts).
 *
 * If the worker fails, `onFailure` is told once and the caller checks
 * frames itself from then on; frames the worker had not answered are lost,
 * never acknowledged, and the caller drops those connections so that their
 * agents send them again.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../agent/worker-thread.js';
import type { Ingested } from './validate.js';

export type IngestRequest = { session: number; frame: Uint8Array; binary: boolean; close?: undefined } | { close: number };

export interface IngestResult {
  session: number;
  out: Ingested[];
}

export class IngestWorker {
  private readonly worker: Worker;
  private failed = false;

  constructor(onResult: (r: IngestResult) => void, onFailure: (why: string) => void) {
    this.worker = startModuleWorker(import.meta.url, 'ingest-worker');
    this.worker.unref();
    this.worker.on('message', onResult);
    const fail = (why: string) => {
      if (this.failed) return;
      this.failed = true;
      onFailure(why);
    };
    this.worker.on('error', (err) => fail(err.message));
    this.worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  get ok(): boolean {
    return !this.failed;
  }

  /** Sends a copy of `frame` (ws may reuse what it handed over). */
  check(session: number, frame: Buffer, binary: boolean): void {
    const copy = new Uint8Array(frame);
    this.worker.postMessage({ session, frame: copy, binary } satisfies IngestRequest, [copy.buffer]);
  }

  /** The session ended: the worker forgets it. */
  forget(session: number): void {
    if (!this.failed) this.worker.postMessage({ close: session } satisfies IngestRequest);
  }

  /** Ends the worker as a crash would (onFailure is told); for tests. */
  async kill(): Promise<void> {
    await this.worker.terminate();
  }

  async stop(): Promise<void> {
    this.failed = true;
    await this.worker.terminate();
  }
}
