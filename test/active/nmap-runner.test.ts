/**
 * Running nmap: every way it can fail becomes a coded error, a stop kills it
 * at once, and the output is credited only to the host asked about. Most
 * cases use small stand-in scripts for nmap (they print recorded XML or
 * misbehave on purpose); the real nmap is used only where it sends nothing
 * (refusing its arguments) or talks to 127.0.0.1 / ::1.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIp } from '../../agent/active/cidr.js';
import { mergeProbeResults, probeEvidence } from '../../agent/active/evidence.js';
import { runNmap } from '../../agent/active/nmap-runner.js';
import { parseNmapXml } from '../../agent/active/nmap-xml.js';
import { probeHost, type ProbeResult } from '../../agent/active/probe.js';
import { FIXTURES } from '../helpers/paths.js';
import { freePort } from '../helpers/net.js';

const tmp = mkdtempSync(join(tmpdir(), 'auscult-nmap-run-'));
const hasNmap = spawnSync('sh', ['-c', 'command -v nmap']).status === 0;

/** A stand-in for nmap: a shell script. */
function fakeNmap(name: string, body: string): string {
  const p = join(tmp, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
const fixture = (name: string): string => {
  const dst = join(tmp, name);
  copyFileSync(join(FIXTURES, 'nmap', name), dst);
  return dst;
};

t.test('real nmap refusing its arguments: AUSCULT_ERR_NMAP_FAILED with its message', { skip: hasNmap ? false : 'needs nmap' }, async (t) => {
  await t.rejects(runNmap(['-n', '-Pn', '-sT', '-p', '99999', '-oX', '-', '127.0.0.1']), { code: 'AUSCULT_ERR_NMAP_FAILED', message: /Ports specified must be between 0 and 65535/ });
});

t.test('real nmap over IPv6 loopback: -6 and a closed port', { skip: hasNmap ? false : 'needs nmap' }, async (t) => {
  const port = await freePort();
  const r = await probeHost(parseIp('::1')!, 'safe', { session: 's', ports: [port], dicomPorts: [port] });
  t.equal(r.error, null);
  t.equal(r.status, 'no-open-port');
  t.match(r.ports, [{ port, state: 'closed' }]);
  t.ok(r.argv[0].includes('-6'));
});

t.test('stand-ins: missing, cut short, error report, non-zero exit, too much output', async (t) => {
  await t.rejects(runNmap(['x'], { nmap: join(tmp, 'absent') }), { code: 'AUSCULT_ERR_NMAP_MISSING' });
  const xml = fixture('dicom-loopback.xml');
  const half = readFileSync(xml, 'utf8').slice(0, 900);
  writeFileSync(join(tmp, 'half.xml'), half);
  await t.rejects(runNmap([], { nmap: fakeNmap('cut', `cat ${join(tmp, 'half.xml')}`) }), { code: 'AUSCULT_ERR_NMAP_OUTPUT', message: /not well-formed XML/ });
  await t.rejects(runNmap([], { nmap: fakeNmap('err0', `cat ${fixture('error-nse.xml')}`) }), { code: 'AUSCULT_ERR_NMAP_FAILED', message: /nmap reported an error: NSE: failed to initialize/ });
  await t.rejects(runNmap([], { nmap: fakeNmap('exit3', `cat ${xml}; echo 'boom' >&2; exit 3`) }), { code: 'AUSCULT_ERR_NMAP_FAILED', message: /exited with 3: boom/ });
  await t.rejects(runNmap([], { nmap: fakeNmap('noxml', `echo 'QUITTING!' >&2; exit 1`) }), { code: 'AUSCULT_ERR_NMAP_FAILED', message: /exited with 1: QUITTING!/ });
  await t.rejects(runNmap([], { nmap: fakeNmap('flood', 'exec yes "<x/>"'), maxOutputBytes: 100_000 }), { code: 'AUSCULT_ERR_NMAP_FAILED', message: /more than 100000 bytes/ });
  const ok = await runNmap(['a b', '$(touch pwned)'], { nmap: fakeNmap('echoargs', `printf '%s\\n' "$@" > ${join(tmp, 'args.txt')}; cat ${xml}`) });
  t.equal(ok.run.hosts.length, 1);
  t.same(readFileSync(join(tmp, 'args.txt'), 'utf8').split('\n').slice(0, 2), ['a b', '$(touch pwned)'], 'argv passed as is, no shell');
});

t.test('stop and timeout kill nmap at once', async (t) => {
  const slow = fakeNmap('slow', `echo $$ > ${join(tmp, 'slow.pid')}; exec sleep 30`);
  const ac = new AbortController();
  const started = performance.now();
  const p = runNmap([], { nmap: slow, signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  await t.rejects(p, { code: 'AUSCULT_ERR_NMAP_FAILED', message: /^stopped/ });
  t.ok(performance.now() - started < 2000, 'stopped within 2 s');
  const pid = Number(readFileSync(join(tmp, 'slow.pid'), 'utf8'));
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the process is gone');
  await t.rejects(runNmap([], { nmap: slow, timeoutMs: 300 }), { message: /ran longer than 300 ms/ });
});

t.test('probeHost: results credited to the target only; errors become results', async (t) => {
  const xml = fixture('dicom-loopback.xml');
  const r = await probeHost(parseIp('127.0.0.1')!, 'safe', { session: 's1', nmap: fakeNmap('rec', `cat ${xml}`), ports: [41104, 41105, 41106], dicomPorts: [41104, 41105, 41106] });
  t.match(r, { status: 'up', openPorts: [41104, 41105], dicom: [{ port: 41104, calledAeCheck: 'any-ae-accepted' }, { port: 41105, calledAeCheck: 'enabled' }], error: null, portsChecked: [41104, 41105, 41106] });
  const other = await probeHost(parseIp('192.0.2.99')!, 'safe', { session: 's1', nmap: fakeNmap('rec2', `cat ${xml}`), ports: [104], dicomPorts: [104] });
  t.match(other, { status: 'error', error: { code: 'AUSCULT_ERR_NMAP_OUTPUT', message: /nothing about 192\.0\.2\.99/ } }, 'a report about another host is not credited');
  await t.rejects(probeHost(parseIp('127.0.0.1')!, 'safe', { session: 's', nmap: join(tmp, 'absent') }), { code: 'AUSCULT_ERR_NMAP_MISSING' });
});

t.test('evidence: -sV product, version and CPE at medium confidence; merged by address', async (t) => {
  const run = parseNmapXml(readFileSync(join(FIXTURES, 'nmap', 'extended-http.xml'), 'utf8'));
  const r: ProbeResult = {
    session: 's', target: '127.0.0.1', profile: 'extended', portsChecked: [41107], status: 'up', ports: run.hosts[0].ports, openPorts: [41107], dicom: [],
    argv: [], startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, error: null,
  };
  const ev = probeEvidence(r);
  t.ok(ev.every((e) => e.protocol === 'active' && e.flow === 'active:s:127.0.0.1' && e.firstSeen === r.finishedAt));
  const by = (a: string) => ev.filter((e) => e.attribute === a).map((e) => [e.value, e.confidence]);
  t.same(by('serviceProduct'), [['SimpleHTTPServer', 'medium']]);
  t.same(by('serviceVersion'), [['SimpleHTTPServer 0.6', 'medium']]);
  t.same(by('serviceCpe'), [['cpe:/a:python:simplehttpserver:0.6', 'medium']]);
  t.same(by('service'), [['tcp/41107 http', 'medium']]);
  t.same(probeEvidence({ ...r, status: 'error' }), [], 'a failed probe is no evidence');
  const devices = mergeProbeResults([{ id: 'mac:02:00:00:00:00:0a', ip: '10.0.0.9', ips: ['10.0.0.9', '127.0.0.1'], evidence: [], lastSeen: '2025-01-01T00:00:00.000Z' } as never], [r, { ...r, target: '127.0.0.2' }]);
  t.equal(devices.length, 2);
  t.equal(devices[0].evidence.length, ev.length, 'matched through an older address of the device');
  t.equal(devices[0].lastSeen, r.finishedAt);
  t.match(devices[1], { id: 'ip:127.0.0.2', ip: '127.0.0.2', deviceClass: null });
});
