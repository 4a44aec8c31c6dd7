/**
 * The device inventory: devices keyed by IP, by MAC once DHCP ties a MAC to
 * its addresses, or by EUI-64 for devices seen only through a gateway. Every
 * attribute keeps its evidence.
 *
 * Protocol observers call `observe()` with allow-listed values only; nothing
 * here ever sees a packet buffer. `report()` turns the accumulated evidence
 * into the inventory JSON shape, deciding which values a device is credited
 * with (an archive that relays images from many machines is not credited
 * with their manufacturers).
 */
import { lookupVendor } from './mac-vendor.js';
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

/** A host's evidence seen in one field: the entry last observed, and once there are several, all of them by value. */
interface FieldEvidence {
  last: EvidenceEntry;
  byValue: Map<string, EvidenceEntry[]> | null;
}

interface EquipmentEntry {
  identity: EquipmentIdentity;
  key: string;
  count: number;
  source: ObservationSource;
  firstTs: number;
  lastTs: number;
}

/** How many observations came from one MAC (a box, so a repeat is counted without a map write). */
interface MacCount {
  mac: string;
  count: number;
}

/** Everything known about one key (an IP, a MAC from DHCP, or an equipment id). */
interface Host {
  id: string;
  ip: string | null;
  /** Observations per source MAC, in the order the MACs were first seen. */
  macs: Map<string, MacCount>;
  /** The box last counted into: almost every observation of a host comes from the same MAC. */
  lastMacCount: MacCount | null;
  /** Distinct observations (attribute, value, field), in the order first seen. */
  evidence: EvidenceEntry[];
  /**
   * The same entries by field (where they were seen). A field almost always
   * carries one attribute and, on a given host, one value, so a repeated
   * observation (most of them) is one lookup of a string whose hash is
   * already known and two string comparisons; fields with several values
   * keep a map by value besides.
   */
  evidenceByField: Map<string, FieldEvidence>;
  /** The MAC last recorded for this host, to skip re-recording it on every observation. */
  lastMac: string | null;
  equipment: Map<string, EquipmentEntry>;
  /** Addresses of IP peers (their device ids, `ipId`, are made at report time). */
  peerIps: Set<string>;
  /** Addresses of the gateways that reported this device. */
  gatewayIps: Set<string>;
  firstTs: number;
  lastTs: number;
}

/** A host as `Inventory.hostRef` returns it: opaque, only passed back to `note`/`notePeer`. */
export type HostRef = Host;

export interface InventoryOptions {
  /** Hard cap on devices tracked; beyond it new ones are counted and dropped. */
  maxDevices?: number;
  /** Cap on distinct evidence rows per device. */
  maxEvidencePerDevice?: number;
  /** A MAC seen as the source of this many IPs or more is a router's, not a device's. */
  routerMacThreshold?: number;
}

const DEFAULTS: Required<InventoryOptions> = {
  maxDevices: 100_000,
  maxEvidencePerDevice: 2_000,
  routerMacThreshold: 3,
};

/** Device id of an IP host. */
export const ipId = (ip: string): string => `ip:${ip}`;
/** Device id of a device known by its MAC (DHCP). */
export const macId = (mac: string): string => `mac:${mac}`;
/** Device id of a device known only by an equipment identifier (EUI-64, serial). */
export const equipmentId = (kind: string, id: string): string => `${kind}:${id}`;

export class Inventory {
  private readonly opts: Required<InventoryOptions>;
  private readonly hosts = new Map<string, Host>();
  private readonly ipsByMac = new Map<string, Set<string>>();
  /** IP hosts by their address text (the `ip:` id without building it per observation). */
  private readonly hostsByIp = new Map<string, Host>();
  /** `mac:` hosts by their MAC text, the same way. */
  private readonly hostsByMac = new Map<string, Host>();
  /** DHCP bindings: MAC → IP → last time the server confirmed it. */
  private readonly dhcpBindings = new Map<string, Map<string, number>>();
  readonly stats = { devicesDropped: 0, evidenceDropped: 0 };

  constructor(opts: InventoryOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Devices (keys) tracked. */
  get size(): number {
    return this.hosts.size;
  }

  private get(id: string, ip: string | null, ts: number): Host | null {
    let h = this.hosts.get(id);
    if (!h) {
      if (this.hosts.size >= this.opts.maxDevices) {
        this.stats.devicesDropped++;
        return null;
      }
      h = {
        id,
        ip,
        macs: new Map(),
        evidence: [],
        evidenceByField: new Map(),
        lastMac: null,
        lastMacCount: null,
        equipment: new Map(),
        peerIps: new Set(),
        gatewayIps: new Set(),
        firstTs: ts,
        lastTs: ts,
      };
      this.hosts.set(id, h);
    }
    if (ts < h.firstTs) h.firstTs = ts;
    if (ts > h.lastTs) h.lastTs = ts;
    return h;
  }

  private host(ip: string, mac: string | null, ts: number): Host | null {
    const h = this.hostRef(ip, ts);
    if (h !== null && mac) this.sawMac(h, ip, mac);
    return h;
  }

  /**
   * The IP host at `ip` (created if new), its first/last seen stretched to
   * `ts`; null when the device cap is hit (counted). An observer resolves a
   * host once per event and passes it to `note()` for each observation.
   */
  hostRef(ip: string, ts: number): HostRef | null {
    let h: Host | null | undefined = this.hostsByIp.get(ip);
    if (h === undefined) {
      h = this.get(ipId(ip), ip, ts);
      if (h === null) return null;
      this.hostsByIp.set(ip, h);
    } else {
      if (ts < h.firstTs) h.firstTs = ts;
      if (ts > h.lastTs) h.lastTs = ts;
    }
    return h;
  }

  /** `get(macId(mac), null, ts)`, found by the MAC text itself. */
  private macHost(mac: string, ts: number): Host | null {
    const h = this.hostsByMac.get(mac);
    if (h === undefined) {
      const created = this.get(macId(mac), null, ts);
      if (created !== null) this.hostsByMac.set(mac, created);
      return created;
    }
    if (ts < h.firstTs) h.firstTs = ts;
    if (ts > h.lastTs) h.lastTs = ts;
    return h;
  }

  /** One observation of host `h` (at `ip`) came from `mac`. */
  private sawMac(h: Host, ip: string, mac: string): void {
    countMac(h, mac, 1);
    if (h.lastMac !== mac) {
      h.lastMac = mac;
      let ips = this.ipsByMac.get(mac);
      if (!ips) this.ipsByMac.set(mac, (ips = new Set()));
      if (ips.size < 64) ips.add(ip);
    }
  }

  /**
   * `observe()` on a host from `hostRef(ip, ts)`, the source given field by
   * field: the same bookkeeping, without resolving the host again or
   * allocating a source object per observation.
   */
  note(
    h: HostRef,
    ip: string,
    mac: string | null,
    attribute: string,
    value: string,
    protocol: string,
    field: string,
    flow: string,
    ts: number,
    confidence: Evidence['confidence'],
  ): void {
    if (mac) this.sawMac(h, ip, mac);
    this.add(h, attribute, value, protocol, field, flow, ts, confidence);
  }

  /** `peer()` on a host from `hostRef(ip, ts)`. */
  notePeer(h: HostRef, ip: string, mac: string | null, peerIp: string): void {
    if (mac) this.sawMac(h, ip, mac);
    h.peerIps.add(peerIp);
  }

  private add(
    h: Host,
    attribute: string,
    value: string,
    protocol: string,
    field: string,
    flow: string,
    ts: number,
    confidence: Evidence['confidence'],
  ): void {
    if (value === '') return;
    const slot = h.evidenceByField.get(field);
    if (slot !== undefined) {
      let entry: EvidenceEntry | undefined = slot.last;
      if (entry.ev.value !== value || entry.ev.attribute !== attribute) {
        entry = undefined;
        const same = slot.byValue?.get(value);
        if (same !== undefined) for (const e of same) if (e.ev.attribute === attribute) entry = e;
      }
      if (entry !== undefined) {
        slot.last = entry;
        entry.ev.count++;
        if (ts < entry.firstTs) entry.firstTs = ts;
        if (ts > entry.lastTs) entry.lastTs = ts;
        return;
      }
    }
    if (h.evidence.length >= this.opts.maxEvidencePerDevice) {
      this.stats.evidenceDropped++;
      return;
    }
    const added: EvidenceEntry = {
      ev: {
        attribute,
        value,
        protocol,
        field,
        flow,
        firstSeen: '',
        lastSeen: '',
        count: 1,
        confidence,
      },
      firstTs: ts,
      lastTs: ts,
    };
    if (slot === undefined) {
      h.evidenceByField.set(field, { last: added, byValue: null });
    } else {
      if (slot.byValue === null) slot.byValue = new Map([[slot.last.ev.value, [slot.last]]]);
      const same = slot.byValue.get(value);
      if (same === undefined) slot.byValue.set(value, [added]);
      else same.push(added);
      slot.last = added;
    }
    h.evidence.push(added);
  }

  /** Record that the host at `ip` showed `attribute = value`, with where it was seen. */
  observe(ip: string, mac: string | null, attribute: string, value: string, src: ObservationSource): void {
    const h = this.host(ip, mac, src.ts);
    if (h) this.add(h, attribute, value, src.protocol, src.field, src.flow, src.ts, src.confidence);
  }

  /**
   * Record an attribute of a device that has no IP of its own on this
   * network (seen through a gateway), keyed by `id` (see `equipmentId`).
   * `gatewayIp` is the host that reported it.
   */
  observeDevice(id: string, attribute: string, value: string, src: ObservationSource, gatewayIp?: string): void {
    const h = this.get(id, null, src.ts);
    if (!h) return;
    if (gatewayIp) h.gatewayIps.add(gatewayIp);
    this.add(h, attribute, value, src.protocol, src.field, src.flow, src.ts, src.confidence);
  }

  /** Record an attribute of the device with this MAC (DHCP: the client may have no IP yet). */
  observeMac(mac: string, attribute: string, value: string, src: ObservationSource): void {
    const h = this.macHost(mac, src.ts);
    if (!h) return;
    countMac(h, mac, 1);
    this.add(h, attribute, value, src.protocol, src.field, src.flow, src.ts, src.confidence);
  }

  /** A DHCP server confirmed (ACK) that `mac` holds `ip` at `ts`. */
  bindDhcp(mac: string, ip: string, ts: number): void {
    let b = this.dhcpBindings.get(mac);
    if (!b) this.dhcpBindings.set(mac, (b = new Map()));
    if (b.size < 64 || b.has(ip)) b.set(ip, Math.max(ts, b.get(ip) ?? 0));
    const h = this.macHost(mac, ts);
    if (h) countMac(h, mac, 0).count = 1;
  }

  /** Record that `ip` talked to `peerIp` over a protocol (both become known hosts). */
  peer(ip: string, mac: string | null, peerIp: string, ts: number): void {
    const h = this.host(ip, mac, ts);
    if (h) h.peerIps.add(peerIp);
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
      if (identity.modality) this.add(h, 'modality', identity.modality, src.protocol, `(0008,0060) Modality ${src.field}`, src.flow, src.ts, src.confidence);
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

  /** Build the inventory JSON shape, devices sorted by address, then id. */
  report(): DeviceRecord[] {
    isoCache.clear();
    const groups = this.mergeByDhcp();
    const rename = new Map<string, string>();
    for (const g of groups) for (const h of g.members) rename.set(h.id, g.id);
    const out = groups.map((g) => this.record(g, rename));
    out.sort((a, b) => (a.ip && b.ip ? compareIp(a.ip, b.ip) : a.ip ? -1 : b.ip ? 1 : 0) || a.id.localeCompare(b.id));
    return out;
  }

  /**
   * One device per group of keys: an IP host joins the `mac:` device of its
   * MAC when DHCP bound that MAC to that IP, so a device keeps one identity
   * while its address changes.
   */
  private mergeByDhcp(): Array<{ id: string; members: Host[]; ipsByTime: string[] }> {
    const groups = new Map<string, { id: string; members: Host[]; ipsByTime: string[] }>();
    for (const h of this.hosts.values()) {
      let gid = h.id;
      if (h.ip) {
        const mac = this.deviceMac(h);
        if (mac && this.dhcpBindings.get(mac)?.has(h.ip)) gid = macId(mac);
      }
      let g = groups.get(gid);
      if (!g) groups.set(gid, (g = { id: gid, members: [], ipsByTime: [] }));
      g.members.push(h);
    }
    for (const g of groups.values()) {
      const seen = new Map<string, number>();
      for (const h of g.members) if (h.ip) seen.set(h.ip, h.lastTs);
      if (g.id.startsWith('mac:')) {
        for (const [ip, ts] of this.dhcpBindings.get(g.id.slice(4)) ?? []) seen.set(ip, Math.max(ts, seen.get(ip) ?? 0));
      }
      g.ipsByTime = [...seen.entries()].sort((a, b) => b[1] - a[1] || compareIp(a[0], b[0])).map(([ip]) => ip);
    }
    return [...groups.values()];
  }

  private record(g: { id: string; members: Host[]; ipsByTime: string[] }, rename: Map<string, string>): DeviceRecord {
    const members = g.members;
    const equipment = new Map<string, EquipmentEntry>();
    for (const h of members) for (const [k, e] of h.equipment) equipment.set(k, e);
    const isArchive = equipment.size > 1;
    const credited = new Map<string, EvidenceEntry>();
    for (const h of members) {
      for (const e of h.evidence) {
        const k = evidenceKey(e.ev.attribute, e.ev.value, e.ev.field);
        const prev = credited.get(k);
        // The same observation under two addresses of one device: one row.
        credited.set(
          k,
          prev
            ? {
                ev: { ...prev.ev, count: prev.ev.count + e.ev.count },
                firstTs: Math.min(prev.firstTs, e.firstTs),
                lastTs: Math.max(prev.lastTs, e.lastTs),
              }
            : e,
        );
      }
    }
    const put = (attribute: string, value: string | null, field: string, e: EquipmentEntry): void => {
      if (!value) return;
      credited.set(evidenceKey(attribute, value, field), {
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
    if (equipment.size === 1) {
      // The equipment a single-identity host is credited with becomes evidence.
      const [e] = equipment.values();
      const id = e.identity;
      put('manufacturer', id.manufacturer, '(0008,0070) Manufacturer', e);
      put('model', id.model, "(0008,1090) Manufacturer's Model Name", e);
      for (const v of id.softwareVersions) put('softwareVersion', v, '(0018,1020) Software Versions', e);
      put('serialNumber', id.serialNumber, '(0018,1000) Device Serial Number', e);
      put('stationName', id.stationName, '(0008,1010) Station Name', e);
      put('institutionName', id.institutionName, '(0008,0080) Institution Name', e);
      put('deviceUid', id.deviceUid, '(0018,1002) Device UID', e);
      put('udi', id.udi, '(0018,1009) Unique Device Identifier', e);
      put('modality', id.modality, '(0008,0060) Modality', e);
    }
    if (isArchive) {
      const all = [...equipment.values()];
      credited.set(evidenceKey('role', 'archive', 'equipment'), {
        ev: {
          attribute: 'role',
          value: 'archive',
          protocol: 'dicom',
          field: `datasets from ${equipment.size} different pieces of equipment sent by this host`,
          flow: all[0].source.flow,
          firstSeen: '',
          lastSeen: '',
          count: equipment.size,
          confidence: 'medium',
        },
        firstTs: Math.min(...all.map((e) => e.firstTs)),
        lastTs: Math.max(...all.map((e) => e.lastTs)),
      });
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

    // Counts per attribute and value, in one pass: values() is asked for some thirty attributes.
    const counted = new Map<string, Map<string, number>>();
    for (const ev of evidence) {
      let counts = counted.get(ev.attribute);
      if (counts === undefined) counted.set(ev.attribute, (counts = new Map()));
      counts.set(ev.value, (counts.get(ev.value) ?? 0) + ev.count);
    }
    const values = (attr: string): string[] => {
      const counts = counted.get(attr);
      if (counts === undefined) return [];
      return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v]) => v);
    };
    const first = (attr: string): string | null => values(attr)[0] ?? null;
    const sorted = (attr: string): string[] => values(attr).sort();

    const roles = values('role');
    if (relaysHl7(values('hl7SentTo'), values('hl7ReceivedFrom'), values('hl7MessageType'), values('hl7MessageTypeReceived'))) {
      roles.push('interface-engine');
    }
    roles.sort();
    const has = (protocol: string): boolean => evidence.some((ev) => ev.protocol === protocol);
    const relayed: RelayedEquipment[] = isArchive
      ? [...equipment.values()]
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

    const mac = this.groupMac(g);
    const vendorInfo = mac ? lookupVendor(mac) : null;
    // A device behind a gateway: its EUI-64's OUI names its maker's registration.
    const eui = g.id.startsWith('eui64:') ? g.id.slice(6) : null;
    const macVendor = vendorInfo?.vendor ?? (eui ? lookupVendor(eui).vendor : null);
    const firstTs = Math.min(...members.map((h) => h.firstTs));
    const lastTs = Math.max(...members.map((h) => h.lastTs));
    const peers = new Set<string>();
    const gateways = new Set<string>();
    for (const h of members) {
      for (const ip of h.peerIps) {
        const p = ipId(ip);
        peers.add(rename.get(p) ?? p);
      }
      for (const ip of h.gatewayIps) {
        const p = ipId(ip);
        gateways.add(rename.get(p) ?? p);
      }
    }
    peers.delete(g.id);

    return {
      id: g.id,
      ip: g.ipsByTime[0] ?? null,
      mac,
      macVendor,
      macLocallyAdministered: vendorInfo ? vendorInfo.locallyAdministered : null,
      ips: g.ipsByTime,
      manufacturer: first('manufacturer'),
      model: first('model'),
      softwareVersions: values('softwareVersion'),
      serialNumber: first('serialNumber'),
      deviceClass: deviceClass(roles, values('modality'), values('dimseSent'), values('deviceClass')),
      roles,
      dicom: has('dicom')
        ? {
            aeTitles: sorted('aeTitle'),
            implementationClassUid: first('implementationClassUid'),
            implementationVersionName: first('implementationVersionName'),
            sopClasses: sorted('sopClass'),
            modalities: (isArchive ? uniq([...equipment.values()].map((e) => e.identity.modality)) : values('modality')).sort(),
            relayedEquipment: relayed,
            transferSyntaxes: sorted('transferSyntax'),
            stationName: first('stationName'),
            institutionName: first('institutionName'),
            deviceUid: first('deviceUid'),
            udi: first('udi'),
            userIdentityTypes: sorted('userIdentityType'),
          }
        : null,
      hl7: has('hl7')
        ? {
            sendingApplications: sorted('hl7SendingApplication'),
            sendingFacilities: sorted('hl7SendingFacility'),
            receivingApplications: sorted('hl7ReceivingApplication'),
            versions: sorted('hl7Version'),
            messageTypes: sorted('hl7MessageType'),
            equipmentIds: sorted('equipmentId'),
            mdcCodes: sorted('mdcCode'),
            profiles: sorted('hl7Profile'),
          }
        : null,
      dhcp: has('dhcp')
        ? {
            hostNames: sorted('hostName'),
            vendorClasses: sorted('dhcpVendorClass'),
            fingerprints: sorted('dhcpFingerprint'),
            clientIds: sorted('dhcpClientId'),
          }
        : null,
      peers: [...peers].sort(compareIds),
      gateways: [...gateways].sort(compareIds),
      firstSeen: iso(firstTs),
      lastSeen: iso(lastTs),
      evidence,
    };
  }

  private groupMac(g: { id: string; members: Host[] }): string | null {
    if (g.id.startsWith('mac:')) return g.id.slice(4);
    for (const h of g.members) {
      const m = this.deviceMac(h);
      if (m) return m;
    }
    return null;
  }

  /** The host's MAC, unless that MAC fronts several IPs (a router's). */
  private deviceMac(h: Host): string | null {
    let best: string | null = null;
    let bestCount = -1;
    for (const [mac, { count }] of h.macs) {
      const ips = this.ipsByMac.get(mac);
      // DHCP-bound addresses of one MAC are one device moving, not a router.
      const bound = this.dhcpBindings.get(mac)?.size ?? 0;
      if (ips && ips.size - Math.max(0, bound - 1) >= this.opts.routerMacThreshold) continue;
      if (count > bestCount) {
        best = mac;
        bestCount = count;
      }
    }
    return best;
  }
}

/** Add `n` to the observations `h` had from `mac`; returns the count's box. */
function countMac(h: Host, mac: string, n: number): MacCount {
  let box = h.lastMacCount;
  if (box === null || box.mac !== mac) {
    box = h.macs.get(mac) ?? null;
    if (box === null) h.macs.set(mac, (box = { mac, count: 0 }));
    h.lastMacCount = box;
  }
  box.count += n;
  return box;
}

/**
 * An interface engine relays: it receives HL7 from some peers and sends to
 * others, and passes on message types it receives. A system that only
 * answers the peer that feeds it (a LIS taking orders from the EHR and
 * returning results to it) is not one.
 */
function relaysHl7(sentTo: string[], receivedFrom: string[], typesSent: string[], typesReceived: string[]): boolean {
  const onlySentTo = sentTo.filter((p) => !receivedFrom.includes(p));
  const onlyReceivedFrom = receivedFrom.filter((p) => !sentTo.includes(p));
  const relayedTypes = typesSent.filter((t) => typesReceived.includes(t));
  return onlySentTo.length > 0 && onlyReceivedFrom.length > 0 && relayedTypes.length > 0;
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

function deviceClass(roles: string[], modalities: string[], dimseSent: string[], declared: string[]): string | null {
  if (roles.includes('archive')) return 'pacs-archive';
  if (roles.includes('dicom-scu') && modalities.some((m) => ACQUISITION_MODALITIES.has(m))) return 'imaging-modality';
  if (modalities.length > 0 && roles.includes('dicom-scu')) return 'dicom-producer';
  // A class named by the device's own protocol (IEEE 11073 MDC code) comes next.
  if (declared.length > 0) return declared[0];
  if (roles.includes('interface-engine')) return 'interface-engine';
  if (roles.includes('hl7-gateway')) return 'device-gateway';
  if (dimseSent.some((c) => c === 'C-STORE-RSP')) return 'dicom-storage';
  if (dimseSent.some((c) => c === 'C-FIND-RSP' || c === 'C-MOVE-RSP' || c === 'C-GET-RSP')) return 'dicom-query-server';
  if (dimseSent.some((c) => c === 'C-FIND-RQ' || c === 'C-MOVE-RQ' || c === 'C-GET-RQ')) return 'workstation';
  if (roles.includes('dicom-scp')) return 'dicom-server';
  if (roles.includes('dicom-scu')) return 'dicom-client';
  if (roles.includes('hl7-sender')) return 'hl7-system';
  if (roles.includes('hl7-receiver')) return 'hl7-system';
  return null;
}

/** One observation's identity when a device's hosts are merged into one record. */
function evidenceKey(attribute: string, value: string, field: string): string {
  return `${attribute}\0${value}\0${field}`;
}

/** ISO texts of the current report's timestamps: most evidence rows share a few (Date#toISOString is slow). */
const isoCache = new Map<number, string>();

function iso(ts: number): string {
  const ms = Math.round(ts * 1000);
  let text = isoCache.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (isoCache.size < 100_000) isoCache.set(ms, text);
  }
  return text;
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

/** Device ids: IP ids in address order first, then the rest by text. */
function compareIds(a: string, b: string): number {
  const ai = a.startsWith('ip:');
  const bi = b.startsWith('ip:');
  if (ai && bi) return compareIp(a.slice(3), b.slice(3));
  if (ai !== bi) return ai ? -1 : 1;
  return a.localeCompare(b);
}
