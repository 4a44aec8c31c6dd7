/**
 * The `auscult` command as a user runs it: exit codes, stable error codes,
 * messages that say what to do, and output formats.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DICOM_FIXTURES, REPO } from '../helpers/paths.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const tmp = mkdtempSync(join(tmpdir(), 'auscult-cli-'));
const SAMPLE = join(DICOM_FIXTURES, 'store.pcap');

function auscult(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('--help lists the inventory command', async (t) => {
  const r = auscult('--help');
  t.equal(r.code, 0);
  t.match(r.stdout, /inventory/);
});

t.test('the launcher runs as an executable, with the node flags the compiled command line carries too', async (t) => {
  // bin/auscult.js is what `npx auscult` executes: its first line must work
  // through env(1), and agent/cli/main.ts (dist/agent/cli/main.js, which
  // `npm run bench` executes) must carry the same flags.
  const launcher = readFileSync(BIN, 'utf8').split('\n', 1)[0];
  const main = readFileSync(join(REPO, 'agent', 'cli', 'main.ts'), 'utf8').split('\n', 1)[0];
  t.match(launcher, /^#!\/usr\/bin\/env -S node --v8-pool-size=1$/);
  t.equal(main, launcher);
  t.ok((statSync(BIN).mode & 0o111) !== 0, 'bin/auscult.js is executable');
  const r = spawnSync(BIN, ['--version'], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

t.test('inventory --help documents --read and --filter', async (t) => {
  const r = auscult('inventory', '--help');
  t.equal(r.code, 0);
  t.match(r.stdout, /--read/);
  t.match(r.stdout, /--filter/);
});

t.test('no command: usage error with a code', async (t) => {
  const r = auscult();
  t.equal(r.code, 64);
  t.match(r.stderr, /AUSCULT_ERR_BAD_ARGUMENT/);
});

t.test('missing file', async (t) => {
  const r = auscult('inventory', '--read', join(tmp, 'nope.pcap'));
  t.equal(r.code, 66);
  t.match(r.stderr, /AUSCULT_ERR_FILE_NOT_FOUND/);
  t.match(r.stderr, /nope\.pcap/);
  t.match(r.stderr, /what to do/);
});

t.test('a file that is not a capture', async (t) => {
  const f = join(tmp, 'notes.txt');
  writeFileSync(f, 'these are not packets\n'.repeat(20));
  const r = auscult('inventory', '--read', f);
  t.equal(r.code, 65);
  t.match(r.stderr, /AUSCULT_ERR_NOT_A_CAPTURE/);
});

t.test('an empty file', async (t) => {
  const f = join(tmp, 'empty.pcap');
  writeFileSync(f, '');
  const r = auscult('inventory', '--read', f);
  t.not(r.code, 0);
  t.match(r.stderr, /AUSCULT_ERR_(NOT_A_CAPTURE|CAPTURE_TRUNCATED)/);
});

t.test('a truncated capture: what was read is printed, then the error', async (t) => {
  const f = join(tmp, 'cut.pcap');
  copyFileSync(SAMPLE, f);
  truncateSync(f, Math.floor(statSync(f).size * 0.7) + 3);
  const r = auscult('inventory', '--read', f, '--format', 'json');
  t.equal(r.code, 65);
  t.match(r.stderr, /AUSCULT_ERR_CAPTURE_TRUNCATED/);
  const report = JSON.parse(r.stdout);
  t.ok(report.stats.packets > 0, 'packets before the cut were processed');
  t.ok(report.devices.length > 0, 'devices before the cut are reported');
});

t.test('a bad BPF filter', async (t) => {
  const r = auscult('inventory', '--read', SAMPLE, '--filter', 'tcp port banana');
  t.equal(r.code, 64);
  t.match(r.stderr, /AUSCULT_ERR_BAD_FILTER/);
});

t.test('a filter that excludes all DICOM yields no devices, and the same file unfiltered does', async (t) => {
  const none = JSON.parse(auscult('inventory', '--read', SAMPLE, '--filter', 'udp', '--format', 'json').stdout);
  t.equal(none.devices.length, 0);
  const all = JSON.parse(auscult('inventory', '--read', SAMPLE, '--format', 'json').stdout);
  t.ok(all.devices.length >= 2);
});

t.test('table output names the devices; json output has the documented shape', async (t) => {
  const table = auscult('inventory', '--read', SAMPLE);
  t.equal(table.code, 0);
  t.match(table.stdout, /ADDRESS\s+MAC/);
  t.match(table.stdout, /device\(s\) from \d+ packets/);
  const out = join(tmp, 'inv.json');
  const r = auscult('inventory', '--read', SAMPLE, '--format', 'json', '--output', out);
  t.equal(r.code, 0);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  t.ok(Array.isArray(report.devices) && Array.isArray(report.findings));
  for (const k of ['packets', 'bytes', 'flows', 'malformed', 'gaps', 'capHits']) t.type(report.stats[k], 'number', `stats.${k}`);
  const d = report.devices[0];
  for (const k of ['id', 'ip', 'mac', 'macVendor', 'manufacturer', 'model', 'softwareVersions', 'serialNumber', 'deviceClass', 'roles', 'dicom', 'hl7', 'evidence']) {
    t.ok(k in d, `device.${k}`);
  }
  t.equal(d.hl7, null);
});
