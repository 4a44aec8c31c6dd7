/**
 * The HTTP API over a running collector (real HTTPS on 127.0.0.1, the
 * self-signed certificate pinned): filters, device detail, exports, the
 * SSE stream and the static dashboard files.
 */
import t from 'tap';
import { get as httpsGet } from 'node:https';
import { device, deviceMsg, evidence, finding, findingMsg, statsMsg, testCollector, type TestCollector } from './helpers.js';

function fetchText(tc: TestCollector, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port: tc.c.port, path, ca: tc.c.tls.cert }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

async function getJson<T>(tc: TestCollector, path: string): Promise<{ status: number; body: T }> {
  const r = await fetchText(tc, path);
  return { status: r.status, body: JSON.parse(r.body) as T };
}

t.test('API', async (t) => {
  const tc = await testCollector();
  t.teardown(() => tc.close());
  const a = await tc.connect(tc.enroll('icu-span'));
  await a.hello('icu-1');
  const b = await tc.connect(tc.enroll('rad-span'));
  await b.hello('rad-1');
  await a.sendAcked(deviceMsg(1, device('mac:02:00:00:00:00:01', { manufacturer: 'Philips Medical Systems', model: 'IntelliVue MX40', deviceClass: 'patient-monitor', peers: ['ip:10.0.0.2'], softwareVersions: ['B.06.17'], evidence: [evidence('model', 'IntelliVue MX40')] })));
  await a.sendAcked(deviceMsg(2, device('ip:10.0.0.2', { manufacturer: 'Baxter', deviceClass: 'infusion-pump' })));
  await a.sendAcked(findingMsg(3, finding('f1', 'mac:02:00:00:00:00:01', { severity: 'high', kev: { dateAdded: '2024-01-01', dueDate: null, knownRansomwareCampaignUse: 'Unknown' } })));
  await a.sendAcked(statsMsg(4));
  await b.sendAcked(deviceMsg(1, device('ip:10.9.0.1', { manufacturer: 'SIEMENS', model: 'SOMATOM', deviceClass: 'ct' })));
  await b.sendAcked(findingMsg(2, finding('f2', 'ip:10.9.0.1', { severity: 'medium', cvss: null, status: 'version_unknown' })));

  type Devs = { devices: Array<{ id: string; agents: string[]; openFindings: number; maxSeverity: string | null; kev: boolean }> };
  const all = await getJson<Devs>(tc, '/api/devices');
  t.equal(all.status, 200);
  t.equal(all.body.devices.length, 3);
  const mx40 = all.body.devices.find((d) => d.id === 'mac:02:00:00:00:00:01')!;
  t.same([mx40.agents, mx40.openFindings, mx40.maxSeverity, mx40.kev], [['icu-span'], 1, 'high', true]);
  const ids = async (q: string) => (await getJson<Devs>(tc, `/api/devices?${q}`)).body.devices.map((d) => d.id).sort();
  t.same(await ids('q=intellivue'), ['mac:02:00:00:00:00:01']);
  t.same(await ids('vendor=siemens'), ['ip:10.9.0.1']);
  t.same(await ids('class=infusion-pump'), ['ip:10.0.0.2']);
  t.same(await ids('agent=rad-span'), ['ip:10.9.0.1']);
  t.same(await ids('vulnerable=true'), ['mac:02:00:00:00:00:01']);
  t.same(await ids('vulnerable=false'), ['ip:10.0.0.2', 'ip:10.9.0.1']);
  t.same(await ids('limit=1&offset=1'), ['ip:10.9.0.1'], 'paging (ordered by id)');
  t.equal((await getJson<Devs>(tc, '/api/devices?vulnerable=maybe')).status, 400);

  type Detail = { device: { id: string }; findings: Array<{ id: string; source: string }>; history: unknown[]; peers: Array<{ id: string; deviceClass: string }> };
  const detail = await getJson<Detail>(tc, `/api/devices/${encodeURIComponent('mac:02:00:00:00:00:01')}`);
  t.equal(detail.status, 200);
  t.same(detail.body.findings.map((f) => [f.id, f.source]), [['f1', 'icu-span']]);
  t.same(detail.body.peers, [{ id: 'ip:10.0.0.2', ip: '10.0.0.2', deviceClass: 'infusion-pump', manufacturer: 'Baxter', model: null }]);
  const missing = await getJson<{ error: { code: string } }>(tc, '/api/devices/nope');
  t.equal(missing.status, 404);
  t.equal(missing.body.error.code, 'not-found');

  type Fs = { findings: Array<{ id: string }> };
  const fids = async (q: string) => (await getJson<Fs>(tc, `/api/findings?${q}`)).body.findings.map((f) => f.id);
  t.same(await fids(''), ['f1', 'f2'], 'riskiest first');
  t.same(await fids('severity=critical,high'), ['f1']);
  t.same(await fids('kev=true'), ['f1']);
  t.same(await fids('status=version_unknown'), ['f2']);
  t.same(await fids('open=true&severity=medium'), ['f2']);

  type As = { agents: Array<{ id: string; connected: boolean; version: string; stats: { packets: number } | null }> };
  const agents = (await getJson<As>(tc, '/api/agents')).body.agents;
  t.same(agents.map((x) => [x.id, x.connected, x.version]), [['icu-span', true, '0.1.0'], ['rad-span', true, '0.1.0']]);
  t.equal(agents[0]!.stats?.packets, 10);

  const csv = await fetchText(tc, '/api/export/devices.csv');
  t.equal(csv.status, 200);
  t.match(csv.type, /^text\/csv/);
  t.equal(csv.body.trim().split(/\r?\n/).length, 4, 'header + 3 devices');
  const cdx = await getJson<{ bomFormat: string; specVersion: string; components: unknown[] }>(tc, '/api/export/cyclonedx.json?class=ct');
  t.equal(cdx.status, 200);
  t.equal(cdx.body.bomFormat, 'CycloneDX');
  t.equal(cdx.body.components.length, 1, 'filters apply to exports');

  t.equal((await fetchText(tc, '/api/nothing')).status, 404);
  const index = await fetchText(tc, '/');
  t.equal(index.status, 200);
  t.match(index.type, /^text\/html/);
  t.equal((await fetchText(tc, '/no-such-file.js')).status, 404);
  t.equal((await fetchText(tc, '/../../package.json')).status, 404, 'no escape from the web folder');
  t.equal((await fetchText(tc, '/%2e%2e/store.ts')).status, 404);
});

t.test('SSE stream receives updates as they are stored', async (t) => {
  const tc = await testCollector();
  t.teardown(() => tc.close());
  const a = await tc.connect(tc.enroll('icu-span'));
  await a.hello();

  const events: Array<{ event: string; data: { id?: string } }> = [];
  let gotDevice!: () => void;
  const deviceSeen = new Promise<void>((r) => (gotDevice = r));
  const req = httpsGet({ host: '127.0.0.1', port: tc.c.port, path: '/api/stream', ca: tc.c.tls.cert }, (res) => {
    t.match(String(res.headers['content-type']), /^text\/event-stream/);
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (ev && data) {
          events.push({ event: ev, data: JSON.parse(data) });
          if (ev === 'finding') gotDevice();
        }
      }
    });
  });
  t.teardown(() => req.destroy());
  await new Promise((r) => setTimeout(r, 100));
  await a.sendAcked(deviceMsg(1, device('ip:10.0.0.7', { manufacturer: 'GE' })));
  await a.sendAcked(findingMsg(2, finding('f7', 'ip:10.0.0.7')));
  await deviceSeen;
  t.ok(events.some((e) => e.event === 'device' && e.data.id === 'ip:10.0.0.7'), 'device event');
  t.ok(events.some((e) => e.event === 'finding' && e.data.id === 'f7'), 'finding event');
  const dev = events.filter((e) => e.event === 'device').pop()!.data as unknown as { openFindings: number };
  t.equal(dev.openFindings, 1, 'the device event after the finding carries its count');
});
