/**
 * `auscult inventory` on a plain command line skips yargs and pre-opens its
 * capture (agent/cli/inventory-options.ts): the same results, the same errors,
 * and a pre-opened capture that no command takes never keeps the process alive.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { plainInventoryArgs } from '../../agent/cli/inventory-options.js';
import { DICOM_FIXTURES, REPO } from '../helpers/paths.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const SAMPLE = join(DICOM_FIXTURES, 'store.pcap');

function auscult(...args: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started, signal: r.signal };
}

t.test('plain lines are read, every spelling', async (t) => {
  t.same(plainInventoryArgs(['inventory', '--read', 'a.pcap']), { read: 'a.pcap', filter: undefined, format: 'table', output: undefined, kb: undefined });
  t.same(plainInventoryArgs(['inventory', '-r', 'a.pcap', '-f', 'tcp port 104', '--format', 'json', '-o', 'out.json', '--kb', 'kb.sqlite']), {
    read: 'a.pcap',
    filter: 'tcp port 104',
    format: 'json',
    output: 'out.json',
    kb: 'kb.sqlite',
  });
  t.same(plainInventoryArgs(['inventory', '--read=a.pcap', '--filter=tcp and port 104', '--format=json']), {
    read: 'a.pcap',
    filter: 'tcp and port 104',
    format: 'json',
    output: undefined,
    kb: undefined,
  });
});

t.test('anything else is left to yargs', async (t) => {
  for (const argv of [
    [],
    ['kb', 'list'],
    ['inventory'],
    ['inventory', '--help'],
    ['inventory', '--read'],
    ['inventory', '--read', 'a.pcap', '--read', 'b.pcap'],
    ['inventory', '--read', 'a.pcap', '--format', 'xml'],
    ['inventory', '--read', 'a.pcap', '--fromat', 'json'],
    ['inventory', '--read', 'a.pcap', 'extra'],
    ['inventory', '--read', '--filter', 'tcp'],
    ['inventory', '--read', ''],
    ['inventory', '--version'],
  ]) {
    t.equal(plainInventoryArgs(argv), null, argv.join(' '));
  }
});

t.test('the fast path and yargs give the same report', async (t) => {
  const fast = auscult('inventory', '--read', SAMPLE, '--format', 'json');
  t.equal(fast.code, 0, fast.stderr);
  // `-r=FILE` is a spelling only yargs reads.
  t.equal(plainInventoryArgs(['inventory', `-r=${SAMPLE}`, '--format', 'json']), null, 'declined by the plain reader');
  const viaYargs = auscult('inventory', `-r=${SAMPLE}`, '--format', 'json');
  t.equal(viaYargs.code, 0, viaYargs.stderr);
  const a = JSON.parse(fast.stdout) as { devices: unknown[] };
  const b = JSON.parse(viaYargs.stdout) as { devices: unknown[] };
  t.ok(a.devices.length > 0);
  t.same(a.devices, b.devices);
});

t.test('an unknown option is refused by yargs (strict) before the command runs', async (t) => {
  const r = auscult('inventory', '--read', SAMPLE, '--no-color');
  t.equal(r.code, 64);
  t.match(r.stderr, /AUSCULT_ERR_BAD_ARGUMENT: Unknown argument: color/);
  t.equal(r.stdout, '');
});

t.test('a bad choice still gets yargs\' message and code, and the process ends', async (t) => {
  const r = auscult('inventory', '--read', SAMPLE, '--format', 'xml');
  t.equal(r.code, 64);
  t.match(r.stderr, /AUSCULT_ERR_BAD_ARGUMENT/);
  t.match(r.stderr, /format/);
  t.equal(r.stdout, '', 'the command did not run');
});

t.test('a pre-opened capture that the command never takes is stopped (a missing --kb)', async (t) => {
  const r = auscult('inventory', '--read', SAMPLE, '--kb', join(REPO, 'no-such-kb.sqlite'));
  t.not(r.code, 0);
  t.equal(r.signal, null, 'exited by itself, not killed by the timeout');
  t.match(r.stderr, /AUSCULT_ERR_KB/);
});

t.test('errors from the pre-opened capture keep their codes', async (t) => {
  const r = auscult('inventory', '--read', join(REPO, 'no-such.pcap'));
  t.equal(r.code, 66);
  t.match(r.stderr, /AUSCULT_ERR_FILE_NOT_FOUND/);
  const bad = auscult('inventory', '--read', SAMPLE, '--filter', 'tcp port nonsense');
  t.not(bad.code, 0);
  t.match(bad.stderr, /AUSCULT_ERR_BAD_FILTER/);
});
