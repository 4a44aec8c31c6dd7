/**
 * The dashboard in a real browser (Debian's headless Chromium driven by
 * playwright-core) against a real collector on 127.0.0.1, fed by the real
 * agent replaying samples/hospital-sample.pcap, plus a second agent (a `ws`
 * client speaking collector/protocol.ts) that sends devices and findings
 * while the page is open.
 *
 * Checks: the table lists every device the API has; search filters rows;
 * the device page shows evidence and findings; the findings view is
 * riskiest first; a device sent after the page loaded appears without a
 * reload; wire values are rendered as text, never as markup. Screenshots go
 * to test/dashboard/screenshots/ (git-ignored) and must not be blank.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import type { CollectorDevice, CollectorFinding } from '../../collector/api-types.js';
import type { Finding } from '../../rules/types.js';
import { device, deviceMsg, evidence, finding, testCollector, type AgentClient, type TestCollector } from '../collector/helpers.js';
import { REPO } from '../helpers/paths.js';
import { CHROMIUM, getJson, launchBrowser, type Browser } from './browser.js';

const SCREENSHOTS = join(REPO, 'test', 'dashboard', 'screenshots');

if (!existsSync(CHROMIUM)) {
  t.plan(0, `needs Debian's chromium at ${CHROMIUM} (bash scripts/setup.sh installs it)`);
} else {
  await run();
}

async function run(): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  let tc: TestCollector;
  let browser: Browser;
  let live: AgentClient;
  let base: string;
  let seq = 0;

  t.before(async () => {
    tc = await testCollector({ pollMs: 500 });
    base = tc.c.url;
    // The real agent replays the sample into the collector and exits once everything is acknowledged.
    const tokenFile = join(tc.dir, 'sample.token');
    writeFileSync(tokenFile, tc.enroll('ward-span') + '\n');
    const agent = spawn(
      process.execPath,
      [
        join(REPO, 'bin', 'auscult.js'),
        'agent',
        '--read', join(REPO, 'samples', 'hospital-sample.pcap'),
        '--collector', `wss://127.0.0.1:${tc.c.port}/agent`,
        '--token-file', tokenFile,
        '--ca', tc.c.tls.certFile,
        '--outbox', join(tc.dir, 'outbox.sqlite'),
        '--agent-id', 'ward-span',
        '--stats-interval', '1',
      ],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    agent.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => agent.on('exit', resolve));
    if (code !== 0) throw new Error(`the agent exited ${code}: ${stderr}`);

    // A second agent, driven by the test, with findings of every risk level.
    live = await tc.connect(tc.enroll('bench-probe'));
    await live.hello('bench-probe', { source: 'test' });
    const kevDevice = device('ip:198.51.100.10', {
      manufacturer: 'Acme Medical',
      model: 'InfuseMax 3000',
      softwareVersions: ['2.1'],
      deviceClass: 'infusion-pump',
      roles: ['hl7-sender'],
      evidence: [evidence('model', 'InfuseMax 3000', { protocol: 'hl7', field: 'PRT-10' })],
    });
    await live.sendAcked(deviceMsg(++seq, kevDevice));
    const risky: Array<[string, Partial<Finding>]> = [
      ['f-low', { severity: 'low', cvss: { baseScore: 3.1, vectorString: 'CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', version: '3.1' }, title: 'Low: verbose banner' }],
      ['f-kev', { severity: 'critical', cvss: { baseScore: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1' }, kev: { dateAdded: '2024-01-10', dueDate: '2024-01-31', knownRansomwareCampaignUse: 'Known' }, title: 'Critical and exploited: remote code execution' }],
      ['f-crit', { severity: 'critical', cvss: { baseScore: 9.1, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N', version: '3.1' }, title: 'Critical: authentication bypass' }],
      ['f-med', { severity: 'medium', cvss: { baseScore: 5.3, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', version: '3.1' }, title: 'Medium: information disclosure' }],
    ];
    for (const [id, o] of risky) await live.sendAcked({ type: 'finding', v: 1, seq: ++seq, finding: finding(id, kevDevice.id, o) });

    browser = await launchBrowser();
  });

  t.teardown(async () => {
    await browser?.close();
    await live?.close();
    await tc?.close();
  });

  let page: Page;
  const pageErrors: string[] = [];

  t.test('the inventory lists every device the API has', async (t) => {
    const api = await getJson<{ devices: CollectorDevice[] }>(base, '/api/devices', tc.c.tls.cert);
    t.ok(api.devices.length >= 15, `the sample and the probe give devices (${api.devices.length})`);
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForSelector('#devices tbody tr[data-device-id]');
    await page.waitForFunction(() => document.getElementById('live')?.dataset.state === 'live');
    const ids = await page.$$eval('#devices tbody tr[data-device-id]', (rows) => rows.map((r) => r.getAttribute('data-device-id')));
    t.same([...ids].sort(), api.devices.map((d) => d.id).sort(), 'the same devices as /api/devices');
    t.match(await page.textContent('#device-count'), `${api.devices.length} of ${api.devices.length} devices`);
    // Riskiest first by default: the KEV device leads.
    t.equal(ids[0], 'ip:198.51.100.10');
    await checkScreenshot(t, page, 'inventory');
  });

  t.test('search and filters narrow the rows', async (t) => {
    await page.fill('#search', 'rhapsode');
    await page.waitForFunction(() => document.querySelectorAll('#devices tbody tr[data-device-id]').length === 1);
    t.equal(await page.getAttribute('#devices tbody tr[data-device-id]', 'data-device-id'), 'ip:192.0.2.21');
    await page.fill('#search', 'hl7-sender');
    const n = await page.$$eval('#devices tbody tr[data-device-id]', (rows) => rows.length);
    t.ok(n >= 3, `role search finds the HL7 senders (${n})`);
    await page.fill('#search', 'no-such-device-anywhere');
    await page.waitForSelector('#devices tbody tr.empty');
    await page.fill('#search', '');
    await page.check('#filter-vulnerable');
    const vulnerable = await page.$$eval('#devices tbody tr[data-device-id]', (rows) => rows.length);
    const api = await getJson<{ devices: CollectorDevice[] }>(base, '/api/devices?vulnerable=true', tc.c.tls.cert);
    t.equal(vulnerable, api.devices.length, 'vulnerable only matches the API filter');
    await page.uncheck('#filter-vulnerable');
    await page.selectOption('#filter-vendor', 'GE HealthCare');
    t.equal(await page.$$eval('#devices tbody tr[data-device-id]', (rows) => rows.length), 1);
    await page.selectOption('#filter-vendor', '');
    // Sorting by IP puts 192.0.2.1 first.
    await page.click('#devices thead button:has-text("IP")');
    t.equal(await page.getAttribute('#devices tbody tr[data-device-id]', 'data-device-id'), 'ip:192.0.2.1');
  });

  t.test('the device page shows identity, evidence and findings', async (t) => {
    await page.click('#devices a:has-text("RHAPSODE")');
    await page.waitForSelector('#evidence tbody tr');
    t.equal(new URL(page.url()).hash, `#/devices/${encodeURIComponent('ip:192.0.2.21')}`);
    const text = await page.textContent('main');
    t.match(text, 'GE HealthCare');
    t.match(text, 'CT_SCANNER1', 'DICOM facts');
    const evidenceRows = await page.$$eval('#evidence tbody tr', (rows) => rows.length);
    const detail = await getJson<{ device: CollectorDevice; findings: CollectorFinding[] }>(base, `/api/devices/${encodeURIComponent('ip:192.0.2.21')}`, tc.c.tls.cert);
    t.equal(evidenceRows, detail.device.evidence.length, 'one row per evidence');
    t.ok(detail.findings.length >= 1);
    t.match(await page.textContent('#device-findings'), detail.findings[0]!.title);
    t.ok(await page.$('#peers a'), 'peers link to their pages');
    await checkScreenshot(t, page, 'device');
  });

  t.test('findings are riskiest first', async (t) => {
    await page.click('nav a:has-text("Findings")');
    await page.waitForSelector('#findings tbody tr');
    const rows = await page.$$eval('#findings tbody tr', (trs) => trs.map((r) => ({ id: r.getAttribute('data-finding-id'), kev: r.getAttribute('data-kev') === 'true', severity: r.getAttribute('data-severity'), cvss: Number(r.getAttribute('data-cvss') || -1) })));
    t.equal(rows[0]!.id, 'f-kev', 'KEV first');
    t.equal(rows[1]!.id, 'f-crit', 'then critical');
    const rank: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1, none: 0 };
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      const order = Number(b.kev) - Number(a.kev) || (rank[b.severity!] ?? 0) - (rank[a.severity!] ?? 0) || b.cvss - a.cvss;
      t.ok(order <= 0, `row ${i} (${b.id}) is not riskier than row ${i - 1} (${a.id})`);
    }
    t.equal(rows.at(-1)!.id, 'f-low', 'low last');
    await page.check('#filter-kev');
    t.same(await page.$$eval('#findings tbody tr', (trs) => trs.map((r) => r.getAttribute('data-finding-id'))), ['f-kev']);
    await page.uncheck('#filter-kev');
    await page.selectOption('#filter-severity', 'medium');
    t.same(await page.$$eval('#findings tbody tr', (trs) => trs.map((r) => r.getAttribute('data-finding-id'))), ['f-med']);
    await page.selectOption('#filter-severity', '');
    await page.click('#findings tr[data-finding-id="f-kev"] summary');
    t.match(await page.textContent('#findings tr[data-finding-id="f-kev"] .explain'), 'ransomware use: Known');
    await checkScreenshot(t, page, 'findings');
  });

  t.test('a device sent after the page loaded appears without a reload, as text', async (t) => {
    await page.click('nav a:has-text("Inventory")');
    await page.waitForSelector('#devices tbody tr[data-device-id]');
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const hostile = '<img src=x onerror="window.__xss=1">';
    await live.sendAcked(
      deviceMsg(
        ++seq,
        device('ip:198.51.100.77', {
          model: hostile,
          manufacturer: 'Live Arrival Inc',
          deviceClass: 'patient-monitor',
          evidence: [evidence('model', hostile)],
        }),
      ),
    );
    await page.waitForSelector('#devices tbody tr[data-device-id="ip:198.51.100.77"]', { timeout: 10_000 });
    t.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'no reload');
    t.equal(await page.textContent('#devices tr[data-device-id="ip:198.51.100.77"] .col-name a'), hostile, 'markup from the wire is shown as text');
    t.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'and never runs');
    t.equal(await page.$$eval('main img', (imgs) => imgs.length), 0);
    // A finding for it arrives too, and the counts follow.
    await live.sendAcked({ type: 'finding', v: 1, seq: ++seq, finding: finding('f-live', 'ip:198.51.100.77', { severity: 'high', title: 'Live finding' }) });
    await page.waitForFunction(() => document.querySelector('#devices tr[data-device-id="ip:198.51.100.77"] .col-risk')?.textContent?.includes('high'), undefined, { timeout: 10_000 });
    const api = await getJson<{ devices: CollectorDevice[] }>(base, '/api/devices', tc.c.tls.cert);
    t.equal(await page.$$eval('#devices tbody tr[data-device-id]', (rows) => rows.length), api.devices.length, 'still one row per device');
  });

  t.test('agents view', async (t) => {
    await page.click('nav a:has-text("Agents")');
    await page.waitForSelector('#agents tbody tr[data-agent-id]');
    const text = await page.textContent('#agents');
    t.match(text, 'ward-span');
    t.match(text, 'bench-probe');
    t.match(await page.textContent('#agents tr[data-agent-id="bench-probe"]'), 'connected');
    t.match(await page.textContent('#agents tr[data-agent-id="ward-span"]'), '451', 'the replay agent\'s packet count');
    await checkScreenshot(t, page, 'agents');
    t.same(pageErrors, [], 'no script errors on the page');
  });
}

/** A screenshot at 1280x800 that is a real picture: big enough and not one colour. */
async function checkScreenshot(t: Test, page: Page, name: string): Promise<void> {
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  const bytes = readFileSync(file);
  const png = PNG.sync.read(bytes);
  t.equal(png.width, 1280, `${name}: 1280 wide`);
  t.ok(bytes.length > 20_000, `${name}.png is ${bytes.length} bytes`);
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length && colours.size < 100; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
  t.ok(colours.size >= 20, `${name}.png is not blank (${colours.size}+ colours sampled)`);
}
