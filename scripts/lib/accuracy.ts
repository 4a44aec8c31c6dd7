/**
 * The correlation accuracy set: for each advisory product, a synthetic device
 * whose version is inside the product's range and one whose version is
 * outside it, with the advisories each should and should not match. Ground
 * truth comes from the advisories' own ranges (every product of the same
 * vendor and name), so the set measures what correlation adds on top:
 * vendor normalisation, product-name matching and version comparison.
 */
import type { DeviceRecord } from '../../rules/inventory.js';
import type { KbProduct, KnowledgeBase, VersionRange } from '../../rules/types.js';
import { deviceFromFragment, normalizeVendor } from '../../rules/fingerprint/index.js';
import { nameTokens } from '../../rules/correlate/product-match.js';
import { satisfies } from '../../rules/versions/range.js';

export interface AccuracyCase {
  device: DeviceRecord;
  /** Advisories that must produce an 'affected' (or 'version_unknown') finding. */
  expected: Set<string>;
  /** The product it was made from, and which side of its range. */
  product: KbProduct;
  side: 'in' | 'out';
}

/** A version inside the range (first interval), or null. */
function versionInside(range: VersionRange): string | null {
  if (range.kind === 'all') return '1.0';
  if (range.kind !== 'constraints') return null;
  for (const interval of range.intervals) {
    const cands: string[] = [];
    for (const c of interval) {
      if (c.op === '=' || c.op === '<=' || c.op === '>=') cands.push(c.version);
      if (c.op === '>') cands.push(`${c.version}.1`, `${c.version}1`);
      if (c.op === '<') cands.push(`${c.version}`.replace(/\d+(?!.*\d)/, (n) => (Number(n) > 0 ? String(Number(n) - 1) : n)), '0.0.1', '0');
    }
    for (const v of cands) if (satisfies(v, range) === true) return v;
  }
  return null;
}

/** A version outside every interval of the range, or null (e.g. "all versions"). */
function versionOutside(range: VersionRange): string | null {
  if (range.kind !== 'constraints') return null;
  const cands: string[] = [];
  for (const interval of range.intervals) {
    for (const c of interval) {
      if (c.op === '<' || c.op === '<=' || c.op === '=') cands.push(`${c.version}.99`, `${c.version}1`, '99999');
      if (c.op === '>' || c.op === '>=' || c.op === '=') cands.push('0.0.1', '0');
    }
  }
  for (const v of cands) if (satisfies(v, range) === false) return v;
  return null;
}

const vendorIdOf = (p: KbProduct): string | null => p.vendorId ?? (p.vendor ? normalizeVendor(p.vendor)?.id ?? p.vendor.toLowerCase() : null);

/**
 * Ground-truth product identity: normalised vendor and the product name's
 * significant tokens, with the vendor's own name dropped, so that "BD Pyxis
 * ParAssist System" and "Pyxis ParAssist", or "PIC iX" and "PICiX", are one
 * product. Deliberately stricter than correlation's matcher: a product whose
 * name merely contains another's (SpaceCom in "SpaceStation with SpaceCom")
 * counts as a different product here.
 */
export function productIdentity(p: KbProduct): string {
  const vendor = vendorIdOf(p);
  const tokens = nameTokens(p.name).filter((t) => normalizeVendor(t)?.id !== vendor || t.length > 12);
  return `${vendor}\0${tokens.join('')}`;
}

export interface AccuracySet {
  cases: AccuracyCase[];
  /** Products skipped, by reason. */
  skipped: Record<string, number>;
}

/** Build the set from every product of the KB that some vulnerability marks as affected. */
export function buildAccuracySet(kb: KnowledgeBase): AccuracySet {
  const affected = new Set(kb.vulnerabilities.flatMap((v) => v.knownAffected));
  // Products with the same vendor and name, across all advisories: the ground truth.
  const sameProduct = new Map<string, KbProduct[]>();
  const key = productIdentity;
  for (const p of kb.products) {
    if (!affected.has(p.key)) continue;
    const list = sameProduct.get(key(p)) ?? [];
    list.push(p);
    sameProduct.set(key(p), list);
  }
  const cases: AccuracyCase[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  const truth = (p: KbProduct, version: string): Set<string> => {
    const out = new Set<string>();
    for (const q of sameProduct.get(key(p)) ?? []) {
      if (q.range.kind === 'all' || satisfies(version, q.range) === true) out.add(q.advisoryId);
    }
    return out;
  };
  let n = 0;
  for (const p of kb.products) {
    if (!affected.has(p.key)) continue;
    if (!p.vendor) {
      skip('no vendor');
      continue;
    }
    if (p.range.kind === 'unparsed') {
      skip('version range not parsed');
      continue;
    }
    const inside = versionInside(p.range);
    if (inside === null) skip('no version inside the range found');
    else cases.push({ device: deviceFromFragment({ manufacturer: p.vendor, model: p.name, softwareVersions: [inside] }, `acc:${++n}`), expected: truth(p, inside), product: p, side: 'in' });
    const outside = versionOutside(p.range);
    if (outside === null) skip(p.range.kind === 'all' ? 'all versions: no out-of-range device' : 'no version outside the range found');
    else cases.push({ device: deviceFromFragment({ manufacturer: p.vendor, model: p.name, softwareVersions: [outside] }, `acc:${++n}`), expected: truth(p, outside), product: p, side: 'out' });
  }
  return { cases, skipped };
}

export interface AccuracyScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** Examples of mistakes, for the report. */
  misses: string[];
  wrong: string[];
}

/**
 * Score findings against the set. A finding counts when its status says the
 * device is (or may be) affected: 'affected', 'version_unknown' or
 * 'under_investigation'.
 */
export function scoreAccuracy(set: AccuracySet, findings: Array<{ deviceId: string; advisoryIds: string[]; status: string; kind: string }>): AccuracyScore {
  const found = new Map<string, Set<string>>();
  for (const f of findings) {
    if (f.kind !== 'advisory' || !['affected', 'version_unknown', 'under_investigation'].includes(f.status)) continue;
    const s = found.get(f.deviceId) ?? new Set();
    for (const a of f.advisoryIds) s.add(a);
    found.set(f.deviceId, s);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const misses: string[] = [];
  const wrong: string[] = [];
  for (const c of set.cases) {
    const got = found.get(c.device.id) ?? new Set<string>();
    for (const a of c.expected) {
      if (got.has(a)) tp++;
      else {
        fn++;
        if (misses.length < 20) misses.push(`${a}: ${c.product.vendor} / ${c.product.name} @ ${c.device.softwareVersions[0]} (${c.product.versionText})`);
      }
    }
    for (const a of got) {
      if (!c.expected.has(a)) {
        fp++;
        if (wrong.length < 20) wrong.push(`${a} on ${c.product.vendor} / ${c.product.name} @ ${c.device.softwareVersions[0]} (made from ${c.product.advisoryId}, ${c.side})`);
      }
    }
  }
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    misses,
    wrong,
  };
}
