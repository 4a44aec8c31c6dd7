/**
 * Rule-pack validation: the JSON Schema (rule-pack.schema.json, through the
 * subset validator in json-schema.ts), then what a schema cannot say —
 * unique ids, regexes that compile, known vendor ids, well-formed CPE
 * templates, and every rule's examples behaving as declared.
 */
import schema from './rule-pack.schema.json' with { type: 'json' };
import { attributeValues, deviceFromFragment } from './attributes.js';
import { compileCondition, identifyWithRule } from './engine.js';
import { validateJsonSchema, type JsonSchema } from './json-schema.js';
import type { Rule, RulePack } from './types.js';
import { vendorById } from './vendors.js';

/** The rule-pack JSON Schema. */
export const RULE_PACK_SCHEMA: JsonSchema = schema as JsonSchema;

/** Problems with one rule's examples ("path: message"); empty when every example behaves. */
export function checkRuleExamples(rule: Rule, path = `rule ${rule.id}`): string[] {
  const problems: string[] = [];
  rule.examples.match.forEach((ex, i) => {
    const got = identifyWithRule(deviceFromFragment(ex.device), rule);
    if (!got) {
      problems.push(`${path}.examples.match[${i}]: does not match`);
      return;
    }
    for (const [k, want] of Object.entries(ex.expect ?? {})) {
      const have = got[k as keyof typeof got];
      if (have !== want) problems.push(`${path}.examples.match[${i}]: ${k} is ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
    }
  });
  rule.examples.noMatch.forEach((ex, i) => {
    if (identifyWithRule(deviceFromFragment(ex.device), rule)) problems.push(`${path}.examples.noMatch[${i}]: matches`);
  });
  return problems;
}

function cpeParts(cpe: string): number {
  return cpe.split(/(?<!\\):/).length;
}

/**
 * Validate a parsed rule pack. Returns "path: message" problems, empty
 * when the pack is good. `examples: false` skips running the examples.
 */
export function validateRulePack(pack: unknown, options: { examples?: boolean } = {}): string[] {
  const problems = validateJsonSchema(RULE_PACK_SCHEMA, pack);
  if (problems.length > 0) return problems;
  const p = pack as RulePack;
  const seen = new Set<string>();
  p.rules.forEach((rule, i) => {
    const at = `$.rules[${i}] (${rule.id})`;
    if (seen.has(rule.id)) problems.push(`${at}.id: duplicate rule id`);
    seen.add(rule.id);
    rule.match.forEach((c, j) => {
      try {
        compileCondition(c);
      } catch (e) {
        problems.push(`${at}.match[${j}]: ${(e as Error).message}`);
      }
    });
    for (const key of ['version', 'model'] as const) {
      const v = rule.identity[key];
      if (v && typeof v === 'object' && v.regex) {
        try {
          new RegExp(v.regex, 'iu');
        } catch (e) {
          problems.push(`${at}.identity.${key}.regex: ${(e as Error).message}`);
        }
      }
    }
    if (rule.identity.vendorId && !vendorById(rule.identity.vendorId)) {
      problems.push(`${at}.identity.vendorId: '${rule.identity.vendorId}' is not a known vendor (rules/fingerprint/vendor-table.ts)`);
    }
    if (rule.identity.cpe && cpeParts(rule.identity.cpe) !== 13) {
      problems.push(`${at}.identity.cpe: a CPE 2.3 formatted string has 13 colon-separated parts`);
    }
    if (!rule.identity.vendorId && !rule.identity.product && !rule.identity.deviceClass && !rule.identity.model) {
      problems.push(`${at}.identity: names no vendor, product, model or device class`);
    }
  });
  if (problems.length === 0 && options.examples !== false) {
    p.rules.forEach((rule, i) => problems.push(...checkRuleExamples(rule, `$.rules[${i}] (${rule.id})`)));
  }
  return problems;
}

// Keep attributeValues reachable from here for tools that validate fragments.
export { attributeValues };
