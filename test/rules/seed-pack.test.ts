/**
 * The seed pack (rules/packs/seed.json): it validates against its JSON
 * Schema, and every rule's examples behave as declared — the matching ones
 * match (with the identity fields they expect), the others do not. This is
 * the "every rule has a test case" check: a rule without both kinds of
 * example fails the schema.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateJsonSchema } from '../../rules/fingerprint/json-schema.js';
import { loadRulePack } from '../../rules/fingerprint/load.js';
import type { RulePack } from '../../rules/fingerprint/types.js';
import { checkRuleExamples, RULE_PACK_SCHEMA, validateRulePack } from '../../rules/fingerprint/validate.js';
import { vendorById } from '../../rules/fingerprint/vendors.js';
import { REPO } from '../helpers/paths.js';

const SEED = join(REPO, 'rules', 'packs', 'seed.json');
const SCHEMA = join(REPO, 'rules', 'fingerprint', 'rule-pack.schema.json');
const raw = JSON.parse(readFileSync(SEED, 'utf8')) as RulePack;

t.test('the schema file is the one the validator uses, and is draft 2020-12', async (t) => {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as Record<string, unknown>;
  t.same(schema, RULE_PACK_SCHEMA);
  t.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
});

t.test('seed pack validates against its schema', async (t) => {
  t.same(validateJsonSchema(RULE_PACK_SCHEMA, raw), []);
  t.same(validateRulePack(raw, { examples: false }), [], 'and the checks a schema cannot express');
  t.doesNotThrow(() => loadRulePack(SEED), 'loadRulePack accepts it');
});

t.test('every rule cites a source and has examples both ways', async (t) => {
  t.ok(raw.rules.length >= 30, `${raw.rules.length} rules`);
  for (const r of raw.rules) {
    t.ok(r.source.length >= 20, `${r.id}: source cited`);
    t.ok(r.examples.match.length >= 1 && r.examples.noMatch.length >= 1, `${r.id}: positive and negative examples`);
    if (r.identity.vendorId) t.ok(vendorById(r.identity.vendorId), `${r.id}: vendor ${r.identity.vendorId} is known`);
    if (r.identity.cpe) t.match(r.identity.cpe, /^cpe:2\.3:[aho]:[^:]+:[^:]+:\{version\}(:\*){7}$/, `${r.id}: CPE template`);
  }
});

for (const r of raw.rules) {
  t.test(`rule ${r.id}`, async (t) => {
    t.same(checkRuleExamples(r), [], `${r.examples.match.length} matching and ${r.examples.noMatch.length} non-matching example(s) behave`);
  });
}

t.test('pack figures', async (t) => {
  const vendors = new Set(raw.rules.map((r) => r.identity.vendorId).filter(Boolean));
  const software = raw.rules.filter((r) => r.identity.subject === 'software').length;
  t.comment(`${raw.rules.length} rules (${software} software components), ${vendors.size} vendors: ${[...vendors].sort().join(', ')}`);
  t.ok(vendors.size >= 10);
});
