/**
 * The inventory JSON shape (issue 2). Later issues add fields; these names
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

export interface DeviceRecord {
  id: string;
  ip: string | null;
  mac: string | null;
  macVendor: string | null;
  manufacturer: string | null;
  model: string | null;
  softwareVersions: string[];
  serialNumber: string | null;
  deviceClass: string | null;
  roles: string[];
  dicom: DicomBlock | null;
  hl7: null;
  /** Hosts this device exchanged protocol traffic with (device ids). */
  peers: string[];
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
  findings: unknown[];
  stats: InventoryStats;
}
