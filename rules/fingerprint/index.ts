/** Fingerprint rules: vendor normalisation, the rule engine, rule-pack validation. */
export { normalizeVendor, normalizeVendors, resolveVendor, repairMojibake, vendorKey, vendorById, knownVendorIds } from './vendors.js';
export type { VendorMatch, VendorResolution } from './vendors.js';
export { identify, matchRules, identifyWithRule, cpeValue, MANUFACTURER_CONFIDENCE } from './engine.js';
export { attributeValues, deviceFromFragment } from './attributes.js';
export { validateRulePack, checkRuleExamples, RULE_PACK_SCHEMA } from './validate.js';
export { validateJsonSchema } from './json-schema.js';
export { RulesError, RULES_ERRORS } from './errors.js';
export type { RulesErrorCode } from './errors.js';
export * from './types.js';
