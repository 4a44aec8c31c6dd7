/**
 * `auscult agent` as a process: --read samples/hospital-sample.pcap to a
 * test collector (a real ws server over TLS on 127.0.0.1). Every device
 * arrives; a restart mid-way resends nothing that was acknowledged; stats
 * carry their fields; bad arguments get codes; SIGTERM on an idle live
 * capture exits 0 within ~1.5 s.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentMessage, DeviceMessage, StatsMessage } from '../../collector/protocol.js';
import { Agent } from '../../agent/agent.js';
import { runInventory } from '../../agent/inventory/run.js';
import { REPO } from '../helpers/paths.js';
import { FakeCollector, makeCert } from './fake-collector.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const SAMPLE = join(REPO, 'samples', 'hospital-sample.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'auscult-agent-e2e-'));
const { cert, key } = makeCert(tmp);
const tokenFile = join(tmp, 'token');
writeFileSync(tokenFile, 'tok-e2e\n');

/** Device ids `auscult inventory` finds in the sample (the agent must deliver each), computed once in-process. */
let expected: string[] | null = null;
async function expectedDevices(): Promise<string[]> {
  expected ??= (await runInventory({ file: SAMPLE })).report.devices.map((d) => d.id).sort();
  return expected;
}

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

/** Starts the agent; `whenLogged(re)` resolves once stderr matches; `done` when it exits. */
function agent(args: string[]) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'agent', ...args], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const watchers: Array<{ re: RegExp; resolve: () => void }> = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr += d;
    for (const w of [...watchers]) if (w.re.test(stderr)) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve();
    }
  });
  const done = new Promise<Run>((resolve) => child.on('exit', (code) => resolve({ code, stderr, ms: performance.now() - started })));
  return {
    child,
    done,
    whenLogged: (re: RegExp, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stderr)) return resolve();
        const timer = setTimeout(() => reject(new Error(`agent never logged ${re}:\n${stderr}`)), timeoutMs);
        watchers.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

const common = (fc: FakeCollector, outbox: string) => ['--collector', fc.url, '--token-file', tokenFile, '--ca', cert, '--outbox', outbox, '--agent-id', 'e2e'];
const deviceIds = (msgs: AgentMessage[]) => [...new Set(msgs.filter((m): m is DeviceMessage => m.type === 'device').map((m) => m.device.id))].sort();

t.test('--read: every device arrives; stats carry their fields; exit 0 once all is acked', async (t) => {
  const fc = new FakeCollector({ cert, key, token: 'tok-e2e' });
  await fc.listen();
  t.teardown(() => fc.close());
  const a = agent(['--read', SAMPLE, ...common(fc, join(tmp, 'outbox-1.sqlite')), '--stats-interval', '1']);
  const r = await a.done;
  t.equal(r.code, 0, r.stderr);
  const expected = await expectedDevices();
  t.equal(expected.length, 19, 'the sample holds 19 devices');
  t.same(deviceIds(fc.received), expected, 'every device arrived');
  t.ok(fc.received.some((m) => m.type === 'finding'), 'findings (behaviour exposures) arrived');
  const stats = fc.received.filter((m): m is StatsMessage => m.type === 'stats');
  t.ok(stats.length >= 1);
  const last = stats[stats.length - 1].stats;
  for (const k of ['packets', 'bytes', 'pcapDropped', 'pcapIfDropped', 'flows', 'devices', 'findings', 'capHits', 'malformed', 'gaps', 'outboxDepth', 'uptimeSeconds']) {
    t.type((last as unknown as Record<string, unknown>)[k], 'number', `stats.${k}`);
  }
  t.ok(last.packets > 0 && last.devices === 19, `stats: ${last.packets} packets, ${last.devices} devices`);
  t.match(r.stderr, /auscult agent stats: packets=\d+ bytes=\d+ pcapDropped=0/);
  t.equal(fc.hellos.length, 1);
  t.match(fc.hellos[0], { agentId: 'e2e', source: SAMPLE, kbVersion: 'none' });
});

t.test('a restart mid-way resends nothing that was acknowledged', async (t) => {
  // First run: the collector acknowledges only seqs 1..8, then the agent is stopped.
  const fc = new FakeCollector({ cert, key, token: 'tok-e2e', ackLimit: 8 });
  await fc.listen();
  t.teardown(() => fc.close());
  const outbox = join(tmp, 'outbox-restart.sqlite');
  const a1 = agent(['--read', SAMPLE, ...common(fc, outbox)]);
  await fc.waitFor(() => fc.received.length > 8, 20_000, 'more than 8 messages');
  await a1.whenLogged(/capturing from/);
  const killedAt = performance.now();
  a1.child.kill('SIGTERM');
  const r1 = await a1.done;
  t.ok(performance.now() - killedAt < 1500, `first run exited ${(performance.now() - killedAt).toFixed(0)} ms after SIGTERM`);
  t.equal(r1.code, 0, r1.stderr);
  t.match(r1.stderr, /messages stay in the outbox/);
  const firstRun = fc.received.length;
  const acked = new Set([...fc.stored.keys()].filter((s) => s <= 8));
  t.equal(acked.size, 8);

  // Second run: the same capture again, the same outbox; the collector now acknowledges everything.
  fc.ackLimit = Number.MAX_SAFE_INTEGER;
  const a2 = agent(['--read', SAMPLE, ...common(fc, outbox)]);
  const r2 = await a2.done;
  t.equal(r2.code, 0, r2.stderr);
  const second = fc.received.slice(firstRun);
  const secondSeqs = second.map((m) => ('seq' in m ? m.seq : -1));
  t.same(secondSeqs.filter((s) => acked.has(s)), [], 'no acknowledged seq was sent again');
  t.same(fc.duplicatesAfterAck, []);
  t.same(deviceIds(fc.received), await expectedDevices(), 'every device arrived across the two runs');
  // The replay finds the same devices: their state was persisted with the outbox, so nothing new is enqueued for them.
  const resentDevices = second.filter((m): m is DeviceMessage => m.type === 'device' && m.seq <= 8);
  t.same(resentDevices, []);
  const newDeviceMsgs = second.filter((m) => m.type === 'device' && (m as DeviceMessage).seq > Math.max(...fc.received.slice(0, firstRun).map((x) => ('seq' in x ? x.seq : 0))));
  t.same(newDeviceMsgs, [], 'no device re-enqueued by the second replay (content unchanged)');
  t.comment(`run times ${r1.ms.toFixed(0)} / ${r2.ms.toFixed(0)} ms`);
  t.comment(`first run: ${firstRun} messages (8 acked); second run: ${second.length} messages (unacked resends + stats)`);
});

t.test('bad arguments get codes', async (t) => {
  const empty = join(tmp, 'empty-token');
  writeFileSync(empty, '  \n');
  const base = { file: SAMPLE, collector: 'wss://127.0.0.1:1', tokenFile, outbox: join(tmp, 'o.sqlite') };
  t.throws(() => Agent.create({ ...base, tokenFile: empty }), { code: 'AUSCULT_ERR_TOKEN_FILE', message: /empty/ });
  t.throws(() => Agent.create({ ...base, tokenFile: join(tmp, 'nope') }), { code: 'AUSCULT_ERR_TOKEN_FILE', message: /no such token file/ });
  t.throws(() => Agent.create({ ...base, collector: 'ws://127.0.0.1:1' }), { code: 'AUSCULT_ERR_BAD_ARGUMENT', message: /must be wss/ });
  t.throws(() => Agent.create({ ...base, ca: tokenFile }), { code: 'AUSCULT_ERR_CA_FILE' });
  t.throws(() => Agent.create({ ...base, kb: join(tmp, 'no-kb.sqlite') }), { code: 'AUSCULT_ERR_KB_MISSING' });
  t.throws(() => Agent.create({ ...base, file: undefined }), { code: 'AUSCULT_ERR_BAD_ARGUMENT' });
  // And once through the command line: the code and its exit status.
  const r = spawnSync(process.execPath, [BIN, 'agent', '--read', SAMPLE, '--collector', 'wss://127.0.0.1:1', '--token-file', empty, '--outbox', join(tmp, 'o.sqlite')], { encoding: 'utf8', cwd: REPO, timeout: 30_000 });
  t.equal(r.status, 66);
  t.match(r.stderr, /AUSCULT_ERR_TOKEN_FILE: .*empty[\s\S]*what to do: auscult collector enroll/);
});

t.test('SIGTERM on a live capture of an idle interface exits 0 without waiting for a packet', { skip: process.getuid?.() !== 0 ? 'live capture on lo needs root' : false }, async (t) => {
  const fc = new FakeCollector({ cert, key, token: 'tok-e2e' });
  await fc.listen();
  t.teardown(() => fc.close());
  // A filter that matches nothing: the capture worker sees no packet at all.
  const a = agent(['--interface', 'lo', '--filter', 'udp port 9 and host 192.0.2.254', ...common(fc, join(tmp, 'outbox-live.sqlite')), '--stats-interval', '1']);
  await a.whenLogged(/capturing on lo/);
  await fc.waitFor(() => fc.received.some((m) => m.type === 'stats'), 10_000, 'a stats message from the live agent');
  const sent = performance.now();
  a.child.kill('SIGTERM');
  const r = await a.done;
  const ms = performance.now() - sent;
  t.equal(r.code, 0, r.stderr);
  // libpcap's close waits for the next packet, which never comes here: a
  // stop that relied on it would hang until the test's timeout. The bound
  // leaves room for a loaded machine (1.6 s seen with the suite and another
  // job's benchmarks sharing two cores).
  t.ok(ms < 5000, `exited ${ms.toFixed(0)} ms after SIGTERM`);
  const live = fc.received.filter((m): m is StatsMessage => m.type === 'stats').pop()!;
  t.equal(live.stats.pcapDropped, 0);
  t.equal(fc.hellos[0].type === 'hello' && fc.hellos[0].source, 'lo');
});
