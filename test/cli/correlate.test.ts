/**
 * The knowledge base end to end, as a user runs it: import the public CISA
 * advisories and the KEV catalog into a real SQLite file, then correlate a
 * capture (`inventory --kb`) and an inventory from elsewhere (`correlate`).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, SHARED_DATA, sharedDataMissing } from '../helpers/paths.js';

const missing = sharedDataMissing('advisories/csaf') || sharedDataMissing('kev');
const BIN = join(REPO, 'bin', 'auscult.js');
const tmp = mkdtempSync(join(tmpdir(), 'auscult-correlate-'));
const kb = join(tmp, 'kb.sqlite');

function auscult(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface F {
  deviceId: string;
  kind: string;
  advisoryIds: string[];
  cves: string[];
  status: string;
  severity: string;
  kev: { knownRansomwareCampaignUse: string; dueDate: string | null } | null;
  explanation: { summary: string; product: { name: string } | null };
}

t.test('knowledge base from the public advisories and KEV', { skip: missing }, async (t) => {
  const imp = auscult('kb', 'import', join(SHARED_DATA, 'advisories', 'csaf'), join(SHARED_DATA, 'kev', 'known_exploited_vulnerabilities.json'), '--db', kb);
  t.equal(imp.code, 0, imp.stderr);
  t.match(imp.stdout, /121 imported/);

  t.test('inventory --kb: the infusion pump in the sample capture and its advisory', async (t) => {
    const r = auscult('inventory', '--read', join(REPO, 'samples', 'hospital-sample.pcap'), '--kb', kb, '--format', 'json');
    t.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { devices: Array<{ id: string; identity: { vendor: string } | null }>; findings: F[]; stats: { knowledgeBase: { advisories: number } } };
    t.equal(report.stats.knowledgeBase.advisories, 120);
    const pump = report.findings.find((f) => f.advisoryIds.includes('ICSMA-20-170-06'));
    t.ok(pump, 'ICSMA-20-170-06 (BD Alaris PCU) found');
    t.equal(pump!.status, 'affected');
    t.equal(pump!.deviceId, 'mac:02:00:00:00:02:07', 'on the pump that named itself AlarisPC 9.19 over DHCP');
    t.match(pump!.explanation.summary, /9\.19/);
    t.ok(report.findings.some((f) => f.kind === 'exposure' && /cleartext HL7/.test(f.explanation.summary + (f as unknown as { title: string }).title)), 'behaviour exposures too');
  });

  t.test('inventory --kb, run after run: the whole report every time', async (t) => {
    // The capture worker starts before the knowledge base loads; while the main thread is
    // busy loading it, the worker can open, read this small file and exit. Every message it
    // sent must still arrive (a lost one meant an empty output and exit code 13, ~40% of runs).
    for (let i = 0; i < 6; i++) {
      const r = auscult('inventory', '--read', join(REPO, 'samples', 'hospital-sample.pcap'), '--kb', kb, '--format', 'json');
      t.equal(r.code, 0, `run ${i + 1}: ${r.stderr}`);
      t.equal((JSON.parse(r.stdout || '{"devices":[]}') as { devices: unknown[] }).devices.length, 19, `run ${i + 1}: all 19 devices`);
    }
  });

  t.test('correlate: a CMMS export, in and out of range, a typo vendor and a KEV', async (t) => {
    const inv = join(tmp, 'cmms.json');
    writeFileSync(
      inv,
      JSON.stringify({
        devices: [
          { id: 'cmms:1', manufacturer: 'Philips Medical Systems', model: 'IntelliVue MX40', softwareVersions: ['B.06.17'] },
          { id: 'cmms:2', manufacturer: 'Philips', model: 'IntelliVue MX40', softwareVersions: ['B.06.18'] },
          { id: 'cmms:3', manufacturer: 'Philips Healthcare', model: 'IntelliSpace Portal 8.0', softwareVersions: ['8.0.2'] },
          { id: 'cmms:4', manufacturer: 'Smiths Medical', model: 'Medfusion 4000', softwareVersion: '1.6' },
          { id: 'cmms:5', manufacturer: 'Smiths Medical', model: 'Medfusion 4000' },
          { id: 'cmms:6', manufacturer: 'Acme Widgets', model: 'Thing 1', softwareVersions: ['1.0'] },
        ],
      }),
    );
    const r = auscult('correlate', '--inventory', inv, '--kb', kb, '--format', 'json');
    t.equal(r.code, 0, r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: F[] }).findings;
    const of = (id: string, adv: string) => findings.find((f) => f.deviceId === id && f.advisoryIds.includes(adv));
    t.equal(of('cmms:1', 'ICSMA-17-255-01')?.status, 'affected', 'MX40 B.06.17 < B.06.18');
    t.notOk(of('cmms:2', 'ICSMA-17-255-01'), 'MX40 B.06.18 is the fixed version: no finding');
    const isp = of('cmms:3', 'ICSMA-18-058-02');
    t.ok(isp, 'IntelliSpace Portal matched although the advisory spells the vendor "Phillips"');
    t.equal(isp?.kev?.knownRansomwareCampaignUse, 'Known', 'EternalBlue CVEs: known exploited, used by ransomware');
    t.ok(isp?.cves.includes('CVE-2017-0144'));
    t.equal(of('cmms:4', 'ICSMA-17-250-02A')?.status, 'affected', 'Medfusion 4000 1.6');
    t.equal(of('cmms:5', 'ICSMA-17-250-02A')?.status, 'version_unknown', 'no version: may be affected, said so');
    t.notOk(findings.some((f) => f.deviceId === 'cmms:6'), 'an unknown vendor gets nothing');
    const table = auscult('correlate', '--inventory', inv, '--kb', kb);
    t.match(table.stdout, /FINDINGS/);
    t.match(table.stdout, /KEV\+ransomware/);
  });

  t.test('refusals', async (t) => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"hosts": []}');
    const r1 = auscult('correlate', '--inventory', bad, '--kb', kb);
    t.equal(r1.code, 65);
    t.match(r1.stderr, /AUSCULT_ERR_BAD_INVENTORY/);
    const r2 = auscult('correlate', '--inventory', bad, '--kb', join(tmp, 'nope.sqlite'));
    t.not(r2.code, 0);
    t.match(r2.stderr, /AUSCULT_ERR_(KB_MISSING|BAD_INVENTORY)/);
    const r3 = auscult('inventory', '--read', join(REPO, 'samples', 'hospital-sample.pcap'), '--kb', join(tmp, 'nope.sqlite'));
    t.equal(r3.code, 66);
    t.match(r3.stderr, /AUSCULT_ERR_KB_MISSING/);
    t.match(r3.stderr, /auscult kb import/);
  });
});
