/**
 * The inventory JSON shape (issue 2), shared by the agent, the collector and
 * correlation. Later issues add fields; these names
 * are never renamed.
 */

export interface Evidence {
  /** Inventory attribute this supports: 'manufacturer', 'model', 'aeTitle', 'role', ... */
  attribute: string;
  value: string;
  /** Protocol that carried it: 'dicom', 'hl7', 'dhcp', 'link'. */
  protocol: string;
  /** Where in the protocol: e.g. "(0008,0070) Manufacturer in C-STORE-RQ dataset". */
  field: string;
  /** Connection id of the first flow that showed it. */
  flow: string;
  firstSeen: string; // ISO 8601
  lastSeen: string;
  count: number;
  /** 'high' = the device said so about itself; 'medium' = inferred from behaviour; 'low' = guessed. */
  confidence: 'high' | 'medium' | 'low';
}

export interface RelayedEquipment {
  manufacturer: string | null;
  model: string | null;
  serialNumber: string | null;
  stationName: string | null;
  modality: string | null;
  count: number;
}

export interface DicomBlock {
  aeTitles: string[];
  implementationClassUid: string | null;
  implementationVersionName: string | null;
  sopClasses: string[];
  modalities: string[];
  /** Equipment seen in datasets this host relayed (only for role 'archive'). */
  relayedEquipment: RelayedEquipment[];
  /** Transfer syntaxes this host negotiated (accepted). */
  transferSyntaxes: string[];
  stationName: string | null;
  institutionName: string | null;
  deviceUid: string | null;
  udi: string | null;
  userIdentityTypes: string[];
}

/** HL7 v2 seen from or about this device (issue 3). */
export interface Hl7Block {
  /** MSH-3 of messages this device sent (namespace id, or universal id when there is none). */
  sendingApplications: string[];
  /** MSH-4 of messages this device sent. */
  sendingFacilities: string[];
  /** MSH-5 of messages addressed to this device. */
  receivingApplications: string[];
  /** MSH-12 versions it used. */
  versions: string[];
  /** MSH-9 message types it sent. */
  messageTypes: string[];
  /** Equipment identifiers (EUI-64 and others) that are this device's own. */
  equipmentIds: string[];
  /** IEEE 11073 MDC codes that name this device's type. */
  mdcCodes: string[];
  /** MSH-21 message profiles it declared (e.g. IHE PCD-01). */
  profiles: string[];
}

/** What DHCP said about this device (issue 3). */
export interface DhcpBlock {
  hostNames: string[];
  vendorClasses: string[];
  /** Option 55 parameter request lists, as fingerprint strings. */
  fingerprints: string[];
  clientIds: string[];
}

export interface DeviceRecord {
  id: string;
  /**
   * What the fingerprint rules conclude the device is (normalised vendor,
   * product, version, class, CPE/purl, confidence and why); null when no
   * rule or known vendor applies. Absent in inventories from before issue 4.
   */
  identity?: import('./types.js').DeviceIdentity | null;
  ip: string | null;
  mac: string | null;
  macVendor: string | null;
  /** The MAC's U/L bit is set (locally assigned, often randomised); null without a MAC. */
  macLocallyAdministered: boolean | null;
  /** Every IP address this device was seen with (DHCP ties them to one MAC), most recent first. */
  ips: string[];
  manufacturer: string | null;
  model: string | null;
  softwareVersions: string[];
  serialNumber: string | null;
  deviceClass: string | null;
  roles: string[];
  dicom: DicomBlock | null;
  hl7: Hl7Block | null;
  dhcp: DhcpBlock | null;
  /** Hosts this device exchanged protocol traffic with (device ids). */
  peers: string[];
  /** For a device seen only through a gateway: the gateway device(s) that reported it. */
  gateways: string[];
  firstSeen: string;
  lastSeen: string;
  evidence: Evidence[];
}

export interface InventoryStats {
  packets: number;
  bytes: number;
  flows: number;
  malformed: number;
  gaps: number;
  capHits: number;
  [key: string]: unknown;
}

export interface InventoryReport {
  devices: DeviceRecord[];
  findings: import('./types.js').Finding[];
  stats: InventoryStats;
}
