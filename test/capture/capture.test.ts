import t from 'tap';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Capture } from '../../agent/capture/capture.js';
import { AuscultError } from '../../agent/errors.js';
import { decodeFrame } from '../../protocols/link/decode.js';

const fixtures = fileURLToPath(new URL('../fixtures/link/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'auscult-capture-'));

async function openError(opts: Parameters<typeof Capture.open>[0]): Promise<string> {
  try {
    const cap = await Capture.open(opts);
    await cap.stop();
    return 'opened';
  } catch (err) {
    return err instanceof AuscultError ? err.code : `not an AuscultError: ${String(err)}`;
  }
}

t.test('open errors map to catalogue codes', async (t) => {
  const text = join(scratch, 'notes.txt');
  writeFileSync(text, 'this is not a capture, just some text\n');
  const empty = join(scratch, 'empty.pcap');
  writeFileSync(empty, '');
  const tiny = join(scratch, 'tiny.pcap');
  writeFileSync(tiny, 'ab');
  t.equal(await openError({ file: join(scratch, 'missing.pcap') }), 'AUSCULT_ERR_FILE_NOT_FOUND');
  t.equal(await openError({ file: text }), 'AUSCULT_ERR_NOT_A_CAPTURE');
  t.equal(await openError({ file: empty }), 'AUSCULT_ERR_NOT_A_CAPTURE');
  t.equal(await openError({ file: tiny }), 'AUSCULT_ERR_NOT_A_CAPTURE');
  t.equal(await openError({ file: scratch }), 'AUSCULT_ERR_NOT_A_CAPTURE', 'a directory');
  t.equal(await openError({ file: fixtures + 'ethernet.pcap', filter: 'tcp port' }), 'AUSCULT_ERR_BAD_FILTER');
  t.equal(await openError({ file: fixtures + 'ethernet.pcap', filter: 'host no-such-host.invalid' }), 'AUSCULT_ERR_BAD_FILTER');
  t.equal(await openError({}), 'AUSCULT_ERR_BAD_ARGUMENT');
  t.equal(await openError({ iface: 'no-such-iface0' }), 'AUSCULT_ERR_CAPTURE_FAILED');
});

t.test('a truncated capture delivers the packets before the cut, then fails', async (t) => {
  const cap = await Capture.open({ file: fixtures + 'truncated.pcap' });
  let packets = 0;
  let decoded = 0;
  let error: unknown = null;
  try {
    for await (const batch of cap.batches()) {
      batch.forEach((frame, ts) => {
        packets++;
        if (decodeFrame(cap.linkType, frame, ts).ok) decoded++;
      });
    }
  } catch (err) {
    error = err;
  }
  t.equal(packets, 21, 'all 21 whole packets of 22');
  t.equal(decoded, 21);
  t.ok(error instanceof AuscultError && error.code === 'AUSCULT_ERR_CAPTURE_TRUNCATED', 'then the truncation error');
});

t.test('a filter selects a subset; pcapng reads like pcap', async (t) => {
  const count = async (file: string, filter?: string): Promise<{ n: number; ports: Set<number> }> => {
    const cap = await Capture.open({ file: fixtures + file, filter });
    const ports = new Set<number>();
    let n = 0;
    for await (const batch of cap.batches()) {
      for (const p of batch) {
        n++;
        const r = decodeFrame(cap.linkType, p.frame, p.ts);
        if (r.ok) ports.add(r.packet.ipProto);
      }
    }
    const totals = cap.totals();
    t.equal(totals.packets, n);
    t.equal(totals.stopped, false);
    return { n, ports };
  };
  const all = await count('ethernet.pcap');
  const udp = await count('ethernet.pcap', 'udp');
  const ng = await count('ethernet.pcapng', 'udp');
  t.equal(all.n, 22);
  t.equal(udp.n, 2);
  t.same([...udp.ports], [17]);
  t.equal(ng.n, 2);
});

t.test('flow control: a slow consumer with one credit still gets every packet', async (t) => {
  const cap = await Capture.open({ file: fixtures + 'ethernet.pcap' }, { maxBatchesAhead: 1, batchBytes: 1 });
  let n = 0;
  let batches = 0;
  for await (const batch of cap.batches()) {
    batches++;
    n += batch.count;
    await new Promise((r) => setTimeout(r, 2));
  }
  t.equal(n, 22);
  t.ok(batches >= 1);
});

t.test('stop() during a file read ends the capture', async (t) => {
  const cap = await Capture.open({ file: fixtures + 'ethernet.pcap' }, { maxBatchesAhead: 1 });
  await cap.stop();
  for await (const _ of cap.batches()) {
    // drains what arrived before the stop
  }
  t.equal(cap.totals().stopped, true);
});

t.test('live: packets on lo are captured; stop() on an idle filter returns within 1 s', async (t) => {
  const port = 40000 + (process.pid % 20000);
  const cap = await Capture.open({ iface: 'lo', filter: `udp and dst port ${port}` }, { statsIntervalMs: 100 });
  t.equal(cap.linkType, 1);
  const seen: string[] = [];
  const reading = (async () => {
    for await (const batch of cap.batches()) {
      for (const p of batch) {
        const r = decodeFrame(cap.linkType, p.frame, p.ts);
        if (r.ok) seen.push(r.packet.payload.toString());
      }
    }
  })();
  // Only to 127.0.0.1: nothing leaves the host.
  const sock = createSocket('udp4');
  for (let i = 0; i < 20 && seen.length === 0; i++) {
    await new Promise<void>((ok) => sock.send('ping', port, '127.0.0.1', () => ok()));
    await new Promise((r) => setTimeout(r, 50));
  }
  sock.close();
  t.ok(seen.includes('ping'), 'the datagram was captured');

  await new Promise((r) => setTimeout(r, 300)); // idle: nothing matches any more
  const started = Date.now();
  await cap.stop();
  await reading;
  const took = Date.now() - started;
  t.ok(took < 1000, `stop took ${took} ms`);
  t.equal(cap.totals().stopped, true);
  t.ok(cap.stats !== null && cap.stats.received >= 1, 'libpcap statistics reported');
});

t.test('one capture at a time per process (the pcap addon is single-thread)', async (t) => {
  const a = await Capture.open({ iface: 'lo', filter: 'udp and dst port 9' });
  t.equal(await openError({ file: fixtures + 'ethernet.pcap' }), 'AUSCULT_ERR_CAPTURE_FAILED');
  await a.stop();
  t.equal(await openError({ file: fixtures + 'ethernet.pcap' }), 'opened', 'free again after stop');
});

/** A classic pcap of `copies` repetitions of `src`'s records (for a read that lasts). */
function writeBigCapture(src: string, dst: string, copies: number): void {
  const buf = readFileSync(src);
  const header = buf.subarray(0, 24);
  const records = buf.subarray(24);
  writeFileSync(dst, Buffer.concat([header, ...Array.from({ length: copies }, () => records)]));
}

t.test('a worker started early (the launcher) is adopted by open(): nothing it said before is lost', async (t) => {
  const { startEarlyWorker, takeEarlyWorker, discardEarlyWorker } = await import('../../agent/capture/early.js');
  const file = fixtures + 'ethernet.pcap';
  const expected = await (async () => {
    const cap = await Capture.open({ file });
    let n = 0;
    for await (const b of cap.batches()) n += b.count;
    return n;
  })();
  t.ok(expected > 0);

  // Started, then left alone until it has read the whole file and exited:
  // every message it sent is replayed to the Capture.
  startEarlyWorker(file, undefined);
  await new Promise((r) => setTimeout(r, 1500));
  const cap = await Capture.open({ file });
  let n = 0;
  for await (const b of cap.batches()) n += b.count;
  t.equal(n, expected, 'every packet, from a worker that had exited before open()');
  t.equal(cap.totals().packets, expected);

  // Adopted while running: the same.
  startEarlyWorker(file, undefined);
  const cap2 = await Capture.open({ file });
  let m = 0;
  for await (const b of cap2.batches()) m += b.count;
  t.equal(m, expected, 'every packet, from a worker adopted while reading');

  // Only for the same file and filter, and default tuning; an untaken one is discarded.
  startEarlyWorker(file, undefined);
  t.equal(takeEarlyWorker(file, 'tcp'), null, 'another filter: not taken');
  t.equal(takeEarlyWorker(fixtures + 'raw.pcap', undefined), null, 'another file: not taken');
  await discardEarlyWorker();
  t.equal(takeEarlyWorker(file, undefined), null, 'discarded');
  // Discarded in the middle of a long read (a large file, one credit used up
  // at once): it is stopped through the control slots, not terminated inside
  // libpcap's loop, which would abort the process.
  const big = join(scratch, 'big.pcap');
  writeBigCapture(file, big, 2000);
  startEarlyWorker(big, undefined);
  const handle = (globalThis as Record<symbol, { worker: import('node:worker_threads').Worker } | null>)[Symbol.for('auscult.capture.early-worker')];
  t.ok(handle, 'started');
  const exitCode = new Promise<number>((resolve) => handle!.worker.once('exit', resolve));
  await new Promise((r) => setTimeout(r, 300));
  await discardEarlyWorker();
  t.equal(await exitCode, 0, 'left on its own (a terminated worker exits with 1)');
  t.equal(await openError({ file }), 'opened', 'and the next capture opens');

  // Nothing is started for a path open() must explain (missing, empty): the error is open()'s own.
  startEarlyWorker(join(scratch, 'missing.pcap'), undefined);
  t.equal(takeEarlyWorker(join(scratch, 'missing.pcap'), undefined), null);
  t.equal(await openError({ file: join(scratch, 'missing.pcap') }), 'AUSCULT_ERR_FILE_NOT_FOUND');
  // A file libpcap refuses: the early worker's error reaches open() with the usual code.
  const text = join(scratch, 'early-notes.txt');
  writeFileSync(text, 'not a capture either\n');
  startEarlyWorker(text, undefined);
  t.equal(await openError({ file: text }), 'AUSCULT_ERR_NOT_A_CAPTURE');
  t.equal(takeEarlyWorker(text, undefined), null, 'taken by that open()');
});
