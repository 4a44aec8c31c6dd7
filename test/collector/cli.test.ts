/**
 * The command line: enroll prints a token once (stdout) and stores only its
 * hash, agents lists, revoke revokes, bad names and unknown agents get
 * coded errors.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CollectorStore, hashToken } from '../../collector/store.js';
import { REPO } from '../helpers/paths.js';
import { tempDir } from './helpers.js';

const MAIN = join(REPO, 'agent', 'cli', 'main.ts');

function auscult(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'collector', ...args], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('enroll, agents, revoke', async (t) => {
  const db = join(tempDir('cli'), 'c.sqlite');
  const e = auscult('enroll', 'ward-7', '--db', db);
  t.equal(e.code, 0, e.stderr);
  const token = e.stdout.trim();
  t.match(token, /^[A-Za-z0-9_-]{43}$/, 'stdout is the token alone');
  t.match(e.stderr, /shown once/);
  const dup = auscult('enroll', 'ward-7', '--db', db);
  t.equal(dup.code, 65);
  t.match(dup.stderr, /AUSCULT_ERR_AGENT_EXISTS/);
  const bad = auscult('enroll', 'ward 7', '--db', db);
  t.match(bad.stderr, /AUSCULT_ERR_AGENT_NAME/);

  const list = auscult('agents', '--db', db, '--format', 'json');
  t.equal(list.code, 0, list.stderr);
  t.match(JSON.parse(list.stdout), { agents: [{ id: 'ward-7', revoked: false }] });

  const r = auscult('revoke', 'ward-7', '--db', db);
  t.equal(r.code, 0, r.stderr);
  t.match(auscult('revoke', 'nobody', '--db', db).stderr, /AUSCULT_ERR_AGENT_UNKNOWN/);
  t.match(auscult('agents', '--db', db).stdout, /ward-7\s+revoked/);

  const s = CollectorStore.open(db);
  t.teardown(() => s.close());
  const row = s.db.prepare('SELECT token_hash FROM agents').get() as { token_hash: string };
  t.equal(row.token_hash, hashToken(token), 'the sha256 of the token is what is kept');
  t.match(s.authenticate(token), { ok: false, reason: 'revoked' });
});
