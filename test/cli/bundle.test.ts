/**
 * The compiled command line as `npm run build` makes it: tsc's output with
 * the commands bundled into dist/agent/cli/commands.js
 * (scripts/bundle-cli.mjs), started by the launcher dist/agent/cli/main.js. Built here into a scratch folder, then run as an
 * executable: the same inventory as the sources give, the same error codes,
 * including those thrown by the modules left outside the bundle.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO } from '../helpers/paths.js';

// Inside the repository (its tmp/ is ignored by git), so that the build finds node_modules.
mkdirSync(join(REPO, 'tmp'), { recursive: true });
const out = mkdtempSync(join(REPO, 'tmp', 'bundle-test-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: REPO, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tsc = sh(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', out]);
cpSync(join(REPO, 'rules', 'packs'), join(out, 'rules', 'packs'), { recursive: true });
const bundle = sh(process.execPath, [join(REPO, 'scripts', 'bundle-cli.mjs'), out]);
const MAIN = join(out, 'agent', 'cli', 'main.js');
const built = (...args: string[]) => sh(MAIN, args);
const fromSource = (...args: string[]) => sh(process.execPath, [join(REPO, 'bin', 'auscult.js'), ...args]);

t.test('build', async (t) => {
  t.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  t.equal(bundle.code, 0, bundle.stderr);
  // The capture worker's one-file CommonJS bundle, which worker-thread.ts prefers: the inventories below use it.
  t.match(readFileSync(join(out, 'agent', 'capture', 'worker.cjs'), 'utf8'), /require\("pcap\/build\/Release\/pcap_binding\.node"\)|pcap_binding\.node/);
});

t.test('the bundle imports only packages, the shared errors module and the other commands', async (t) => {
  const text = readFileSync(join(out, 'agent', 'cli', 'commands.js'), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import\()\s*"([^"]+)"/g)].map((m) => m[1]!);
  const relative = [...new Set(specifiers.filter((s) => s.startsWith('.')))].sort();
  t.same(relative, [
    '../errors.js',
    '../kb/load-kb.js',
    './active-options.js',
    './agent-command.js',
    './collector-command.js',
    './correlate-command.js',
    './demo-command.js',
    './kb-command.js',
    './scan-command.js',
  ]);
});

t.test('inventory: the same report as from the sources', async (t) => {
  for (const f of [join('dicom', 'store.pcap'), join('hl7', 'gateway.pcap'), join('dhcp', 'leases.pcap')]) {
    const a = built('inventory', '--read', join(FIXTURES, f), '--format', 'json');
    const b = fromSource('inventory', '--read', join(FIXTURES, f), '--format', 'json');
    t.equal(a.code, 0, a.stderr);
    t.ok(JSON.parse(a.stdout).devices.length > 0, `${f}: devices`);
    t.same(JSON.parse(a.stdout), JSON.parse(b.stdout), f);
  }
});

t.test('errors keep their codes, from inside the bundle and from the modules outside it', async (t) => {
  const missing = built('inventory', '--read', join(out, 'no-such.pcap'));
  t.equal(missing.code, 66);
  t.match(missing.stderr, /^auscult: AUSCULT_ERR_FILE_NOT_FOUND/);
  const kb = built('inventory', '--read', join(FIXTURES, 'dicom', 'store.pcap'), '--kb', join(out, 'no-such.sqlite'));
  t.match(kb.stderr, /^auscult: AUSCULT_ERR_KB_MISSING/);
  t.equal(kb.code, fromSource('inventory', '--read', join(FIXTURES, 'dicom', 'store.pcap'), '--kb', join(out, 'no-such.sqlite')).code);
  const list = built('kb', 'list', '--db', join(out, 'no-such.sqlite'));
  t.match(list.stderr, /^auscult: AUSCULT_ERR_KB_DATABASE/);
  t.notMatch(list.stderr, /AUSCULT_ERR_INTERNAL/);
  const usage = built('inventory');
  t.equal(usage.code, 64);
  t.match(usage.stderr, /AUSCULT_ERR_BAD_ARGUMENT/);
});
