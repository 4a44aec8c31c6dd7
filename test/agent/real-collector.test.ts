/**
 * The agent against the real collector (`auscult collector`), both as
 * processes on 127.0.0.1: enroll, replay the sample, every device stored;
 * a second replay with the same outbox adds nothing and is refused nothing.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/net.js';
import { REPO } from '../helpers/paths.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const SAMPLE = join(REPO, 'samples', 'hospital-sample.pcap');
const hasCollector = existsSync(join(REPO, 'collector', 'server.ts'));

t.test('agent → real collector', { skip: hasCollector ? false : 'collector/server.ts is not there yet' }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'auscult-agent-real-'));
  const db = join(tmp, 'collector.sqlite');
  const enroll = spawnSync(process.execPath, [BIN, 'collector', 'enroll', 'agent-1', '--db', db], { encoding: 'utf8', cwd: REPO, timeout: 30_000 });
  t.equal(enroll.status, 0, enroll.stderr);
  const token = /^([A-Za-z0-9_-]{20,})$/m.exec(enroll.stdout)?.[1];
  t.ok(token, 'enroll printed a token');
  writeFileSync(join(tmp, 'token'), `${token}\n`);
  const port = await freePort();
  const collector = spawn(process.execPath, [BIN, 'collector', '--listen', `127.0.0.1:${port}`, '--db', db], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  collector.stdout.on('data', (d) => (log += d));
  collector.stderr.on('data', (d) => (log += d));
  t.teardown(() => {
    collector.kill('SIGTERM');
  });
  const start = Date.now();
  while (!existsSync(`${db}.cert.pem`) || !/listening/.test(log)) {
    if (Date.now() - start > 20_000) throw new Error(`collector did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const agentArgs = ['agent', '--read', SAMPLE, '--collector', `wss://127.0.0.1:${port}`, '--token-file', join(tmp, 'token'), '--ca', `${db}.cert.pem`, '--outbox', join(tmp, 'outbox.sqlite')];
  const run = () =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const a = spawn(process.execPath, [BIN, ...agentArgs], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      a.stderr.on('data', (d) => (stderr += d));
      a.on('exit', (code) => resolve({ code, stderr }));
    });
  const r1 = await run();
  t.equal(r1.code, 0, r1.stderr);
  t.notMatch(r1.stderr, /refused/, 'the collector refused nothing');
  // The API is TLS with the self-signed cert: read it with curl-free Node https.
  const { get } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const ca = readFileSync(`${db}.cert.pem`);
  const api = (path: string) =>
    new Promise<unknown>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, ca, servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(JSON.parse(body)));
      }).on('error', reject);
    });
  const list1 = (await api('/api/devices')) as { devices: Array<{ id: string }> };
  t.equal(list1.devices.length, 19, 'all 19 devices stored by the collector');
  const r2 = await run();
  t.equal(r2.code, 0, r2.stderr);
  t.notMatch(r2.stderr, /refused/);
  const list2 = (await api('/api/devices')) as { devices: Array<{ id: string }> };
  t.equal(list2.devices.length, 19, 'a second replay adds nothing');
});
