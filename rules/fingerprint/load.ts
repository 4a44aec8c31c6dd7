/**
 * Loading a rule pack from disk: the one place in rules/fingerprint that
 * does I/O, run once at start. The matcher (engine.ts) stays pure.
 */
import { readFileSync } from 'node:fs';
import { RulesError } from './errors.js';
import type { RulePack } from './types.js';
import { validateRulePack } from './validate.js';

/**
 * Read, parse and validate a rule pack. Throws a RulesError with code
 * RULES_ERR_PACK_UNREADABLE, RULES_ERR_PACK_NOT_JSON or RULES_ERR_BAD_PACK
 * (with every problem in `problems`).
 */
export function loadRulePack(path: string, options: { examples?: boolean } = {}): RulePack {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RulesError('RULES_ERR_PACK_UNREADABLE', `cannot read rule pack ${path}: ${(e as Error).message}`, [], { cause: e });
  }
  let pack: unknown;
  try {
    pack = JSON.parse(text);
  } catch (e) {
    throw new RulesError('RULES_ERR_PACK_NOT_JSON', `rule pack ${path} is not JSON: ${(e as Error).message}`, [], { cause: e });
  }
  const problems = validateRulePack(pack, options);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('\n  ');
    const more = problems.length > 5 ? `\n  ... and ${problems.length - 5} more` : '';
    throw new RulesError('RULES_ERR_BAD_PACK', `rule pack ${path} is invalid:\n  ${shown}${more}\n`, problems);
  }
  return pack as RulePack;
}
