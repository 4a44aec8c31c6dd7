/**
 * Profiles → nmap argv: what each sends, the flags that keep it safe, and the
 * life-critical cap read from rules/packs/device-classes.json.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIp } from '../../agent/active/cidr.js';
import { deviceCandidates, governingClass, loadLifeCritical } from '../../agent/active/device-classes.js';
import { deviceFromFragment } from '../../rules/fingerprint/attributes.js';
import { mdcDeviceClass } from '../../agent/inventory/hl7-observer.js';
import { DICOM_PORTS, effectiveProfile, nmapInvocations, parsePorts, SAFE_PORTS } from '../../agent/active/profiles.js';
import { lifeCriticalClasses, validateDeviceClasses, type DeviceClassTable } from '../../rules/device-classes.js';
import { REPO } from '../helpers/paths.js';

const CLASSES = JSON.parse(readFileSync(join(REPO, 'rules', 'packs', 'device-classes.json'), 'utf8')) as DeviceClassTable;
const LC = loadLifeCritical();

const SAFETY_FLAGS = ['-n', '-Pn', '-sT', '--unprivileged', '--noninteractive'];
const FORBIDDEN = ['-sS', '-sU', '-O', '-A', '-sC', '--traceroute', '-PE', '-PS', '-PA', '-PP', '-PU', '-sn', '--script-updatedb', '-iL', '-R', '--resolve-all'];

t.test('safe: connect scan of the medical ports, dicom-ping only on clear-text DICOM ports', async (t) => {
  const ip = parseIp('192.0.2.10')!;
  const inv = nmapInvocations(ip, 'safe');
  t.same(inv.map((i) => i.phase), ['dicom', 'tcp']);
  const [dicom, tcp] = inv.map((i) => i.argv);
  for (const argv of [dicom, tcp]) {
    for (const f of SAFETY_FLAGS) t.ok(argv.includes(f), `${f} always present`);
    for (const f of FORBIDDEN) t.notOk(argv.includes(f), `${f} never present`);
    t.notOk(argv.includes('-sV'), 'no service detection in safe');
    t.equal(argv[argv.length - 1], '192.0.2.10', 'the single target is last');
    t.equal(argv.filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a) || a.includes('/') && !a.startsWith('-')).length, 1, 'exactly one address, no block');
    t.same(argv.slice(-3, -1), ['-oX', '-']);
    t.equal(argv[argv.indexOf('--max-parallelism') + 1], '1');
    t.equal(argv[argv.indexOf('--max-retries') + 1], '1');
  }
  t.equal(dicom[dicom.indexOf('-p') + 1], DICOM_PORTS.join(','));
  t.same(dicom.slice(dicom.indexOf('--script'), dicom.indexOf('--script') + 4), ['--script', '+dicom-ping', '--script-args', 'dicom.calling_aet=AUSCULT']);
  t.equal(tcp[tcp.indexOf('-p') + 1], SAFE_PORTS.filter((p) => !DICOM_PORTS.includes(p)).join(','));
  t.notOk(tcp.includes('--script'), 'HL7 and TLS ports get no script');
  t.same(SAFE_PORTS, [104, 2575, 2761, 2762, 4242, 11112]);
});

t.test('extended adds -sV at its lightest, nothing else', async (t) => {
  const safe = nmapInvocations(parseIp('192.0.2.10')!, 'safe');
  const ext = nmapInvocations(parseIp('192.0.2.10')!, 'extended');
  ext.forEach((e, i) => {
    t.same(e.argv.filter((a) => !safe[i].argv.includes(a)), ['-sV', '--version-light']);
    for (const f of FORBIDDEN) t.notOk(e.argv.includes(f), `${f} never present`);
  });
});

t.test('IPv6 targets get -6; custom ports; ports validated', async (t) => {
  const inv = nmapInvocations(parseIp('2001:db8::a')!, 'safe', { ports: [11117], dicomPorts: [11117] });
  t.equal(inv.length, 1, 'only the DICOM phase when every port is a DICOM port');
  t.ok(inv[0].argv.includes('-6'));
  t.equal(inv[0].argv.at(-1), '2001:db8::a');
  t.same(parsePorts(['104,11112', 4242, '104']), [104, 4242, 11112]);
  t.match(parsePorts(['0']), { error: /not a TCP port/ });
  t.match(parsePorts(['1-1024']), { error: /not a TCP port/ }, 'no ranges');
  t.match(parsePorts([Array.from({ length: 65 }, (_, i) => i + 1).join(',')]), { error: /at most 64/ });
});

t.test('life-critical classes are capped at safe; unknown is capped unless allowed', async (t) => {
  for (const cls of ['infusion-pump', 'ventilator', 'patient-monitor']) {
    t.ok(LC.has(cls), `${cls} is life-critical in the rules`);
    t.same(effectiveProfile('extended', cls, LC, true), { profile: 'safe', cappedBecause: `device class ${cls} is life-critical (rules/packs/device-classes.json)` });
  }
  t.same(effectiveProfile('extended', 'ct-scanner', LC), { profile: 'extended', cappedBecause: null });
  t.match(effectiveProfile('extended', null, LC), { profile: 'safe', cappedBecause: /unknown/ });
  t.same(effectiveProfile('extended', null, LC, true), { profile: 'extended', cappedBecause: null });
  t.same(effectiveProfile('safe', 'ct-scanner', LC), { profile: 'safe', cappedBecause: null });
  // identity and inventory disagree: the life-critical one governs
  t.equal(governingClass({ deviceClass: 'hl7-system', identity: { deviceClass: 'infusion-pump' } as never }, LC), 'infusion-pump');
  t.equal(governingClass({ deviceClass: 'patient-monitor', identity: { deviceClass: 'ct-scanner' } as never }, LC), 'patient-monitor');
  t.equal(governingClass({ deviceClass: null, identity: null }, LC), null);
});

t.test('candidates from an inventory: each address once, a life-critical class wins a shared address', async (t) => {
  const ct = deviceFromFragment({ id: 'ip:192.0.2.10', ip: '192.0.2.10', ips: ['192.0.2.10', '192.0.2.11'], deviceClass: 'ct-scanner' });
  const pump = deviceFromFragment({ id: 'mac:02:00:00:00:00:01', ip: '192.0.2.11', ips: ['192.0.2.11'], deviceClass: 'infusion-pump' });
  const gateway = deviceFromFragment({ id: 'eui64:0011223344556677', ip: null, ips: [], deviceClass: 'patient-monitor' });
  const unknown = deviceFromFragment({ id: 'ip:192.0.2.12', ip: '192.0.2.12', ips: ['192.0.2.12'] });
  t.same(deviceCandidates([ct, pump, gateway, unknown], LC), [
    { ip: '192.0.2.10', deviceClass: 'ct-scanner' },
    { ip: '192.0.2.11', deviceClass: 'infusion-pump' },
    { ip: '192.0.2.12', deviceClass: null },
  ]);
  // Order does not matter for the life-critical one; otherwise the first device's class stays.
  t.same(deviceCandidates([pump, ct], LC).find((c) => c.ip === '192.0.2.11'), { ip: '192.0.2.11', deviceClass: 'infusion-pump' });
  const mr = deviceFromFragment({ id: 'ip:192.0.2.20', ip: '192.0.2.10', deviceClass: 'mr-scanner' });
  t.same(deviceCandidates([ct, mr], LC).find((c) => c.ip === '192.0.2.10'), { ip: '192.0.2.10', deviceClass: 'ct-scanner' });
});

t.test('device-classes.json validates and names every class the rules and the inventory use', async (t) => {
  t.same(validateDeviceClasses(CLASSES), []);
  t.same([...lifeCriticalClasses(CLASSES)].sort(), [...LC].sort());
  const seed = readFileSync(join(REPO, 'rules', 'packs', 'seed.json'), 'utf8');
  const used = new Set([...seed.matchAll(/"deviceClass":\s*"([^"]+)"/g)].map((m) => m[1]));
  for (const code of ['MDC_DEV_PUMP_INFUS', 'MDC_DEV_SYS_PT_VENT', 'MDC_DEV_ANALY_SAT_O2', 'MDC_DEV_ANALY_PRESS_BLD', 'MDC_DEV_ANALY_GLUCOSE', 'MDC_DEV_SPEC_PROFILE_SCALE', 'MDC_DEV_SPEC_PROFILE_HF', 'MDC_DEV_ECG', 'MDC_DEV_MON_PHYSIO']) {
    used.add(mdcDeviceClass(code)!);
  }
  const inv = readFileSync(join(REPO, 'agent', 'inventory', 'inventory.ts'), 'utf8');
  const fn = inv.slice(inv.indexOf('function deviceClass('));
  for (const m of fn.slice(0, fn.indexOf('\n}\n')).matchAll(/return '([a-z-]+)'/g)) used.add(m[1]);
  const listed = new Set(CLASSES.classes.map((c) => c.id));
  for (const c of used) t.ok(listed.has(c), `${c} has a life-critical decision in device-classes.json`);
  t.ok(used.size >= 30, `${used.size} classes checked`);
  t.match(validateDeviceClasses({ name: 'x', version: '1', classes: [{ id: 'A B', lifeCritical: 'yes', why: '', source: 's', extra: 1 }, { id: 'a', lifeCritical: true, why: 'w', source: 's' }, { id: 'a', lifeCritical: true, why: 'w', source: 's' }] }), [
    /id: must be kebab-case/,
    /lifeCritical: must be true or false/,
    /why: must be a non-empty string/,
    /extra: unknown property/,
    /duplicate class 'a'/,
  ]);
  t.same(validateDeviceClasses([]), ['$: must be an object']);
});
