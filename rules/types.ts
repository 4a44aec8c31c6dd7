/**
 * Contracts of `rules/`: fingerprint identities, the knowledge base of
 * advisories, SBOMs, VEX and KEV, and the findings correlation produces.
 *
 * Everything here is plain data. `rules/` is pure: no sockets, no capture,
 * no database handles (the SQLite store lives in agent/kb and loads into
 * these shapes), so the agent and the collector run the same correlation.
 */

// ---------------------------------------------------------------------------
// Fingerprint rules → identity

/** What the fingerprint rules concluded a device is. */
export interface DeviceIdentity {
  /** Normalised vendor id, e.g. 'ge-healthcare' (see rules/fingerprint/vendors). */
  vendorId: string | null;
  /** Display name of the vendor, e.g. 'GE HealthCare'. */
  vendor: string | null;
  product: string | null;
  model: string | null;
  /** The version to compare against advisories, as observed (not normalised). */
  version: string | null;
  deviceClass: string | null;
  /** CPE 2.3 formatted string when one exists. */
  cpe: string | null;
  purl: string | null;
  /** 0..1: how sure the rules are (highest matching rule, combined). */
  confidence: number;
  /** Ids of the rules that matched, strongest first. */
  rules: string[];
  /** Why: each matched condition, with the inventory attribute and value that satisfied it. */
  because: Array<{ rule: string; attribute: string; value: string; condition: string }>;
}

// ---------------------------------------------------------------------------
// Versions

export type VersionOp = '<' | '<=' | '>' | '>=' | '=' | '!=';

/**
 * A version range in a vers-like form (github.com/package-url/purl-spec
 * VERSION-RANGE-SPEC): a list of constraints, or "all versions". Advisories
 * write ranges as free text; what cannot be parsed says so.
 */
export interface VersionRange {
  /** The text as the source wrote it. */
  raw: string;
  /** 'all': every version; 'constraints': see below; 'unparsed': could not be read. */
  kind: 'all' | 'constraints' | 'unparsed';
  /**
   * Disjunction of intervals: the range holds a version when any interval
   * does; an interval holds it when every constraint of it does.
   */
  intervals: Array<Array<{ op: VersionOp; version: string }>>;
  /** vers-like canonical text, e.g. 'vers:generic/>=1.1|<=1.5' or 'vers:all/*'. */
  vers: string | null;
  /** Why it could not be parsed (kind 'unparsed'). */
  reason: string | null;
}

// ---------------------------------------------------------------------------
// Knowledge base

export interface KbAdvisory {
  /** e.g. 'ICSMA-19-274-01'. */
  id: string;
  title: string;
  publisher: string | null;
  /** ISO dates. */
  initialRelease: string | null;
  currentRelease: string | null;
  url: string | null;
  /** Source file name it was imported from. */
  source: string;
  /** 'csaf_security_advisory', 'csaf_vex', ... */
  category: string;
}

/** One product (with its version range) an advisory or VEX document names. */
export interface KbProduct {
  /** Unique in the KB: `${advisoryId}#${productId}`. */
  key: string;
  advisoryId: string;
  /** CSAF product_id (or bom-ref) inside its document. */
  productId: string;
  /** Vendor text as the document wrote it, and normalised (rules/fingerprint/vendors). */
  vendor: string | null;
  vendorId: string | null;
  /** Product name as written (the product_name branch, or full_product_name). */
  name: string;
  /** The version text (product_version or product_version_range branch), raw. */
  versionText: string | null;
  /** Parsed range (rules/versions). */
  range: VersionRange;
  cpe: string | null;
  purl: string | null;
  // Additive (rules/kb): more of what CSAF says about the product.
  /** The document's full product name (CSAF full_product_name.name). */
  fullName?: string;
  /** CSAF product_family branch(es) on the path, joined. */
  family?: string | null;
  /** CSAF product_identification_helper model_numbers / serial_numbers. */
  modelNumbers?: string[];
  serialNumbers?: string[];
  /**
   * CSAF relationships: this product is `productKey` (the component, whose
   * vendor/name/version it carries) as `category` of `relatesToKey`
   * (e.g. default_component_of, installed_on).
   */
  relationship?: { category: string; productKey: string; relatesToKey: string } | null;
}

export interface KbCvss {
  version: string; // '3.1', '3.0', '2.0', '4.0'
  baseScore: number;
  baseSeverity: string | null;
  vectorString: string;
}

export interface KbRemediation {
  category: string; // 'vendor_fix', 'mitigation', 'workaround', 'none_available', 'no_fix_planned'
  details: string;
  url: string | null;
  /** Product keys it applies to (empty: all products of the vulnerability). */
  productKeys: string[];
}

export interface KbVulnerability {
  advisoryId: string;
  /** CVE id, or the document's own id when it has none. */
  id: string;
  cve: string | null;
  title: string | null;
  cwe: string | null;
  cvss: KbCvss | null;
  /** Product keys by status (CSAF product_status; VEX statuses map here too). */
  knownAffected: string[];
  fixed: string[];
  knownNotAffected: string[];
  underInvestigation: string[];
  /** VEX justification per not-affected product key. */
  justifications: Record<string, string>;
  remediations: KbRemediation[];
}

export interface KevEntry {
  cve: string;
  vendorProject: string;
  product: string;
  dateAdded: string;
  dueDate: string | null;
  knownRansomwareCampaignUse: 'Known' | 'Unknown' | string;
  requiredAction: string | null;
}

export interface SbomComponent {
  ref: string;
  /** 'device', 'firmware', 'library', 'operating-system', 'application', ... */
  type: string | null;
  name: string;
  version: string | null;
  supplier: string | null;
  cpe: string | null;
  purl: string | null;
}

export interface Sbom {
  /** Serial number / document namespace, or the file name. */
  id: string;
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  source: string;
  /** What the SBOM describes (CycloneDX metadata.component / SPDX described package). */
  subject: SbomComponent | null;
  components: SbomComponent[];
  /** CycloneDX `vulnerabilities` embedded in the SBOM (a VEX or a BOM-with-vulns), as statements. */
}

/** One VEX statement (CycloneDX VEX `analysis`, CSAF VEX product_status). */
export interface VexStatement {
  /** CVE or other vulnerability id. */
  vulnerability: string;
  /** What it is about: a purl, CPE, bom-ref or CSAF product key. */
  product: string;
  status: 'affected' | 'not_affected' | 'fixed' | 'under_investigation';
  justification: string | null;
  detail: string | null;
  source: string;
  // Additive (rules/kb)
  /** The product's name when the document gives it (CycloneDX component name, CSAF product name). */
  productName?: string | null;
  /**
   * The version or vers range the statement is limited to (CycloneDX
   * affects[].versions), or the component's own version; null: every version.
   */
  version?: string | null;
}

/** The whole knowledge base as correlation sees it (loaded from SQLite or built in memory). */
export interface KnowledgeBase {
  /** Content hash of everything loaded: changes whenever the KB does. */
  version: string;
  advisories: KbAdvisory[];
  products: KbProduct[];
  vulnerabilities: KbVulnerability[];
  kev: Map<string, KevEntry>;
  sboms: Sbom[];
  vex: VexStatement[];
}

// ---------------------------------------------------------------------------
// Findings

export type FindingStatus = 'affected' | 'fixed' | 'not_affected' | 'under_investigation' | 'version_unknown';

export interface Finding {
  /** Stable id: same device, same source, same vulnerability → same id across runs. */
  id: string;
  deviceId: string;
  /** 'advisory': a device matched an advisory product; 'sbom': through an SBOM component; 'exposure': from behaviour alone. */
  kind: 'advisory' | 'sbom' | 'exposure';
  advisoryIds: string[];
  cves: string[];
  title: string;
  cvss: { baseScore: number; vectorString: string; version: string } | null;
  /** 'critical' | 'high' | 'medium' | 'low' | 'none' (CVSS v3 bands), or the exposure's own rating. */
  severity: string;
  kev: { dateAdded: string; dueDate: string | null; knownRansomwareCampaignUse: string } | null;
  status: FindingStatus;
  remediations: Array<{ category: string; details: string; url: string | null }>;
  explanation: FindingExplanation;
}

export interface FindingExplanation {
  /** One sentence a SOC analyst can read. */
  summary: string;
  /** The device attributes that matched, with their evidence rows (protocol, field, first/last seen). */
  matched: Array<{ attribute: string; value: string; protocol: string | null; field: string | null; firstSeen: string | null; lastSeen: string | null }>;
  /** The advisory/SBOM product it matched, and how the version compared. */
  product: { key: string; vendor: string | null; name: string; versionText: string | null; vers: string | null } | null;
  versionCheck: string | null;
}
