/**
 * CSAF 2.0 → knowledge-base shapes. One generic reader for every CSAF 2.0
 * document (csaf_security_advisory, csaf_vex, csaf_base, ...): no code per
 * advisory or per publisher.
 *
 * Spec: OASIS CSAF 2.0 (csaf-v2.0-os). Section numbers below refer to it.
 */
import type { KbAdvisory, KbCvss, KbProduct, KbRemediation, KbVulnerability, VersionRange, VexStatement } from '../types.js';
import { normalizeVendor } from '../fingerprint/vendors.js';
import { parseRange } from '../versions/range.js';
import { arr, isObject, type JsonObject, type KbProblem, Problems, str, strings } from './json.js';

/** Deeper product trees than this are refused (the spec sets no limit; real ones are 3–5 deep). */
export const CSAF_MAX_BRANCH_DEPTH = 32;
/** More products than this in one document are refused (ICSMA files have at most a few dozen). */
export const CSAF_MAX_PRODUCTS = 50_000;

/** What a CSAF document yields. */
export interface CsafParse {
  advisory: KbAdvisory | null;
  products: KbProduct[];
  vulnerabilities: KbVulnerability[];
  /** Statements of a csaf_vex document (empty for other categories). */
  vex: VexStatement[];
  /** §3.2.1.12 document.tracking: what identifies the revision. */
  tracking: { id: string; version: string | null; currentRelease: string | null; status: string | null } | null;
  problems: KbProblem[];
}

/**
 * A product's version range: its version text read by rules/versions (the
 * product name, often repeated in the text, is removed first). No version
 * text: the document names the product without restricting the version.
 */
export function productRange(versionText: string | null, productName: string | null): VersionRange {
  if (versionText === null) return { raw: '', kind: 'all', intervals: [], vers: 'vers:all/*', reason: null };
  return parseRange(versionText, { productName });
}

// §3.1.2.3 branches_t category values that carry the version.
const VERSION_CATEGORIES = new Set(['product_version', 'product_version_range']);
// §3.2.3.2 product_status: which list feeds which KB status.
const STATUS_MAP: Record<string, 'knownAffected' | 'fixed' | 'knownNotAffected' | 'underInvestigation'> = {
  known_affected: 'knownAffected',
  first_affected: 'knownAffected',
  last_affected: 'knownAffected',
  fixed: 'fixed',
  first_fixed: 'fixed',
  known_not_affected: 'knownNotAffected',
  under_investigation: 'underInvestigation',
};
const VEX_STATUS = {
  knownAffected: 'affected',
  fixed: 'fixed',
  knownNotAffected: 'not_affected',
  underInvestigation: 'under_investigation',
} as const;

interface Helper {
  cpe: string | null;
  purl: string | null;
  modelNumbers: string[];
  serialNumbers: string[];
}

/** A product definition before it becomes a KbProduct. */
interface Defined {
  productId: string;
  fullName: string;
  vendor: string | null;
  family: string | null;
  name: string | null;
  versionText: string | null;
  helper: Helper;
  relationship: { category: string; productId: string; relatesToId: string } | null;
  path: string;
}

/**
 * Reads a parsed CSAF 2.0 document. Never throws: problems that make the
 * document unusable are 'error's (undefined product ids, a malformed product
 * tree, no tracking id), the rest are 'warning's.
 */
export function parseCsaf(doc: unknown, source: string): CsafParse {
  const problems = new Problems();
  const out: CsafParse = { advisory: null, products: [], vulnerabilities: [], vex: [], tracking: null, problems: problems.list };
  if (!isObject(doc) || !isObject(doc.document)) {
    problems.error('/document', 'a CSAF document needs a document object');
    return out;
  }
  const d = doc.document;
  if (d.csaf_version !== '2.0') problems.error('/document/csaf_version', `not CSAF 2.0: document.csaf_version is ${JSON.stringify(d.csaf_version)}`);

  // §3.2.1.12 tracking
  const tracking = isObject(d.tracking) ? d.tracking : null;
  const trackingId = str(tracking?.id);
  if (!trackingId) problems.error('/document/tracking/id', 'document.tracking.id is missing: an advisory needs an id');
  const advisoryId = trackingId ?? `(no id: ${source})`;
  out.tracking = trackingId
    ? { id: trackingId, version: str(tracking?.version), currentRelease: str(tracking?.current_release_date), status: str(tracking?.status) }
    : null;

  const category = str(d.category);
  if (!category) problems.error('/document/category', 'document.category is missing');
  const title = str(d.title);
  if (!title) problems.error('/document/title', 'document.title is missing');
  const publisher = isObject(d.publisher) ? str(d.publisher.name) : null;
  if (!publisher) problems.warning('/document/publisher/name', 'document.publisher.name is missing');

  out.advisory = {
    id: advisoryId,
    title: title ?? advisoryId,
    publisher,
    initialRelease: str(tracking?.initial_release_date),
    currentRelease: str(tracking?.current_release_date),
    url: selfUrl(d.references),
    source,
    category: category ?? 'unknown',
  };

  // §3.2.2 product_tree
  const defined = new Map<string, Defined>();
  const groups = new Map<string, string[]>();
  if (doc.product_tree !== undefined) {
    if (!isObject(doc.product_tree)) problems.error('/product_tree', 'product_tree must be an object');
    else readProductTree(doc.product_tree, defined, groups, problems);
  }
  const keyOf = (productId: string) => `${advisoryId}#${productId}`;
  for (const p of defined.values()) out.products.push(toProduct(p, advisoryId, keyOf, defined));

  // Resolves product_ids and group_ids to product keys; an unknown id is §6.1.1 / §6.1.4.
  const resolve: Resolve = (ids, groupIds, path, report = true) => {
    const keys = new Set<string>();
    arr(ids).forEach((id, i) => {
      const s = str(id);
      if (s !== null && defined.has(s)) keys.add(keyOf(s));
      else if (report && s === null) problems.error(`${path}/product_ids/${i}`, 'a product id must be a string');
      else if (report) problems.error(`${path}/product_ids/${i}`, `product id ${s} is not defined in the product tree (CSAF 2.0 §6.1.1)`);
    });
    arr(groupIds).forEach((id, i) => {
      const s = str(id);
      const members = s === null ? undefined : groups.get(s);
      if (members) for (const m of members) keys.add(keyOf(m));
      else if (report) problems.error(`${path}/group_ids/${i}`, `product group ${String(id)} is not defined in the product tree (CSAF 2.0 §6.1.4)`);
    });
    return [...keys];
  };

  // §3.2.3 vulnerabilities
  const isVex = category === 'csaf_vex';
  if (doc.vulnerabilities !== undefined && !Array.isArray(doc.vulnerabilities)) problems.error('/vulnerabilities', 'vulnerabilities must be an array');
  arr(doc.vulnerabilities).forEach((raw, i) => {
    const path = `/vulnerabilities/${i}`;
    if (!isObject(raw)) {
      problems.error(path, 'a vulnerability must be an object');
      return;
    }
    const v = readVulnerability(raw, i, advisoryId, path, resolve, problems);
    out.vulnerabilities.push(v);
    if (isVex) out.vex.push(...vexStatements(v, raw, path, resolve, source));
  });

  checkContradictions(out.vulnerabilities, problems);
  return out;
}

/** §3.2.1.11 references: the 'self' reference, preferring a human-readable page over the JSON itself. */
function selfUrl(refs: unknown): string | null {
  const self = arr(refs)
    .filter(isObject)
    .filter((r) => r.category === 'self')
    .map((r) => str(r.url))
    .filter((u): u is string => u !== null);
  return self.find((u) => !/\.json$/i.test(u)) ?? self[0] ?? null;
}

// §3.1.2.3 full_product_name_t / §3.1.3.3 product_identification_helper
function readHelper(v: unknown): Helper {
  if (!isObject(v)) return { cpe: null, purl: null, modelNumbers: [], serialNumbers: [] };
  return { cpe: str(v.cpe), purl: str(v.purl), modelNumbers: strings(v.model_numbers), serialNumbers: strings(v.serial_numbers) };
}

function readFullProductName(
  v: unknown,
  path: string,
  problems: Problems,
): { name: string; productId: string; helper: Helper } | null {
  if (!isObject(v)) {
    problems.error(path, 'a product must be an object with name and product_id');
    return null;
  }
  const productId = str(v.product_id);
  const name = str(v.name);
  if (!productId) problems.error(`${path}/product_id`, 'product_id is missing');
  if (!name) problems.error(`${path}/name`, 'product name is missing');
  if (!productId || !name) return null;
  return { name, productId, helper: readHelper(v.product_identification_helper) };
}

function define(defined: Map<string, Defined>, p: Defined, problems: Problems): void {
  if (defined.has(p.productId)) {
    problems.error(p.path, `product id ${p.productId} is defined twice (CSAF 2.0 §6.1.2), first at ${defined.get(p.productId)!.path}`);
    return;
  }
  if (defined.size >= CSAF_MAX_PRODUCTS) {
    if (defined.size === CSAF_MAX_PRODUCTS) problems.error(p.path, `more than ${CSAF_MAX_PRODUCTS} products: refused`);
    return;
  }
  defined.set(p.productId, p);
}

/** Context a branch path accumulates (§3.2.2.1: the categories on the path describe the product). */
interface BranchContext {
  vendor: string | null;
  family: string | null;
  name: string | null;
  versionText: string | null;
}

function readProductTree(tree: JsonObject, defined: Map<string, Defined>, groups: Map<string, string[]>, problems: Problems): void {
  // §3.2.2.1 branches
  const walk = (branches: unknown, path: string, ctx: BranchContext, depth: number): void => {
    if (!Array.isArray(branches)) {
      problems.error(path, 'branches must be an array');
      return;
    }
    if (depth > CSAF_MAX_BRANCH_DEPTH) {
      problems.error(path, `product tree deeper than ${CSAF_MAX_BRANCH_DEPTH} levels: refused`);
      return;
    }
    branches.forEach((b, i) => {
      const bp = `${path}/${i}`;
      if (!isObject(b)) {
        problems.error(bp, 'a branch must be an object');
        return;
      }
      const cat = str(b.category);
      const name = str(b.name);
      if (!cat) problems.error(`${bp}/category`, 'branch category is missing');
      if (!name) problems.error(`${bp}/name`, 'branch name is missing');
      const next: BranchContext = { ...ctx };
      if (cat === 'vendor') next.vendor = name;
      else if (cat === 'product_family') next.family = next.family && name ? `${next.family} ${name}` : name;
      else if (cat === 'product_name') next.name = name;
      else if (cat && VERSION_CATEGORIES.has(cat)) {
        next.versionText = name;
        if (cat === 'product_version' && name && /^vers:|[<>]=?|\bprior to\b|\bbelow\b|\band (earlier|later|above|prior)\b/i.test(name)) {
          // §6.1.31: a range written in product_version (common in converted advisories).
          problems.warning(`${bp}/name`, `product_version "${name}" looks like a range (CSAF 2.0 §6.1.31); read as a range`);
        }
      }
      const hasProduct = b.product !== undefined;
      const hasBranches = b.branches !== undefined;
      // §3.2.2.1: a branch holds either further branches or one product.
      if (hasProduct && hasBranches) problems.error(bp, 'a branch holds either branches or a product, not both');
      if (!hasProduct && !hasBranches) problems.error(bp, 'a branch needs branches or a product');
      if (hasBranches) walk(b.branches, `${bp}/branches`, next, depth + 1);
      if (hasProduct) {
        const fpn = readFullProductName(b.product, `${bp}/product`, problems);
        if (fpn) {
          define(
            defined,
            { productId: fpn.productId, fullName: fpn.name, ...next, helper: fpn.helper, relationship: null, path: `${bp}/product` },
            problems,
          );
        }
      }
    });
  };
  if (tree.branches !== undefined) walk(tree.branches, '/product_tree/branches', { vendor: null, family: null, name: null, versionText: null }, 1);

  // §3.2.2.2 full_product_names
  arr(tree.full_product_names).forEach((v, i) => {
    const path = `/product_tree/full_product_names/${i}`;
    const fpn = readFullProductName(v, path, problems);
    if (fpn) {
      define(
        defined,
        { productId: fpn.productId, fullName: fpn.name, vendor: null, family: null, name: null, versionText: null, helper: fpn.helper, relationship: null, path },
        problems,
      );
    }
  });

  // §3.2.2.4 relationships: a product made of one product in relation to another.
  const rels: Array<{ path: string; category: string; ref: string; relatesTo: string; fpn: { name: string; productId: string; helper: Helper } }> = [];
  arr(tree.relationships).forEach((r, i) => {
    const path = `/product_tree/relationships/${i}`;
    if (!isObject(r)) {
      problems.error(path, 'a relationship must be an object');
      return;
    }
    const category = str(r.category);
    const ref = str(r.product_reference);
    const relatesTo = str(r.relates_to_product_reference);
    if (!category) problems.error(`${path}/category`, 'relationship category is missing');
    if (!ref) problems.error(`${path}/product_reference`, 'product_reference is missing');
    if (!relatesTo) problems.error(`${path}/relates_to_product_reference`, 'relates_to_product_reference is missing');
    const fpn = readFullProductName(r.full_product_name, `${path}/full_product_name`, problems);
    if (category && ref && relatesTo && fpn) rels.push({ path, category, ref, relatesTo, fpn });
  });
  for (const r of rels) {
    define(
      defined,
      {
        productId: r.fpn.productId,
        fullName: r.fpn.name,
        vendor: null,
        family: null,
        name: null,
        versionText: null,
        helper: r.fpn.helper,
        relationship: { category: r.category, productId: r.ref, relatesToId: r.relatesTo },
        path: `${r.path}/full_product_name`,
      },
      problems,
    );
  }
  for (const r of rels) {
    for (const [field, id] of [['product_reference', r.ref], ['relates_to_product_reference', r.relatesTo]] as const) {
      if (!defined.has(id)) problems.error(`${r.path}/${field}`, `product id ${id} is not defined in the product tree (CSAF 2.0 §6.1.1)`);
    }
  }
  // §6.1.3 circular definition: a relationship product must not be built, through
  // its references, from itself.
  const relOf = new Map(rels.map((r) => [r.fpn.productId, r]));
  const circular = (start: string): boolean => {
    const stack = [start];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const id = stack.pop()!;
      const r = relOf.get(id);
      if (!r) continue;
      for (const next of [r.ref, r.relatesTo]) {
        if (next === start) return true;
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return false;
  };
  for (const r of rels) if (circular(r.fpn.productId)) problems.error(r.path, `relationship for ${r.fpn.productId} is circular (CSAF 2.0 §6.1.3)`);

  // §3.2.2.3 product_groups
  arr(tree.product_groups).forEach((g, i) => {
    const path = `/product_tree/product_groups/${i}`;
    if (!isObject(g)) {
      problems.error(path, 'a product group must be an object');
      return;
    }
    const id = str(g.group_id);
    if (!id) {
      problems.error(`${path}/group_id`, 'group_id is missing');
      return;
    }
    if (groups.has(id)) problems.error(`${path}/group_id`, `product group ${id} is defined twice (CSAF 2.0 §6.1.5)`);
    const members: string[] = [];
    arr(g.product_ids).forEach((m, j) => {
      const s = str(m);
      if (s && defined.has(s)) members.push(s);
      else problems.error(`${path}/product_ids/${j}`, `product id ${String(m)} is not defined in the product tree (CSAF 2.0 §6.1.1)`);
    });
    groups.set(id, members);
  });
}

function toProduct(p: Defined, advisoryId: string, keyOf: (id: string) => string, defined: Map<string, Defined>): KbProduct {
  // A relationship product is its product_reference (the component) placed in
  // relation to another; vendor, name and version come from the component.
  let base = p;
  const seen = new Set<string>();
  while (base.relationship && !seen.has(base.productId)) {
    seen.add(base.productId);
    const ref = defined.get(base.relationship.productId);
    if (!ref) break;
    base = ref;
  }
  const vendor = base.vendor;
  const versionText = base.versionText;
  return {
    key: keyOf(p.productId),
    advisoryId,
    productId: p.productId,
    vendor,
    vendorId: vendor ? (normalizeVendor(vendor)?.id ?? null) : null,
    name: base.name ?? base.fullName,
    versionText,
    range: productRange(versionText, base.name ?? base.fullName),
    cpe: p.helper.cpe ?? (base === p ? null : base.helper.cpe),
    purl: p.helper.purl ?? (base === p ? null : base.helper.purl),
    fullName: p.fullName,
    family: base.family,
    modelNumbers: [...new Set([...base.helper.modelNumbers, ...p.helper.modelNumbers])],
    serialNumbers: [...new Set([...base.helper.serialNumbers, ...p.helper.serialNumbers])],
    relationship: p.relationship
      ? { category: p.relationship.category, productKey: keyOf(p.relationship.productId), relatesToKey: keyOf(p.relationship.relatesToId) }
      : null,
  };
}

type Resolve = (ids: unknown, groupIds: unknown, path: string, report?: boolean) => string[];

// §3.2.3.5 cvss_v2 / cvss_v3 inside §3.2.3.11 scores
function readCvss(v: unknown, defaultVersion: string): KbCvss | null {
  if (!isObject(v)) return null;
  const baseScore = typeof v.baseScore === 'number' ? v.baseScore : null;
  const vectorString = str(v.vectorString);
  if (baseScore === null || vectorString === null) return null;
  return { version: str(v.version) ?? defaultVersion, baseScore, baseSeverity: str(v.baseSeverity), vectorString };
}

/** The CVSS to show: the highest v3 base score, else the highest v2. */
function pickCvss(scores: unknown): KbCvss | null {
  let v3: KbCvss | null = null;
  let v2: KbCvss | null = null;
  for (const s of arr(scores).filter(isObject)) {
    const a = readCvss(s.cvss_v3, '3.1');
    if (a && (!v3 || a.baseScore > v3.baseScore)) v3 = a;
    const b = readCvss(s.cvss_v2, '2.0');
    if (b && (!v2 || b.baseScore > v2.baseScore)) v2 = b;
  }
  return v3 ?? v2;
}

function readVulnerability(v: JsonObject, index: number, advisoryId: string, path: string, resolve: Resolve, problems: Problems): KbVulnerability {
  // §3.2.3.2 cve, §3.2.3.6 ids
  const cve = str(v.cve);
  if (cve && !/^CVE-\d{4}-\d{4,}$/.test(cve)) problems.warning(`${path}/cve`, `"${cve}" is not a CVE id`);
  const ownId = arr(v.ids)
    .filter(isObject)
    .map((x) => str(x.text))
    .find((x) => x !== null);
  const cwe = isObject(v.cwe) ? str(v.cwe.id) : null;

  const status = { knownAffected: new Set<string>(), fixed: new Set<string>(), knownNotAffected: new Set<string>(), underInvestigation: new Set<string>() };
  if (v.product_status !== undefined && !isObject(v.product_status)) problems.error(`${path}/product_status`, 'product_status must be an object');
  if (isObject(v.product_status)) {
    for (const [list, ids] of Object.entries(v.product_status)) {
      const target = STATUS_MAP[list];
      const keys = resolve(ids, undefined, `${path}/product_status/${list}`);
      if (target) for (const k of keys) status[target].add(k);
      // 'recommended' names the versions to move to; it is not a status of the vulnerability.
      else if (list !== 'recommended') problems.warning(`${path}/product_status/${list}`, `unknown product_status list "${list}"`);
    }
  }
  // §3.2.3.12 scores reference products too: check them.
  arr(v.scores).forEach((s, i) => {
    if (isObject(s)) resolve(s.products, undefined, `${path}/scores/${i}`);
  });

  // §3.2.3.12 remediations
  const remediations: KbRemediation[] = [];
  arr(v.remediations).forEach((r, i) => {
    const rp = `${path}/remediations/${i}`;
    if (!isObject(r)) {
      problems.error(rp, 'a remediation must be an object');
      return;
    }
    const category = str(r.category);
    const details = str(r.details);
    if (!category) problems.error(`${rp}/category`, 'remediation category is missing');
    if (!details) problems.warning(`${rp}/details`, 'remediation details are missing');
    const productKeys = resolve(r.product_ids, r.group_ids, rp);
    if (category) remediations.push({ category, details: details ?? '', url: str(r.url), productKeys });
  });

  // §3.2.3.5 flags (VEX justification labels), §3.2.3.13 threats (category 'impact' explains why not affected)
  const justifications: Record<string, string> = {};
  arr(v.flags).forEach((f, i) => {
    if (!isObject(f)) return;
    const label = str(f.label);
    for (const k of resolve(f.product_ids, f.group_ids, `${path}/flags/${i}`)) if (label && status.knownNotAffected.has(k)) justifications[k] = label;
  });
  arr(v.threats).forEach((t, i) => {
    if (!isObject(t)) return;
    const keys = resolve(t.product_ids, t.group_ids, `${path}/threats/${i}`);
    const details = str(t.details);
    if (t.category === 'impact' && details) for (const k of keys) if (status.knownNotAffected.has(k) && !justifications[k]) justifications[k] = details;
  });

  return {
    advisoryId,
    id: cve ?? ownId ?? `${advisoryId}/vulnerability-${index + 1}`,
    cve,
    title: str(v.title),
    cwe,
    cvss: pickCvss(v.scores),
    knownAffected: [...status.knownAffected],
    fixed: [...status.fixed],
    knownNotAffected: [...status.knownNotAffected],
    underInvestigation: [...status.underInvestigation],
    justifications,
    remediations,
  };
}

/** §4.5 profile csaf_vex: one statement per product and status, with flags/threats as the reasons. */
function vexStatements(v: KbVulnerability, raw: JsonObject, path: string, resolve: Resolve, source: string): VexStatement[] {
  const flagOf = new Map<string, string>();
  const impactOf = new Map<string, string>();
  // Unknown ids were reported by readVulnerability already.
  const resolveQuiet = (ids: unknown, groups: unknown) => resolve(ids, groups, path, false);
  for (const f of arr(raw.flags).filter(isObject)) {
    const label = str(f.label);
    if (label) for (const k of resolveQuiet(f.product_ids, f.group_ids)) flagOf.set(k, label);
  }
  for (const t of arr(raw.threats).filter(isObject)) {
    const details = str(t.details);
    if (t.category === 'impact' && details) for (const k of resolveQuiet(t.product_ids, t.group_ids)) impactOf.set(k, details);
  }
  const actionOf = (k: string) => v.remediations.find((r) => r.productKeys.length === 0 || r.productKeys.includes(k))?.details ?? null;
  const out: VexStatement[] = [];
  for (const list of ['knownAffected', 'fixed', 'knownNotAffected', 'underInvestigation'] as const) {
    for (const k of v[list]) {
      const status = VEX_STATUS[list];
      out.push({
        vulnerability: v.cve ?? v.id,
        product: k,
        status,
        justification: status === 'not_affected' ? (flagOf.get(k) ?? null) : null,
        detail: status === 'not_affected' ? (impactOf.get(k) ?? null) : status === 'affected' ? actionOf(k) : null,
        source,
      });
    }
  }
  return out;
}

/** §6.1.6 contradicting product status: a product both affected and not affected (or fixed). */
function checkContradictions(vulns: KbVulnerability[], problems: Problems): void {
  vulns.forEach((v, i) => {
    const affected = new Set(v.knownAffected);
    for (const k of [...v.knownNotAffected, ...v.fixed]) {
      if (affected.has(k)) problems.warning(`/vulnerabilities/${i}/product_status`, `${k} is listed both as affected and as not affected or fixed (CSAF 2.0 §6.1.6)`);
    }
  });
}
