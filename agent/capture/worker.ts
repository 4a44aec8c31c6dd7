/**
 * The capture worker thread. libpcap's offline read is one blocking native
 * loop, and closing a live handle only takes effect on the next packet, so
 * capture lives here where the main thread can always stop it.
 *
 * Each packet (whose libpcap buffer is reused) is copied into a batch
 * ArrayBuffer (layout in types.ts) that is transferred, not cloned. Flow
 * control: the worker spends one credit per batch from a SharedArrayBuffer
 * and `Atomics.wait`s when it has none, so it never runs more than the
 * initial credit count ahead of the consumer, whatever the file size.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { classifyOfflineOpenError } from './classify-error.js';
import { linkTypeFromName, newNativeSession, type NativePcapSession } from './pcap-binding.js';
import {
  BATCH_RECORD_HEADER,
  CTL_CREDITS,
  CTL_STOP,
  CTL_WAITING,
  type WorkerInit,
  type WorkerToMain,
} from './types.js';

/** Largest packet libpcap will hand us from a file (MAXIMUM_SNAPLEN, pcap-int.h). */
const MAX_SNAPLEN = 262144;
/** Slice for Atomics.wait, so a stop request is seen even without a notify. */
const WAIT_SLICE_MS = 50;
/** Sleep between live dispatches when the ring is empty; the ring absorbs the traffic meanwhile. */
const LIVE_IDLE_MS = 5;

const port = parentPort;
if (port === null) throw new Error('agent/capture/worker.ts must run in a worker thread');
const init = workerData as WorkerInit;
// Polled synchronously (receiveMessageOnPort); must not keep the thread alive.
init.recycle.unref();
const ctl = new Int32Array(init.control);
const opts = init.options;
const live = opts.iface !== undefined;

function post(msg: WorkerToMain, transfer?: ArrayBuffer[]): void {
  port!.postMessage(msg, transfer);
}

function fail(code: ErrorCode, message: string): void {
  post({ kind: 'error', code, message });
}

function stopRequested(): boolean {
  return Atomics.load(ctl, CTL_STOP) !== 0;
}

// ---- open ---------------------------------------------------------------

const snapLength = Math.min(Math.max(opts.snapLength ?? 65535, 64), MAX_SNAPLEN);
const pktBuf = Buffer.alloc(live ? snapLength : MAX_SNAPLEN);
const hdrBuf = Buffer.alloc(16);
const hdr32 = new Uint32Array(hdrBuf.buffer, hdrBuf.byteOffset, 4);
/**
 * Views of pktBuf's first N bytes, made once per length seen: copying through
 * `batch.set(view)` allocates nothing per packet, where `pktBuf.copy(...)`
 * builds a view of the source on every call. A capture holds few distinct
 * lengths; at worst this holds one small view object per possible length.
 */
const prefixViews: Array<Uint8Array | undefined> = [];
function prefix(len: number): Uint8Array {
  let v = prefixViews[len];
  if (v === undefined) {
    v = new Uint8Array(pktBuf.buffer, pktBuf.byteOffset, len);
    prefixViews[len] = v;
  }
  return v;
}
const warn = (message: string): void => post({ kind: 'warning', message });

function open(session: NativePcapSession, filter: string): string {
  if (live) {
    return session.open_live(
      opts.iface!,
      filter,
      opts.bufferSize ?? 16 * 1024 * 1024,
      snapLength,
      '',
      onPacket,
      false,
      // libpcap read timeout; dispatch is non-blocking and driven by poll anyway.
      100,
      warn,
      opts.promiscuous ?? true,
    );
  }
  return session.open_offline(opts.file!, filter, 0, MAX_SNAPLEN, '', onPacket, false, 0, warn, false);
}

/** Opens the session, or reports why not (telling a bad filter from a bad source by retrying without it). */
function openOrReport(): NativePcapSession | null {
  const filter = opts.filter ?? '';
  const session = newNativeSession();
  try {
    linkTypeName = open(session, filter);
    return session;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (filter !== '') {
      const probe = newNativeSession();
      let sourceOk = false;
      try {
        open(probe, '');
        sourceOk = true;
      } catch {
        // the source itself is bad: classified below
      }
      if (sourceOk) {
        // Close the probe handle: offline, a dispatch after breakloop finalises it.
        probe.close();
        if (!live) probe.dispatch(pktBuf, hdrBuf);
        fail('AUSCULT_ERR_BAD_FILTER', `filter "${filter}": ${message}`);
        return null;
      }
    }
    if (live) fail('AUSCULT_ERR_CAPTURE_FAILED', `interface ${opts.iface}: ${message}`);
    else fail(classifyOfflineOpenError(message), `${opts.file}: ${message}`);
    return null;
  }
}

// ---- batching -------------------------------------------------------------

/** A buffer the consumer has finished with, else a new one. */
function nextBuffer(): ArrayBuffer {
  const back = receiveMessageOnPort(init.recycle);
  if (back && back.message instanceof ArrayBuffer && back.message.byteLength === init.batchBytes) return back.message;
  return new ArrayBuffer(init.batchBytes);
}

let batchAb = new ArrayBuffer(init.batchBytes);
let batch = Buffer.from(batchAb);
let batchView = new DataView(batchAb);
let used = 0;
let count = 0;
let total = 0;
let stopped = false;
let session: NativePcapSession | null = null;
let linkTypeName = '';

/** Waits for a credit; false when a stop was requested meanwhile. */
function takeCredit(): boolean {
  for (;;) {
    if (stopRequested()) return false;
    const c = Atomics.load(ctl, CTL_CREDITS);
    if (c > 0) {
      if (Atomics.compareExchange(ctl, CTL_CREDITS, c, c - 1) === c) return true;
      continue;
    }
    // Announce the wait, then look again: the consumer adds a credit before
    // it reads the flag, so either it sees the flag and notifies, or this
    // thread sees the credit (and Atomics.wait returns at once on a changed value).
    Atomics.store(ctl, CTL_WAITING, 1);
    if (Atomics.load(ctl, CTL_CREDITS) === c) Atomics.wait(ctl, CTL_CREDITS, c, WAIT_SLICE_MS);
    Atomics.store(ctl, CTL_WAITING, 0);
  }
}

/** Sends the current batch (if any) once a credit is available. */
function flush(): void {
  if (count === 0) return;
  if (!takeCredit()) {
    requestStop();
    return;
  }
  if (used * 2 < batch.length) {
    // A partial batch (live trickle, end of file): send a right-sized copy
    // and keep the big buffer, rather than allocating a fresh one each time.
    const sent = batchAb.slice(0, used);
    post({ kind: 'batch', buffer: sent, count, bytes: used }, [sent]);
  } else {
    const sent = batchAb;
    post({ kind: 'batch', buffer: sent, count, bytes: used }, [sent]);
    batchAb = nextBuffer();
    batch = Buffer.from(batchAb);
    batchView = new DataView(batchAb);
  }
  used = 0;
  count = 0;
}

function requestStop(): void {
  if (stopped) return;
  stopped = true;
  // pcap_breakloop: the running dispatch returns -2 and closes the handle.
  session?.close();
}

/** libpcap callback: copy the reused packet buffer into the batch. */
function onPacket(): void {
  if (stopped) return;
  let capLen = hdr32[2];
  if (capLen > pktBuf.length) capLen = pktBuf.length;
  const need = BATCH_RECORD_HEADER + capLen;
  if (used + need > batch.length) {
    flush();
    if (stopped) return;
    if (need > batch.length) {
      // A packet bigger than a batch gets a batch of its own size (sent whole by the next flush).
      batchAb = new ArrayBuffer(need);
      batch = Buffer.from(batchAb);
      batchView = new DataView(batchAb);
    }
  } else if ((total & 1023) === 0 && stopRequested()) {
    requestStop();
    return;
  }
  // Header fields one by one (cheaper than a native copy for 16 bytes); capLen as clamped.
  batchView.setUint32(used, hdr32[0], true);
  batchView.setUint32(used + 4, hdr32[1], true);
  batchView.setUint32(used + 8, capLen, true);
  batchView.setUint32(used + 12, hdr32[3], true);
  batch.set(prefix(capLen), used + BATCH_RECORD_HEADER);
  used += need;
  count++;
  total++;
}

// ---- run ----------------------------------------------------------------------

function finish(): void {
  if (!stopped) flush();
  post({ kind: 'done', packets: total, stopped });
}

function postStats(): void {
  if (session === null) return;
  try {
    const s = session.stats();
    post({ kind: 'stats', received: s.ps_recv, dropped: s.ps_drop, ifDropped: s.ps_ifdrop });
  } catch {
    // the handle is already closed: nothing to report
  }
}

function runOffline(s: NativePcapSession): void {
  const rc = s.dispatch(pktBuf, hdrBuf);
  if (rc === -1) {
    // Deliver what was read before the cut, then report it.
    flush();
    fail(
      'AUSCULT_ERR_CAPTURE_TRUNCATED',
      `${opts.file}: libpcap stopped with a read error after ${total} packets (truncated or corrupt packet record)`,
    );
    return;
  }
  if (rc >= 0 && stopped) {
    // Stop seen between dispatches: one more call lets libpcap close the handle.
    s.dispatch(pktBuf, hdrBuf);
  }
  finish();
}

/**
 * Live capture as a synchronous poll loop: non-blocking dispatch, then a
 * short Atomics.wait on the stop slot. Not the binding's uv_poll: that
 * handle is never uv_close()d, and a worker that exits with it open aborts
 * the whole process; it also keeps the thread alive after the stop.
 */
function runLive(s: NativePcapSession): void {
  let nextStats = Date.now() + init.statsIntervalMs;
  while (!stopped && !stopRequested()) {
    // Drains every packet the kernel ring holds; returns 0 once it is empty.
    const rc = s.dispatch(pktBuf, hdrBuf);
    flush();
    if (rc === -1) {
      postStats();
      fail('AUSCULT_ERR_CAPTURE_FAILED', `interface ${opts.iface}: libpcap read error`);
      return;
    }
    if (rc === -2) break;
    const now = Date.now();
    if (now >= nextStats) {
      postStats();
      nextStats = now + init.statsIntervalMs;
    }
    Atomics.wait(ctl, CTL_STOP, 0, LIVE_IDLE_MS);
  }
  postStats();
  // In non-blocking mode libpcap only closes the handle on the next packet
  // after a breakloop; an idle interface's handle stays open until exit.
  requestStop();
  finish();
}

session = openOrReport();
if (session !== null) {
  post({ kind: 'opened', linkType: linkTypeFromName(linkTypeName), linkTypeName });
  if (live) runLive(session);
  else runOffline(session);
}
