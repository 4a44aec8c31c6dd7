/**
 * Pure merging of what several agents report about one device, and the
 * classification of software-version changes. No I/O.
 */
import type { DeviceRecord, Evidence } from '../rules/inventory.js';
import { compareVersions } from '../rules/versions/compare.js';
import type { VersionChange } from './api-types.js';

export interface AgentReport {
  agentId: string;
  /** DeviceMessage.observedAt: orders the reports (newest values win). */
  observedAt: string;
  device: DeviceRecord;
}

const SCALARS = ['ip', 'mac', 'macVendor', 'macLocallyAdministered', 'manufacturer', 'model', 'serialNumber', 'deviceClass', 'identity', 'dicom', 'hl7', 'dhcp'] as const;
/** Arrays that accumulate across agents (a device has every role any agent saw). */
const UNIONS = ['ips', 'roles', 'peers', 'gateways'] as const;

/** The key of an evidence row: attribute, value, protocol, field. */
export function evidenceKey(e: Evidence): string {
  return `${e.attribute}\u0000${e.value}\u0000${e.protocol}\u0000${e.field}`;
}

/**
 * The merged view of one device: reports are applied oldest first, so for
 * single values the newest non-null one wins; softwareVersions are the
 * newest non-empty list (a patch replaces the old version, it does not add
 * to it); ips/roles/peers/gateways are unions (newest first); evidence is
 * the union by (attribute, value, protocol, field) with the earliest
 * firstSeen, the latest lastSeen and the largest count (two agents on
 * overlapping SPAN ports see the same packets: counts are not added).
 */
export function mergeReports(reports: AgentReport[]): DeviceRecord {
  if (reports.length === 1) return reports[0]!.device;
  const sorted = [...reports].sort((a, b) => (a.observedAt < b.observedAt ? -1 : a.observedAt > b.observedAt ? 1 : a.agentId < b.agentId ? -1 : 1));
  const newest = sorted[sorted.length - 1]!.device;
  const out: DeviceRecord = { ...newest };
  const rec = out as unknown as Record<string, unknown>;
  for (const k of SCALARS) {
    let v: unknown = null;
    for (const r of sorted) {
      const x = (r.device as unknown as Record<string, unknown>)[k];
      if (x !== null && x !== undefined) v = x;
    }
    if (v !== null || k in newest) rec[k] = v;
  }
  for (const k of UNIONS) {
    const seen = new Set<string>();
    for (let i = sorted.length - 1; i >= 0; i--) for (const x of sorted[i]!.device[k] ?? []) seen.add(x);
    out[k] = [...seen];
  }
  let versions: string[] = [];
  for (const r of sorted) if (r.device.softwareVersions?.length) versions = r.device.softwareVersions;
  out.softwareVersions = versions;
  out.firstSeen = sorted.reduce((m, r) => (r.device.firstSeen < m ? r.device.firstSeen : m), newest.firstSeen);
  out.lastSeen = sorted.reduce((m, r) => (r.device.lastSeen > m ? r.device.lastSeen : m), newest.lastSeen);
  const ev = new Map<string, Evidence>();
  for (const r of sorted) {
    for (const e of r.device.evidence ?? []) {
      const k = evidenceKey(e);
      const old = ev.get(k);
      if (!old) ev.set(k, { ...e });
      else {
        if (e.firstSeen < old.firstSeen) old.firstSeen = e.firstSeen;
        if (e.lastSeen > old.lastSeen) {
          old.lastSeen = e.lastSeen;
          old.flow = e.flow;
        }
        if (e.count > old.count) old.count = e.count;
      }
    }
  }
  out.evidence = [...ev.values()];
  return out;
}

function highest(versions: string[]): string {
  return versions.reduce((m, v) => (compareVersions(v, m) > 0 ? v : m));
}

/**
 * How a device's software versions changed, or null when they did not (or
 * when nothing was known before: the first sighting is not a change).
 * Lists are compared by their highest version (rules/versions compare.ts).
 */
export function classifyVersionChange(from: string[], to: string[]): VersionChange['change'] | null {
  if (from.length === 0 || to.length === 0) return null;
  const a = [...new Set(from)].sort();
  const b = [...new Set(to)].sort();
  if (a.length === b.length && a.every((v, i) => v === b[i])) return null;
  const c = compareVersions(highest(to), highest(from));
  return c > 0 ? 'patched' : c < 0 ? 'downgraded' : 'changed';
}

/** Text the API's ?q= searches (lower-cased). */
export function searchText(d: DeviceRecord): string {
  const parts: Array<string | null | undefined> = [
    d.id, d.ip, d.mac, d.macVendor, d.manufacturer, d.model, d.serialNumber, d.deviceClass,
    d.identity?.vendor, d.identity?.product, d.identity?.model,
    ...(d.ips ?? []), ...(d.softwareVersions ?? []), ...(d.roles ?? []),
    ...(d.dicom?.aeTitles ?? []), d.dicom?.stationName, ...(d.dhcp?.hostNames ?? []), ...(d.hl7?.sendingApplications ?? []),
  ];
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n').toLowerCase();
}

/** Text the API's ?vendor= matches (lower-cased). */
export function vendorText(d: DeviceRecord): string {
  return [d.identity?.vendorId, d.identity?.vendor, d.manufacturer, d.macVendor].filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n').toLowerCase();
}

/** CVSS v3 bands as numbers, for ordering; unknown bands rank below 'none'. */
export function severityRank(severity: string): number {
  switch (severity) {
    case 'critical':
      return 4;
    case 'high':
      return 3;
    case 'medium':
      return 2;
    case 'low':
      return 1;
    case 'none':
      return 0;
    default:
      return -1;
  }
}

export const SEVERITY_BY_RANK: Record<number, string> = { 4: 'critical', 3: 'high', 2: 'medium', 1: 'low', 0: 'none' };
