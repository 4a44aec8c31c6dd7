/**
 * The human-readable inventory: one row per device, then the run's counters.
 */
import type { DeviceRecord, InventoryReport } from './types.js';

const COLUMNS: Array<{ title: string; get: (d: DeviceRecord) => string; max: number }> = [
  { title: 'ADDRESS', get: (d) => d.ip ?? '-', max: 39 },
  { title: 'MAC', get: (d) => d.mac ?? '-', max: 17 },
  { title: 'CLASS', get: (d) => d.deviceClass ?? '-', max: 18 },
  { title: 'ROLES', get: (d) => d.roles.join(',') || '-', max: 28 },
  { title: 'MANUFACTURER', get: (d) => d.manufacturer ?? '-', max: 28 },
  { title: 'MODEL', get: (d) => d.model ?? '-', max: 24 },
  { title: 'SOFTWARE', get: (d) => d.softwareVersions.join(' / ') || '-', max: 30 },
  { title: 'AE TITLES', get: (d) => d.dicom?.aeTitles.join(',') || '-', max: 34 },
  {
    title: 'IMPLEMENTATION',
    get: (d) => (d.dicom ? [d.dicom.implementationVersionName, d.dicom.implementationClassUid].filter(Boolean).join(' ') : '') || '-',
    max: 44,
  },
];

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
    out.push(`${report.findings.length} finding(s); use --format json for details`);
  }
  const s = report.stats;
  out.push('');
  out.push(
    `${report.devices.length} device(s) from ${s.packets} packets, ${s.bytes} bytes, ${s.flows} flows; ` +
      `${s.malformed} malformed, ${s.gaps} gaps, ${s.capHits} cap hits`,
  );
  return out.join('\n') + '\n';
}
