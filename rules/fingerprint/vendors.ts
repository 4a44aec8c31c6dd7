/**
 * Vendor-name normalisation: the many ways devices, advisories and SBOMs
 * spell a manufacturer ("GE MEDICAL SYSTEMS", "G.E. Medical Systems",
 * "General Electric (GE)", "GE HealthCare") become one id ('ge-healthcare').
 *
 * Steps, in order: repair mojibake (UTF-8 read as Latin-1, "DrÃ¤ger"), fold
 * accents and case, drop punctuation ("G.E." → "ge") and corporate suffixes
 * (Inc., Ltd, GmbH, AG, Corporation, Co.), then look the key up: exact name,
 * then a known leading word ("Siemens AG Medical Solutions"), then a typo of
 * one edit against a known name of six letters or more. A parenthetical
 * ("(GE)", "(BD)") is tried when the main text does not resolve; a list of
 * several vendors ("Silex Technology and GE Healthcare") resolves to the
 * first one known (normalizeVendors returns them all).
 *
 * Unknown names give null: a device from a vendor we have never heard of
 * keeps its raw name, it is never forced onto a known one.
 */
import { NOT_VENDORS, VENDORS, type VendorEntry } from './vendor-table.js';

export interface VendorMatch {
  id: string;
  display: string;
}

/** How a name was resolved (for explanations and the vendor test's report). */
export interface VendorResolution extends VendorMatch {
  key: string;
  how: 'exact' | 'prefix' | 'typo' | 'parenthetical' | 'list';
}

const TYPO_MIN_LENGTH = 6;

const CORPORATE_SUFFIXES = new Set([
  'inc', 'incorporated', 'ltd', 'limited', 'llc', 'plc', 'gmbh', 'ag', 'corp', 'corporation', 'co', 'company',
  'sa', 'nv', 'bv', 'oy', 'ab', 'kk', 'kg', 'srl', 'spa', 'sas', 'ev', 'and', 'the', 'usa', 'us',
]);

const byName = new Map<string, VendorEntry>();
const byPrefix = new Map<string, VendorEntry>();
const byId = new Map<string, VendorEntry>();
for (const v of VENDORS) {
  if (byId.has(v.id)) throw new Error(`vendor table: duplicate id ${v.id}`);
  byId.set(v.id, v);
  for (const n of v.names) {
    const prev = byName.get(n);
    if (prev && prev.id !== v.id) throw new Error(`vendor table: '${n}' names both ${prev.id} and ${v.id}`);
    byName.set(n, v);
  }
  for (const p of v.prefixes ?? []) {
    const prev = byPrefix.get(p);
    if (prev && prev.id !== v.id) throw new Error(`vendor table: prefix '${p}' names both ${prev.id} and ${v.id}`);
    byPrefix.set(p, v);
  }
}
const notVendors = new Set(NOT_VENDORS);
const typoCandidates = [...byName.keys()].filter((n) => n.length >= TYPO_MIN_LENGTH);
const typoPrefixes = [...byPrefix.keys()].filter((n) => n.length >= TYPO_MIN_LENGTH && !n.includes(' '));

const MOJIBAKE = /[\u00C2\u00C3\u00C5][\u0080-\u00BF]/;

/**
 * Undo UTF-8 bytes decoded as Latin-1 ("DrÃ¤ger" → "Dräger"), at most twice
 * (double encoding). Text that is not such mojibake comes back unchanged.
 */
export function repairMojibake(text: string): string {
  let s = text;
  for (let i = 0; i < 2 && MOJIBAKE.test(s); i++) {
    if (![...s].every((c) => c.codePointAt(0)! <= 0xff)) break;
    const fixed = Buffer.from(s, 'latin1').toString('utf8');
    if (fixed.includes('\uFFFD')) break;
    s = fixed;
  }
  return s;
}

function fold(text: string): string {
  return repairMojibake(text)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .toLowerCase();
}

function clean(folded: string): string {
  const words = folded
    .replace(/\./g, '') // "G.E." → "ge", "B. Braun" → "b braun"
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  while (words.length > 1 && CORPORATE_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  while (words.length > 1 && words[0] === 'the') words.shift();
  return words.join(' ');
}

/**
 * The normalised lookup key of a vendor name: accents folded, lower case,
 * punctuation and corporate suffixes dropped, parentheticals removed.
 * Useful on its own as a stable fallback id for vendors we do not know.
 */
export function vendorKey(text: string): string {
  return clean(fold(text).replace(/\([^)]*\)/g, ' '));
}

/** Optimal string alignment distance, stopping early above 1. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const ra = a.slice(i + 1);
  const rb = b.slice(i + 1);
  if (a.length === b.length) {
    if (ra === rb) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // transposition
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

function resolveKey(key: string): { entry: VendorEntry; how: 'exact' | 'prefix' | 'typo' } | null | 'denied' {
  if (!key) return null;
  const words = key.split(' ');
  for (let n = words.length; n >= 1; n--) {
    if (notVendors.has(words.slice(0, n).join(' '))) return 'denied';
  }
  const exact = byName.get(key);
  if (exact) return { entry: exact, how: 'exact' };
  for (let n = words.length; n >= 1; n--) {
    const p = byPrefix.get(words.slice(0, n).join(' '));
    if (p) return { entry: p, how: 'prefix' };
  }
  // One edit, only against long known names, and only when unambiguous.
  if (key.length >= TYPO_MIN_LENGTH) {
    const hits = new Set(typoCandidates.filter((n) => withinOneEdit(key, n)).map((n) => byName.get(n)!));
    if (hits.size === 1) return { entry: [...hits][0]!, how: 'typo' };
  }
  const first = words[0]!;
  if (first.length >= TYPO_MIN_LENGTH) {
    const hits = new Set(typoPrefixes.filter((p) => withinOneEdit(first, p)).map((p) => byPrefix.get(p)!));
    if (hits.size === 1) return { entry: [...hits][0]!, how: 'typo' };
  }
  return null;
}

/**
 * Results by input text. The same few hundred manufacturer strings recur
 * across a whole inventory, and resolving one folds, cleans and searches:
 * memoised, bounded (cleared when full) so memory stays flat.
 */
const resolved = new Map<string, VendorResolution | null>();
const RESOLVED_CAP = 50_000;

/** Resolve a vendor name with the reason it resolved; null when unknown. */
export function resolveVendor(text: string): VendorResolution | null {
  if (typeof text !== 'string') return null;
  const hit = resolved.get(text);
  if (hit !== undefined) return hit;
  const r = resolveUncached(text);
  if (resolved.size >= RESOLVED_CAP) resolved.clear();
  resolved.set(text, r);
  return r;
}

function resolveUncached(text: string): VendorResolution | null {
  const folded = fold(text);
  const main = clean(folded.replace(/\([^)]*\)/g, ' '));
  const r = resolveKey(main);
  if (r === 'denied') return null;
  if (r) return { id: r.entry.id, display: r.entry.display, key: main, how: r.how };
  for (const m of folded.matchAll(/\(([^)]*)\)/g)) {
    const k = clean(m[1]!);
    const p = resolveKey(k);
    if (p && p !== 'denied') return { id: p.entry.id, display: p.entry.display, key: k, how: 'parenthetical' };
  }
  const all = resolveList(folded);
  if (all.length > 0) return { ...all[0]!, how: 'list' };
  return null;
}

function resolveList(folded: string): VendorResolution[] {
  const out: VendorResolution[] = [];
  const parts = folded
    .replace(/\([^)]*\)/g, ' ')
    .split(/,|;|\/|\band\b|&/)
    .map(clean)
    .filter(Boolean);
  if (parts.length < 2) return out;
  for (const k of parts) {
    const r = resolveKey(k);
    if (r && r !== 'denied' && !out.some((o) => o.id === r.entry.id)) out.push({ id: r.entry.id, display: r.entry.display, key: k, how: r.how });
  }
  return out;
}

/**
 * Normalise a vendor name to a known vendor id and display name, or null
 * when the name is not a vendor we know.
 *
 * @example normalizeVendor('G.E. Medical Systems') // { id: 'ge-healthcare', display: 'GE HealthCare' }
 */
export function normalizeVendor(text: string): VendorMatch | null {
  const r = resolveVendor(text);
  return r ? { id: r.id, display: r.display } : null;
}

/**
 * Every known vendor a name lists, in order ("ENEA, Green Hills Software,
 * ITRON, IP Infusion, and Wind River" → five). A single name gives one.
 */
export function normalizeVendors(text: string): VendorMatch[] {
  const one = resolveVendor(text);
  const list = resolveList(fold(text)).map(({ id, display }) => ({ id, display }));
  if (list.length > 0) {
    if (one && !list.some((v) => v.id === one.id)) list.unshift({ id: one.id, display: one.display });
    return list;
  }
  return one ? [{ id: one.id, display: one.display }] : [];
}

/** The vendor entry for an id, or null. */
export function vendorById(id: string): VendorMatch | null {
  const v = byId.get(id);
  return v ? { id: v.id, display: v.display } : null;
}

/** Every known vendor id. */
export function knownVendorIds(): string[] {
  return [...byId.keys()];
}
