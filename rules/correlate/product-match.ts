/**
 * Does a device look like an advisory's product? Advisories name products in
 * free text ("IntelliVue MX/MP Patient Monitors", "LOGIQ", "Alaris PC Unit
 * model 8015"); devices name themselves in model strings, HL7 application
 * names, DHCP vendor classes. Both are cut into significant tokens and
 * compared; generic words ("patient", "monitor", "system") never decide a
 * match on their own.
 */

/** Words that describe a kind of product rather than which one. */
const STOPWORDS = new Set([
  'a', 'an', 'and', 'or', 'the', 'of', 'for', 'with', 'in', 'on', 'by', 'to', 'all', 'any', 'other',
  'version', 'versions', 'ver', 'model', 'models', 'series', 'family', 'product', 'products', 'line',
  'system', 'systems', 'software', 'firmware', 'device', 'devices', 'unit', 'units', 'module', 'modules',
  'patient', 'patients', 'monitor', 'monitors', 'monitoring', 'medical', 'healthcare', 'health', 'care',
  'clinical', 'hospital', 'server', 'servers', 'client', 'clients', 'application', 'applications', 'app',
  'platform', 'solution', 'solutions', 'suite', 'station', 'stations', 'console', 'controller', 'interface',
  'gateway', 'workstation', 'workstations', 'pump', 'pumps', 'infusion', 'imaging', 'scanner', 'scanners',
  'inc', 'ltd', 'llc', 'gmbh', 'ag', 'co', 'corp', 'corporation', 'company', 'sa', 'bv', 'nv', 'plc',
  'prior', 'before', 'after', 'later', 'earlier', 'through', 'including', 'excluding', 'only', 'not',
  'ultrasound', 'mri', 'ct', 'x', 'ray', 'xray', 'v', 'r', 'rev', 'sp', 'update', 'release',
]);

/** Significant tokens of a product or device name: lower case, alphanumeric runs, no stopwords, no bare numbers. */
export function nameTokens(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length < 2 || STOPWORDS.has(raw) || /^\d+$/.test(raw)) continue;
    out.push(raw);
  }
  return out;
}

export interface NameMatch {
  /** Share of the product's significant tokens found on the device, 0..1. */
  score: number;
  /** The tokens that matched, for the explanation. */
  shared: string[];
}

/**
 * Compare a product name with the names a device goes by. A product token
 * matches a device token when they are equal, or when one starts with the
 * other and the shorter has at least 4 characters ("intellivue" ~
 * "intellivuemx450" after punctuation is dropped). Null when nothing
 * significant matches.
 */
export function matchName(productTokens: string[], deviceTokens: Set<string>): NameMatch | null {
  if (productTokens.length === 0 || deviceTokens.size === 0) return null;
  const shared: string[] = [];
  for (const p of productTokens) {
    if (deviceTokens.has(p)) {
      shared.push(p);
      continue;
    }
    for (const d of deviceTokens) {
      const [short, long] = p.length <= d.length ? [p, d] : [d, p];
      if (short.length >= 4 && long.startsWith(short)) {
        shared.push(p);
        break;
      }
    }
  }
  if (shared.length === 0) return null;
  return { score: shared.length / productTokens.length, shared };
}

/** Minimum share of a product's significant tokens a device must show. */
export const NAME_MATCH_THRESHOLD = 0.5;
