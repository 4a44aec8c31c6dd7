/**
 * Version strings and version ranges for correlation: our own comparator
 * (compare.ts), the vers notation (vers.ts) and advisory range text
 * (range.ts).
 */
export { compareVersions, normalizeVersion, versionKey, VERSION_MAX_LENGTH } from './compare.js';
export { parseRange, satisfies, RANGE_UNPARSED, RANGE_TEXT_MAX_LENGTH, type ParseRangeOptions, type RangeUnparsedCode } from './range.js';
export { parseVers, constraintsToIntervals, formatVers, constraintHolds, VERS_MAX_LENGTH, type VersConstraint, type Interval, type VersParse } from './vers.js';
