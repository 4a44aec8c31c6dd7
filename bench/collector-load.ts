/**
 * Collector load: 20 agent processes, each enrolled with its own token,
 * connect over wss (the collector's self-signed certificate pinned) to one
 * collector and send device / finding / stats messages (7:2:1, see
 * collector-load-messages.ts: device refreshes whose lastSeen and counts
 * move, occasional patches) as fast as acks allow (a window of BENCH_WINDOW
 * unacknowledged messages), for BENCH_SECONDS. Reports sustained
 * acknowledged messages/s stored in SQLite (from the end of a warm-up until
 * the senders stop) and p50/p99 ack latency (send → ack covering it).
 * Target: 20,000 msg/s on a 2-core machine.
 *
 * Also reported, from the same run: CPU of the collector process and of the
 * senders (cores, and µs per acknowledged message: on N idle cores the rate
 * cannot pass N·10⁶ / (collector µs + senders µs)), and the peer: the same
 * messages stored in this process without TLS, WebSocket or other processes
 * (CollectorStore.applyBatch alone, and with checkFrame), with the rate as a
 * ratio to it. BENCH_PROFILE=FILE.cpuprofile writes a CPU profile of the
 * collector over the measured run.
 *
 *   npx tsx bench/collector-load.ts
 *   BENCH_AGENTS=20 BENCH_SECONDS=15 BENCH_WINDOW=512 npx tsx bench/collector-load.ts
 *
 * Measured 2026-11-28 on the 2-vCPU machine, quiet, six runs: 23,273 /
 * 21,386 / 20,693 / 21,580 / 20,202 / 20,305 msg/s (target 20,000: met, by
 * little); p50 18-56 ms, p99 168-231 ms;
 * collector 1.09-1.12 cores (the storing thread, the ingest worker and the
 * checkpointer), 54-63 us of CPU per message; senders 0.45-0.49 cores,
 * 24-26 us; 0.95-1.07x of the store-only peer (21.3-21.7k msg/s). Alternated
 * with BENCH_INGEST=0 (frames checked on the storing thread): 15,077 /
 * 12,611 msg/s. Under load from other work (load average 5-12): 9-17k.
 *
 * What got it there from 9.1-9.5k (quiet, earlier the same day): the store
 * writes one devices row for a lone agent's refresh that only moved last
 * seen and counts (evidence rows keep key, flow, first seen and confidence;
 * schema v3); WAL checkpoints run on a worker thread (they were a third of
 * the storing thread's time, counting the fsync wait); frames are parsed,
 * schema-checked and prepared on an ingest worker; several messages travel
 * in one frame, one per line (collector/protocol.ts); devices and findings
 * are stored as sent instead of serialised again. Where the storing
 * thread's time goes now: SQL statements and the COMMIT (~1.2 WAL pages
 * per message), TLS and WebSocket framing, acks.
 *
 * The senders are this file run with --sender: a small client of
 * collector/protocol.ts of its own (not agent/uplink).
 */
import { fork } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { CollectorStore, type BatchItem, type SeqMessage } from '../collector/store.js';
import { checkFrame } from '../collector/validate.js';
import { messageSource } from './collector-load-messages.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const WARMUP_S = 2;

interface SenderReport {
  sent: number;
  acked: number;
  latencies: number[];
  /** CPU this sender used between 'go' and its report (µs, user + system). */
  cpuMicros: number;
  cpuSystemMicros: number;
}

if (process.argv.includes('--sender')) await sender();
else await main();

async function main(): Promise<void> {
  const { startCollector } = await import('../collector/server.js');
  const dir = mkdtempSync(join(tmpdir(), 'auscult-collector-load-'));
  // BENCH_INGEST=0: agents' messages checked on the storing thread (for comparison).
  const c = await startCollector({ listen: '127.0.0.1:0', db: join(dir, 'collector.sqlite'), log: () => {}, ingestWorker: process.env.BENCH_INGEST !== '0' });
  const tokens = Array.from({ length: AGENTS }, (_, i) => c.store.enroll(`bench-${i}`).token);
  const url = `wss://127.0.0.1:${c.port}/agent`;
  const self = fileURLToPath(import.meta.url);
  console.log(`collector ${c.url}; ${AGENTS} agents, window ${WINDOW}, ${SECONDS} s (${WARMUP_S} s warm-up); ${cpus().length} CPUs`);

  const children = tokens.map((token, i) =>
    fork(self, ['--sender'], {
      execArgv: ['--import', 'tsx', ...(process.env.BENCH_SENDER_PROF && i === 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SENDER_PROF}`] : [])],
      env: { ...process.env, BENCH_URL: url, BENCH_TOKEN: token, BENCH_CA: c.tls.cert, BENCH_AGENT: String(i) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const reports: Promise<SenderReport>[] = children.map(
    (ch) =>
      new Promise((resolve, reject) => {
        ch.on('message', (m) => {
          const msg = m as { ready?: boolean; report?: SenderReport };
          if (msg.report) resolve(msg.report);
        });
        ch.on('exit', (code) => (code ? reject(new Error(`sender exited ${code}`)) : undefined));
      }),
  );
  // Wait until every sender is connected and welcomed, then start them together.
  await Promise.all(children.map((ch) => new Promise<void>((r) => ch.on('message', (m) => (m as { ready?: boolean }).ready && r()))));
  const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
  for (const ch of children) ch.send({ go: SECONDS * 1000 });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const warm = { at: performance.now(), applied: c.endpoint.counters.applied };
  const perSecond: number[] = [];
  let last = c.endpoint.counters.applied;
  const sampler = setInterval(() => {
    perSecond.push(c.endpoint.counters.applied - last);
    last = c.endpoint.counters.applied;
  }, 1000);
  // The sustained rate is measured from the end of the warm-up to the moment the senders stop.
  let end = { at: 0, applied: 0 };
  const stopTimer = setTimeout(() => (end = { at: performance.now(), applied: c.endpoint.counters.applied }), SECONDS * 1000 - (performance.now() - t0));
  const all = await Promise.all(reports);
  clearTimeout(stopTimer);
  clearInterval(sampler);
  if (end.at === 0) end = { at: performance.now(), applied: c.endpoint.counters.applied };
  const cpu = process.cpuUsage(cpu0);
  if (profiler) writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(await profiler()));
  const wall = (performance.now() - t0) * 1000;
  const collectorCpu = cpuOf(cpu);
  const sendersCpu = all.reduce((s, r) => s + r.cpuMicros, 0);

  const stored = c.store.db.prepare('SELECT sum(acked_seq) AS n FROM agents').get() as { n: number };
  const sent = all.reduce((s, r) => s + r.sent, 0);
  const acked = all.reduce((s, r) => s + r.acked, 0);
  const lat = all.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!;
  const rate = (end.applied - warm.applied) / ((end.at - warm.at) / 1000);
  const counts = c.store.db.prepare("SELECT (SELECT count(*) FROM devices) AS devices, (SELECT count(*) FROM findings) AS findings, (SELECT count(*) FROM evidence) AS evidence").get();
  console.log(
    JSON.stringify(
      {
        agents: AGENTS,
        window: WINDOW,
        seconds: Math.round((end.at - t0) / 100) / 10,
        sent,
        acked,
        storedBySeq: stored.n,
        batches: c.endpoint.counters.batches,
        sustainedMsgPerSec: Math.round(rate),
        perSecond,
        ackLatencyMs: { p50: round(pct(50)), p90: round(pct(90)), p99: round(pct(99)), max: round(lat[lat.length - 1]!) },
        rows: counts,
        checkpointer: c.checkpointer.report,
        // Cores' worth of CPU over the run (go → all senders reported): 1.0 = one core busy.
        cpuCores: {
          collector: round(collectorCpu / wall),
          collectorSystem: round(cpu.system / wall),
          senders: round(sendersCpu / wall),
          sendersSystem: round(all.reduce((s, r) => s + r.cpuSystemMicros, 0) / wall),
        },
        // CPU per acknowledged message (µs): what bounds the rate on a machine of N idle cores (N·10⁶ / sum).
        cpuMicrosPerMessage: { collector: round(collectorCpu / acked), senders: round(sendersCpu / acked) },
        collectorCpuShare: round(collectorCpu / (collectorCpu + sendersCpu)),
      },
      null,
      2,
    ),
  );
  await c.close();
  const peer = inProcessPeer(join(dir, 'peer.sqlite'));
  console.log(JSON.stringify({ peer, ratioToStoreOnly: round(rate / peer.storeOnlyMsgPerSec), ratioToCheckAndStore: round(rate / peer.checkAndStoreMsgPerSec) }, null, 2));
  console.log(
    `sustained ${Math.round(rate)} acknowledged msg/s stored in SQLite (target 20000); ack latency p50 ${round(pct(50))} ms, p99 ${round(pct(99))} ms; ` +
      `collector ${round(collectorCpu / wall)} cores, senders ${round(sendersCpu / wall)} cores; ` +
      `${round(rate / peer.storeOnlyMsgPerSec)}x of the same messages stored in-process without the network (${peer.storeOnlyMsgPerSec} msg/s)`,
  );
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The peer, measured in the same run: the same messages (same agents, same
 * mix, same batch size as a busy collector) applied to a fresh database in
 * this process, without TLS, WebSocket or other processes. storeOnly times
 * CollectorStore.applyBatch alone (messages parsed beforehand);
 * checkAndStore adds checkFrame (JSON.parse + schema) per message.
 */
function inProcessPeer(file: string): { messages: number; batch: number; storeOnlyMsgPerSec: number; checkAndStoreMsgPerSec: number } {
  const PER_AGENT = 5000;
  const BATCH = 1000;
  const sources = Array.from({ length: AGENTS }, (_, i) => messageSource(i));
  const run = (checked: boolean, db: string) => {
    const store = CollectorStore.open(db);
    for (let i = 0; i < AGENTS; i++) store.enroll(`bench-${i}`);
    let ms = 0;
    let n = 0;
    let batch: BatchItem[] = [];
    let frames: Array<{ agentId: string; text: Buffer }> = [];
    const flush = () => {
      const t = performance.now();
      if (checked) {
        batch = frames.map((f) => {
          const c = checkFrame(f.text, false, true);
          if (!c.ok) throw new Error(c.reason);
          return { agentId: f.agentId, msg: c.msg as SeqMessage, text: c.text };
        });
      }
      store.applyBatch(batch);
      ms += performance.now() - t;
      n += checked ? frames.length : batch.length;
      batch = [];
      frames = [];
    };
    for (let seq = 1; seq <= PER_AGENT; seq++) {
      for (let a = 0; a < AGENTS; a++) {
        const text = sources[a]!(seq);
        if (checked) frames.push({ agentId: `bench-${a}`, text: Buffer.from(text) });
        else batch.push({ agentId: `bench-${a}`, msg: JSON.parse(text) as SeqMessage, text });
        if (frames.length + batch.length >= BATCH) flush();
      }
    }
    flush();
    store.close();
    return Math.round(n / (ms / 1000));
  };
  return { messages: PER_AGENT * AGENTS, batch: BATCH, storeOnlyMsgPerSec: run(false, file), checkAndStoreMsgPerSec: run(true, `${file}.checked`) };
}

/** A CPU profile of this process (the collector) from now until the returned function is called. */
async function startProfile(): Promise<() => Promise<object>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => (await session.post('Profiler.stop')).profile;
}

function cpuOf(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** One agent: hello, then device/finding/stats messages within a window of unacked ones. */
async function sender(): Promise<void> {
  const agent = Number(process.env.BENCH_AGENT);
  const ws = new WebSocket(process.env.BENCH_URL!, { ca: process.env.BENCH_CA!, headers: { Authorization: `Bearer ${process.env.BENCH_TOKEN}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const frame = messageSource(agent);
  // ws keeps the TLS socket it writes to here (not in its typings).
  const socket = (ws as unknown as { _socket: Duplex })._socket;

  let nextSeq = 1;
  let acked = 0;
  // BENCH_FRAME=1 sends one message per frame, as an agent does with a collector that does not offer more.
  let frameMessages = 1;
  let stopAt = Infinity;
  let done = false;
  let cpu0 = process.cpuUsage();
  const sentAt = new Float64Array(1 << 22);
  const latencies: number[] = [];
  const pump = () => {
    if (done) return;
    const now = performance.now();
    if (now >= stopAt) return;
    // The frames freed by one ack leave in one socket write (one TLS record
    // batch, one syscall) instead of one each: ws corks per frame, and the
    // socket only flushes when the outermost cork is released.
    socket.cork();
    while (nextSeq - 1 - acked < WINDOW) {
      // Up to frameMessages messages per frame, one per line, as agent/uplink sends them.
      const lines: string[] = [];
      while (lines.length < frameMessages && nextSeq - 1 - acked < WINDOW) {
        sentAt[nextSeq & (sentAt.length - 1)] = now;
        lines.push(frame(nextSeq));
        nextSeq++;
      }
      ws.send(lines.length === 1 ? lines[0]! : lines.join('\n'));
    }
    socket.uncork();
  };
  const finish = () => {
    if (done) return;
    done = true;
    process.send!({ report: { sent: nextSeq - 1, acked, latencies, cpuMicros: cpuOf(process.cpuUsage(cpu0)), cpuSystemMicros: process.cpuUsage(cpu0).system } satisfies SenderReport }, () => {
      ws.close();
      process.exit(0);
    });
  };
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; seq: number; ackedSeq?: number; frameMessages?: number; code?: string; reason?: string };
    if (m.type === 'welcome') {
      acked = m.ackedSeq ?? 0;
      frameMessages = Math.max(1, Math.min(m.frameMessages ?? 1, Number(process.env.BENCH_FRAME ?? Infinity)));
      nextSeq = acked + 1;
      process.send!({ ready: true });
    } else if (m.type === 'ack') {
      const now = performance.now();
      for (let s = acked + 1; s <= m.seq; s++) latencies.push(now - sentAt[s & (sentAt.length - 1)]!);
      if (m.seq > acked) acked = m.seq;
      if (performance.now() >= stopAt) {
        if (acked >= nextSeq - 1) finish();
      } else pump();
    } else if (m.type === 'refused') {
      console.error(`agent ${agent}: refused ${m.code}: ${m.reason}`);
    }
  });
  ws.on('close', () => finish());
  process.on('message', (m) => {
    const go = (m as { go?: number }).go;
    if (!go) return;
    stopAt = performance.now() + go;
    cpu0 = process.cpuUsage();
    setTimeout(() => (acked >= nextSeq - 1 ? finish() : undefined), go + 10);
    pump();
  });
  ws.send(JSON.stringify({ type: 'hello', v: 1, agentId: `bench-${agent}`, agentVersion: 'bench', kbVersion: 'none', lastSeq: 0, hostname: 'bench', source: 'bench' }));
}
