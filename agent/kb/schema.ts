/**
 * SQLite schema of the knowledge base. Every row hangs off the document it
 * came from, so replacing or dropping a document is one cascading delete.
 * Bump KB_SCHEMA_VERSION with every change and add a migration step.
 */

export const KB_SCHEMA_VERSION = 1;

export const KB_SCHEMA = `
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,            -- file name, cited by every record
  path TEXT NOT NULL,              -- where it was imported from
  kind TEXT NOT NULL,              -- csaf | cyclonedx | spdx | kev
  format_version TEXT NOT NULL,
  doc_id TEXT NOT NULL,            -- CSAF tracking.id, serialNumber, documentNamespace, 'cisa-kev'
  revision_version TEXT,
  revision_date TEXT,
  sha256 TEXT NOT NULL UNIQUE,
  imported_at TEXT NOT NULL,
  warnings INTEGER NOT NULL DEFAULT 0,
  UNIQUE (kind, doc_id)
);

CREATE TABLE IF NOT EXISTS advisories (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  publisher TEXT,
  initial_release TEXT,
  current_release TEXT,
  url TEXT,
  source TEXT NOT NULL,
  category TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS products (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  key TEXT PRIMARY KEY,
  advisory_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  vendor TEXT,
  name TEXT NOT NULL,
  version_text TEXT,               -- raw; the range is parsed again on load
  cpe TEXT,
  purl TEXT,
  full_name TEXT,
  family TEXT,
  model_numbers TEXT,              -- JSON array
  serial_numbers TEXT,             -- JSON array
  relationship TEXT                -- JSON or NULL
);
CREATE INDEX IF NOT EXISTS products_document ON products(document_id);

CREATE TABLE IF NOT EXISTS vulnerabilities (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  advisory_id TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  id TEXT NOT NULL,
  cve TEXT,
  title TEXT,
  cwe TEXT,
  cvss TEXT,                       -- JSON or NULL
  justifications TEXT NOT NULL,    -- JSON object
  PRIMARY KEY (advisory_id, ordinal)
);
CREATE INDEX IF NOT EXISTS vulnerabilities_cve ON vulnerabilities(cve);
CREATE INDEX IF NOT EXISTS vulnerabilities_document ON vulnerabilities(document_id);

CREATE TABLE IF NOT EXISTS statuses (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  advisory_id TEXT NOT NULL,
  vuln_ordinal INTEGER NOT NULL,
  product_key TEXT NOT NULL,
  status TEXT NOT NULL,            -- known_affected | fixed | known_not_affected | under_investigation
  PRIMARY KEY (advisory_id, vuln_ordinal, status, product_key)
);
CREATE INDEX IF NOT EXISTS statuses_document ON statuses(document_id);

CREATE TABLE IF NOT EXISTS remediations (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  advisory_id TEXT NOT NULL,
  vuln_ordinal INTEGER NOT NULL,
  ordinal INTEGER NOT NULL,
  category TEXT NOT NULL,
  details TEXT NOT NULL,
  url TEXT,
  product_keys TEXT NOT NULL,      -- JSON array; empty: every product of the vulnerability
  PRIMARY KEY (advisory_id, vuln_ordinal, ordinal)
);
CREATE INDEX IF NOT EXISTS remediations_document ON remediations(document_id);

CREATE TABLE IF NOT EXISTS kev (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  cve TEXT PRIMARY KEY,
  vendor_project TEXT NOT NULL,
  product TEXT NOT NULL,
  date_added TEXT NOT NULL,
  due_date TEXT,
  known_ransomware_campaign_use TEXT NOT NULL,
  required_action TEXT
);
CREATE INDEX IF NOT EXISTS kev_document ON kev(document_id);

CREATE TABLE IF NOT EXISTS sboms (
  document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  format TEXT NOT NULL,
  spec_version TEXT NOT NULL,
  source TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS components (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,        -- 0 with is_subject = 1 is the SBOM's subject
  is_subject INTEGER NOT NULL,
  ref TEXT NOT NULL,
  type TEXT,
  name TEXT NOT NULL,
  version TEXT,
  supplier TEXT,
  cpe TEXT,
  purl TEXT,
  PRIMARY KEY (document_id, is_subject, ordinal)
);
CREATE INDEX IF NOT EXISTS components_purl ON components(purl);
CREATE INDEX IF NOT EXISTS components_cpe ON components(cpe);

CREATE TABLE IF NOT EXISTS vex (
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  vulnerability TEXT NOT NULL,
  product TEXT NOT NULL,
  status TEXT NOT NULL,
  justification TEXT,
  detail TEXT,
  source TEXT NOT NULL,
  product_name TEXT,
  version TEXT,
  PRIMARY KEY (document_id, ordinal)
);
CREATE INDEX IF NOT EXISTS vex_vulnerability ON vex(vulnerability);
`;
