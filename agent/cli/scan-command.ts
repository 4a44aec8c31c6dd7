/**
 * `auscult scan`: active checks, opt-in. Probes only addresses inside
 * --allow and outside --deny (deny wins), one host at a time at --rate hosts
 * per minute, with the safe profile unless told otherwise, and writes every
 * probe to the audit log before reporting it.
 *
 *   auscult scan --allow 10.20.30.0/24 --deny 10.20.30.5 --inventory inv.json
 */
import { writeFileSync } from 'node:fs';
import type { DeviceRecord, InventoryReport } from '../../rules/inventory.js';
import { ActiveChecks, type Candidate, type RunSummary } from '../active/active-checks.js';
import { resolveOperator } from '../active/audit-log.js';
import { deviceCandidates, loadLifeCritical } from '../active/device-classes.js';
import { mergeProbeResults } from '../active/evidence.js';
import { createPolicy, planTargets } from '../active/policy.js';
import type { ProbeResult } from '../active/probe.js';
import { DICOM_PORTS, effectiveProfile, nmapInvocations, parsePorts, SAFE_PORTS, type ProfileName } from '../active/profiles.js';
import { AuscultError } from '../errors.js';
import { behaviourFindings } from '../../rules/correlate/exposures.js';
import { readInventory } from './correlate-command.js';

export interface ScanArgs {
  allow: string[];
  deny?: string[];
  target?: string[];
  inventory?: string;
  profile: ProfileName;
  rate: number;
  concurrency: number;
  maxHosts: number;
  ports?: string[];
  dicomPorts?: string[];
  extendedUnknown?: boolean;
  every?: string;
  window?: string;
  audit: string;
  operator?: string;
  format: 'table' | 'json';
  output?: string;
  nmap?: string;
  hostTimeout?: number;
  dryRun?: boolean;
}

/** Candidates from --target (classes looked up in the inventory) or the inventory's devices; null = the allow list itself. */
export function scanCandidates(targets: readonly string[] | undefined, devices: readonly DeviceRecord[] | null, lifeCritical: ReadonlySet<string>): Candidate[] | null {
  const known = deviceCandidates(devices ?? [], lifeCritical);
  if (targets && targets.length > 0) {
    const classByIp = new Map(known.map((c) => [c.ip, c.deviceClass]));
    return targets.flatMap((t) => t.split(',').map((s) => s.trim()).filter(Boolean)).map((ip) => ({ ip, deviceClass: classByIp.get(ip) ?? null }));
  }
  return devices ? known : null;
}

function table(results: readonly ProbeResult[], classes: Map<string, string | null>): string {
  const rows = results.map((r) => [
    r.target,
    classes.get(r.target) ?? '-',
    r.profile,
    r.status,
    r.openPorts.join(',') || '-',
    r.dicom.map((d) => `${d.port}:${d.calledAeCheck}`).join(' ') || '-',
    r.ports
      .filter((p) => p.state === 'open' && p.service?.product)
      .map((p) => `${p.port}:${[p.service!.product, p.service!.version].filter(Boolean).join(' ')}`)
      .join(' ') || (r.error ? `${r.error.code}: ${r.error.message}` : '-'),
  ]);
  const head = ['TARGET', 'CLASS', 'PROFILE', 'STATUS', 'OPEN TCP', 'DICOM (port:called-AE check)', 'SERVICES / ERROR'];
  const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f]/g, '?');
  const all = [head, ...rows.map((r) => r.map(clean))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** Runs the command; returns the exit code. Throws AuscultError on bad options, missing nmap or audit log. */
export async function scanCommand(args: ScanArgs): Promise<number> {
  const lifeCritical = loadLifeCritical();
  const report: InventoryReport | null = args.inventory ? readInventory(args.inventory) : null;
  const candidates = scanCandidates(args.target, report?.devices ?? null, lifeCritical);
  const classes = new Map((candidates ?? []).map((c) => [c.ip, c.deviceClass]));
  const emit = (text: string): void => {
    if (args.output) writeFileSync(args.output, text);
    else process.stdout.write(text);
  };

  if (args.dryRun) {
    // What would be sent, and to whom: no nmap, no audit log, no packet.
    const policy = createPolicy(args.allow, args.deny ?? []);
    const plan = planTargets(policy, candidates ? candidates.map((c) => c.ip) : null, args.maxHosts);
    const ports = parsePorts(args.ports ?? SAFE_PORTS);
    const dicomPorts = parsePorts(args.dicomPorts ?? DICOM_PORTS);
    if ('error' in ports || 'error' in dicomPorts) throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', `ports: ${'error' in ports ? ports.error : (dicomPorts as { error: string }).error}`);
    const out = {
      targets: plan.targets.map((ip) => {
        const cls = classes.get(ip.text) ?? null;
        const eff = effectiveProfile(args.profile, cls, lifeCritical, args.extendedUnknown);
        return { target: ip.text, deviceClass: cls, profile: eff.profile, cappedBecause: eff.cappedBecause, argv: nmapInvocations(ip, eff.profile, { ports, dicomPorts, hostTimeoutS: args.hostTimeout }).map((i) => [args.nmap ?? 'nmap', ...i.argv]) };
      }),
      refused: plan.refused,
    };
    const lines = [
      ...out.targets.flatMap((t) => [`${t.target}  ${t.profile}${t.cappedBecause ? ` (capped: ${t.cappedBecause})` : ''}`, ...t.argv.map((a) => `  ${a.join(' ')}`)]),
      ...out.refused.map((r) => `refused ${r.target}: ${r.detail}`),
    ];
    emit(args.format === 'json' ? JSON.stringify(out, null, 2) + '\n' : lines.map((l) => l + '\n').join(''));
    return 0;
  }

  // Too many targets is an error before nmap is looked for or the audit log opened.
  planTargets(createPolicy(args.allow, args.deny ?? []), candidates ? candidates.map((c) => c.ip) : null, args.maxHosts);
  const log = (line: string): void => void process.stderr.write(line + '\n');
  const checks = ActiveChecks.create({
    allow: args.allow,
    deny: args.deny,
    profile: args.profile,
    hostsPerMinute: args.rate,
    concurrency: args.concurrency,
    maxHosts: args.maxHosts,
    ports: args.ports,
    dicomPorts: args.dicomPorts,
    extendedUnknown: args.extendedUnknown,
    nmap: args.nmap,
    hostTimeoutS: args.hostTimeout,
    operator: resolveOperator(args.operator),
    via: 'scan',
    auditPath: args.audit,
    every: args.every ?? null,
    window: args.window ?? null,
    lifeCritical,
    // Inventory devices outside --allow are out of scope, not refusals worth a line each.
    auditOutOfScope: !(args.inventory && !(args.target && args.target.length > 0)),
    log,
  });
  log(`auscult scan: session ${checks.session}, nmap ${checks.nmapVersion}, profile ${checks.profile}, audit log ${checks.auditPath}`);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) process.exit(130);
    log(`auscult scan: ${sig}: stopping (the running probe is killed and audited)`);
    checks.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const all: ProbeResult[] = [];
  let errors = 0;
  const onRun = (s: RunSummary): void => {
    errors += s.results.filter((r) => r.status === 'error').length;
    for (const r of s.results) if (r.error && r.status === 'error') log(`auscult scan: ${r.target}: ${r.error.code}: ${r.error.message}`);
    const capped = s.results.filter((r) => r.profile !== args.profile).length;
    log(`auscult scan: ${s.results.length} hosts probed, ${s.refused} refused by the policy, ${s.notStarted} not started${capped ? `, ${capped} capped at safe (life-critical or unknown class; see the audit log)` : ''}`);
    if (checks.schedule && args.format === 'table') emit(table(s.results, classes));
  };
  try {
    if (args.every || args.window) {
      await checks.runScheduled(() => candidates, (r) => all.push(r), onRun);
    } else {
      const s = await checks.runOnce(candidates, (r) => all.push(r));
      onRun(s);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    checks.close();
  }
  if (args.format === 'json') {
    const devices = mergeProbeResults(report?.devices ?? [], all);
    // Behaviour exposures the probes revealed (e.g. a DICOM service that accepts any called AE), beside the inventory's own findings.
    const findings = [...(report?.findings ?? [])];
    const known = new Set(findings.map((f) => f.id));
    for (const d of devices) for (const f of behaviourFindings(d)) if (!known.has(f.id)) findings.push(f);
    const out: InventoryReport = {
      devices,
      findings,
      stats: { ...(report?.stats ?? { packets: 0, bytes: 0, flows: 0, malformed: 0, gaps: 0, capHits: 0 }), active: { session: checks.session, probed: all.length, errors, auditLog: checks.auditPath } },
    };
    emit(JSON.stringify(out, null, 2) + '\n');
  } else if (!checks.schedule) {
    emit(table(all, classes));
  }
  return errors > 0 ? 70 : 0;
}
