/**
 * The device inventory: hosts keyed by IP, every attribute with its evidence.
 *
 * Protocol observers call `observe()` with allow-listed values only; nothing
 * here ever sees a packet buffer. `report()` turns the accumulated evidence
 * into the inventory JSON shape, deciding which values a device is credited
 * with (an archive that relays images from many machines is not credited
 * with their manufacturers).
 */
import type { DeviceRecord, Evidence, RelayedEquipment } from './types.js';

export interface ObservationSource {
  protocol: string;
  field: string;
  flow: string;
  ts: number;
  confidence: Evidence['confidence'];
}

/** One piece of imaging equipment as described by a dataset's equipment module. */
export interface EquipmentIdentity {
  manufacturer: string | null;
  model: string | null;
  serialNumber: string | null;
  stationName: string | null;
  softwareVersions: string[];
  modality: string | null;
  institutionName: string | null;
  deviceUid: string | null;
  udi: string | null;
}

interface EvidenceEntry {
  ev: Evidence;
  firstTs: number;
  lastTs: number;
}

interface EquipmentEntry {
  identity: EquipmentIdentity;
  key: string;
  count: number;
  source: ObservationSource;
  firstTs: number;
  lastTs: number;
}

interface Host {
  ip: string;
  macs: Map<string, number>;
  evidence: Map<string, EvidenceEntry>; // key: attribute \0 value \0 field
  equipment: Map<string, EquipmentEntry>;
  peers: Set<string>;
  firstTs: number;
  lastTs: number;
}

export interface InventoryOptions {
  /** Hard cap on hosts tracked; beyond it new hosts are counted and dropped. */
  maxDevices?: number;
  /** Cap on distinct evidence rows per host. */
  maxEvidencePerDevice?: number;
  /** A MAC seen as the source of this many IPs or more is a router's, not a device's. */
  routerMacThreshold?: number;
}

const DEFAULTS: Required<InventoryOptions> = {
  maxDevices: 100_000,
  maxEvidencePerDevice: 2_000,
  routerMacThreshold: 3,
};

/** Attributes that identify what a device is (as opposed to what it does). */
const EQUIPMENT_ATTRIBUTES = new Set([
  'manufacturer',
  'model',
  'softwareVersion',
  'serialNumber',
  'stationName',
  'institutionName',
  'deviceUid',
  'udi',
  'modality',
]);

export class Inventory {
  private readonly opts: Required<InventoryOptions>;
  private readonly hosts = new Map<string, Host>();
  private readonly ipsByMac = new Map<string, Set<string>>();
  readonly stats = { devicesDropped: 0, evidenceDropped: 0 };

  constructor(opts: InventoryOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  get size(): number {
    return this.hosts.size;
  }

  private host(ip: string, mac: string | null, ts: number): Host | null {
    let h = this.hosts.get(ip);
    if (!h) {
      if (this.hosts.size >= this.opts.maxDevices) {
        this.stats.devicesDropped++;
        return null;
      }
      h = { ip, macs: new Map(), evidence: new Map(), equipment: new Map(), peers: new Set(), firstTs: ts, lastTs: ts };
      this.hosts.set(ip, h);
    }
    if (ts < h.firstTs) h.firstTs = ts;
    if (ts > h.lastTs) h.lastTs = ts;
    if (mac) {
      h.macs.set(mac, (h.macs.get(mac) ?? 0) + 1);
      let ips = this.ipsByMac.get(mac);
      if (!ips) this.ipsByMac.set(mac, (ips = new Set()));
      if (ips.size < 64) ips.add(ip);
    }
    return h;
  }

  /** Record that `ip` showed `attribute = value`, with where it was seen. */
  observe(ip: string, mac: string | null, attribute: string, value: string, src: ObservationSource): void {
    const h = this.host(ip, mac, src.ts);
    if (!h || value === '') return;
    const key = `${attribute}\0${value}\0${src.field}`;
    const entry = h.evidence.get(key);
    if (entry) {
      entry.ev.count++;
      if (src.ts < entry.firstTs) entry.firstTs = src.ts;
      if (src.ts > entry.lastTs) entry.lastTs = src.ts;
      return;
    }
    if (h.evidence.size >= this.opts.maxEvidencePerDevice) {
      this.stats.evidenceDropped++;
      return;
    }
    h.evidence.set(key, {
      ev: {
        attribute,
        value,
        protocol: src.protocol,
        field: src.field,
        flow: src.flow,
        firstSeen: '',
        lastSeen: '',
        count: 1,
        confidence: src.confidence,
      },
      firstTs: src.ts,
      lastTs: src.ts,
    });
  }

  /** Record that `ip` talked to `peerIp` over a protocol (both become known hosts). */
  peer(ip: string, mac: string | null, peerIp: string, ts: number): void {
    const h = this.host(ip, mac, ts);
    if (h) h.peers.add(peerIp);
  }

  /**
   * Record a dataset's equipment module sent by `ip`. Whether the host is
   * credited with it is decided at report time: one identity means the host
   * is that equipment; several mean it relays for others.
   */
  equipment(ip: string, mac: string | null, identity: EquipmentIdentity, src: ObservationSource): void {
    const h = this.host(ip, mac, src.ts);
    if (!h) return;
    const key = equipmentKey(identity);
    if (key === '') {
      // Nothing says which machine this is, but the modality still says what
      // kind of data the host produces.
      if (identity.modality) this.observe(ip, mac, 'modality', identity.modality, { ...src, field: `(0008,0060) Modality ${src.field}` });
      return;
    }
    const e = h.equipment.get(key);
    if (e) {
      e.count++;
      if (src.ts > e.lastTs) e.lastTs = src.ts;
      return;
    }
    if (h.equipment.size >= 256) {
      this.stats.evidenceDropped++;
      return;
    }
    h.equipment.set(key, { identity, key, count: 1, source: src, firstTs: src.ts, lastTs: src.ts });
  }

  /** Build the inventory JSON shape, devices sorted by address. */
  report(): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const h of this.hosts.values()) out.push(this.record(h));
    out.sort((a, b) => compareIp(a.ip ?? '', b.ip ?? ''));
    return out;
  }

  private record(h: Host): DeviceRecord {
    const isArchive = h.equipment.size > 1;
    // The equipment a single-identity host is credited with becomes evidence.
    const credited = new Map(h.evidence);
    if (h.equipment.size === 1) {
      const [e] = h.equipment.values();
      const add = (attribute: string, value: string | null, field: string): void => {
        if (!value) return;
        credited.set(`${attribute}\0${value}\0${field}`, {
          ev: {
            attribute,
            value,
            protocol: e.source.protocol,
            field: `${field} ${e.source.field}`,
            flow: e.source.flow,
            firstSeen: '',
            lastSeen: '',
            count: e.count,
            confidence: e.source.confidence,
          },
          firstTs: e.firstTs,
          lastTs: e.lastTs,
        });
      };
      const id = e.identity;
      add('manufacturer', id.manufacturer, '(0008,0070) Manufacturer');
      add('model', id.model, "(0008,1090) Manufacturer's Model Name");
      for (const v of id.softwareVersions) add('softwareVersion', v, '(0018,1020) Software Versions');
      add('serialNumber', id.serialNumber, '(0018,1000) Device Serial Number');
      add('stationName', id.stationName, '(0008,1010) Station Name');
      add('institutionName', id.institutionName, '(0008,0080) Institution Name');
      add('deviceUid', id.deviceUid, '(0018,1002) Device UID');
      add('udi', id.udi, '(0018,1009) Unique Device Identifier');
    }
    if (isArchive) {
      credited.set(`role\0archive\0equipment`, {
        ev: {
          attribute: 'role',
          value: 'archive',
          protocol: 'dicom',
          field: `datasets from ${h.equipment.size} different pieces of equipment sent by this host`,
          flow: [...h.equipment.values()][0].source.flow,
          firstSeen: '',
          lastSeen: '',
          count: h.equipment.size,
          confidence: 'medium',
        },
        firstTs: Math.min(...[...h.equipment.values()].map((e) => e.firstTs)),
        lastTs: Math.max(...[...h.equipment.values()].map((e) => e.lastTs)),
      });
    }
    // Modalities describe what a host sends even when it relays.
    for (const e of h.equipment.values()) {
      if (e.identity.modality && !isArchive) {
        const k = `modality\0${e.identity.modality}\0(0008,0060) Modality`;
        if (!credited.has(k))
          credited.set(k, {
            ev: {
              attribute: 'modality',
              value: e.identity.modality,
              protocol: e.source.protocol,
              field: `(0008,0060) Modality ${e.source.field}`,
              flow: e.source.flow,
              firstSeen: '',
              lastSeen: '',
              count: e.count,
              confidence: e.source.confidence,
            },
            firstTs: e.firstTs,
            lastTs: e.lastTs,
          });
      }
    }

    const evidence: Evidence[] = [];
    for (const { ev, firstTs, lastTs } of credited.values()) {
      evidence.push({ ...ev, firstSeen: iso(firstTs), lastSeen: iso(lastTs) });
    }
    evidence.sort(
      (a, b) =>
        a.attribute.localeCompare(b.attribute) ||
        a.value.localeCompare(b.value) ||
        a.field.localeCompare(b.field),
    );

    const values = (attr: string): string[] => {
      const counts = new Map<string, number>();
      for (const ev of evidence) if (ev.attribute === attr) counts.set(ev.value, (counts.get(ev.value) ?? 0) + ev.count);
      return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v]) => v);
    };
    const first = (attr: string): string | null => values(attr)[0] ?? null;

    const roles = values('role').sort();
    const hasDicom = evidence.some((ev) => ev.protocol === 'dicom');
    const relayed: RelayedEquipment[] = isArchive
      ? [...h.equipment.values()]
          .map((e) => ({
            manufacturer: e.identity.manufacturer,
            model: e.identity.model,
            serialNumber: e.identity.serialNumber,
            stationName: e.identity.stationName,
            modality: e.identity.modality,
            count: e.count,
          }))
          .sort((a, b) => equipmentKey(a).localeCompare(equipmentKey(b)))
      : [];
    const userIdentityTypes = values('userIdentityType').sort();

    return {
      id: `ip:${h.ip}`,
      ip: h.ip,
      mac: this.deviceMac(h),
      macVendor: null,
      manufacturer: first('manufacturer'),
      model: first('model'),
      softwareVersions: values('softwareVersion'),
      serialNumber: first('serialNumber'),
      deviceClass: deviceClass(roles, values('modality'), values('dimseSent')),
      roles,
      dicom: hasDicom
        ? {
            aeTitles: values('aeTitle').sort(),
            implementationClassUid: first('implementationClassUid'),
            implementationVersionName: first('implementationVersionName'),
            sopClasses: values('sopClass').sort(),
            modalities: (isArchive ? uniq([...h.equipment.values()].map((e) => e.identity.modality)) : values('modality')).sort(),
            relayedEquipment: relayed,
            transferSyntaxes: values('transferSyntax').sort(),
            stationName: first('stationName'),
            institutionName: first('institutionName'),
            deviceUid: first('deviceUid'),
            udi: first('udi'),
            userIdentityTypes,
          }
        : null,
      hl7: null,
      peers: [...h.peers].sort(compareIp).map((ip) => `ip:${ip}`),
      firstSeen: iso(h.firstTs),
      lastSeen: iso(h.lastTs),
      evidence,
    };
  }

  /** The host's MAC, unless that MAC fronts several IPs (a router's). */
  private deviceMac(h: Host): string | null {
    let best: string | null = null;
    let bestCount = -1;
    for (const [mac, count] of h.macs) {
      const ips = this.ipsByMac.get(mac);
      if (ips && ips.size >= this.opts.routerMacThreshold) continue;
      if (count > bestCount) {
        best = mac;
        bestCount = count;
      }
    }
    return best;
  }
}

function uniq(values: Array<string | null>): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}

/** Key that tells pieces of equipment apart; case and spacing folded. */
export function equipmentKey(e: Pick<EquipmentIdentity, 'manufacturer' | 'model' | 'serialNumber' | 'stationName'>): string {
  const norm = (s: string | null): string => (s ?? '').toUpperCase().replace(/[\s.,]+/g, ' ').trim();
  const parts = [norm(e.manufacturer), norm(e.model), norm(e.serialNumber), norm(e.stationName)];
  return parts.every((p) => p === '') ? '' : parts.join('|');
}

/** Acquisition modalities (PS3.3 C.7.3.1.1.1): their senders are imaging equipment. */
const ACQUISITION_MODALITIES = new Set([
  'CR', 'CT', 'MR', 'US', 'NM', 'PT', 'XA', 'RF', 'DX', 'MG', 'IO', 'PX', 'OT', 'ES', 'XC', 'OP', 'OPT',
  'IVUS', 'IVOCT', 'ECG', 'HD', 'EPS', 'RG', 'BMD', 'SM', 'OCT', 'GM', 'DG', 'TG', 'LS', 'OPM', 'OAM',
]);

function deviceClass(roles: string[], modalities: string[], dimseSent: string[]): string | null {
  if (roles.includes('archive')) return 'pacs-archive';
  if (roles.includes('dicom-scu') && modalities.some((m) => ACQUISITION_MODALITIES.has(m))) return 'imaging-modality';
  if (modalities.length > 0 && roles.includes('dicom-scu')) return 'dicom-producer';
  if (dimseSent.some((c) => c === 'C-STORE-RSP')) return 'dicom-storage';
  if (dimseSent.some((c) => c === 'C-FIND-RSP' || c === 'C-MOVE-RSP' || c === 'C-GET-RSP')) return 'dicom-query-server';
  if (dimseSent.some((c) => c === 'C-FIND-RQ' || c === 'C-MOVE-RQ' || c === 'C-GET-RQ')) return 'workstation';
  if (roles.includes('dicom-scp')) return 'dicom-server';
  if (roles.includes('dicom-scu')) return 'dicom-client';
  return null;
}

function iso(ts: number): string {
  return new Date(Math.round(ts * 1000)).toISOString();
}

/** Numeric order for IPv4, text order otherwise; IPv4 before IPv6. */
export function compareIp(a: string, b: string): number {
  const a4 = a.includes('.') && !a.includes(':');
  const b4 = b.includes('.') && !b.includes(':');
  if (a4 && b4) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  }
  if (a4 !== b4) return a4 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
