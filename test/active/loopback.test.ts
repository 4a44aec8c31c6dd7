/**
 * Real nmap against real DICOM servers this test starts on 127.0.0.1:
 * DCMTK storescp (accepts any called AE title: DCMTK 3.6.7 storescp has no
 * called-AE check) and DCMTK dcmqrscp (rejects a called AE title not in its
 * configuration, scripts/testbed/dcmqrscp.cfg), through `auscult scan` as an
 * operator runs it. Nothing leaves loopback.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/net.js';
import { REPO } from '../helpers/paths.js';
import type { InventoryReport } from '../../rules/inventory.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = !has('nmap') ? 'needs nmap (apt-get install nmap)' : !has('storescp') || !has('dcmqrscp') ? 'needs DCMTK (apt-get install dcmtk)' : false;

const tmp = mkdtempSync(join(tmpdir(), 'auscult-active-lo-'));
const children: ChildProcess[] = [];
t.teardown(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function auscult(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function listening(port: number): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).stdout.trim()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

const auditLines = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

t.test('scan: storescp (any AE) and dcmqrscp (called AE checked) on loopback', { skip }, async (t) => {
  const anyPort = await freePort();
  const aePort = await freePort();
  const closedPort = await freePort();
  mkdirSync(join(tmp, 'store'));
  mkdirSync(join(tmp, 'db'));
  children.push(spawn('storescp', ['--aetitle', 'STORESCP', '-od', join(tmp, 'store'), String(anyPort)], { stdio: 'ignore' }));
  const cfg = readFileSync(join(REPO, 'scripts', 'testbed', 'dcmqrscp.cfg'), 'utf8').replaceAll('@PORT@', String(aePort)).replaceAll('@AET@', 'QRSCP').replaceAll('@STORAGE@', join(tmp, 'db'));
  writeFileSync(join(tmp, 'qr.cfg'), cfg);
  children.push(spawn('dcmqrscp', ['-c', join(tmp, 'qr.cfg'), String(aePort)], { stdio: 'ignore' }));
  await listening(anyPort);
  await listening(aePort);

  // The passive inventory says 127.0.0.1 is an infusion pump: extended must be capped at safe.
  const inv = join(tmp, 'inv.json');
  writeFileSync(inv, JSON.stringify({ devices: [{ id: 'ip:127.0.0.1', ip: '127.0.0.1', ips: ['127.0.0.1'], deviceClass: 'infusion-pump', evidence: [{ attribute: 'deviceClass', value: 'infusion-pump', protocol: 'hl7', field: 'IEEE 11073 MDC_DEV_PUMP_INFUS', flow: 'f', firstSeen: 'x', lastSeen: 'x', count: 1, confidence: 'medium' }] }] }));
  const audit = join(tmp, 'audit.jsonl');
  const started = performance.now();
  const r = auscult('scan', '--allow', '127.0.0.1', '--inventory', inv, '--profile', 'extended', '--ports', `${anyPort},${aePort},${closedPort}`, '--dicom-ports', `${anyPort},${aePort}`, '--rate', '600', '--audit', audit, '--operator', 'biomed-tester', '--format', 'json');
  const ms = performance.now() - started;
  t.equal(r.code, 0, r.stderr);
  t.ok(ms < 20_000, `scan took ${Math.round(ms)} ms`);
  const out = JSON.parse(r.stdout) as InventoryReport;
  t.equal(out.devices.length, 1, 'merged into the inventory device with that address');
  const d = out.devices[0];
  t.equal(d.deviceClass, 'infusion-pump');
  const active = d.evidence.filter((e) => e.protocol === 'active');
  const val = (attr: string) => active.filter((e) => e.attribute === attr).map((e) => e.value).sort();
  t.same(val('openPort'), [`tcp/${anyPort}`, `tcp/${aePort}`].sort());
  t.same(val('dicomService'), [`tcp/${anyPort}`, `tcp/${aePort}`].sort());
  const ae = active.filter((e) => e.attribute === 'dicomCalledAeCheck');
  t.same(ae.find((e) => e.field.includes(`tcp/${anyPort}`))?.value, 'any-ae-accepted', 'storescp accepts any called AE');
  t.same(ae.find((e) => e.field.includes(`tcp/${aePort}`))?.value, 'enabled', 'dcmqrscp checks the called AE');
  t.same(val('activeCheck'), ['safe'], 'the pump got the safe profile');
  t.ok(d.evidence.some((e) => e.protocol === 'hl7'), 'passive evidence kept');
  t.match(out.stats, { active: { probed: 1, errors: 0, auditLog: audit } });
  // The service that accepted any called AE is a finding; the one that checks is not.
  const anyAe = out.findings.filter((f) => f.title === 'DICOM service accepts any called AE title');
  t.equal(anyAe.length, 1, 'one any-called-AE exposure');
  t.match(anyAe[0], { deviceId: d.id, kind: 'exposure', severity: 'medium' });
  t.match(anyAe[0].explanation.summary, new RegExp(`tcp/${anyPort}`));
  t.notMatch(anyAe[0].explanation.summary, new RegExp(`tcp/${aePort}\\b`), 'dcmqrscp (called AE checked) is not named');

  const log = auditLines(audit);
  t.same(log.map((l) => l.event), ['session-start', 'probe', 'session-end']);
  t.match(log[0], { operator: 'biomed-tester', via: 'scan', allow: ['127.0.0.1/32'], profile: 'extended' });
  t.match(log[1], { target: '127.0.0.1', deviceClass: 'infusion-pump', requestedProfile: 'extended', profile: 'safe', cappedBecause: /life-critical/, result: { status: 'up' } });
  t.notOk(log[1].argv.flat().includes('-sV'), 'no service detection sent to a life-critical device');
  t.ok(log[1].argv.every((a: string[]) => a[0] === 'nmap' && a.at(-1) === '127.0.0.1'));
  t.match(log[1].result.dicom, [{ port: Math.min(anyPort, aePort) }, { port: Math.max(anyPort, aePort) }]);

  // The same scan as a table.
  const table = auscult('scan', '--allow', '127.0.0.1', '--ports', String(anyPort), '--dicom-ports', String(anyPort), '--rate', '600', '--audit', audit);
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, new RegExp(`^TARGET .*\\n127\\.0\\.0\\.1 +- +safe +up +${anyPort} +${anyPort}:any-ae-accepted`, 'm'));
  t.equal(auditLines(audit).length, 6, 'the second session appended three lines');
});

t.test('scan refuses what it must, before sending anything', { skip }, async (t) => {
  const audit = join(tmp, 'refuse.jsonl');
  const missing = auscult('scan', '--allow', '127.0.0.1', '--nmap', join(tmp, 'no-nmap'), '--audit', audit);
  t.equal(missing.code, 69);
  t.match(missing.stderr, /AUSCULT_ERR_NMAP_MISSING: cannot run .*no-nmap: not found\n {2}what to do: .*apt-get install nmap/);
  const host = auscult('scan', '--allow', 'localhost', '--audit', audit);
  t.equal(host.code, 64);
  t.match(host.stderr, /AUSCULT_ERR_ACTIVE_POLICY: --allow: 'localhost' is not an IPv4 or IPv6 address/);
  const big = auscult('scan', '--allow', '127.0.0.0/8', '--audit', audit);
  t.equal(big.code, 64);
  t.match(big.stderr, /AUSCULT_ERR_ACTIVE_TOO_MANY/);
  const noAllow = auscult('scan');
  t.equal(noAllow.code, 64);
  t.match(noAllow.stderr, /Missing required argument: allow/);
  t.throws(() => readFileSync(audit), 'no audit line (and no probe) for any of those');
  // A target outside the allow list is refused and audited; with no target left nothing runs.
  const out = auscult('scan', '--allow', '127.0.0.1', '--deny', '127.0.0.1', '--target', '127.0.0.1', '--target', '127.0.0.2', '--audit', audit, '--format', 'json');
  t.equal(out.code, 0, out.stderr);
  t.same(JSON.parse(out.stdout).devices, []);
  t.same(auditLines(audit).map((l) => [l.event, l.target ?? null, l.reason ?? null]), [
    ['session-start', null, null],
    ['refused', '127.0.0.1', 'denied'],
    ['refused', '127.0.0.2', 'not-allowed'],
    ['session-end', null, null],
  ]);
  const help = auscult('scan', '--help');
  t.equal(help.code, 0);
  for (const opt of ['--allow', '--deny', '--profile', '--rate', '--every', '--window', '--audit', '--operator', '--dry-run']) t.match(help.stdout, opt);
  const dry = auscult('scan', '--allow', '127.0.0.0/30', '--deny', '127.0.0.2', '--dry-run', '--format', 'json');
  t.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout);
  t.same(plan.targets.map((x: { target: string }) => x.target), ['127.0.0.1']);
  t.match(plan.targets[0].argv[0], ['nmap', '-n', '-Pn', '-sT', '--unprivileged']);
});

t.test('extended profile, live: nmap -sV names a service this test starts (python http.server on loopback)', { skip: !has('nmap') ? 'needs nmap (apt-get install nmap)' : false }, async (t) => {
  const port = await freePort();
  const http = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', tmp], { stdio: 'ignore' });
  children.push(http);
  await listening(port);
  const audit = join(tmp, 'extended-audit.jsonl');
  const r = auscult('scan', '--allow', '127.0.0.1', '--target', '127.0.0.1', '--ports', String(port), '--dicom-ports', String(port + 1), '--profile', 'extended', '--extended-unknown', '--rate', '600', '--audit', audit, '--format', 'json');
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as InventoryReport;
  const active = out.devices[0]?.evidence.filter((e) => e.protocol === 'active') ?? [];
  const val = (attr: string) => active.filter((e) => e.attribute === attr).map((e) => e.value);
  t.same(val('activeCheck'), ['extended'], 'an unknown-class host got extended because --extended-unknown was given');
  t.same(val('openPort'), [`tcp/${port}`]);
  t.ok(val('serviceProduct').some((v) => /SimpleHTTPServer/i.test(v)), `-sV named the product: ${val('serviceProduct').join(', ')}`);
  t.ok(val('serviceCpe').some((v) => v.startsWith('cpe:/a:python:')), `and its CPE: ${val('serviceCpe').join(', ')}`);
  t.ok(active.filter((e) => e.attribute === 'serviceProduct').every((e) => e.confidence === 'medium'), 'banner guesses are medium confidence');
  const probe = auditLines(audit).find((l) => l.event === 'probe');
  const argv = (probe.argv as string[][]).flat();
  t.ok(argv.includes('-sV') && argv.includes('--version-light'), 'the audit log shows the service detection that was sent');
  t.notOk(argv.includes('-O') || argv.includes('-A') || argv.includes('-sC'), 'no OS detection or default scripts');
  t.match(probe, { profile: 'extended', target: '127.0.0.1' });
});
