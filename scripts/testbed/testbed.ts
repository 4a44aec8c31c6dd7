/**
 * A small simulated hospital network built from Linux network namespaces, for
 * recording real DICOM traffic between real DICOM implementations (DCMTK, GDCM).
 *
 * Layout (one testbed):
 *
 * ```
 *   auscult-tb-<pid>-<n>-sw      "switch": bridge br0 (STP off), tcpdump on br0 = SPAN port
 *     ├─ v-<host>  ⇄  eth0 in auscult-tb-<pid>-<n>-<host>   (one veth pair per host)
 *     └─ ...
 * ```
 *
 * Every host gets a fixed IPv4 address in 192.0.2.0/24 (RFC 5737 documentation
 * range, only ever configured inside these namespaces) and a fixed, locally
 * administered MAC `02:00:00:00:00:NN` where NN is the last octet of its IP in
 * hex, so goldens stay stable. Namespaces have no default route and no link to
 * the host's real interfaces: nothing can leave them. IPv6 is disabled so the
 * capture holds only ARP and the traffic under test. Offloads (TSO/GSO/GRO and
 * checksum) are off on every veth so recorded frames are wire-sized (MTU 1500).
 *
 * Needs root, iproute2, ethtool, tcpdump and DCMTK. See `testbedAvailable()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One simulated host on the testbed's switch. */
export interface HostSpec {
  /** short name, [a-z0-9]{1,12}; also the namespace suffix */
  readonly name: string;
  /** IPv4 address inside 192.0.2.0/24 */
  readonly ip: string;
  /** MAC address of the host's eth0 */
  readonly mac: string;
}

/** Deterministic MAC for an address: 02:00:00:00:00:<last octet>. */
export function macFor(ip: string): string {
  const last = Number(ip.split('.')[3]);
  return `02:00:00:00:00:${last.toString(16).padStart(2, '0')}`;
}

function host(name: string, lastOctet: number): HostSpec {
  const ip = `192.0.2.${lastOctet}`;
  return { name, ip, mac: macFor(ip) };
}

/**
 * The default cast of the simulated hospital. AE titles are chosen by the
 * scenario, not here; `DEFAULT_AE` lists the conventional ones.
 */
export const DEFAULT_HOSTS: readonly HostSpec[] = [
  host('pacs', 10),
  host('ct1', 21),
  host('mr2', 22),
  host('cr3', 23),
  host('us4', 24),
  host('archive', 40),
  host('ws', 50),
];

/** Conventional calling AE title per default host. */
export const DEFAULT_AE: Readonly<Record<string, string>> = {
  pacs: 'PACS',
  ct1: 'CT_SCANNER1',
  mr2: 'MR_ROOM2',
  cr3: 'CR_ROOM3',
  us4: 'US_CART4',
  archive: 'ROUTER_ARCH',
  ws: 'WORKSTATION',
};

export interface RunOptions {
  /** kill the command after this many ms (default 60 s) */
  timeoutMs?: number;
  /** resolve instead of throwing on a non-zero exit */
  allowFail?: boolean;
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A process started in the background inside a host namespace. */
export interface BackgroundProcess {
  readonly pid: number;
  /** stdout+stderr seen so far */
  output(): string;
  /** true once the process has exited */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface PacsOptions {
  /** `storescp` (default) or `dcmqrscp` (C-FIND/C-MOVE/C-STORE archive) */
  kind?: 'storescp' | 'dcmqrscp';
  /** host running the PACS (default `pacs`) */
  host?: string;
  /** TCP port (default 104) */
  port?: number;
  /** AE title (default `PACS`) */
  aet?: string;
  /**
   * storescp: extra options, replacing the default `+xa -pm` negotiation options.
   * dcmqrscp: extra options added to the defaults.
   */
  args?: string[];
  /** dcmqrscp only: files registered in its database (offline, with dcmqridx) */
  files?: string[];
}

export interface Pacs {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly aet: string;
  /** where received objects (storescp) or the database (dcmqrscp) live */
  readonly storageDir: string;
  readonly process: BackgroundProcess;
  stop(): Promise<void>;
}

export interface Testbed {
  /** unique id, also the namespace prefix */
  readonly id: string;
  /** scratch directory, removed on cleanup unless `keepWorkDir` */
  readonly workDir: string;
  readonly hosts: ReadonlyMap<string, HostSpec>;
  /** namespace name of a host (for `ip netns exec`) */
  netns(host: string): string;
  ip(host: string): string;
  mac(host: string): string;
  /** run a command inside a host's namespace and wait for it */
  run(host: string, cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /** start a command in the background inside a host's namespace */
  spawn(host: string, cmd: string, args: string[], opts?: { cwd?: string }): BackgroundProcess;
  /** start storescp or dcmqrscp and wait until it listens */
  startPacs(opts?: PacsOptions): Promise<Pacs>;
  /** start tcpdump on the bridge; resolves once it is capturing */
  startCapture(pcapPath?: string): Promise<void>;
  /** flush and stop tcpdump; resolves with the pcap path */
  stopCapture(): Promise<string>;
}

export interface TestbedOptions {
  hosts?: readonly HostSpec[];
  /** start capturing right away (default true); a string is the pcap path */
  capture?: boolean | string;
  /** keep the scratch directory after cleanup (default false) */
  keepWorkDir?: boolean;
}

const NS_PREFIX = 'auscult-tb-';
const REQUIRED_TOOLS = [
  'ip', 'ethtool', 'tcpdump', 'storescp', 'storescu', 'echoscu', 'findscu',
  'dcmqrscp', 'dcmqridx', 'dcmdump', 'dcmconv', 'dcmodify',
];

/** Path of a file next to this module (configs shipped with the testbed). */
export function testbedFile(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), name);
}

function which(cmd: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Can a testbed be built here? Checks root, network namespaces (by creating and
 * deleting one), and the tools. `why` says what is missing and how to fix it.
 */
export function testbedAvailable(opts: { tools?: string[] } = {}): { ok: boolean; why?: string } {
  if (process.platform !== 'linux') return { ok: false, why: 'testbed needs Linux network namespaces' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, why: 'testbed needs root (network namespaces, tcpdump)' };
  }
  const missing = [...REQUIRED_TOOLS, ...(opts.tools ?? [])].filter((c) => !which(c));
  if (missing.length > 0) {
    return {
      ok: false,
      why: `missing tools: ${missing.join(', ')} (apt-get install iproute2 ethtool tcpdump dcmtk libgdcm-tools tshark)`,
    };
  }
  const probe = `${NS_PREFIX}probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) {
    return { ok: false, why: `cannot create a network namespace: ${(add.stderr || '').trim()}` };
  }
  spawnSync('ip', ['netns', 'del', probe]);
  return { ok: true };
}

/** Error thrown by testbed commands; carries the command's output. */
export class TestbedError extends Error {
  readonly code = 'AUSCULT_ERR_TESTBED';
  constructor(message: string, readonly result?: RunResult) {
    super(message);
    this.name = 'TestbedError';
  }
}

function exec(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr };
      if (code !== 0 && !opts.allowFail) {
        reject(new TestbedError(
          `${cmd} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim().slice(-2000)}`,
          result,
        ));
      } else {
        resolve(result);
      }
    });
  });
}

function sh(cmd: string, args: string[]): Promise<RunResult> {
  return exec(cmd, args, { timeoutMs: 15_000 });
}

function background(cmd: string, args: string[], cwd?: string): BackgroundProcess {
  const child: ChildProcess = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let done = false;
  const exitedP = new Promise<void>((resolve) => {
    child.on('close', () => { done = true; resolve(); });
    child.on('error', (err) => { out += `\nspawn error: ${err.message}`; done = true; resolve(); });
  });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { out += d; });
  if (child.pid === undefined) throw new TestbedError(`cannot start ${cmd}`);
  const pid = child.pid;
  livePids.add(pid);
  void exitedP.then(() => livePids.delete(pid));
  return {
    pid,
    output: () => out,
    exited: () => done,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000) {
      if (done) return;
      child.kill(signal);
      const t = setTimeout(() => { if (!done) child.kill('SIGKILL'); }, graceMs);
      await exitedP;
      clearTimeout(t);
    },
  };
}

// Emergency cleanup when the process dies without running `finally` (signal,
// process.exit from a test runner): synchronous, best effort.
const livePids = new Set<number>();
const liveNamespaces = new Set<string>();
let emergencyHooked = false;

function emergencyCleanup(): void {
  for (const pid of livePids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  for (const ns of liveNamespaces) deleteNamespaceSync(ns);
}

function onSignal(sig: NodeJS.Signals): void {
  emergencyCleanup();
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

function hookEmergency(): void {
  if (emergencyHooked) return;
  emergencyHooked = true;
  process.on('exit', emergencyCleanup);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function unhookEmergency(): void {
  if (!emergencyHooked || liveNamespaces.size > 0) return;
  emergencyHooked = false;
  process.off('exit', emergencyCleanup);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function deleteNamespaceSync(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  for (const p of (pids.stdout || '').split(/\s+/).filter(Boolean)) {
    try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

/** Delete testbed namespaces left behind by processes that no longer exist. */
export function removeStaleTestbeds(): string[] {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const removed: string[] = [];
  for (const line of (list.stdout || '').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^auscult-tb-(\d+)-/.exec(name);
    if (!m) continue;
    const owner = Number(m[1]);
    let alive = true;
    try { process.kill(owner, 0); } catch { alive = false; }
    if (!alive) {
      deleteNamespaceSync(name);
      removed.push(name);
    }
  }
  return removed;
}

let testbedCounter = 0;

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new TestbedError(`timed out waiting for ${what}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Build a testbed, run `fn` with it, and tear everything down (processes,
 * capture, namespaces, scratch directory) whatever happens.
 */
export async function withTestbed<T>(fn: (tb: Testbed) => Promise<T>, options: TestbedOptions = {}): Promise<T> {
  const avail = testbedAvailable();
  if (!avail.ok) throw new TestbedError(`testbed unavailable: ${avail.why}`);
  removeStaleTestbeds();
  hookEmergency();

  const id = `${NS_PREFIX}${process.pid}-${testbedCounter++}`;
  const hostList = options.hosts ?? DEFAULT_HOSTS;
  const hosts = new Map(hostList.map((h) => [h.name, h]));
  const workDir = mkdtempSync(join(tmpdir(), 'auscult-tb-'));
  const swNs = `${id}-sw`;
  const procs: BackgroundProcess[] = [];
  let capture: { proc: BackgroundProcess; path: string } | undefined;

  const nsOf = (name: string): string => {
    if (!hosts.has(name)) throw new TestbedError(`unknown testbed host '${name}'`);
    return `${id}-${name}`;
  };
  const get = (name: string): HostSpec => {
    const h = hosts.get(name);
    if (!h) throw new TestbedError(`unknown testbed host '${name}'`);
    return h;
  };

  const addNs = async (ns: string) => {
    await sh('ip', ['netns', 'add', ns]);
    liveNamespaces.add(ns);
    // No IPv6 (no router solicitations, MLD or DAD noise in the capture).
    await sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw',
      'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  };
  const offloadsOff = (ns: string, dev: string) =>
    sh('ip', ['netns', 'exec', ns, 'ethtool', '-K', dev,
      'tso', 'off', 'gso', 'off', 'gro', 'off', 'tx', 'off', 'rx', 'off']);

  const tb: Testbed = {
    id,
    workDir,
    hosts,
    netns: nsOf,
    ip: (h) => get(h).ip,
    mac: (h) => get(h).mac,
    run: (h, cmd, args, opts) => exec('ip', ['netns', 'exec', nsOf(h), cmd, ...args], opts),
    spawn(h, cmd, args, opts) {
      const p = background('ip', ['netns', 'exec', nsOf(h), cmd, ...args], opts?.cwd);
      procs.push(p);
      return p;
    },
    async startPacs(opts = {}) {
      const kind = opts.kind ?? 'storescp';
      const h = opts.host ?? 'pacs';
      const port = opts.port ?? 104;
      const aet = opts.aet ?? 'PACS';
      const storageDir = mkdtempSync(join(workDir, `${kind}-`));
      let proc: BackgroundProcess;
      if (kind === 'storescp') {
        const neg = opts.args ?? ['+xa', '-pm'];
        proc = tb.spawn(h, 'storescp', ['-dhl', '--aetitle', aet, ...neg, '-od', storageDir, String(port)]);
      } else {
        const db = join(storageDir, 'db');
        mkdirSync(db);
        const cfg = readFileSync(testbedFile('dcmqrscp.cfg'), 'utf8')
          .replaceAll('@PORT@', String(port))
          .replaceAll('@AET@', aet)
          .replaceAll('@STORAGE@', db);
        const cfgPath = join(storageDir, 'dcmqrscp.cfg');
        writeFileSync(cfgPath, cfg);
        // dcmqrscp owns the files in its index: it deletes an indexed file when a
        // duplicate SOP instance arrives or the quota is hit. Index private
        // copies only, never the caller's originals.
        const copies = (opts.files ?? []).map((f, i) => {
          const dst = join(storageDir, `seed-${i}.dcm`);
          copyFileSync(f, dst);
          return dst;
        });
        if (copies.length > 0) await exec('dcmqridx', [db, ...copies]);
        proc = tb.spawn(h, 'dcmqrscp', ['-dhl', '-c', cfgPath, ...(opts.args ?? []), String(port)]);
      }
      await waitFor(async () => {
        if (proc.exited()) throw new TestbedError(`${kind} exited early: ${proc.output()}`);
        const r = await exec('ip', ['netns', 'exec', nsOf(h), 'ss', '-Hltn', `sport = :${port}`], { allowFail: true });
        return r.stdout.trim().length > 0;
      }, 10_000, `${kind} listening on ${port}`);
      return { host: h, ip: get(h).ip, port, aet, storageDir, process: proc, stop: () => proc.stop() };
    },
    async startCapture(pcapPath) {
      if (capture) throw new TestbedError('capture already running');
      const path = pcapPath ?? join(workDir, 'capture.pcap');
      // -s 0: whole frames; --immediate-mode: hand each packet over at once
      // (otherwise packets waiting in the kernel ring are lost when tcpdump is
      // stopped); -U: flush per packet; -Z root: keep permission to write
      // anywhere root can; -n: no name lookups; -B 65536: a 64 MiB kernel
      // buffer, or a burst of bulk C-STOREs overruns tcpdump and the capture
      // shows gaps that were never on the wire.
      const proc = background('ip', ['netns', 'exec', swNs, 'tcpdump', '-i', 'br0', '-s', '0',
        '--immediate-mode', '-U', '-n', '-B', '65536',
        '-Z', 'root', '-w', path]);
      capture = { proc, path };
      await waitFor(() => {
        if (proc.exited()) throw new TestbedError(`tcpdump exited: ${proc.output()}`);
        return proc.output().includes('listening on');
      }, 10_000, 'tcpdump to start');
    },
    async stopCapture() {
      if (!capture) throw new TestbedError('no capture running');
      const c = capture;
      capture = undefined;
      await sleep(500); // let the last FIN/ACKs cross the bridge
      await c.proc.stop('SIGINT', 5000);
      return c.path;
    },
  };

  try {
    await addNs(swNs);
    await sh('ip', ['-n', swNs, 'link', 'add', 'br0', 'address', '02:00:00:00:01:00', 'type', 'bridge',
      'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0']);
    for (const h of hostList) {
      if (!/^[a-z0-9]{1,12}$/.test(h.name)) throw new TestbedError(`bad host name '${h.name}'`);
      if (!/^192\.0\.2\.\d{1,3}$/.test(h.ip)) throw new TestbedError(`host ${h.name}: address must be in 192.0.2.0/24`);
      const ns = `${id}-${h.name}`;
      await addNs(ns);
      const port = `v-${h.name}`;
      const portMac = h.mac.replace(/^02:00:00:00:00:/, '02:00:00:00:01:');
      await sh('ip', ['-n', ns, 'link', 'add', 'eth0', 'address', h.mac, 'mtu', '1500', 'type', 'veth',
        'peer', 'name', port, 'address', portMac, 'mtu', '1500', 'netns', swNs]);
      await offloadsOff(ns, 'eth0');
      await offloadsOff(swNs, port);
      await sh('ip', ['-n', swNs, 'link', 'set', port, 'master', 'br0', 'up']);
      await sh('ip', ['-n', ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    }
    await sh('ip', ['-n', swNs, 'link', 'set', 'br0', 'up']);
    if (options.capture !== false) {
      await tb.startCapture(typeof options.capture === 'string' ? options.capture : undefined);
    }
    return await fn(tb);
  } finally {
    if (capture) await capture.proc.stop('SIGINT', 3000).catch(() => undefined);
    await Promise.all(procs.map((p) => p.stop().catch(() => undefined)));
    for (const ns of [...liveNamespaces].filter((n) => n.startsWith(`${id}-`))) {
      deleteNamespaceSync(ns);
      liveNamespaces.delete(ns);
    }
    unhookEmergency();
    if (!options.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}
