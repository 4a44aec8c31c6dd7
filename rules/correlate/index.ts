export { correlate, type CorrelateOptions } from './correlate.js';
export { behaviourFindings } from './exposures.js';
export { findingId, severityOf } from './finding-id.js';
export { matchName, nameTokens, NAME_MATCH_THRESHOLD } from './product-match.js';
