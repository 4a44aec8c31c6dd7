/**
 * `auscult kb import` and `auscult kb list` as a user runs them, in a temp
 * folder: summaries, exit codes, stable error codes, the default KB file
 * and AUSCULT_KB.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const tmp = mkdtempSync(join(tmpdir(), 'auscult-kb-cli-'));
const CSAF_DIR = join(SHARED_DATA, 'advisories', 'csaf');
const skip = sharedDataMissing('advisories/csaf') || sharedDataMissing('sbom');

function auscult(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: tmp,
    timeout: 120_000,
    env: { ...process.env, AUSCULT_KB: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('kb import: a folder and files, one of them bad; kb list after', { skip }, async (t) => {
  const db = join(tmp, 'kb.sqlite');
  const bad = join(tmp, 'truncated.json');
  writeFileSync(bad, '{"document": {"csaf_version": "2.0", "title": ');
  const r = auscult(['kb', 'import', CSAF_DIR, join(SHARED_DATA, 'sbom', 'medical_device_extended.cdx.json'), bad, '--db', db]);
  t.equal(r.code, 65, 'non-zero: a file failed');
  t.match(r.stdout, /^imported {2}icsma-17-009-01a\.json {2}csaf ICSMA-17-009-01A: 1 advisory, 3 products, 1 vulnerability/m);
  t.match(r.stdout, /^imported {2}medical_device_extended\.cdx\.json {2}cyclonedx urn:uuid:9a9fb992-c015-4d78-91b5-88b6be21f53d: SBOM of 65 components/m);
  t.match(r.stdout, /121 imported, 0 skipped, 1 failed, 1 file ignored \(not \*\.json\); knowledge base .*kb\.sqlite: version [0-9a-f]{16}, 121 documents, 120 advisories, 555 products, 370 vulnerabilities/);
  t.match(r.stderr, /auscult: AUSCULT_ERR_KB_NOT_JSON: .*truncated\.json: JSON parse error at line 1, column 47/);
  t.match(r.stderr, /what to do: the file is not valid JSON/);

  const again = auscult(['kb', 'import', CSAF_DIR, '--db', db]);
  t.equal(again.code, 0);
  t.match(again.stdout, /^unchanged icsma-17-009-01a\.json/m);
  t.match(again.stdout, /0 imported, 120 skipped, 0 failed/);

  const table = auscult(['kb', 'list', '--db', db]);
  t.equal(table.code, 0);
  t.match(table.stdout, /^kind +source +id +revision +contents$/m);
  t.match(table.stdout, /^csaf +icsma-24-254-01\.json +ICSMA-24-254-01 /m);
  t.match(table.stdout, /121 documents: 120 advisories, 555 products, 370 vulnerabilities, 0 KEV entries, 1 SBOM \(65 components\), 0 VEX statements/);

  const json = auscult(['kb', 'list', '--db', db, '--format', 'json']);
  t.equal(json.code, 0);
  const l = JSON.parse(json.stdout) as { version: string; totals: Record<string, number>; documents: unknown[] };
  t.same(l.totals, { documents: 121, advisories: 120, products: 555, vulnerabilities: 370, kev: 0, sboms: 1, components: 65, vex: 0 });
  t.match(l.version, /^[0-9a-f]{16}$/);
});

t.test('kb import: the default file in the current folder, and AUSCULT_KB', { skip }, async (t) => {
  const f = join(tmp, 'case1.json');
  copyFileSync(join(SHARED_DATA, 'sbom', 'cdx_vex_cisa_case1_not_affected.cdx.json'), f);
  const r = auscult(['kb', 'import', f]);
  t.equal(r.code, 0, r.stderr);
  t.ok(existsSync(join(tmp, 'auscult-kb.sqlite')), './auscult-kb.sqlite');
  const env = join(tmp, 'from-env.sqlite');
  const e = auscult(['kb', 'import', f], { AUSCULT_KB: env });
  t.equal(e.code, 0, e.stderr);
  t.ok(existsSync(env), 'AUSCULT_KB names the file');
  t.match(e.stdout, /1 imported, 0 skipped, 0 failed; knowledge base .*from-env\.sqlite/);
});

t.test('kb errors a user can act on', async (t) => {
  const missing = auscult(['kb', 'list', '--db', join(tmp, 'none.sqlite')]);
  t.equal(missing.code, 74);
  t.match(missing.stderr, /AUSCULT_ERR_KB_DATABASE: no knowledge base at .*none\.sqlite: import documents first/);
  const nofile = auscult(['kb', 'import', join(tmp, 'nope.json'), '--db', join(tmp, 'x.sqlite')]);
  t.equal(nofile.code, 66);
  t.match(nofile.stderr, /AUSCULT_ERR_KB_UNREADABLE: .*nope\.json: no such file/);
  const noargs = auscult(['kb', 'import']);
  t.equal(noargs.code, 64);
  t.match(noargs.stderr, /AUSCULT_ERR_BAD_ARGUMENT/);
});
