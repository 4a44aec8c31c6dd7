/**
 * Faults, with the real agent and the real collector as processes on
 * 127.0.0.1: the collector killed (SIGKILL) mid-stream and restarted on the
 * same database, then the agent killed mid-stream and restarted on the same
 * outbox. Afterwards the collector holds exactly the devices and findings
 * the capture yields, has acknowledged every sequence number the agent
 * assigned, and the agent's outbox is empty: nothing lost, nothing applied
 * twice.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInventory } from '../../agent/inventory/run.js';
import { makeBenchCapture } from '../../bench/make-capture.js';
import { freePort } from '../helpers/net.js';
import { FIXTURES, REPO } from '../helpers/paths.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const tmp = mkdtempSync(join(tmpdir(), 'auscult-faults-'));
const db = join(tmp, 'collector.sqlite');

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Read the collector's SQLite directly (WAL: readers do not block the writer). */
function collectorCounts(): { devices: number; findings: number; ackedSeq: number } {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const devices = (d.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n;
    const findings = (d.prepare("SELECT count(*) AS n FROM findings WHERE source != 'collector' AND closed_at IS NULL").get() as { n: number }).n;
    const ackedSeq = (d.prepare('SELECT max(acked_seq) AS s FROM agents').get() as { s: number | null }).s ?? 0;
    return { devices, findings, ackedSeq };
  } finally {
    d.close();
  }
}

function outboxState(file: string): { lastSeq: number; pending: number } {
  const d = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const next = (d.prepare("SELECT value FROM meta WHERE key = 'next_seq'").get() as { value: number } | undefined)?.value ?? 1;
    const pending = (d.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    return { lastSeq: next - 1, pending };
  } finally {
    d.close();
  }
}

t.test('collector and agent killed mid-stream: every message stored exactly once', { timeout: 240_000 }, async (t) => {
  // A capture with many devices, so the stream lasts long enough to be cut:
  // the testbed captures repeated with distinct addresses (bench/make-capture).
  const inputs: string[] = [];
  for (const sub of ['dicom', 'hl7']) {
    for (const f of readdirSync(join(FIXTURES, sub)).sort()) if (f.endsWith('.pcap') && !f.startsWith('phi')) inputs.push(join(FIXTURES, sub, f));
  }
  const capture = join(tmp, 'many.pcap');
  makeBenchCapture(inputs, capture, 24, 24);
  const truth = (await runInventory({ file: capture })).report;
  t.ok(truth.devices.length > 300, `the capture holds ${truth.devices.length} devices`);

  const enroll = spawnSync(process.execPath, [BIN, 'collector', 'enroll', 'span-1', '--db', db], { encoding: 'utf8', cwd: REPO, timeout: 30_000 });
  t.equal(enroll.status, 0, enroll.stderr);
  writeFileSync(join(tmp, 'token'), enroll.stdout.trim().split('\n').pop()!.trim() + '\n');
  const port = await freePort();

  const children = new Set<ChildProcess>();
  t.teardown(() => {
    for (const c of children) c.kill('SIGKILL');
  });
  const startCollector = async (): Promise<ChildProcess> => {
    const c = spawn(process.execPath, [BIN, 'collector', '--listen', `127.0.0.1:${port}`, '--db', db], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(c);
    c.on('exit', () => children.delete(c));
    let log = '';
    c.stdout!.on('data', (d) => (log += d));
    c.stderr!.on('data', (d) => (log += d));
    await until('the collector to listen', () => /listening/.test(log));
    return c;
  };
  const outbox = join(tmp, 'outbox.sqlite');
  const startAgent = (): { child: ChildProcess; done: Promise<number | null>; stderr: () => string } => {
    const a = spawn(
      process.execPath,
      [BIN, 'agent', '--read', capture, '--collector', `wss://127.0.0.1:${port}`, '--token-file', join(tmp, 'token'), '--ca', `${db}.cert.pem`, '--outbox', outbox, '--stats-interval', '1'],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.add(a);
    let err = '';
    a.stderr!.on('data', (d) => (err += d));
    const done = new Promise<number | null>((resolve) => a.on('exit', (code) => {
      children.delete(a);
      resolve(code);
    }));
    return { child: a, done, stderr: () => err };
  };

  // 1. The collector dies (SIGKILL: no clean shutdown) while the agent streams.
  let collector = await startCollector();
  const a1 = startAgent();
  await until('the collector to store some devices', () => existsSync(db) && collectorCounts().devices > 20, 60_000);
  collector.kill('SIGKILL');
  await new Promise((r) => collector.once('exit', r));
  const atKill = collectorCounts();
  t.ok(atKill.devices < truth.devices.length, `killed mid-stream (${atKill.devices} of ${truth.devices.length} devices stored)`);
  await new Promise((r) => setTimeout(r, 1500));
  collector = await startCollector();

  // 2. The agent dies (SIGKILL) once the restarted collector is receiving again.
  await until('the restarted collector to receive', () => collectorCounts().devices > atKill.devices, 90_000);
  a1.child.kill('SIGKILL');
  await a1.done;
  const a2 = startAgent();
  const code = await a2.done;
  t.equal(code, 0, `the restarted agent finished the file and drained its outbox\n${a2.stderr().slice(-2000)}`);

  const final = collectorCounts();
  const out = outboxState(outbox);
  t.equal(final.devices, truth.devices.length, 'every device of the capture is stored, once');
  t.equal(final.findings, truth.findings.length, 'every finding is stored, once');
  t.equal(out.pending, 0, 'the outbox is empty');
  t.equal(final.ackedSeq, out.lastSeq, `the collector acknowledged every seq the agent assigned (${out.lastSeq})`);
  t.notMatch(a2.stderr(), /refused/, 'no message was refused');
  collector.kill('SIGTERM');
});
