/**
 * The agent and active checks, live, each in a network namespace of its own
 * (needs root; skipped with the reason otherwise; namespaces deleted
 * whatever happens):
 *
 * 1. Off (no --active-allow): the agent captures on a veth while tcpreplay
 *    plays the hospital sample onto the other end, and tcpdump on that other
 *    end, inbound only (-Q in), records every frame the agent's interface
 *    transmits. Expected: none. IPv6 is disabled on both veths (sysctl) and
 *    they carry no IPv4 address, so the kernel itself has nothing to send
 *    (no router solicitation, MLD, DAD or ARP); any frame would be the
 *    agent's. The collector is on the namespace's own 127.0.0.1, which never
 *    crosses the veth. A control frame sent out of the agent's interface
 *    afterwards shows the measurement sees what is sent.
 *
 * 2. On: the agent captures on the namespace's loopback, where echoscu talks
 *    to a DCMTK storescp; after the start delay it probes that device (the
 *    only one inside --active-allow), and the active evidence reaches the
 *    collector in a device message. Nothing leaves the namespace.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentMessage, DeviceMessage } from '../../collector/protocol.js';
import { checkFrame } from '../../collector/validate.js';
import { readPcap } from '../../scripts/lib/pcap-file.js';
import { makeCert } from '../agent/fake-collector.js';
import { REPO } from '../helpers/paths.js';
import { waitOutput } from '../helpers/process.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const SAMPLE = join(REPO, 'samples', 'hospital-sample.pcap');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['ip', 'tcpreplay', 'tcpdump', 'nmap', 'storescp', 'echoscu'].filter((c) => !has(c));
const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces, live capture)' : missing.length ? `needs ${missing.join(', ')}` : false;

const children: ChildProcess[] = [];
const namespaces: string[] = [];
t.teardown(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
});

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

function inNs(ns: string, cmd: string, args: string[], opts: { cwd?: string } = {}): ChildProcess {
  const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { cwd: opts.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  return c;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

const exited = (c: ChildProcess): Promise<number | null> => (c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.on('exit', (code) => r(code))));

/** The fake collector, run inside `ns` on its 127.0.0.1. */
async function collectorIn(ns: string, dir: string, port: number): Promise<() => AgentMessage[]> {
  makeCert(dir);
  writeFileSync(join(dir, 'token'), 'tok-active\n');
  const server = inNs(ns, process.execPath, ['--import', 'tsx', join(REPO, 'test', 'agent', 'fake-collector.ts'), String(port), dir]);
  await waitOutput(server, 'stdout', /listening/, 20_000);
  return () =>
    existsSync(join(dir, 'messages.jsonl'))
      ? readFileSync(join(dir, 'messages.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .flatMap((l) => {
            // The collector may be writing the last line as we read.
            try {
              return [JSON.parse(l) as AgentMessage];
            } catch {
              return [];
            }
          })
      : [];
}

t.test('active checks off: the agent transmits nothing on the monitored interface', { skip }, async (t) => {
  const NS = `auscult-aoff-${process.pid}`;
  const TAP = `aof${process.pid % 100000}a`;
  const PLAY = `aof${process.pid % 100000}b`;
  const tmp = mkdtempSync(join(tmpdir(), 'auscult-aoff-'));
  ip('netns', 'add', NS);
  namespaces.push(NS);
  ip('netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
  ip('link', 'add', TAP, 'type', 'veth', 'peer', 'name', PLAY);
  ip('link', 'set', TAP, 'netns', NS);
  ip('link', 'set', PLAY, 'netns', NS);
  for (const dev of [TAP, PLAY]) ip('netns', 'exec', NS, 'sysctl', '-qw', `net.ipv6.conf.${dev}.disable_ipv6=1`);
  for (const dev of ['lo', TAP, PLAY]) ip('netns', 'exec', NS, 'ip', 'link', 'set', dev, 'up');
  const messages = await collectorIn(NS, tmp, 18500 + (process.pid % 1000));

  // Everything that arrives at PLAY came out of TAP: the agent's transmissions.
  const pcap = join(tmp, 'transmitted.pcap');
  const dump = inNs(NS, 'tcpdump', ['-i', PLAY, '-Q', 'in', '-n', '-U', '--immediate-mode', '-w', pcap]);
  await waitOutput(dump, 'stderr', /listening on/, 10_000);

  const agent = inNs(NS, process.execPath, [BIN, 'agent', '--interface', TAP, '--collector', `wss://127.0.0.1:${18500 + (process.pid % 1000)}`, '--token-file', join(tmp, 'token'), '--ca', join(tmp, 'cert.pem'), '--outbox', join(tmp, 'outbox.sqlite'), '--stats-interval', '1']);
  let agentLog = '';
  agent.stderr!.on('data', (d) => (agentLog += d));
  await waitOutput(agent, 'stderr', /capturing on/, 20_000);
  const replay = spawnSync('ip', ['netns', 'exec', NS, 'tcpreplay', `--intf1=${PLAY}`, '--pps=2000', SAMPLE], { encoding: 'utf8', timeout: 30_000 });
  t.equal(replay.status, 0, replay.stderr);
  const ids = () => new Set(messages().filter((m): m is DeviceMessage => m.type === 'device').map((m) => m.device.id));
  t.ok(await until(() => ids().size === 19, 15_000), `the agent worked: ${ids().size} devices reached the collector`);
  await new Promise((r) => setTimeout(r, 2000)); // a few more snapshots and stats while listening
  agent.kill('SIGTERM');
  t.equal(await exited(agent), 0, agentLog);
  t.notMatch(agentLog, /active/, 'no active-check session was started');

  // Control: one frame sent out of the agent's interface is seen.
  const control = spawnSync('ip', ['netns', 'exec', NS, 'tcpreplay', `--intf1=${TAP}`, '--limit=1', SAMPLE], { encoding: 'utf8', timeout: 10_000 });
  t.equal(control.status, 0, control.stderr);
  await new Promise((r) => setTimeout(r, 300));
  dump.kill('SIGINT');
  await exited(dump);
  const frames = readPcap(pcap).records;
  const first = readPcap(SAMPLE).records[0].frame;
  t.equal(frames.length, 1, `frames transmitted by the agent's interface while it ran: ${frames.length - 1} (plus the control frame)`);
  t.ok(frames[0]?.frame.equals(first), 'the one frame seen is the control frame');
});

t.test('active checks on: inventory devices in --active-allow are probed, evidence reaches the collector', { skip }, async (t) => {
  const NS = `auscult-aon-${process.pid}`;
  const tmp = mkdtempSync(join(tmpdir(), 'auscult-aon-'));
  ip('netns', 'add', NS);
  namespaces.push(NS);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  const port = 18600 + (process.pid % 1000);
  const messages = await collectorIn(NS, tmp, port);
  mkdirSync(join(tmp, 'store'));
  const scp = inNs(NS, 'storescp', ['--aetitle', 'PACS', '-od', join(tmp, 'store'), '11112']);
  await new Promise((r) => setTimeout(r, 300));
  t.equal(scp.exitCode, null, 'storescp runs');

  const audit = join(tmp, 'audit.jsonl');
  const agent = inNs(NS, process.execPath, [
    BIN, 'agent', '--interface', 'lo', '--filter', 'tcp port 11112', '--collector', `wss://127.0.0.1:${port}`, '--token-file', join(tmp, 'token'), '--ca', join(tmp, 'cert.pem'),
    '--outbox', join(tmp, 'outbox.sqlite'), '--stats-interval', '1',
    '--active-allow', '127.0.0.1', '--active-deny', '127.0.0.2', '--active-delay', '3', '--active-every', '24h', '--active-rate', '600',
    '--active-ports', '11112', '--active-dicom-ports', '11112', '--active-audit', audit, '--active-operator', 'soc-analyst',
  ]);
  let agentLog = '';
  agent.stderr!.on('data', (d) => (agentLog += d));
  await waitOutput(agent, 'stderr', /active checks on/, 20_000);
  t.match(agentLog, /active checks on \(session [0-9a-f-]+, profile safe, allow 127\.0\.0\.1\/32/);
  // Passive first: an association the agent sees names 127.0.0.1 a DICOM server.
  const echo = spawnSync('ip', ['netns', 'exec', NS, 'echoscu', '-aet', 'MODALITY', '-aec', 'PACS', '127.0.0.1', '11112'], { encoding: 'utf8', timeout: 10_000 });
  t.equal(echo.status, 0, echo.stderr);

  const activeDevice = (): DeviceMessage | undefined =>
    messages()
      .filter((m): m is DeviceMessage => m.type === 'device' && m.device.ip === '127.0.0.1')
      .find((m) => m.device.evidence.some((e) => e.protocol === 'active' && e.attribute === 'dicomCalledAeCheck'));
  t.ok(await until(() => !!activeDevice(), 20_000), 'a device message with active evidence arrived');
  const d = activeDevice()!.device;
  const checked = checkFrame(Buffer.from(JSON.stringify(activeDevice())), false, true);
  t.ok(checked.ok, `the real collector's schema accepts the device message with active evidence${checked.ok ? '' : `: ${checked.reason}`}`);
  t.ok(d.evidence.some((e) => e.protocol === 'dicom'), 'passive DICOM evidence on the same device');
  t.match(d.evidence.filter((e) => e.protocol === 'active').map((e) => `${e.attribute}=${e.value}`).sort(), ['activeCheck=safe', 'dicomCalledAeCheck=any-ae-accepted', 'dicomService=tcp/11112', 'openPort=tcp/11112', 'service=tcp/11112 dicom']);
  agent.kill('SIGTERM');
  t.equal(await exited(agent), 0, agentLog);
  const log = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.match(log[0], { event: 'session-start', via: 'agent', operator: 'soc-analyst', allow: ['127.0.0.1/32'], deny: ['127.0.0.2/32'] });
  t.match(log.filter((l) => l.event === 'probe'), [{ target: '127.0.0.1', profile: 'safe', result: { status: 'up', openPorts: [11112] } }]);
  t.match(log.at(-1), { event: 'session-end', probes: 1, stopped: true });
});
