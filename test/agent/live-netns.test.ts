/**
 * Live: the agent captures on a veth inside a network namespace of its own
 * while tcpreplay plays samples/hospital-sample.pcap onto the other end.
 *
 * Everything runs inside the namespace: the veth pair (no addresses: the
 * replayed frames carry 192.0.2.0/24 and never leave it), the agent, and the
 * test collector on the namespace's own 127.0.0.1 (started there with
 * `ip netns exec` as a small script that writes what it receives to a
 * file). That is the simplest correct option: no route between the host and
 * the namespace, nothing on the host's interfaces. Needs root; the
 * namespace is deleted (with its veths) whatever happens.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentMessage, DeviceMessage } from '../../collector/protocol.js';
import { REPO } from '../helpers/paths.js';
import { waitOutput } from '../helpers/process.js';
import { makeCert } from './fake-collector.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const SAMPLE = join(REPO, 'samples', 'hospital-sample.pcap');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip =
  process.getuid?.() !== 0 ? 'needs root (network namespaces, live capture)' : !has('ip') ? 'needs iproute2 (ip)' : !has('tcpreplay') ? 'needs tcpreplay' : false;

const NS = `auscult-live-${process.pid}`;
const TAP_IF = `alv${process.pid % 100000}a`; // the agent's end (<= 15 chars)
const PLAY_IF = `alv${process.pid % 100000}b`; // tcpreplay's end

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

t.test('agent on a veth in a namespace: replayed devices reach the collector', { skip }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'auscult-live-'));
  const children: ChildProcess[] = [];
  t.teardown(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', NS]);
  });
  ip('netns', 'add', NS);
  ip('link', 'add', TAP_IF, 'type', 'veth', 'peer', 'name', PLAY_IF);
  ip('link', 'set', TAP_IF, 'netns', NS);
  ip('link', 'set', PLAY_IF, 'netns', NS);
  for (const dev of ['lo', TAP_IF, PLAY_IF]) ip('netns', 'exec', NS, 'ip', 'link', 'set', dev, 'up');

  makeCert(tmp);
  writeFileSync(join(tmp, 'token'), 'tok-live\n');
  const port = 18000 + (process.pid % 1000);
  const server = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(REPO, 'test', 'agent', 'fake-collector.ts'), String(port), tmp], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(server);
  await waitOutput(server, 'stdout', /listening/, 20_000);

  const agent = spawn(
    'ip',
    ['netns', 'exec', NS, process.execPath, BIN, 'agent', '--interface', TAP_IF, '--collector', `wss://127.0.0.1:${port}`, '--token-file', join(tmp, 'token'), '--ca', join(tmp, 'cert.pem'), '--outbox', join(tmp, 'outbox.sqlite'), '--stats-interval', '1'],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(agent);
  let agentLog = '';
  agent.stderr!.on('data', (d) => (agentLog += d));
  await waitOutput(agent, 'stderr', /capturing on/, 20_000);

  const replay = spawnSync('ip', ['netns', 'exec', NS, 'tcpreplay', `--intf1=${PLAY_IF}`, '--pps=2000', SAMPLE], { encoding: 'utf8', timeout: 30_000 });
  t.equal(replay.status, 0, replay.stderr);
  t.match(replay.stdout, /Successful packets:\s+451/);

  const messages = (): AgentMessage[] =>
    existsSync(join(tmp, 'messages.jsonl'))
      ? readFileSync(join(tmp, 'messages.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AgentMessage)
      : [];
  const ids = () => new Set(messages().filter((m): m is DeviceMessage => m.type === 'device').map((m) => m.device.id));
  const end = Date.now() + 20_000;
  while (ids().size < 19 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  t.equal(ids().size, 19, `all 19 devices of the sample arrived live (${[...ids()].join(', ')})`);
  const stats = messages().filter((m) => m.type === 'stats');
  t.ok(stats.length > 0, 'stats arrived');

  const sent = performance.now();
  agent.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => agent.on('exit', (c) => r(c)));
  t.equal(code, 0, agentLog);
  t.ok(performance.now() - sent < 2000, 'the live agent stopped promptly');
  // The kernel may add its own frames on a fresh veth (IPv6 router solicitations,
  // neighbour discovery), so at least the 451 replayed frames, and no drops.
  const last = [...agentLog.matchAll(/auscult agent stats: packets=(\d+) bytes=(\d+) pcapDropped=(\d+) pcapIfDropped=(\d+)/g)].pop();
  t.ok(last, 'a final stats line');
  t.ok(Number(last![1]) >= 451 && Number(last![2]) >= 180064, `every replayed frame captured (${last![1]} packets, ${last![2]} bytes)`);
  t.equal(last![3], '0', 'libpcap dropped none');
  t.equal(last![4], '0', 'the interface dropped none');
  server.kill('SIGTERM');
});
