/**
 * The human-readable inventory: one row per device, then the run's counters.
 */
import type { DeviceRecord, InventoryReport } from './types.js';

const COLUMNS: Array<{ title: string; get: (d: DeviceRecord) => string; max: number }> = [
  { title: 'ADDRESS', get: (d) => d.ip ?? (d.gateways.length ? `via ${d.gateways.map((g) => g.replace(/^ip:/, '')).join(',')}` : '-'), max: 39 },
  { title: 'MAC', get: (d) => (d.mac ? d.mac + (d.macLocallyAdministered ? '*' : '') : '-'), max: 18 },
  { title: 'MAC VENDOR', get: (d) => d.macVendor ?? '-', max: 24 },
  { title: 'CLASS', get: (d) => d.deviceClass ?? '-', max: 20 },
  { title: 'ROLES', get: (d) => d.roles.join(',') || '-', max: 32 },
  // The normalised identity from the rule pack when there is one, else what the device said.
  { title: 'VENDOR', get: (d) => d.identity?.vendor ?? d.manufacturer ?? '-', max: 26 },
  { title: 'PRODUCT', get: (d) => d.identity?.product ?? d.model ?? '-', max: 22 },
  { title: 'SOFTWARE', get: (d) => d.softwareVersions.join(' / ') || '-', max: 26 },
  { title: 'NAMES', get: names, max: 40 },
  { title: 'IMPLEMENTATION', get: (d) => d.dicom?.implementationVersionName ?? '-', max: 20 },
];

/** What the device calls itself: AE titles, HL7 applications, EUI-64s, DHCP host names. */
function names(d: DeviceRecord): string {
  const parts = [
    ...(d.dicom?.aeTitles ?? []),
    ...(d.hl7?.sendingApplications ?? []),
    ...(d.hl7?.equipmentIds ?? []),
    ...(d.dhcp?.hostNames ?? []),
  ];
  return [...new Set(parts)].join(',') || '-';
}

function clip(s: string, max: number): string {
  // Strip control characters: values come off the wire.
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? clean.slice(0, max - 1) + '…' : clean;
}

/** Render a report as an aligned text table followed by a stats line. */
export function formatTable(report: InventoryReport): string {
  const rows = report.devices.map((d) => COLUMNS.map((c) => clip(c.get(d), c.max)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out: string[] = [];
  out.push(line(COLUMNS.map((c) => c.title)));
  for (const r of rows) out.push(line(r));
  if (report.devices.length === 0) out.push('(no devices found)');
  for (const d of report.devices) {
    if (d.dicom && d.dicom.relayedEquipment.length > 0) {
      out.push('');
      out.push(`${d.ip} relays images from ${d.dicom.relayedEquipment.length} pieces of equipment (not credited to it):`);
      for (const e of d.dicom.relayedEquipment) {
        out.push(
          `  ${[e.manufacturer, e.model, e.serialNumber && `serial ${e.serialNumber}`, e.modality].filter(Boolean).join(' / ')} (${e.count} dataset${e.count === 1 ? '' : 's'})`,
        );
      }
    }
  }
  if (report.findings.length > 0) {
    out.push('');
    out.push(...formatFindings(report));
  }
  if (report.devices.some((d) => d.macLocallyAdministered)) {
    out.push('');
    out.push('* locally administered MAC (assigned by software, often randomised): no vendor can be named from it');
  }
  const s = report.stats;
  out.push('');
  out.push(
    `${report.devices.length} device(s) from ${s.packets} packets, ${s.bytes} bytes, ${s.flows} flows; ` +
      `${s.malformed} malformed, ${s.gaps} gaps, ${s.capHits} cap hits`,
  );
  return out.join('\n') + '\n';
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'unknown', 'none'];

/** Findings, riskiest first: known-exploited, then severity, then CVSS. */
export function formatFindings(report: InventoryReport): string[] {
  const devices = new Map(report.devices.map((d) => [d.id, d]));
  const rows = [...report.findings].sort(
    (a, b) =>
      Number(!!b.kev) - Number(!!a.kev) ||
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      (b.cvss?.baseScore ?? 0) - (a.cvss?.baseScore ?? 0) ||
      a.deviceId.localeCompare(b.deviceId),
  );
  const out = [`FINDINGS (${rows.length}, riskiest first)`];
  for (const f of rows) {
    const d = devices.get(f.deviceId);
    const where = d?.ip ?? f.deviceId;
    const tags = [
      f.severity.toUpperCase(),
      f.status.replace('_', ' '),
      f.cvss ? `CVSS ${f.cvss.baseScore}` : null,
      f.kev ? `KEV${f.kev.knownRansomwareCampaignUse === 'Known' ? '+ransomware' : ''}${f.kev.dueDate ? ` due ${f.kev.dueDate}` : ''}` : null,
    ].filter(Boolean);
    const ids = [...f.advisoryIds, ...f.cves.slice(0, 4), f.cves.length > 4 ? `+${f.cves.length - 4} CVEs` : null].filter(Boolean).join(' ');
    out.push(`- [${tags.join(', ')}] ${where}: ${clip(f.title, 90)}${ids ? ` (${ids})` : ''}`);
    out.push(`    ${clip(f.explanation.summary, 240)}`);
  }
  return out;
}
