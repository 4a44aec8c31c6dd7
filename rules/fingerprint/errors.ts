/**
 * Errors of the fingerprint rules. rules/ does not import agent/, so these
 * are plain Errors with a stable `code`; the agent maps them onto its own
 * catalogue (agent/errors.ts) when it reports them.
 */

export const RULES_ERRORS = {
  /** The pack file could not be read. */
  RULES_ERR_PACK_UNREADABLE: 'check the path and permissions of the rule pack',
  /** The pack file is not JSON. */
  RULES_ERR_PACK_NOT_JSON: 'the rule pack must be a JSON document',
  /** The pack does not follow rule-pack.schema.json or its rules are inconsistent. */
  RULES_ERR_BAD_PACK: 'fix the rules listed; each problem names its JSON path (see rules/fingerprint/rule-pack.schema.json)',
} as const;

export type RulesErrorCode = keyof typeof RULES_ERRORS;

export class RulesError extends Error {
  readonly code: RulesErrorCode;
  /** For RULES_ERR_BAD_PACK: every problem found, as "path: message". */
  readonly problems: string[];

  constructor(code: RulesErrorCode, message: string, problems: string[] = [], options?: { cause?: unknown }) {
    super(`${message}; ${RULES_ERRORS[code]}`, options);
    this.name = 'RulesError';
    this.code = code;
    this.problems = problems;
  }
}
