/**
 * SQLite schema of the collector database. Bump COLLECTOR_SCHEMA_VERSION
 * with every change and add a migration step in store.ts.
 *
 * JSON columns hold the protocol shapes as the agents sent them
 * (rules/inventory.ts DeviceRecord, rules/types.ts Finding); the plain
 * columns beside them exist for filtering and ordering.
 */

export const COLLECTOR_SCHEMA_VERSION = 3;

/**
 * device_agents, by name (the v1 → v2 migration builds it under another
 * name first). A rowid table with the report JSON last: version 1 was
 * WITHOUT ROWID with the JSON in the middle, and a WITHOUT ROWID row of
 * more than about 1/20 of a page spills into overflow pages (SQLite docs,
 * "The WITHOUT ROWID Optimization", §4), so every read of observed_at or
 * evidence_keys walked the JSON's overflow chain. A rowid table keeps a
 * row of up to ~4 KB on its leaf page. The JSON is NULL while one agent
 * reports the device (the common case): it would repeat devices.json.
 */
export function deviceAgentsTable(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  device_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  -- One entry per evidence row of the report: key (attribute, value, protocol, field) and its
  -- state (flow, first seen, confidence), to replace vanished rows and skip unchanged ones
  -- without parsing json. While this agent is the device's only one and this column stays the
  -- same, the row is not rewritten: observed_at and stored_at then lag, and devices.observed_at
  -- is this agent's newest observation (store.ts storeDevice).
  evidence_keys TEXT NOT NULL,
  -- The report as sent; NULL while this agent is the device's only one (its report is then
  -- devices.json, stored once), filled in when a second agent reports the device.
  json TEXT,
  UNIQUE (device_id, agent_id)
);`;
}

/**
 * evidence, by name (the v2 → v3 migration builds it under another name
 * first). What each agent has seen of a device, since when, on which flow
 * first and how sure. How often and when last it was seen move with every
 * report an agent sends; they live in the report JSON (devices.json,
 * device_agents.json), not here, so a refresh that only moves them rewrites
 * one row of devices instead of one row per evidence item. (Version 2 kept
 * last_seen and count here: about half the collector's write cost.)
 */
export function evidenceTable(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  device_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  attribute TEXT NOT NULL,
  value TEXT NOT NULL,
  protocol TEXT NOT NULL,
  field TEXT NOT NULL,
  flow TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  confidence TEXT NOT NULL,
  PRIMARY KEY (device_id, agent_id, attribute, value, protocol, field)
) WITHOUT ROWID;`;
}

export const COLLECTOR_SCHEMA = `
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per enrolled agent. Only the sha256 of the token is kept.
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,              -- the name given to 'auscult collector enroll'
  name TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,  -- hex sha256 of the bearer token
  enrolled_at TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  revoked_at TEXT,
  self_id TEXT,                     -- hello.agentId (the agent's own id)
  hostname TEXT,
  last_seen TEXT,
  version TEXT,
  kb_version TEXT,
  source TEXT,
  last_stats TEXT,                  -- JSON AgentStats
  acked_seq INTEGER NOT NULL DEFAULT 0, -- every seq <= this is stored (contiguous)
  hello_last_seq INTEGER
);

-- Seqs stored above agents.acked_seq (arrived out of order); folded into
-- acked_seq as soon as the gap below them closes.
CREATE TABLE IF NOT EXISTS agent_seqs (
  agent_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (agent_id, seq)
) WITHOUT ROWID;

-- The merged view of a device across agents.
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  json TEXT NOT NULL,               -- merged DeviceRecord
  vendor TEXT NOT NULL,             -- lower-cased vendor id, vendor name and manufacturer, for ?vendor=
  device_class TEXT,
  versions TEXT NOT NULL,           -- JSON softwareVersions of the merged view (version history)
  search TEXT NOT NULL,             -- lower-cased text for ?q=
  observed_at TEXT NOT NULL,        -- newest observedAt of any agent's report
  stored_first TEXT NOT NULL,
  stored_last TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_class ON devices(device_class);

-- Each agent's latest report of a device, as sent.
${deviceAgentsTable('device_agents')}
CREATE INDEX IF NOT EXISTS device_agents_agent ON device_agents(agent_id);

-- Evidence rows per device and agent (the merged device JSON carries their union).
${evidenceTable('evidence')}

CREATE TABLE IF NOT EXISTS findings (
  id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  source TEXT NOT NULL,             -- agent id, or 'collector' (re-correlation)
  json TEXT NOT NULL,               -- Finding
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,   -- critical 4 .. none 0, unknown -1
  score REAL,
  kev INTEGER NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  closed_at TEXT,
  closed_reason TEXT
);
CREATE INDEX IF NOT EXISTS findings_device ON findings(device_id);
CREATE INDEX IF NOT EXISTS findings_open ON findings(closed_at, severity_rank);

CREATE TABLE IF NOT EXISTS version_history (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  at TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  from_versions TEXT NOT NULL,      -- JSON array
  to_versions TEXT NOT NULL,        -- JSON array
  change TEXT NOT NULL              -- patched | downgraded | changed
);
CREATE INDEX IF NOT EXISTS version_history_device ON version_history(device_id);
`;
