/**
 * After a capture is read: give every device its fingerprint identity (the
 * rule pack) and, when a knowledge base is given, its findings. The same
 * step serves `auscult inventory --kb` and `auscult correlate --inventory`.
 */
import { fileURLToPath } from 'node:url';
import { correlate } from '../../rules/correlate/index.js';
import { identify, normalizeVendor, RulesError, type RulePack } from '../../rules/fingerprint/index.js';
import { loadRulePack } from '../../rules/fingerprint/load.js';
import type { DeviceIdentity, KnowledgeBase } from '../../rules/types.js';
import { AuscultError } from '../errors.js';
import type { DeviceRecord, InventoryReport } from './types.js';

/** The seed rule pack shipped in rules/packs. */
export const SEED_PACK = fileURLToPath(new URL('../../rules/packs/seed.json', import.meta.url));

let seed: RulePack | null = null;

/** Load a rule pack (default: the seed pack, loaded once). Bad packs become AuscultErrors. */
export function rulePack(path?: string): RulePack {
  if (!path && seed) return seed;
  try {
    // The pack's own examples are checked by the test suite (test/rules/seed-pack.test.ts),
    // not on every start: schema and semantic validation still run.
    const pack = loadRulePack(path ?? SEED_PACK, { examples: false });
    if (!path) seed = pack;
    return pack;
  } catch (err) {
    if (err instanceof RulesError) throw new AuscultError('AUSCULT_ERR_BAD_RULE_PACK', err.message, { cause: err });
    throw err;
  }
}

/** The identity of one device under a pack; null when nothing is known. */
export function identityOf(device: DeviceRecord, pack: RulePack): DeviceIdentity | null {
  const id = identify(device, pack);
  return id.vendorId || id.product || id.deviceClass || id.rules.length ? id : null;
}

/**
 * Fill `identity` on every device and, with a knowledge base, `findings`.
 * Mutates and returns the report.
 */
export function enrichReport(report: InventoryReport, opts: { pack?: RulePack; kb?: KnowledgeBase | null } = {}): InventoryReport {
  const pack = opts.pack ?? rulePack();
  const ids = new Map<string, DeviceIdentity | null>();
  for (const d of report.devices) {
    const id = identityOf(d, pack);
    ids.set(d.id, id);
    d.identity = id;
    // Behaviour did not classify it, but the rules did (identity.because says why).
    if (!d.deviceClass && id?.deviceClass) d.deviceClass = id.deviceClass;
  }
  if (opts.kb) {
    const kb = opts.kb;
    report.stats.knowledgeBase = { version: kb.version, advisories: kb.advisories.length, products: kb.products.length, kev: kb.kev.size, sboms: kb.sboms.length };
    report.findings = correlate(report.devices, kb, {
      identify: (d) => ids.get(d.id) ?? (d.identity as DeviceIdentity | null | undefined) ?? null,
      normalizeVendor: (text) => normalizeVendor(text)?.id ?? null,
    });
  } else {
    // Exposures need no knowledge base: behaviour alone.
    report.findings = correlate(report.devices, EMPTY_KB, {});
  }
  return report;
}

const EMPTY_KB: KnowledgeBase = { version: 'empty', advisories: [], products: [], vulnerabilities: [], kev: new Map(), sboms: [], vex: [] };
