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

/**
 * Significant tokens of a product or device name: lower case, alphanumeric
 * runs, no stopwords. Bare numbers of two digits or more are kept: they are
 * model numbers ("Alaris 8000" is not "Alaris 8015").
 */
export function nameTokens(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length < 2 || STOPWORDS.has(raw)) continue;
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

/** A family word ("intellivue", "alaris") versus a model code ("8015", "mx", "gs", "cx50"). */
const isModelToken = (t: string): boolean => /\d/.test(t) || t.length <= 3;

/**
 * A device's name tokens with, for fast matching, every prefix of four
 * characters or more of each token (so "intellivuemx450" answers for
 * "intellivue"). Build once per device.
 */
export class DeviceTokens {
  readonly tokens: Set<string>;
  private readonly prefixes = new Set<string>();

  constructor(tokens: Iterable<string>) {
    this.tokens = new Set(tokens);
    for (const t of this.tokens) for (let n = 4; n <= t.length; n++) this.prefixes.add(t.slice(0, n));
  }

  get size(): number {
    return this.tokens.size;
  }

  /** Does product token `p` appear: equal, a prefix of a device token, or (4+ chars) extended by one? */
  has(p: string): boolean {
    if (this.tokens.has(p)) return true;
    if (p.length >= 4) {
      if (this.prefixes.has(p)) return true; // "intellivue" ~ "intellivuemx450"
      for (const d of this.tokens) if (d.length >= 4 && d.length < p.length && p.startsWith(d)) return true; // device token is a prefix of p
      return false;
    }
    // A short model code "mx" ~ "mx450" (code then digits).
    if (/^[a-z]+$/.test(p)) {
      for (const d of this.tokens) if (d.startsWith(p) && /^\d/.test(d.slice(p.length))) return true;
    }
    return false;
  }
}

function present(p: string, device: DeviceTokens): boolean {
  return device.has(p);
}

/** A product name cut once into what matching needs (see `matchName`). */
export interface CompiledName {
  tokens: string[];
  family: string[];
  models: string[];
  numbers: string[];
}

/** Cut a product name's tokens into family words, model codes and model numbers. */
export function compileName(tokens: string[]): CompiledName {
  const models = tokens.filter(isModelToken);
  return { tokens, family: tokens.filter((t) => !isModelToken(t)), models, numbers: models.filter((m) => /\d/.test(m)) };
}

/**
 * Compare a product name with the names a device goes by.
 *  - A product with a model number ("Medfusion 4000 Wireless Syringe
 *    Infusion Pump", "IntelliVue MX40 Patient Worn Monitor"): the device must
 *    carry one of its model numbers (a different number is a different
 *    model) and the product line, its first family word; the rest of the
 *    name is description.
 *  - Otherwise every family word must be there ("Alaris Gateway
 *    Workstation"), and one of its model codes if it names any ("Alaris CC").
 *  - A name made only of model codes ("SX-500") must match whole.
 * Null when that does not hold.
 */
export function matchName(productTokens: string[] | CompiledName, deviceTokens: Set<string> | DeviceTokens): NameMatch | null {
  const c = Array.isArray(productTokens) ? compileName(productTokens) : productTokens;
  if (deviceTokens instanceof Set) deviceTokens = new DeviceTokens(deviceTokens);
  if (c.tokens.length === 0 || deviceTokens.size === 0) return null;
  const shared: string[] = [];
  if (c.numbers.length > 0) {
    const numbers = c.numbers.filter((m) => present(m, deviceTokens));
    if (numbers.length === 0) return null;
    if (c.family.length > 0 && !present(c.family[0], deviceTokens)) return null;
    if (c.family.length === 0 && c.models.some((m) => !present(m, deviceTokens))) return null;
    shared.push(...c.family.filter((f) => present(f, deviceTokens)), ...c.models.filter((m) => present(m, deviceTokens)));
    return { score: shared.length / c.tokens.length, shared };
  }
  for (const f of c.family) if (!present(f, deviceTokens)) return null;
  shared.push(...c.family);
  if (c.models.length > 0) {
    const hits = c.models.filter((m) => present(m, deviceTokens));
    if (hits.length === 0) return null;
    if (c.family.length === 0 && hits.length < c.models.length) return null;
    shared.push(...hits);
  }
  return { score: shared.length / c.tokens.length, shared };
}

/** matchName enforces the structure; no further share of tokens is required. */
export const NAME_MATCH_THRESHOLD = 0;
