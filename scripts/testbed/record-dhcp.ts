/**
 * Records real DHCP exchanges for test/fixtures/dhcp/: dnsmasq as the server,
 * busybox udhcpc and ISC dhclient as clients, each in its own network
 * namespace, all joined by veth pairs to a bridge in a "switch" namespace
 * where tcpdump listens (the SPAN port).
 *
 * Why not `withTestbed`: it gives every host a static address and wants the
 * DICOM tools; DHCP clients need an interface with no address at all.
 *
 * Safety: every namespace is created here (prefix `auscult-dhcp-<pid>-`), has
 * no route out and no link to the host's interfaces; dnsmasq binds only the
 * server namespace's eth0. Client scripts are our own (never dhclient-script,
 * which would rewrite the host's /etc/resolv.conf), and every state file
 * lives in a scratch directory. Namespaces and processes are removed in
 * `finally` and on SIGINT/SIGTERM.
 *
 * Usage (root): npx tsx scripts/testbed/record-dhcp.ts OUT_DIR
 * Writes OUT_DIR/leases.pcap and OUT_DIR/address-change.pcap.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** One DHCP client host on the switch. */
export interface DhcpClientHost {
  name: string;
  mac: string;
}

const SERVER_IP = '192.0.2.1';
const SERVER_MAC = '02:00:00:00:02:01';
/** Infusion pump: busybox udhcpc with host name, vendor class, FQDN and the default client id. */
export const PUMP: DhcpClientHost = { name: 'pump', mac: '02:00:00:00:02:07' };
/** Patient monitor: ISC dhclient, MAC in the Philips Patient Monitoring OUI block 00:09:FB. */
export const MONITOR: DhcpClientHost = { name: 'monitor', mac: '00:09:fb:00:02:02' };
/** Ventilator that is moved to another address: busybox udhcpc without client id. */
export const VENT: DhcpClientHost = { name: 'vent', mac: '02:00:00:00:02:03' };
/** Reserved addresses for the ventilator, before and after the move. */
export const VENT_IP_BEFORE = '192.0.2.150';
export const VENT_IP_AFTER = '192.0.2.160';

const PREFIX = `auscult-dhcp-${process.pid}-`;
const namespaces: string[] = [];
const procs: ChildProcess[] = [];

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function ns(name: string): string {
  return PREFIX + name;
}

interface Bg {
  child: ChildProcess;
  output: () => string;
  done: Promise<void>;
}

function background(nsName: string, cmd: string, args: string[]): Bg {
  const child = spawn('ip', ['netns', 'exec', ns(nsName), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const done = new Promise<void>((r) => child.on('close', () => r()));
  return { child, output: () => out, done };
}

async function stop(bg: Bg, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (bg.child.exitCode !== null || bg.child.signalCode !== null) return;
  bg.child.kill(signal);
  const t = setTimeout(() => bg.child.kill('SIGKILL'), 3000);
  await bg.done;
  clearTimeout(t);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function hasAddress(host: string, ip: string): boolean {
  const r = spawnSync('ip', ['-n', ns(host), '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
  return (r.stdout || '').includes(` ${ip}/`);
}

function addNamespace(name: string): void {
  run('ip', ['netns', 'add', ns(name)]);
  namespaces.push(ns(name));
  // No IPv6: no router solicitations or MLD in the capture.
  run('ip', ['netns', 'exec', ns(name), 'sysctl', '-qw',
    'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  run('ip', ['-n', ns(name), 'link', 'set', 'lo', 'up']);
}

function cleanup(): void {
  for (const p of procs) {
    if (p.exitCode === null && p.signalCode === null) {
      try { p.kill('SIGKILL'); } catch { /* gone */ }
    }
  }
  for (const n of namespaces.splice(0)) {
    const pids = spawnSync('ip', ['netns', 'pids', n], { encoding: 'utf8' });
    for (const p of (pids.stdout || '').split(/\s+/).filter(Boolean)) {
      try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
    }
    spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  }
}

/** Switch with bridge br0, then one namespace per host joined by a veth pair. */
function buildSwitch(hosts: { name: string; mac: string }[]): void {
  addNamespace('sw');
  run('ip', ['-n', ns('sw'), 'link', 'add', 'br0', 'address', '02:00:00:00:03:00', 'type', 'bridge',
    'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0']);
  hosts.forEach((h, i) => {
    addNamespace(h.name);
    const port = `v-${h.name}`;
    run('ip', ['-n', ns(h.name), 'link', 'add', 'eth0', 'address', h.mac, 'type', 'veth',
      'peer', 'name', port, 'address', `02:00:00:00:03:${(i + 1).toString(16).padStart(2, '0')}`,
      'netns', ns('sw')]);
    run('ip', ['-n', ns('sw'), 'link', 'set', port, 'master', 'br0', 'up']);
    run('ip', ['-n', ns(h.name), 'link', 'set', 'eth0', 'up']);
  });
  run('ip', ['-n', ns('sw'), 'link', 'set', 'br0', 'up']);
  run('ip', ['-n', ns('srv'), 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'eth0']);
}

async function startCapture(path: string): Promise<Bg> {
  const bg = background('sw', 'tcpdump', ['-i', 'br0', '-s', '0', '--immediate-mode', '-U', '-n',
    '-Z', 'root', '-w', path, 'udp port 67 or udp port 68']);
  await waitFor(() => bg.output().includes('listening on'), 10_000, 'tcpdump');
  return bg;
}

async function stopCapture(bg: Bg): Promise<void> {
  await sleep(300);
  await stop(bg, 'SIGINT');
}

/** Client hook for udhcpc and dhclient: sets or flushes the address, nothing else. */
function writeClientScript(dir: string): string {
  const path = join(dir, 'client-script.sh');
  writeFileSync(path, [
    '#!/bin/sh',
    '# udhcpc passes the event as $1 and $ip/$mask; dhclient passes $reason and $new_ip_address.',
    'iface="${interface:-eth0}"',
    'case "${1:-$reason}" in',
    '  bound|renew|BOUND|RENEW|REBOOT|REBIND)',
    '    addr="${ip:-$new_ip_address}"',
    '    ip -4 addr flush dev "$iface"',
    '    ip -4 addr add "$addr/24" dev "$iface" ;;',
    '  deconfig|RELEASE|EXPIRE|FAIL|STOP)',
    '    ip -4 addr flush dev "$iface" ;;',
    'esac',
    'exit 0',
    '',
  ].join('\n'));
  chmodSync(path, 0o755);
  return path;
}

function udhcpc(host: DhcpClientHost, script: string, extra: string[]): Bg {
  return background(host.name, 'busybox', ['udhcpc', '-f', '-i', 'eth0', '-s', script,
    '-t', '5', '-T', '1', '-A', '1', ...extra]);
}

/**
 * Records both scenarios into `outDir`. Returns the capture paths.
 */
export async function recordDhcp(outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'auscult-dhcp-'));
  const onSignal = () => { cleanup(); process.exit(130); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    buildSwitch([{ name: 'srv', mac: SERVER_MAC }, PUMP, MONITOR, VENT]);
    const script = writeClientScript(work);
    const hostsFile = join(work, 'dhcp-hosts');
    writeFileSync(hostsFile, `${VENT.mac},${VENT_IP_BEFORE}\n`);

    // dnsmasq: DHCP only (port 0 turns DNS off), bound to the namespace's
    // eth0, no ICMP probe before offers (keeps the capture DHCP-only and
    // fast), 120 s leases (dnsmasq's minimum), state files in the scratch dir.
    const server = background('srv', 'dnsmasq', ['--keep-in-foreground', '--no-daemon', '--conf-file=/dev/null',
      '--port=0', '--interface=eth0', '--bind-interfaces', '--no-ping', '--log-dhcp', '--dhcp-authoritative',
      '--user=root', '--group=root',
      `--dhcp-range=192.0.2.100,192.0.2.199,255.255.255.0,120s`,
      `--dhcp-hostsfile=${hostsFile}`,
      `--dhcp-leasefile=${join(work, 'leases')}`,
      `--pid-file=${join(work, 'dnsmasq.pid')}`]);
    await waitFor(() => /started, version/i.test(server.output()) || server.child.exitCode !== null, 10_000, 'dnsmasq');
    if (server.child.exitCode !== null) throw new Error(`dnsmasq exited: ${server.output()}`);
    await sleep(300);

    // Scenario 1: an infusion pump (udhcpc) gets a lease and renews it; a
    // patient monitor (dhclient) gets a lease.
    const leasesPcap = resolve(outDir, 'leases.pcap');
    let cap = await startCapture(leasesPcap);
    const pump = udhcpc(PUMP, script, ['-x', 'hostname:INFUSION-PUMP-07', '-V', 'AlarisPC 9.19',
      '-F', 'pump07.icu.example']);
    await waitFor(() => /lease of [\d.]+ obtained/.test(pump.output()), 15_000, 'pump lease');
    await sleep(300);
    pump.child.kill('SIGUSR1'); // RFC 2131 §4.4.5 renewal: unicast REQUEST with ciaddr
    await waitFor(() => (pump.output().match(/lease of [\d.]+ obtained/g) ?? []).length >= 2, 15_000, 'pump renewal');
    await stop(pump);

    const dhclientConf = join(work, 'dhclient.conf');
    writeFileSync(dhclientConf, [
      'send host-name "PATIENT-MONITOR-3";',
      'send vendor-class-identifier "IntelliVue MX450";',
      'send fqdn.fqdn "pm3.ward4.example.";',
      'send fqdn.encoded on;',
      'send dhcp-client-identifier 1:00:09:fb:00:02:02;',
      'request subnet-mask, broadcast-address, time-offset, routers, domain-name, domain-name-servers, host-name, ntp-servers;',
      '',
    ].join('\n'));
    const monitor = background(MONITOR.name, 'dhclient', ['-d', '-1', '-v', '-cf', dhclientConf,
      '-lf', join(work, 'dhclient.leases'), '-pf', join(work, 'dhclient.pid'), '-sf', script, 'eth0']);
    await waitFor(() => /bound to [\d.]+/.test(monitor.output()), 20_000, 'monitor lease');
    await stop(monitor);
    await stopCapture(cap);

    // Scenario 2: a ventilator gets its reserved address, releases it, the
    // reservation moves, and it comes back with the new address: one MAC, two
    // addresses over time.
    const movePcap = resolve(outDir, 'address-change.pcap');
    cap = await startCapture(movePcap);
    let vent = udhcpc(VENT, script, ['-C', '-x', 'hostname:VENTILATOR-12', '-V', 'HAMILTON-C6 2.2.4']);
    await waitFor(() => hasAddress(VENT.name, VENT_IP_BEFORE), 15_000, `ventilator at ${VENT_IP_BEFORE}`);
    await sleep(300);
    vent.child.kill('SIGUSR2'); // RFC 2131 §4.4.6 DHCPRELEASE
    await waitFor(() => !hasAddress(VENT.name, VENT_IP_BEFORE), 10_000, 'ventilator release');
    await sleep(300);
    await stop(vent);
    writeFileSync(hostsFile, `${VENT.mac},${VENT_IP_AFTER}\n`);
    server.child.kill('SIGHUP'); // dnsmasq rereads --dhcp-hostsfile
    await sleep(500);
    vent = udhcpc(VENT, script, ['-C', '-x', 'hostname:VENTILATOR-12', '-V', 'HAMILTON-C6 2.2.4']);
    await waitFor(() => hasAddress(VENT.name, VENT_IP_AFTER), 15_000, `ventilator at ${VENT_IP_AFTER}`);
    await sleep(300);
    await stop(vent);
    await stopCapture(cap);
    await stop(server);
    return [leasesPcap, movePcap];
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('record-dhcp.ts')) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: record-dhcp.ts OUT_DIR');
    process.exit(2);
  }
  recordDhcp(out).then(
    (paths) => { for (const p of paths) console.log(`wrote ${p}`); },
    (err: unknown) => { console.error(`record-dhcp: ${(err as Error).message}`); process.exitCode = 1; },
  );
}
