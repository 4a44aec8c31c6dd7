/**
 * Active-check results as inventory evidence (protocol 'active'). Attribute
 * names are distinct from the passive ones (openPort, service, dicomService,
 * dicomCalledAeCheck, serviceProduct, serviceVersion, serviceCpe) so a
 * banner guessed by -sV never overrides what a device said about itself in
 * its own DICOM or HL7 traffic.
 */
import { deviceFromFragment } from '../../rules/fingerprint/attributes.js';
import type { DeviceRecord, Evidence } from '../../rules/inventory.js';
import type { ProbeResult } from './probe.js';

export interface ActiveObservation {
  attribute: string;
  value: string;
  field: string;
  confidence: Evidence['confidence'];
}

/** What one probe showed, as observations. */
export function probeObservations(r: ProbeResult): ActiveObservation[] {
  const out: ActiveObservation[] = [];
  if (r.status === 'error' || r.status === 'stopped') return out;
  out.push({
    attribute: 'activeCheck',
    value: r.profile,
    field: `nmap ${r.profile} profile, tcp ${r.portsChecked.join(',')}: ${r.openPorts.length} open`,
    confidence: 'high',
  });
  for (const p of r.ports) {
    if (p.state !== 'open') continue;
    const where = `${p.protocol}/${p.port}`;
    out.push({ attribute: 'openPort', value: where, field: 'nmap TCP connect', confidence: 'high' });
    const s = p.service;
    if (s?.name) {
      // 'table' = nmap guessed from the port number; 'probed' = a probe or script confirmed it.
      out.push({ attribute: 'service', value: `${where} ${s.name}`, field: `nmap service (method ${s.method ?? '?'}, conf ${s.conf ?? '?'})`, confidence: s.method === 'probed' ? 'medium' : 'low' });
    }
    if (s?.product) out.push({ attribute: 'serviceProduct', value: s.product, field: `nmap -sV ${where}`, confidence: 'medium' });
    if (s?.version) out.push({ attribute: 'serviceVersion', value: s.product ? `${s.product} ${s.version}` : s.version, field: `nmap -sV ${where}`, confidence: 'medium' });
    for (const cpe of s?.cpe ?? []) out.push({ attribute: 'serviceCpe', value: cpe, field: `nmap -sV ${where}`, confidence: 'medium' });
  }
  for (const d of r.dicom) {
    const where = `tcp/${d.port}`;
    out.push({ attribute: 'dicomService', value: where, field: 'A-ASSOCIATE-RQ answered (nmap dicom-ping)', confidence: 'high' });
    out.push({
      attribute: 'dicomCalledAeCheck',
      value: d.calledAeCheck,
      field: `nmap dicom-ping ${where}, called AE ANY-SCP: ${d.calledAeCheck === 'enabled' ? 'A-ASSOCIATE-RJ' : 'A-ASSOCIATE-AC'}`,
      confidence: 'medium',
    });
  }
  return out;
}

/** Evidence rows of one probe. */
export function probeEvidence(r: ProbeResult): Evidence[] {
  const at = r.finishedAt;
  return probeObservations(r).map((o) => ({ ...o, protocol: 'active', flow: `active:${r.session}:${r.target}`, firstSeen: at, lastSeen: at, count: 1 }));
}

/** An empty device record for an address only active checks know. */
function newDevice(ip: string, at: string): DeviceRecord {
  return deviceFromFragment({ id: `ip:${ip}`, ip, ips: [ip], firstSeen: at, lastSeen: at });
}

/**
 * Add each probe's evidence to the device with that address (its current
 * ip or any of its ips), or to a new device. Returns the device list,
 * mutated in place for known devices.
 */
export function mergeProbeResults(devices: DeviceRecord[], results: readonly ProbeResult[]): DeviceRecord[] {
  const byIp = new Map<string, DeviceRecord>();
  for (const d of devices) for (const ip of [d.ip, ...(d.ips ?? [])]) if (ip && !byIp.has(ip)) byIp.set(ip, d);
  for (const r of results) {
    const ev = probeEvidence(r);
    if (ev.length === 0) continue;
    let d = byIp.get(r.target);
    if (!d) {
      d = newDevice(r.target, r.finishedAt);
      devices.push(d);
      byIp.set(r.target, d);
    }
    d.evidence.push(...ev);
    if (r.finishedAt > d.lastSeen) d.lastSeen = r.finishedAt;
  }
  return devices;
}
