/**
 * The inventory JSON shape lives in rules/inventory.ts, beside the other
 * shared contracts, so correlation (pure, in rules/) and the collector use it
 * without importing agent code. Re-exported here for the agent's modules.
 */
export type * from '../../rules/inventory.js';
