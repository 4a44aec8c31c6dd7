/**
 * `auscult demo` as a new user runs it: one command prints the dashboard
 * URL, the sample's devices reach the collector within the minute, Ctrl-C
 * exits cleanly, and a second run reuses the folder (same certificate, same
 * agent, same data).
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentInfo, CollectorDevice } from '../../collector/api-types.js';
import { REPO } from '../helpers/paths.js';
import { getJson } from './browser.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const dir = mkdtempSync(join(tmpdir(), 'auscult-demo-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const sample = spawnSync(process.execPath, [BIN, 'inventory', '--read', join(REPO, 'samples', 'hospital-sample.pcap'), '--format', 'json'], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
const sampleIds = (JSON.parse(sample.stdout) as { devices: Array<{ id: string }> }).devices.map((d) => d.id).sort();

interface Demo {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `auscult demo --port 0 --dir DIR` and resolves once it printed the dashboard URL. */
function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--dir', dir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL within 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /Dashboard: (https:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited ${code} before printing the URL:\n${out}`));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== null) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (${String(last)})` : ''}`);
}

async function stop(demo: Demo): Promise<number | null> {
  demo.child.kill('SIGINT');
  const timer = setTimeout(() => demo.child.kill('SIGKILL'), 20_000);
  const code = await demo.exited;
  clearTimeout(timer);
  return code;
}

t.test('one command: URL, devices within the minute, clean Ctrl-C', async (t) => {
  const started = Date.now();
  const demo = await startDemo();
  const cert = readFileSync(join(dir, 'collector.sqlite.cert.pem'), 'utf8');
  t.ok(existsSync(join(dir, 'collector.sqlite.key.pem')), 'self-signed key generated in DIR');
  t.ok(existsSync(join(dir, 'agent.token')), 'agent enrolled, token kept in DIR');

  let devices: CollectorDevice[];
  try {
    // 90 s to wait, 60 s to pass: a slow run fails below with its time, not here.
    devices = await until(
      'the sample devices in /api/devices',
      async () => {
        const r = await getJson<{ devices: CollectorDevice[] }>(demo.url, '/api/devices', cert);
        return r.devices.length >= sampleIds.length ? r.devices : null;
      },
      90_000,
    );
  } catch (err) {
    const log = existsSync(join(dir, 'demo.log')) ? readFileSync(join(dir, 'demo.log'), 'utf8').slice(-4000) : '(no demo.log)';
    throw new Error(`${(err as Error).message}\n--- demo output ---\n${demo.output().slice(-2000)}\n--- demo.log ---\n${log}`);
  }
  t.same(devices.map((d) => d.id).sort(), sampleIds, 'every device of the sample, through the agent and the collector');
  t.ok(Date.now() - started < 60_000, `filled within a minute (${Date.now() - started} ms)`);
  const page = await fetchText(demo.url + '/', cert);
  t.match(page, '<script type="module" src="app.js">', 'the dashboard is served at the URL');
  const agents = await getJson<{ agents: AgentInfo[] }>(demo.url, '/api/agents', cert);
  t.same(agents.agents.map((a) => a.id), ['demo-agent']);

  t.equal(await stop(demo), 0, 'SIGINT exits 0');
  t.match(demo.output(), 'auscult demo: stopped');
});

t.test('a second run reuses the folder', async (t) => {
  const certBefore = readFileSync(join(dir, 'collector.sqlite.cert.pem'), 'utf8');
  const demo = await startDemo();
  t.match(demo.output(), 'existing self-signed certificate');
  t.equal(readFileSync(join(dir, 'collector.sqlite.cert.pem'), 'utf8'), certBefore, 'same certificate');
  const r = await getJson<{ devices: CollectorDevice[] }>(demo.url, '/api/devices', certBefore);
  t.equal(r.devices.length, sampleIds.length, 'the stored inventory is there at once');
  const agents = await getJson<{ agents: AgentInfo[] }>(demo.url, '/api/agents', certBefore);
  t.same(agents.agents.map((a) => a.id), ['demo-agent'], 'the same agent, not a new enrollment');
  t.equal(await stop(demo), 0);
});

function fetchText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
