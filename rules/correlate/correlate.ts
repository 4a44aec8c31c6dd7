/**
 * Correlation: a pure function of (inventory, knowledge base) → findings,
 * the same code in the agent and the collector.
 *
 * Three paths, each explained in the finding it produces:
 *  1. advisory: the device's vendor and names match a product an advisory
 *     (CSAF) lists, and its observed version falls in that product's range;
 *  2. sbom: the device matches an SBOM's subject, and a component of that
 *     SBOM is named by an advisory product or a VEX statement;
 *  3. exposure: behaviour alone (patient data in cleartext, DICOM user
 *     identity in clear, an obsolete DICOM implementation).
 */
import type { DeviceRecord, Evidence } from '../inventory.js';
import type {
  DeviceIdentity,
  Finding,
  FindingStatus,
  KbProduct,
  KbRemediation,
  KbVulnerability,
  KnowledgeBase,
  SbomComponent,
  VersionRange,
} from '../types.js';
import { satisfies } from '../versions/range.js';
import { behaviourFindings } from './exposures.js';
import { findingId, severityOf } from './finding-id.js';
import { compileName, DeviceTokens, matchName, NAME_MATCH_THRESHOLD, nameTokens, type CompiledName } from './product-match.js';

export interface CorrelateOptions {
  /** The fingerprint identity of a device (rules/fingerprint); without it, the raw manufacturer is used. */
  identify?: (device: DeviceRecord) => DeviceIdentity | null;
  /** Vendor text → normalised vendor id (rules/fingerprint/vendors); without it, lower-cased text. */
  normalizeVendor?: (text: string) => string | null;
}

/** What the KB looks like once indexed for correlation (built once per KB). */
interface IndexedProduct {
  product: KbProduct;
  name: CompiledName;
  vulns: KbVulnerability[];
  affected: boolean;
  fixed: boolean;
  notAffected: boolean;
  investigating: boolean;
}

interface KbIndex {
  byVendor: Map<string, IndexedProduct[]>;
  vulnsByProduct: Map<string, KbVulnerability[]>;
  /** Products keyed by lower-cased name, for SBOM components. */
  byComponentName: Map<string, KbProduct[]>;
  advisories: Map<string, KnowledgeBase['advisories'][number]>;
  /** VEX statements by vulnerability id. */
  vexByVuln: Map<string, KnowledgeBase['vex']>;
}

const indexes = new WeakMap<KnowledgeBase, KbIndex>();

function buildIndex(kb: KnowledgeBase, vendorOf: (p: KbProduct) => string | null): KbIndex {
  const vulnsByProduct = new Map<string, KbVulnerability[]>();
  for (const v of kb.vulnerabilities) {
    for (const key of [...v.knownAffected, ...v.fixed, ...v.knownNotAffected, ...v.underInvestigation]) {
      let list = vulnsByProduct.get(key);
      if (!list) vulnsByProduct.set(key, (list = []));
      if (!list.includes(v)) list.push(v);
    }
  }
  const byVendor = new Map<string, IndexedProduct[]>();
  const byComponentName = new Map<string, KbProduct[]>();
  for (const p of kb.products) {
    const v = vendorOf(p);
    const vulns = vulnsByProduct.get(p.key) ?? [];
    if (v && vulns.length > 0) {
      let list = byVendor.get(v);
      if (!list) byVendor.set(v, (list = []));
      list.push({
        product: p,
        name: compileName(nameTokens(p.name)),
        vulns,
        affected: vulns.some((x) => x.knownAffected.includes(p.key)),
        fixed: vulns.some((x) => x.fixed.includes(p.key)),
        notAffected: vulns.some((x) => x.knownNotAffected.includes(p.key)),
        investigating: vulns.some((x) => x.underInvestigation.includes(p.key)),
      });
    }
    for (const t of [p.name.toLowerCase(), ...nameTokens(p.name)]) {
      let list = byComponentName.get(t);
      if (!list) byComponentName.set(t, (list = []));
      list.push(p);
    }
  }
  const advisories = new Map(kb.advisories.map((a) => [a.id, a]));
  const vexByVuln = new Map<string, KnowledgeBase['vex']>();
  for (const s of kb.vex) {
    let list = vexByVuln.get(s.vulnerability);
    if (!list) vexByVuln.set(s.vulnerability, (list = []));
    list.push(s);
  }
  return { byVendor, vulnsByProduct, byComponentName, advisories, vexByVuln };
}

/** Names a device goes by, for matching product names. */
function deviceNames(d: DeviceRecord, id: DeviceIdentity | null): string[] {
  const names = [d.model, id?.product, id?.model, ...d.evidence.filter((e) => e.attribute === 'softwareProduct').map((e) => e.value)];
  if (d.hl7) names.push(...d.hl7.sendingApplications);
  if (d.dhcp) names.push(...d.dhcp.vendorClasses);
  return names.filter((n): n is string => !!n);
}

/** Versions the device reported, identity's first. */
function deviceVersions(d: DeviceRecord, id: DeviceIdentity | null): string[] {
  const vs = [id?.version ?? null, ...d.softwareVersions].filter((v): v is string => !!v);
  return [...new Set(vs)];
}

function evidenceFor(d: DeviceRecord, attribute: string, value: string): Evidence | undefined {
  return d.evidence.find((e) => e.attribute === attribute && e.value === value);
}

interface ProductHit {
  product: KbProduct;
  shared: string[];
  score: number;
  status: FindingStatus;
  versionCheck: string;
  version: string | null;
}

/** satisfies() per (range, version): inventories repeat versions; bounded, cleared when full. */
const satisfiesMemo = new WeakMap<VersionRange, Map<string, boolean>>();
function satisfiesCached(version: string, range: VersionRange): boolean {
  let m = satisfiesMemo.get(range);
  if (!m) satisfiesMemo.set(range, (m = new Map()));
  let r = m.get(version);
  if (r === undefined) {
    if (m.size > 4096) m.clear();
    m.set(version, (r = satisfies(version, range) === true));
  }
  return r;
}

/** How one device's versions compare with one product's range. */
function checkVersion(range: VersionRange, versions: string[]): { inRange: boolean | null; version: string | null; text: string } {
  if (range.kind === 'all') return { inRange: true, version: versions[0] ?? null, text: `the advisory covers all versions (${range.raw || 'all'})` };
  if (range.kind === 'unparsed') {
    return { inRange: null, version: versions[0] ?? null, text: `the advisory's version text "${range.raw}" could not be parsed (${range.reason ?? 'unknown form'})` };
  }
  if (versions.length === 0) return { inRange: null, version: null, text: `no software version was observed; the advisory covers ${range.vers ?? range.raw}` };
  for (const v of versions) {
    if (satisfiesCached(v, range)) return { inRange: true, version: v, text: `observed version ${v} is within ${range.vers ?? range.raw}` };
  }
  return { inRange: false, version: versions[0], text: `observed version(s) ${versions.join(', ')} outside ${range.vers ?? range.raw}` };
}

/**
 * Findings for every device: advisory matches, SBOM component matches and
 * behaviour exposures, sorted by device then severity.
 */
export function correlate(devices: DeviceRecord[], kb: KnowledgeBase, opts: CorrelateOptions = {}): Finding[] {
  const rawNorm = opts.normalizeVendor ?? ((s: string) => s.trim().toLowerCase() || null);
  // The same manufacturer strings recur across an inventory: normalise each once.
  const vendorCache = new Map<string, string | null>();
  const norm = (s: string): string | null => {
    let v = vendorCache.get(s);
    if (v === undefined) vendorCache.set(s, (v = rawNorm(s)));
    return v;
  };
  const vendorOf = (p: KbProduct): string | null => p.vendorId ?? (p.vendor ? norm(p.vendor) : null);
  let index = indexes.get(kb);
  if (!index) indexes.set(kb, (index = buildIndex(kb, vendorOf)));
  const out: Finding[] = [];
  for (const d of devices) {
    const id = opts.identify?.(d) ?? null;
    const vendorId = id?.vendorId ?? (d.manufacturer ? norm(d.manufacturer) : null);
    if (vendorId) out.push(...advisoryFindings(d, id, vendorId, kb, index));
    out.push(...sbomFindings(d, id, kb, index, norm));
    out.push(...behaviourFindings(d));
  }
  const rank: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, none: 4, unknown: 5 };
  // Plain code-unit order (localeCompare is ICU and dominates at 100k findings).
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  out.sort((a, b) => cmp(a.deviceId, b.deviceId) || (rank[a.severity] ?? 9) - (rank[b.severity] ?? 9) || cmp(a.id, b.id));
  return out;
}

function advisoryFindings(d: DeviceRecord, id: DeviceIdentity | null, vendorId: string, kb: KnowledgeBase, index: KbIndex): Finding[] {
  const candidates = index.byVendor.get(vendorId);
  if (!candidates) return [];
  const tokens = new DeviceTokens(deviceNames(d, id).flatMap(nameTokens));
  const versions = deviceVersions(d, id);
  // Best product hit per advisory.
  const hits = new Map<string, ProductHit[]>();
  for (const c of candidates) {
    const m = matchName(c.name, tokens);
    if (!m || m.score < NAME_MATCH_THRESHOLD) continue;
    const product = c.product;
    const check = checkVersion(product.range, versions);
    if (check.inRange === false) continue; // this product entry does not describe the device's version
    let status: FindingStatus | null = null;
    if (check.inRange === null) status = 'version_unknown';
    else if (c.affected) status = 'affected';
    else if (c.fixed) status = 'fixed';
    else if (c.notAffected) status = 'not_affected';
    else if (c.investigating) status = 'under_investigation';
    if (!status) continue;
    const list = hits.get(product.advisoryId) ?? [];
    list.push({ product, shared: m.shared, score: m.score, status, versionCheck: check.text, version: check.version });
    hits.set(product.advisoryId, list);
  }
  const out: Finding[] = [];
  for (const [advisoryId, list] of hits) {
    // A precise match (version in range) outranks "version unknown"; fixed ranges outrank affected ones only when they hold the version.
    const order: FindingStatus[] = ['fixed', 'affected', 'not_affected', 'under_investigation', 'version_unknown'];
    list.sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status) || b.score - a.score);
    const best = list[0];
    out.push(buildAdvisoryFinding(d, id, advisoryId, best, kb, index));
  }
  return out;
}

/** What an advisory says about one product under one status: the same for every device that matches it. */
interface ProductFacts {
  vulns: KbVulnerability[];
  cves: string[];
  cvss: KbVulnerability['cvss'];
  kev: Finding['kev'];
  remediations: Finding['remediations'];
}

const factsMemo = new WeakMap<KbProduct, Map<FindingStatus, ProductFacts>>();

function productFacts(product: KbProduct, status: FindingStatus, kb: KnowledgeBase, index: KbIndex): ProductFacts {
  let byStatus = factsMemo.get(product);
  if (!byStatus) factsMemo.set(product, (byStatus = new Map()));
  const hit = byStatus.get(status);
  if (hit) return hit;
  const key = product.key;
  const vulns = (index.vulnsByProduct.get(key) ?? []).filter((v) =>
    status === 'fixed' ? v.fixed.includes(key) : status === 'not_affected' ? v.knownNotAffected.includes(key) : status === 'under_investigation' ? v.underInvestigation.includes(key) : v.knownAffected.includes(key) || v.underInvestigation.includes(key),
  );
  const cves = [...new Set(vulns.map((v) => v.cve).filter((c): c is string => !!c))].sort();
  const scored = vulns.filter((v) => v.cvss).sort((a, b) => b.cvss!.baseScore - a.cvss!.baseScore);
  const kevEntries = cves.map((c) => kb.kev.get(c)).filter((k) => !!k);
  const kev = kevEntries.length
    ? {
        dateAdded: kevEntries.map((k) => k!.dateAdded).sort()[0],
        dueDate: kevEntries.map((k) => k!.dueDate).filter((x): x is string => !!x).sort()[0] ?? null,
        knownRansomwareCampaignUse: kevEntries.some((k) => k!.knownRansomwareCampaignUse === 'Known') ? 'Known' : 'Unknown',
      }
    : null;
  const remediations = dedupe(
    vulns.flatMap((v) => v.remediations.filter((r) => r.productKeys.length === 0 || keySet(r).has(key))).map((r) => ({ category: r.category, details: r.details, url: r.url })),
  );
  // Shared by every finding on this product: frozen so no consumer can change another's.
  for (const r of remediations) Object.freeze(r);
  const facts: ProductFacts = { vulns, cves: Object.freeze(cves) as string[], cvss: scored[0]?.cvss ?? null, kev: kev && Object.freeze(kev), remediations: Object.freeze(remediations) as Finding['remediations'] };
  byStatus.set(status, facts);
  return facts;
}

function buildAdvisoryFinding(d: DeviceRecord, id: DeviceIdentity | null, advisoryId: string, hit: ProductHit, kb: KnowledgeBase, index: KbIndex): Finding {
  // cves, kev and remediations are shared, frozen, across the findings of one product.
  const { cves, cvss, kev, remediations } = productFacts(hit.product, hit.status, kb, index);
  // VEX: a statement that this product is not affected by a CVE wins.
  let status = hit.status;
  if (index.vexByVuln.size > 0) {
    const vex = cves.flatMap((c) => index.vexByVuln.get(c) ?? []).filter((s) => s.product === hit.product.key || (id?.purl && s.product === id.purl) || (id?.cpe && s.product === id.cpe));
    if (vex.length > 0 && vex.every((s) => s.status === 'not_affected')) status = 'not_affected';
  }
  const advisory = index.advisories.get(advisoryId);
  const matched: Finding['explanation']['matched'] = [];
  const add = (attribute: string, value: string | null | undefined): void => {
    if (!value) return;
    const ev = evidenceFor(d, attribute, value);
    matched.push({ attribute, value, protocol: ev?.protocol ?? null, field: ev?.field ?? null, firstSeen: ev?.firstSeen ?? null, lastSeen: ev?.lastSeen ?? null });
  };
  add('manufacturer', d.manufacturer);
  add('model', d.model);
  if (hit.version) add('softwareVersion', hit.version);
  for (const b of id?.because ?? []) add(b.attribute, b.value);
  const where = d.ip ?? d.id;
  const vendorName = id?.vendor ?? d.manufacturer ?? hit.product.vendor ?? 'the device';
  const what = [vendorName, d.model ?? id?.product].filter(Boolean).join(' ');
  const statusText: Record<FindingStatus, string> = {
    affected: 'is affected by',
    fixed: 'runs a version fixed for',
    not_affected: 'is not affected (VEX) by',
    under_investigation: 'is under investigation for',
    version_unknown: 'may be affected (version unknown) by',
  };
  const extra = [
    cvss ? `CVSS ${cvss.baseScore}` : null,
    kev ? `known exploited${kev.knownRansomwareCampaignUse === 'Known' ? ', used by ransomware' : ''}` : null,
  ].filter(Boolean);
  const fix = remediations.find((r) => r.category === 'vendor_fix');
  const summary =
    `${what} at ${where} ${statusText[status]} ${advisoryId}` +
    (cves.length ? ` (${cves.slice(0, 3).join(', ')}${cves.length > 3 ? `, +${cves.length - 3}` : ''}${extra.length ? `; ${extra.join('; ')}` : ''})` : extra.length ? ` (${extra.join('; ')})` : '') +
    `: ${hit.versionCheck}` +
    (fix && status !== 'fixed' ? `. Fix: ${truncate(fix.details, 160)}` : '');
  return {
    id: findingId(d.id, 'advisory', advisoryId),
    deviceId: d.id,
    kind: 'advisory',
    advisoryIds: [advisoryId],
    cves,
    title: advisory?.title ?? advisoryId,
    cvss: cvss ? { baseScore: cvss.baseScore, vectorString: cvss.vectorString, version: cvss.version } : null,
    severity: status === 'fixed' || status === 'not_affected' ? 'none' : severityOf(cvss?.baseScore ?? null),
    kev,
    status,
    remediations,
    explanation: {
      summary,
      matched,
      product: { key: hit.product.key, vendor: hit.product.vendor, name: hit.product.name, versionText: hit.product.versionText, vers: hit.product.range.vers },
      versionCheck: `${hit.versionCheck}; name tokens matched: ${hit.shared.join(', ')}`,
    },
  };
}

function sbomFindings(d: DeviceRecord, id: DeviceIdentity | null, kb: KnowledgeBase, index: KbIndex, norm: (s: string) => string | null): Finding[] {
  if (kb.sboms.length === 0) return [];
  // SBOM subjects are often named "<vendor> <product>": the manufacturer counts as a name here.
  const tokens = new DeviceTokens([...deviceNames(d, id), d.manufacturer ?? '', id?.vendor ?? ''].flatMap(nameTokens));
  const versions = deviceVersions(d, id);
  const out: Finding[] = [];
  for (const sbom of kb.sboms) {
    const subject = sbom.subject;
    if (!subject) continue;
    const byId = (id?.cpe && subject.cpe === id.cpe) || (id?.purl && subject.purl === id.purl);
    const nameHit = matchName(nameTokens(subject.name), tokens);
    const vendorHit = !subject.supplier || !d.manufacturer || norm(subject.supplier) === (id?.vendorId ?? norm(d.manufacturer));
    const versionHit = !subject.version || versions.length === 0 || versions.includes(subject.version);
    if (!byId && !(nameHit && nameHit.score >= NAME_MATCH_THRESHOLD && vendorHit && versionHit)) continue;
    for (const c of sbom.components) out.push(...componentFindings(d, sbom.id, c, kb, index));
  }
  return out;
}

function componentFindings(d: DeviceRecord, sbomId: string, c: SbomComponent, kb: KnowledgeBase, index: KbIndex): Finding[] {
  const out: Finding[] = [];
  const refs = [c.purl, c.cpe, c.ref].filter((x): x is string => !!x);
  // VEX statements about this component.
  for (const s of kb.vex) {
    if (!refs.includes(s.product)) continue;
    const kev = kb.kev.get(s.vulnerability);
    out.push({
      id: findingId(d.id, 'sbom', sbomId, c.ref, s.vulnerability),
      deviceId: d.id,
      kind: 'sbom',
      advisoryIds: [],
      cves: s.vulnerability.startsWith('CVE-') ? [s.vulnerability] : [],
      title: `${c.name}${c.version ? ' ' + c.version : ''}: ${s.vulnerability}`,
      cvss: null,
      severity: s.status === 'not_affected' || s.status === 'fixed' ? 'none' : 'unknown',
      kev: kev ? { dateAdded: kev.dateAdded, dueDate: kev.dueDate, knownRansomwareCampaignUse: kev.knownRansomwareCampaignUse } : null,
      status: s.status,
      remediations: [],
      explanation: {
        summary: `${d.ip ?? d.id} matches SBOM ${sbomId}; its component ${c.name}${c.version ? ' ' + c.version : ''} is ${s.status.replace('_', ' ')} for ${s.vulnerability} (VEX from ${s.source})${s.justification ? `: ${s.justification}` : ''}`,
        matched: [],
        product: { key: c.ref, vendor: c.supplier, name: c.name, versionText: c.version, vers: null },
        versionCheck: null,
      },
    });
  }
  // Advisory products that name this component.
  const cands = new Set([...(index.byComponentName.get(c.name.toLowerCase()) ?? [])]);
  for (const p of cands) {
    const m = matchName(nameTokens(p.name), new Set(nameTokens(c.name)));
    if (!m || m.score < 1) continue;
    const check = checkVersion(p.range, c.version ? [c.version] : []);
    if (check.inRange === false) continue;
    const vulns = (index.vulnsByProduct.get(p.key) ?? []).filter((v) => v.knownAffected.includes(p.key));
    if (vulns.length === 0) continue;
    const cves = [...new Set(vulns.map((v) => v.cve).filter((x): x is string => !!x))].sort();
    const cvss = vulns.filter((v) => v.cvss).sort((a, b) => b.cvss!.baseScore - a.cvss!.baseScore)[0]?.cvss ?? null;
    const kevs = cves.map((x) => kb.kev.get(x)).filter((k) => !!k);
    out.push({
      id: findingId(d.id, 'sbom', sbomId, c.ref, p.advisoryId),
      deviceId: d.id,
      kind: 'sbom',
      advisoryIds: [p.advisoryId],
      cves,
      title: `${c.name}${c.version ? ' ' + c.version : ''} in ${sbomId}: ${kb.advisories.find((a) => a.id === p.advisoryId)?.title ?? p.advisoryId}`,
      cvss: cvss ? { baseScore: cvss.baseScore, vectorString: cvss.vectorString, version: cvss.version } : null,
      severity: severityOf(cvss?.baseScore ?? null),
      kev: kevs.length ? { dateAdded: kevs[0]!.dateAdded, dueDate: kevs[0]!.dueDate, knownRansomwareCampaignUse: kevs.some((k) => k!.knownRansomwareCampaignUse === 'Known') ? 'Known' : 'Unknown' } : null,
      status: check.inRange === null ? 'version_unknown' : 'affected',
      remediations: dedupe(vulns.flatMap((v) => v.remediations).map((r) => ({ category: r.category, details: r.details, url: r.url }))),
      explanation: {
        summary: `${d.ip ?? d.id} matches SBOM ${sbomId}, whose component ${c.name}${c.version ? ' ' + c.version : ''} is named by ${p.advisoryId} (${p.name} ${p.versionText ?? ''}): ${check.text}`,
        matched: [],
        product: { key: p.key, vendor: p.vendor, name: p.name, versionText: p.versionText, vers: p.range.vers },
        versionCheck: check.text,
      },
    });
  }
  return out;
}

/** A remediation's product keys as a set (remediations can name hundreds of products). */
const remediationKeys = new WeakMap<KbRemediation, Set<string>>();
function keySet(r: KbRemediation): Set<string> {
  let k = remediationKeys.get(r);
  if (!k) remediationKeys.set(r, (k = new Set(r.productKeys)));
  return k;
}

function dedupe<T extends { details: string; url: string | null }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((r) => {
    const k = `${r.details}\0${r.url}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
