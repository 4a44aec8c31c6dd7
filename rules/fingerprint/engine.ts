/**
 * The fingerprint engine: a pure function from an inventory device and a
 * rule pack to what the device is.
 *
 * Combination, when several rules match:
 *  1. The vendor comes from the strongest 'device' rule that names one; the
 *     device's own Manufacturer, normalised (vendors.ts), competes as if it
 *     were a rule of confidence MANUFACTURER_CONFIDENCE. Only when neither
 *     gives a vendor does the strongest 'software' rule (a toolkit such as
 *     DCMTK) name the device — after the MAC's IEEE registrant, when that
 *     is a vendor we know (MAC_VENDOR_CONFIDENCE).
 *  2. Product, model, version, CPE and purl come from the strongest rules
 *     that agree with that vendor (same vendorId, or none) — never from a
 *     rule about another vendor, so a GE scanner that speaks DICOM through
 *     DCMTK is not reported as "GE DCMTK 3.6.7". Version, CPE and purl also
 *     agree with the chosen product.
 *  3. Device class: the strongest rule that gives one, else the inventory's.
 *  4. Model and version fall back to what the device reported.
 *  5. Confidence: the highest confidence among the rules that contributed a
 *     field. `rules` lists every matched rule, strongest first; `because`
 *     every matched condition and every fallback used. Software rules are
 *     also listed in `components` whatever won.
 */
import type { DeviceRecord } from '../../agent/inventory/types.js';
import { attributeValues } from './attributes.js';
import type { Attribute, Condition, DeviceComponent, FingerprintIdentity, Rule, RulePack, ValueFrom } from './types.js';
import { normalizeVendor, vendorById } from './vendors.js';

/** How much the device's own Manufacturer attribute counts, once normalised to a known vendor. */
export const MANUFACTURER_CONFIDENCE = 0.7;
/** How much the IEEE registrant of the device's MAC counts, once normalised to a known vendor. */
export const MAC_VENDOR_CONFIDENCE = 0.4;

type Because = FingerprintIdentity['because'][number];

interface CompiledCondition {
  c: Condition;
  test: (value: string) => boolean;
  text: string;
}

interface CompiledRule {
  rule: Rule;
  index: number;
  conditions: CompiledCondition[];
  regexes: Map<string, RegExp>;
}

const compiledPacks = new WeakMap<RulePack, CompiledRule[]>();

function norm(v: string, cs: boolean | undefined): string {
  const t = v.trim();
  return cs ? t : t.toLowerCase();
}

/** Compile one condition; throws on a bad regex (validate.ts reports it first). */
export function compileCondition(c: Condition): CompiledCondition {
  const cs = c.caseSensitive === true;
  let test: (v: string) => boolean;
  let text: string;
  if (c.equals !== undefined) {
    const x = norm(c.equals, cs);
    test = (v) => norm(v, cs) === x;
    text = `equals ${JSON.stringify(c.equals)}`;
  } else if (c.prefix !== undefined) {
    const x = norm(c.prefix, cs);
    test = (v) => norm(v, cs).startsWith(x);
    text = `prefix ${JSON.stringify(c.prefix)}`;
  } else if (c.regex !== undefined) {
    const re = new RegExp(c.regex, cs ? 'u' : 'iu');
    test = (v) => re.test(v.trim());
    text = `regex /${c.regex}/`;
  } else if (c.in !== undefined) {
    const set = new Set(c.in.map((x) => norm(x, cs)));
    test = (v) => set.has(norm(v, cs));
    text = `in [${c.in.map((x) => JSON.stringify(x)).join(', ')}]`;
  } else {
    throw new Error(`condition on ${c.attribute} has no operator`);
  }
  if (c.negate) text = `not ${text}`;
  return { c, test, text };
}

function compile(pack: RulePack): CompiledRule[] {
  let compiled = compiledPacks.get(pack);
  if (!compiled) {
    compiled = pack.rules.map((rule, index) => {
      const regexes = new Map<string, RegExp>();
      for (const v of [rule.identity.version, rule.identity.model]) {
        if (v && typeof v === 'object' && v.regex) regexes.set(v.regex, new RegExp(v.regex, 'iu'));
      }
      return { rule, index, conditions: rule.match.map(compileCondition), regexes };
    });
    compiledPacks.set(pack, compiled);
  }
  return compiled;
}

interface RuleResult {
  rule: Rule;
  index: number;
  confidence: number;
  subject: 'device' | 'software';
  vendorId: string | null;
  product: string | null;
  model: string | null;
  version: string | null;
  deviceClass: string | null;
  cpe: string | null;
  purl: string | null;
  because: Because[];
}

/** Escape a value for a CPE 2.3 formatted string (NISTIR 7695 §6.2). */
export function cpeValue(v: string): string {
  return v
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '_')
    .replace(/[\\!"#$%&'()+,/:;<=>@[\]^`{|}~?*]/g, (ch) => `\\${ch}`);
}

function fillTemplate(template: string | undefined, version: string | null, kind: 'cpe' | 'purl'): string | null {
  if (!template) return null;
  if (kind === 'cpe') return template.replace(/\{version\}/g, version ? cpeValue(version) : '*');
  if (version) return template.replace(/\{version\}/g, encodeURIComponent(version));
  return template.replace(/@\{version\}/g, '').replace(/\{version\}/g, '');
}

/** A device's values of one attribute; memoised per device while its rules are evaluated. */
type ValuesOf = (attribute: Attribute) => string[];

function valueFrom(
  spec: string | ValueFrom | undefined,
  valuesOf: ValuesOf,
  matchedValues: Map<string, string>,
  regexes: Map<string, RegExp>,
): string | null {
  if (spec === undefined) return null;
  if (typeof spec === 'string') return spec;
  const values = valuesOf(spec.from);
  const first = matchedValues.get(spec.from);
  const ordered = first ? [first, ...values.filter((v) => v !== first)] : values;
  for (const v of ordered) {
    if (!spec.regex) return v.trim();
    const m = regexes.get(spec.regex)!.exec(v.trim());
    if (!m) continue;
    const out = (spec.format ?? '$1').replace(/\$(\d)/g, (_, n: string) => m[Number(n)] ?? '');
    if (out) return out;
  }
  return null;
}

function evaluate(cr: CompiledRule, valuesOf: ValuesOf): RuleResult | null {
  const because: Because[] = [];
  const matchedValues = new Map<string, string>();
  for (const cc of cr.conditions) {
    const values = valuesOf(cc.c.attribute);
    const hit = values.find((v) => cc.test(v));
    if (cc.c.negate) {
      if (hit !== undefined) return null;
      because.push({ rule: cr.rule.id, attribute: cc.c.attribute, value: values.join(', ') || '(absent)', condition: cc.text });
    } else {
      if (hit === undefined) return null;
      if (!matchedValues.has(cc.c.attribute)) matchedValues.set(cc.c.attribute, hit);
      because.push({ rule: cr.rule.id, attribute: cc.c.attribute, value: hit, condition: cc.text });
    }
  }
  const id = cr.rule.identity;
  const version = valueFrom(id.version, valuesOf, matchedValues, cr.regexes);
  return {
    rule: cr.rule,
    index: cr.index,
    confidence: cr.rule.confidence,
    subject: id.subject ?? 'device',
    vendorId: id.vendorId ?? null,
    product: id.product ?? null,
    model: valueFrom(id.model, valuesOf, matchedValues, cr.regexes),
    version,
    deviceClass: id.deviceClass ?? null,
    cpe: fillTemplate(id.cpe, version, 'cpe'),
    purl: fillTemplate(id.purl, version, 'purl'),
    because,
  };
}

/** Every rule of `pack` that matches `device`, strongest first (ties: pack order). */
export function matchRules(device: DeviceRecord, pack: RulePack): RuleResult[] {
  const out: RuleResult[] = [];
  // Every rule reads the same few attributes: derive each once per device.
  const memo = new Map<Attribute, string[]>();
  const valuesOf: ValuesOf = (attribute) => {
    let values = memo.get(attribute);
    if (values === undefined) memo.set(attribute, (values = attributeValues(device, attribute)));
    return values;
  };
  for (const cr of compile(pack)) {
    const r = evaluate(cr, valuesOf);
    if (r) out.push(r);
  }
  return out.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
}

/**
 * Identify a device: which vendor, product, model, version and device class
 * the rules of `pack` say it is, with CPE/purl and the reasons. Pure.
 */
export function identify(device: DeviceRecord, pack: RulePack): FingerprintIdentity {
  const matched = matchRules(device, pack);
  const because: Because[] = matched.flatMap((r) => r.because);
  const contributed = new Set<RuleResult | 'manufacturer' | 'mac'>();
  const deviceRules = matched.filter((r) => r.subject === 'device');
  const softwareRules = matched.filter((r) => r.subject === 'software');

  // 1. Vendor.
  let vendorId: string | null = null;
  let vendor: string | null = null;
  let pool: RuleResult[] = deviceRules;
  let deviceSide = true;
  const byRule = deviceRules.find((r) => r.vendorId);
  const manufacturer = device.manufacturer?.trim() || null;
  const normalised = manufacturer ? normalizeVendor(manufacturer) : null;
  if (byRule && (!normalised || byRule.vendorId === normalised.id || byRule.confidence >= MANUFACTURER_CONFIDENCE)) {
    vendorId = byRule.vendorId;
    contributed.add(byRule);
  } else if (normalised) {
    vendorId = normalised.id;
    contributed.add('manufacturer');
    because.push({ rule: 'vendor-normalisation', attribute: 'manufacturer', value: manufacturer!, condition: `normalises to ${normalised.id}` });
  } else if (device.macVendor && normalizeVendor(device.macVendor)) {
    // The IEEE registrant of the MAC: only vendors we know (medical and
    // health IT), so a NIC maker (Intel, VMware) never names the device.
    vendorId = normalizeVendor(device.macVendor)!.id;
    contributed.add('mac');
    because.push({ rule: 'vendor-normalisation', attribute: 'macVendor', value: device.macVendor, condition: `normalises to ${vendorId}` });
  } else {
    const bySoftware = softwareRules.find((r) => r.vendorId);
    if (bySoftware) {
      vendorId = bySoftware.vendorId;
      contributed.add(bySoftware);
      pool = [...deviceRules, ...softwareRules].sort((a, b) => b.confidence - a.confidence || a.index - b.index);
      deviceSide = false;
    }
  }
  if (vendorId) vendor = vendorById(vendorId)?.display ?? vendorId;
  else if (manufacturer) vendor = manufacturer;

  // 2. Fields from the rules that agree with the vendor (and product).
  const agrees = pool.filter((r) => r.vendorId === null || r.vendorId === vendorId);
  const take = <K extends 'product' | 'model' | 'version' | 'cpe' | 'purl'>(rules: RuleResult[], key: K): RuleResult[K] => {
    const r = rules.find((x) => x[key] !== null);
    if (!r) return null as RuleResult[K];
    contributed.add(r);
    return r[key];
  };
  const product = take(agrees, 'product');
  const sameProduct = agrees.filter((r) => r.product === null || r.product === product);
  let model = take(agrees, 'model');
  let version = take(sameProduct, 'version');
  const cpe = take(sameProduct, 'cpe');
  const purl = take(sameProduct, 'purl');

  // 3. Device class.
  let deviceClass: string | null = null;
  const cls = matched.find((r) => r.deviceClass !== null);
  if (cls) {
    deviceClass = cls.deviceClass;
    contributed.add(cls);
  } else if (device.deviceClass) {
    deviceClass = device.deviceClass;
    because.push({ rule: 'inventory', attribute: 'deviceClass', value: device.deviceClass, condition: 'classified by the inventory' });
  }

  // 4. What the device said about itself.
  if (model === null && device.model && deviceSide) {
    model = device.model;
    because.push({ rule: 'inventory', attribute: 'model', value: device.model, condition: 'reported by the device' });
  }
  if (version === null && deviceSide && device.softwareVersions.length > 0) {
    version = device.softwareVersions[0]!;
    because.push({ rule: 'inventory', attribute: 'softwareVersion', value: version, condition: 'reported by the device' });
  }

  // 5. Confidence.
  let confidence = 0;
  for (const c of contributed) confidence = Math.max(confidence, c === 'manufacturer' ? MANUFACTURER_CONFIDENCE : c === 'mac' ? MAC_VENDOR_CONFIDENCE : c.confidence);

  const components: DeviceComponent[] = softwareRules.map((r) => ({
    rule: r.rule.id,
    vendorId: r.vendorId,
    vendor: r.vendorId ? (vendorById(r.vendorId)?.display ?? r.vendorId) : null,
    product: r.product,
    version: r.version,
    cpe: r.cpe,
    purl: r.purl,
    confidence: r.confidence,
  }));

  return {
    vendorId,
    vendor,
    product,
    model,
    version,
    deviceClass,
    cpe,
    purl,
    confidence,
    rules: matched.map((r) => r.rule.id),
    because,
    components,
  };
}

/** The identity one rule gives on its own (rule examples' `expect`), or null when it does not match. */
export function identifyWithRule(device: DeviceRecord, rule: Rule): FingerprintIdentity | null {
  const pack: RulePack = { name: 'single', version: '0', rules: [{ ...rule, identity: { ...rule.identity, subject: 'device' } }] };
  const r = matchRules(device, pack);
  if (r.length === 0) return null;
  const one = r[0]!;
  return {
    vendorId: one.vendorId,
    vendor: one.vendorId ? (vendorById(one.vendorId)?.display ?? one.vendorId) : null,
    product: one.product,
    model: one.model,
    version: one.version,
    deviceClass: one.deviceClass,
    cpe: one.cpe,
    purl: one.purl,
    confidence: one.confidence,
    rules: [rule.id],
    because: one.because,
    components: [],
  };
}
