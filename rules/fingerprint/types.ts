/**
 * The declarative fingerprint rule format (rules/packs/*.json), described
 * for machines by rule-pack.schema.json next to this file.
 */
import type { DeviceIdentity } from '../types.js';
import type { DeviceRecord } from '../../agent/inventory/types.js';

/** Inventory attributes a condition can test (see attributes.ts for where each comes from). */
export const ATTRIBUTES = [
  'implementationClassUid',
  'implementationVersionName',
  'manufacturer',
  'vendorId',
  'model',
  'softwareVersion',
  'aeTitle',
  'modality',
  'stationName',
  'sopClass',
  'hl7SendingApplication',
  'hl7Profile',
  'softwareProduct',
  'softwareVendor',
  'mdcCode',
  'macVendor',
  'macOui',
  'equipmentIdOui',
  'dhcpVendorClass',
  'dhcpHostName',
  'role',
  'deviceClass',
] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** One test on one attribute; exactly one operator. Holds when any value of the attribute satisfies it. */
export interface Condition {
  attribute: Attribute;
  equals?: string;
  prefix?: string;
  regex?: string;
  in?: string[];
  /** Compare case-sensitively (default: case-insensitive, values trimmed). */
  caseSensitive?: boolean;
  /** Holds when no value satisfies the operator (an absent attribute satisfies a negated condition). */
  negate?: boolean;
}

/** A value taken from an attribute: the first capture groups of `regex`, substituted into `format`. */
export interface ValueFrom {
  from: Attribute;
  regex?: string;
  format?: string;
}

export interface RuleIdentity {
  /**
   * 'device' (default): what the device is. 'software': a stack it runs
   * (a DICOM toolkit); it names the device only when nothing else does and
   * is always listed in `components`.
   */
  subject?: 'device' | 'software';
  vendorId?: string;
  product?: string;
  model?: string | ValueFrom;
  version?: string | ValueFrom;
  deviceClass?: string;
  /** CPE 2.3 formatted string; `{version}` is replaced (by `*` when unknown). */
  cpe?: string;
  /** Package URL; `{version}` is replaced (and `@{version}` dropped when unknown). */
  purl?: string;
}

/** A device fragment: any part of an inventory DeviceRecord (blocks partial too). */
export type DeviceFragment = Partial<Omit<DeviceRecord, 'dicom' | 'hl7' | 'dhcp' | 'evidence'>> & {
  dicom?: Partial<NonNullable<DeviceRecord['dicom']>>;
  hl7?: Partial<NonNullable<DeviceRecord['hl7']>>;
  dhcp?: Partial<NonNullable<DeviceRecord['dhcp']>>;
  evidence?: Array<Partial<DeviceRecord['evidence'][number]> & { attribute: string; value: string }>;
};

export interface RuleExample {
  device: DeviceFragment;
  /** For a matching example: identity fields the rule must produce on its own. */
  expect?: Partial<Pick<DeviceIdentity, 'vendorId' | 'product' | 'model' | 'version' | 'deviceClass' | 'cpe' | 'purl'>>;
  note?: string;
}

export interface Rule {
  id: string;
  description: string;
  /** Where the fact comes from: document, section, repository path. */
  source: string;
  /** All of these must hold. */
  match: Condition[];
  identity: RuleIdentity;
  confidence: number;
  examples: { match: RuleExample[]; noMatch: RuleExample[] };
}

export interface RulePack {
  name: string;
  version: string;
  description?: string;
  rules: Rule[];
}

/** A software stack the device runs, from a 'software' rule. */
export interface DeviceComponent {
  rule: string;
  vendorId: string | null;
  vendor: string | null;
  product: string | null;
  version: string | null;
  cpe: string | null;
  purl: string | null;
  confidence: number;
}

/** What `identify` returns: the DeviceIdentity contract plus the software components seen. */
export interface FingerprintIdentity extends DeviceIdentity {
  components: DeviceComponent[];
}
