/**
 * The collector's database: one SQLite file (better-sqlite3, WAL) of
 * enrolled agents, devices merged across agents, evidence, findings and
 * version history, plus the per-agent sequence numbers that make delivery
 * exactly-once.
 *
 * Exactly-once: every state-changing agent message carries a per-agent
 * `seq`. `agents.acked_seq` is the highest seq below which everything is
 * stored; seqs stored above it (out of order, after a reconnect) sit in
 * `agent_seqs` until the gap closes. A message whose seq is at or below
 * acked_seq, or already in agent_seqs, is acknowledged and not applied.
 * Applying a batch and advancing the seqs is one transaction; the caller
 * acknowledges after it commits.
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { AuscultError } from '../agent/errors.js';
import type { DeviceRecord } from '../rules/inventory.js';
import type { Finding } from '../rules/types.js';
import type { AgentInfo, CollectorDevice, CollectorFinding, DeviceDetail, VersionChange } from './api-types.js';
import { classifyVersionChange, evidenceKey, mergeReports, searchText, SEVERITY_BY_RANK, vendorText, type AgentReport } from './merge.js';
import type { DeviceMessage, FindingClosedMessage, FindingMessage, HelloMessage, StatsMessage } from './protocol.js';
import { deviceColumns, prepare, prepareFinding, type Prepared, type PreparedDevice, type PreparedFinding } from './prepare.js';
import { COLLECTOR_SCHEMA, COLLECTOR_SCHEMA_VERSION, deviceAgentsTable, evidenceTable } from './schema.js';

export type SeqMessage = DeviceMessage | FindingMessage | FindingClosedMessage | StatsMessage;

/**
 * One message to store: checked (`msg`, with its JSON as received in `text`
 * when known, so its device or finding is stored as sent), or already
 * prepared (collector/prepare.ts, on the ingest worker).
 */
export type BatchItem = { agentId: string; msg: SeqMessage; text?: string; prepared?: undefined } | { agentId: string; prepared: Prepared };

export interface BatchResult {
  /** Per agent: the acked seq after the batch (send it as `ack`). */
  acks: Map<string, number>;
  /** Messages applied / skipped as already stored. */
  applied: number;
  duplicates: number;
  devices: Set<string>;
  findings: Set<string>;
  agents: Set<string>;
}

export interface DeviceFilter {
  q?: string;
  vendor?: string;
  class?: string;
  agent?: string;
  vulnerable?: boolean;
  limit?: number;
  offset?: number;
}

export interface FindingFilter {
  severity?: string[];
  kev?: boolean;
  status?: string[];
  open?: boolean;
  device?: string;
  source?: string;
  limit?: number;
  offset?: number;
}

/** Agent names: what `enroll NAME` accepts (also the agent id). */
export const AGENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** SQLite page cache of the collector's connection (KiB). */
const CACHE_KIB = 64 * 1024;

/** The source of findings the collector computes itself. */
export const COLLECTOR_SOURCE = 'collector';

/**
 * sha256 of a bearer token (hex). A token is 32 random bytes, so a fast
 * unsalted hash is enough: nobody can guess a 256-bit preimage, and a
 * slow KDF (bcrypt, scrypt) would only cost time on every connection.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface SeqState {
  acked: number;
  above: Set<number>;
}

interface AgentRow {
  id: string;
  name: string;
  token_hash: string;
  enrolled_at: string;
  revoked: number;
  revoked_at: string | null;
  self_id: string | null;
  hostname: string | null;
  last_seen: string | null;
  version: string | null;
  kb_version: string | null;
  source: string | null;
  last_stats: string | null;
  acked_seq: number;
}

interface DeviceRow {
  id: string;
  json: string;
  stored_first: string;
  stored_last: string;
  agents: string | null;
  open_findings: number;
  max_rank: number | null;
  kev: number | null;
}

interface DeviceStateRow {
  versions: string;
  device_class: string | null;
  device_observed: string;
  agent_id: string;
  observed_at: string;
  evidence_keys: string;
  no_json: 0 | 1;
}

interface FindingRow {
  id: string;
  json: string;
  source: string;
  first_seen: string;
  last_seen: string;
  closed_at: string | null;
  closed_reason: string | null;
}

function isSqliteError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_');
}

const DEVICE_SELECT = `
  SELECT d.id, d.json, d.stored_first, d.stored_last,
    (SELECT group_concat(agent_id, char(31)) FROM device_agents a WHERE a.device_id = d.id) AS agents,
    (SELECT count(*) FROM findings f WHERE f.device_id = d.id AND f.closed_at IS NULL) AS open_findings,
    (SELECT max(severity_rank) FROM findings f WHERE f.device_id = d.id AND f.closed_at IS NULL) AS max_rank,
    (SELECT max(kev) FROM findings f WHERE f.device_id = d.id AND f.closed_at IS NULL) AS kev
  FROM devices d`;

/** An open collector database. Close it when done. */
export class CollectorStore {
  readonly file: string;
  readonly db: Database.Database;
  private readonly seqs = new Map<string, SeqState>();
  private readonly st: ReturnType<CollectorStore['prepare']>;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
    this.st = this.prepare();
  }

  /** Opens (creating if needed) the database at `file`. Throws AUSCULT_ERR_COLLECTOR_DATABASE when it cannot. */
  static open(file: string): CollectorStore {
    let db: Database.Database | null = null;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a process crash; only an OS crash or
      // power loss can lose the last transactions (SQLite docs, "WAL mode").
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      // Page cache of 64 MiB instead of SQLite's 2 MiB default: a device update touches pages of
      // four tables spread over the file, and with the default cache most were read back from
      // the OS on every batch (~12% of the store's CPU per message, bench/collector-load.ts).
      db.pragma(`cache_size = -${CACHE_KIB}`);
      const hasVersion = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
      const hasAgents = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'agents'").get();
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
      if (tables > 0 && !(hasVersion && hasAgents)) {
        throw new AuscultError('AUSCULT_ERR_COLLECTOR_DATABASE', `${file} is an SQLite file but not an auscult collector database`);
      }
      const version = hasVersion ? (db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined)?.version : undefined;
      if (version !== undefined && version > COLLECTOR_SCHEMA_VERSION) {
        throw new AuscultError('AUSCULT_ERR_COLLECTOR_DATABASE', `${file} has schema version ${version}, newer than this auscult reads (${COLLECTOR_SCHEMA_VERSION}); upgrade auscult`);
      }
      if (version !== undefined) migrate(db, version);
      db.exec(COLLECTOR_SCHEMA);
      if (!db.prepare('SELECT version FROM schema_version').get()) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(COLLECTOR_SCHEMA_VERSION);
      return new CollectorStore(file, db);
    } catch (err) {
      db?.close();
      if (err instanceof AuscultError) throw err;
      throw new AuscultError('AUSCULT_ERR_COLLECTOR_DATABASE', `cannot open the collector database ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  close(): void {
    this.db.close();
  }

  private prepare() {
    const db = this.db;
    return {
      agentById: db.prepare('SELECT * FROM agents WHERE id = ?'),
      agentByHash: db.prepare('SELECT * FROM agents WHERE token_hash = ?'),
      seqsOf: db.prepare('SELECT seq FROM agent_seqs WHERE agent_id = ? ORDER BY seq'),
      setAcked: db.prepare('UPDATE agents SET acked_seq = ?, last_seen = ? WHERE id = ?'),
      insertSeq: db.prepare('INSERT OR IGNORE INTO agent_seqs (agent_id, seq) VALUES (?, ?)'),
      deleteSeqsUpTo: db.prepare('DELETE FROM agent_seqs WHERE agent_id = ? AND seq <= ?'),
      reportsOf: db.prepare('SELECT agent_id, json, observed_at FROM device_agents WHERE device_id = ?'),
      fillReportJson: db.prepare('UPDATE device_agents SET json = ?, observed_at = max(observed_at, ?) WHERE device_id = ? AND json IS NULL'),
      // Everything storeDevice needs to know before writing, in one read.
      deviceState: db.prepare(
        `SELECT d.versions, d.device_class, d.observed_at AS device_observed, a.agent_id, a.observed_at, a.evidence_keys, a.json IS NULL AS no_json
         FROM devices d JOIN device_agents a ON a.device_id = d.id WHERE d.id = ?`,
      ),
      setReport: db.prepare('UPDATE device_agents SET json = ?, observed_at = ? WHERE device_id = ? AND agent_id = ?'),
      // A stored device whose class did not change: device_class stays out of the SET, so SQLite
      // leaves the devices_class index alone (it rewrites an index whenever one of its columns is set).
      updateDevice: db.prepare(
        'UPDATE devices SET json = ?, vendor = ?, versions = ?, search = ?, observed_at = max(observed_at, ?), stored_last = ? WHERE id = ?',
      ),
      upsertReport: db.prepare(
        `INSERT INTO device_agents (device_id, agent_id, json, observed_at, stored_at, evidence_keys) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, agent_id) DO UPDATE SET json = excluded.json, observed_at = excluded.observed_at, stored_at = excluded.stored_at,
           evidence_keys = excluded.evidence_keys`,
      ),
      deviceJson: db.prepare('SELECT json, observed_at FROM devices WHERE id = ?'),
      upsertDevice: db.prepare(
        `INSERT INTO devices (id, json, vendor, device_class, versions, search, observed_at, stored_first, stored_last) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, vendor = excluded.vendor, device_class = excluded.device_class, versions = excluded.versions,
           search = excluded.search, observed_at = max(devices.observed_at, excluded.observed_at), stored_last = excluded.stored_last`,
      ),
      upsertEvidence: db.prepare(
        `INSERT INTO evidence (device_id, agent_id, attribute, value, protocol, field, flow, first_seen, confidence)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, agent_id, attribute, value, protocol, field) DO UPDATE SET flow = excluded.flow,
           first_seen = excluded.first_seen, confidence = excluded.confidence`,
      ),
      deleteEvidenceOf: db.prepare('DELETE FROM evidence WHERE device_id = ? AND agent_id = ?'),
      insertHistory: db.prepare('INSERT INTO version_history (device_id, at, agent_id, from_versions, to_versions, change) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertFinding: db.prepare(
        `INSERT INTO findings (id, device_id, source, json, kind, status, severity, severity_rank, score, kev, first_seen, last_seen, closed_at, closed_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
         ON CONFLICT (id) DO UPDATE SET device_id = excluded.device_id, source = excluded.source, json = excluded.json, kind = excluded.kind,
           status = excluded.status, severity = excluded.severity, severity_rank = excluded.severity_rank, score = excluded.score,
           kev = excluded.kev, last_seen = excluded.last_seen, closed_at = NULL, closed_reason = NULL`,
      ),
      closeFinding: db.prepare('UPDATE findings SET closed_at = ?, closed_reason = ? WHERE id = ? AND closed_at IS NULL'),
      findingById: db.prepare('SELECT id, json, source, first_seen, last_seen, closed_at, closed_reason FROM findings WHERE id = ?'),
      touchFinding: db.prepare('UPDATE findings SET last_seen = ? WHERE id = ?'),
      stats: db.prepare('UPDATE agents SET last_stats = ?, last_seen = ? WHERE id = ?'),
      device: db.prepare(`${DEVICE_SELECT} WHERE d.id = ?`),
    };
  }

  // -------------------------------------------------------------------------
  // Agents and tokens

  /** Enrolls an agent; returns its token (shown once, never stored). */
  enroll(name: string): { id: string; token: string } {
    if (!AGENT_NAME.test(name)) throw new AuscultError('AUSCULT_ERR_AGENT_NAME', `'${name}' is not a valid agent name`);
    if (this.st.agentById.get(name)) throw new AuscultError('AUSCULT_ERR_AGENT_EXISTS', `an agent named '${name}' is already enrolled`);
    const token = randomBytes(32).toString('base64url');
    this.db.prepare('INSERT INTO agents (id, name, token_hash, enrolled_at) VALUES (?, ?, ?, ?)').run(name, name, hashToken(token), new Date().toISOString());
    return { id: name, token };
  }

  /** Revokes an agent's token; a running collector drops its connection within seconds. */
  revoke(name: string): void {
    const r = this.db.prepare('UPDATE agents SET revoked = 1, revoked_at = ? WHERE id = ? AND revoked = 0').run(new Date().toISOString(), name);
    if (r.changes === 0 && !this.st.agentById.get(name)) throw new AuscultError('AUSCULT_ERR_AGENT_UNKNOWN', `no agent named '${name}' is enrolled`);
  }

  /** The agent a token belongs to, with why it is refused when it is. */
  authenticate(token: string): { ok: true; agentId: string } | { ok: false; reason: 'unknown-token' | 'revoked'; agentId: string | null } {
    const row = this.st.agentByHash.get(hashToken(token)) as AgentRow | undefined;
    if (!row) return { ok: false, reason: 'unknown-token', agentId: null };
    if (row.revoked) return { ok: false, reason: 'revoked', agentId: row.id };
    return { ok: true, agentId: row.id };
  }

  revokedAgents(): string[] {
    return (this.db.prepare('SELECT id FROM agents WHERE revoked = 1').all() as Array<{ id: string }>).map((r) => r.id);
  }

  /** Records a hello; returns the agent's acked seq for the welcome. */
  hello(agentId: string, m: HelloMessage): number {
    this.db
      .prepare('UPDATE agents SET self_id = ?, version = ?, kb_version = ?, hostname = ?, source = ?, hello_last_seq = ?, last_seen = ? WHERE id = ?')
      .run(m.agentId, m.agentVersion, m.kbVersion, m.hostname, m.source, m.lastSeq, new Date().toISOString(), agentId);
    return this.seqState(agentId).acked;
  }

  agents(connected: ReadonlySet<string> = new Set()): AgentInfo[] {
    return (this.db.prepare('SELECT * FROM agents ORDER BY name').all() as AgentRow[]).map((r) => agentInfo(r, connected.has(r.id)));
  }

  agent(id: string, connected: boolean): AgentInfo | null {
    const r = this.st.agentById.get(id) as AgentRow | undefined;
    return r ? agentInfo(r, connected) : null;
  }

  private seqState(agentId: string): SeqState {
    let s = this.seqs.get(agentId);
    if (!s) {
      const row = this.st.agentById.get(agentId) as AgentRow | undefined;
      const above = new Set((this.st.seqsOf.all(agentId) as Array<{ seq: number }>).map((r) => r.seq));
      s = { acked: row?.acked_seq ?? 0, above };
      this.seqs.set(agentId, s);
    }
    return s;
  }

  /** Highest seq stored contiguously for an agent. */
  ackedSeq(agentId: string): number {
    return this.seqState(agentId).acked;
  }

  // -------------------------------------------------------------------------
  // Applying agent messages

  /**
   * Applies a batch of agent messages in one transaction: duplicates (seq
   * already stored) are skipped; the rest are stored and their seqs
   * recorded. Returns what to acknowledge once this returns (committed).
   */
  applyBatch(items: BatchItem[]): BatchResult {
    const now = new Date().toISOString();
    const res: BatchResult = { acks: new Map(), applied: 0, duplicates: 0, devices: new Set(), findings: new Set(), agents: new Set() };
    // Work on copies so a failed transaction leaves the cached seq state untouched.
    const work = new Map<string, SeqState>();
    const stateOf = (id: string): SeqState => {
      let s = work.get(id);
      if (!s) {
        const base = this.seqState(id);
        work.set(id, (s = { acked: base.acked, above: new Set(base.above) }));
      }
      return s;
    };
    const run = this.db.transaction(() => {
      for (const item of items) {
        const agentId = item.agentId;
        const s = stateOf(agentId);
        const seq = item.prepared ? item.prepared.seq : item.msg.seq;
        if (seq <= s.acked || s.above.has(seq)) {
          res.duplicates++;
          continue;
        }
        // A new agent (or a new collector database): the agent's outbox starts
        // at its oldest unacknowledged message, anything before it was stored
        // elsewhere. Agents replay their outbox in seq order.
        if (s.acked === 0 && s.above.size === 0 && seq > 1) s.acked = seq - 1;
        this.applyOne(agentId, item.prepared ?? prepare(item.msg, item.text), now, res);
        res.applied++;
        if (seq === s.acked + 1) {
          s.acked = seq;
          while (s.above.delete(s.acked + 1)) s.acked++;
        } else {
          s.above.add(seq);
          this.st.insertSeq.run(agentId, seq);
        }
      }
      for (const [agentId, s] of work) {
        const before = this.seqState(agentId);
        if (s.acked !== before.acked) this.st.deleteSeqsUpTo.run(agentId, s.acked);
        this.st.setAcked.run(s.acked, now, agentId);
      }
    });
    try {
      run.immediate();
    } catch (err) {
      if (isSqliteError(err)) throw new AuscultError('AUSCULT_ERR_COLLECTOR_DATABASE', `${this.file}: ${err.message}`, { cause: err });
      throw err;
    }
    for (const [agentId, s] of work) {
      this.seqs.set(agentId, s);
      res.acks.set(agentId, s.acked);
    }
    return res;
  }

  private applyOne(agentId: string, p: Prepared, now: string, res: BatchResult): void {
    switch (p.type) {
      case 'device':
        this.storeDevice(agentId, p, now);
        res.devices.add(p.id);
        break;
      case 'finding':
        this.storeFinding(agentId, p, now);
        res.findings.add(p.id);
        res.devices.add(p.deviceId);
        break;
      case 'finding-closed':
        if (this.st.closeFinding.run(now, p.reason, p.findingId).changes > 0) {
          res.findings.add(p.findingId);
          res.devices.add(p.deviceId);
        }
        break;
      case 'stats':
        this.st.stats.run(p.json, now, agentId);
        res.agents.add(agentId);
        break;
    }
  }

  /**
   * Stores one agent's report of a device and recomputes the merged view.
   *
   * The common case, a device only one agent reports, refreshed with the
   * same evidence rows (only last seen and counts moved), costs one read and
   * one write: the merged view (devices) is the report itself, and neither
   * the agent's device_agents row nor its evidence rows change. That row's
   * observed_at then lags; devices.observed_at holds the agent's newest
   * observation and is read in its place while the agent stays alone, and
   * copied into the row when a second agent reports the device.
   */
  private storeDevice(agentId: string, p: PreparedDevice, now: string): void {
    const st = this.st;
    const rows = st.deviceState.all(p.id) as DeviceStateRow[];
    let own: DeviceStateRow | undefined;
    for (const r of rows) if (r.agent_id === agentId) own = r;
    const others = rows.length - (own ? 1 : 0);
    const alone = others === 0;
    const deviceObserved = rows[0]?.device_observed;
    const prevVersions = rows[0]?.versions;
    const ownObserved = own && alone && deviceObserved! > own.observed_at ? deviceObserved! : own?.observed_at;
    // An older observation arriving late (replay) does not overwrite a newer one.
    if (ownObserved !== undefined && ownObserved > p.observedAt) return;
    const sameEntries = own !== undefined && own.evidence_keys === p.evidence;
    // The only agent reporting a device: its report is the merged view, kept once (devices.json);
    // device_agents.json is NULL until a second agent reports the device.
    if (!(alone && sameEntries && own!.no_json === 1)) st.upsertReport.run(p.id, agentId, alone ? null : p.json, p.observedAt, now, p.evidence);
    // The report as an object, parsed only when the evidence rows changed or a merge needs it.
    let sent: DeviceRecord | null = null;
    const device = (): DeviceRecord => (sent ??= JSON.parse(p.json) as DeviceRecord);

    // Evidence rows of this agent: when the set of rows changed, replace them all; else rewrite
    // only the rows whose state (first seen, flow, confidence) moved since the agent's previous report.
    if (!sameEntries) {
      const evidence = device().evidence;
      const prev = own ? parseEvidenceEntries(own.evidence_keys) : null;
      const cur = parseEvidenceEntries(p.evidence);
      const sameRows = prev !== null && prev.keys === cur.keys;
      // (A report that repeats a key has every row written, in order, as before.)
      const skipUnchanged = sameRows && prev.states.size === evidence.length;
      if (prev && !sameRows) st.deleteEvidenceOf.run(p.id, agentId);
      for (const e of evidence) {
        if (skipUnchanged) {
          const k = evidenceKey(e);
          if (prev.states.get(k) === cur.states.get(k)) continue;
        }
        st.upsertEvidence.run(p.id, agentId, e.attribute, e.value, e.protocol, e.field, e.flow, e.firstSeen, e.confidence);
      }
    }

    let columns: Pick<PreparedDevice, 'versions' | 'vendor' | 'deviceClass' | 'search'> = p;
    let mergedJson = p.json;
    if (!alone) {
      const reports = st.reportsOf.all(p.id) as Array<{ agent_id: string; json: string | null; observed_at: string }>;
      const list: AgentReport[] = reports.map((r) => {
        if (r.agent_id === agentId) return { agentId, observedAt: r.observed_at, device: device() };
        let text = r.json;
        let at = r.observed_at;
        if (others === 1 && (text === null || deviceObserved! > at)) {
          // That agent was the device's only one until now: the merged JSON is its report (when
          // its own is NULL) and devices.observed_at its newest observation. Write both out.
          if (text === null) text = (st.deviceJson.get(p.id) as { json: string }).json;
          if (deviceObserved! > at) at = deviceObserved!;
          st.setReport.run(text, at, p.id, r.agent_id);
        }
        return { agentId: r.agent_id, observedAt: at, device: JSON.parse(text!) as DeviceRecord };
      });
      const merged = mergeReports(list);
      mergedJson = JSON.stringify(merged);
      columns = deviceColumns(merged);
    }
    if (prevVersions !== undefined && prevVersions !== columns.versions) {
      const change = classifyVersionChange(JSON.parse(prevVersions) as string[], JSON.parse(columns.versions) as string[]);
      if (change) st.insertHistory.run(p.id, now, agentId, prevVersions, columns.versions, change);
    }
    if (rows.length > 0 && rows[0]!.device_class === columns.deviceClass) {
      st.updateDevice.run(mergedJson, columns.vendor, columns.versions, columns.search, p.observedAt, now, p.id);
    } else st.upsertDevice.run(p.id, mergedJson, columns.vendor, columns.deviceClass, columns.versions, columns.search, p.observedAt, now, now);
  }

  /** Upserts a finding (re-opening it if it was closed). */
  private storeFinding(source: string, f: PreparedFinding, now: string): void {
    this.st.upsertFinding.run(f.id, f.deviceId, source, f.json, f.kind, f.status, f.severity, f.rank, f.score, f.kev, now, now);
  }

  // -------------------------------------------------------------------------
  // Re-correlation support

  /** Every merged device (for correlation). */
  allDevices(): DeviceRecord[] {
    return (this.db.prepare('SELECT json FROM devices ORDER BY id').all() as Array<{ json: string }>).map((r) => JSON.parse(r.json) as DeviceRecord);
  }

  devicesByIds(ids: Iterable<string>): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const id of ids) {
      const r = this.st.deviceJson.get(id) as { json: string } | undefined;
      if (r) out.push(JSON.parse(r.json) as DeviceRecord);
    }
    return out;
  }

  /**
   * Records what correlation found for `deviceIds` (all devices when null):
   * new or re-opened findings get source 'collector'; findings already open
   * only get their last_seen moved; open collector findings of those devices
   * that correlation no longer produces are closed with `closeReason`.
   * Returns the ids of findings opened, closed or changed.
   */
  applyCorrelation(findings: Finding[], deviceIds: Set<string> | null, closeReason: string): { opened: string[]; closed: string[] } {
    const now = new Date().toISOString();
    const opened: string[] = [];
    const closed: string[] = [];
    this.db.transaction(() => {
      const seen = new Set<string>();
      for (const f of findings) {
        seen.add(f.id);
        const row = this.st.findingById.get(f.id) as FindingRow | undefined;
        if (row && row.closed_at === null) {
          if (row.source === COLLECTOR_SOURCE && row.json !== JSON.stringify(f)) {
            this.storeFinding(COLLECTOR_SOURCE, prepareFinding(0, f), now);
            opened.push(f.id);
          } else this.st.touchFinding.run(now, f.id);
        } else {
          this.storeFinding(COLLECTOR_SOURCE, prepareFinding(0, f), now);
          opened.push(f.id);
        }
      }
      const open = this.db.prepare('SELECT id, device_id FROM findings WHERE source = ? AND closed_at IS NULL').all(COLLECTOR_SOURCE) as Array<{ id: string; device_id: string }>;
      for (const r of open) {
        if (seen.has(r.id) || (deviceIds && !deviceIds.has(r.device_id))) continue;
        this.st.closeFinding.run(now, closeReason, r.id);
        closed.push(r.id);
      }
    })();
    return { opened, closed };
  }

  /** Sets a device's identity when the agents sent none (the collector computed it). */
  fillIdentity(id: string, identity: DeviceRecord['identity']): boolean {
    const row = this.st.deviceJson.get(id) as { json: string; observed_at: string } | undefined;
    if (!row || !identity) return false;
    const d = JSON.parse(row.json) as DeviceRecord;
    if (d.identity) return false;
    // A single agent's report is stored only as the merged JSON: keep what the agent sent apart first.
    this.st.fillReportJson.run(row.json, row.observed_at, id);
    d.identity = identity;
    if (!d.deviceClass && identity.deviceClass) d.deviceClass = identity.deviceClass;
    this.db.prepare('UPDATE devices SET json = ?, vendor = ?, device_class = ?, search = ? WHERE id = ?').run(JSON.stringify(d), vendorText(d), d.deviceClass, searchText(d), id);
    return true;
  }

  getMeta(key: string): string | null {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // -------------------------------------------------------------------------
  // Queries (the HTTP API)

  devices(filter: DeviceFilter = {}): CollectorDevice[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.q) {
      where.push("instr(d.search, ?) > 0");
      params.push(filter.q.toLowerCase());
    }
    if (filter.vendor) {
      where.push('instr(d.vendor, ?) > 0');
      params.push(filter.vendor.toLowerCase());
    }
    if (filter.class) {
      where.push('d.device_class = ?');
      params.push(filter.class);
    }
    if (filter.agent) {
      where.push('EXISTS (SELECT 1 FROM device_agents a WHERE a.device_id = d.id AND a.agent_id = ?)');
      params.push(filter.agent);
    }
    if (filter.vulnerable !== undefined) {
      where.push(`${filter.vulnerable ? '' : 'NOT '}EXISTS (SELECT 1 FROM findings f WHERE f.device_id = d.id AND f.closed_at IS NULL AND f.status = 'affected')`);
    }
    let sql = `${DEVICE_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id`;
    if (filter.limit !== undefined) {
      sql += ' LIMIT ? OFFSET ?';
      params.push(filter.limit, filter.offset ?? 0);
    }
    return (this.db.prepare(sql).all(...params) as DeviceRow[]).map(collectorDevice);
  }

  device(id: string): CollectorDevice | null {
    const r = this.st.device.get(id) as DeviceRow | undefined;
    return r ? collectorDevice(r) : null;
  }

  deviceDetail(id: string): DeviceDetail | null {
    const device = this.device(id);
    if (!device) return null;
    const findings = this.findings({ device: id });
    const history = (
      this.db.prepare('SELECT at, agent_id, from_versions, to_versions, change FROM version_history WHERE device_id = ? ORDER BY id').all(id) as Array<{
        at: string;
        agent_id: string;
        from_versions: string;
        to_versions: string;
        change: VersionChange['change'];
      }>
    ).map((r): VersionChange => ({ at: r.at, agentId: r.agent_id, from: JSON.parse(r.from_versions) as string[], to: JSON.parse(r.to_versions) as string[], change: r.change }));
    const peers: DeviceDetail['peers'] = [];
    for (const p of device.peers ?? []) {
      const r = this.st.deviceJson.get(p) as { json: string } | undefined;
      if (!r) continue;
      const d = JSON.parse(r.json) as DeviceRecord;
      peers.push({ id: d.id, ip: d.ip, deviceClass: d.deviceClass, manufacturer: d.manufacturer, model: d.model });
    }
    return { device, findings, history, peers };
  }

  findings(filter: FindingFilter = {}): CollectorFinding[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.severity?.length) {
      where.push(`severity IN (${filter.severity.map(() => '?').join(',')})`);
      params.push(...filter.severity);
    }
    if (filter.status?.length) {
      where.push(`status IN (${filter.status.map(() => '?').join(',')})`);
      params.push(...filter.status);
    }
    if (filter.kev !== undefined) where.push(`kev = ${filter.kev ? 1 : 0}`);
    if (filter.open !== undefined) where.push(`closed_at IS ${filter.open ? '' : 'NOT '}NULL`);
    if (filter.device) {
      where.push('device_id = ?');
      params.push(filter.device);
    }
    if (filter.source) {
      where.push('source = ?');
      params.push(filter.source);
    }
    // Riskiest first: open before closed, KEV, severity, score.
    let sql = `SELECT id, json, source, first_seen, last_seen, closed_at, closed_reason FROM findings${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY closed_at IS NOT NULL, kev DESC, severity_rank DESC, coalesce(score, -1) DESC, id`;
    if (filter.limit !== undefined) {
      sql += ' LIMIT ? OFFSET ?';
      params.push(filter.limit, filter.offset ?? 0);
    }
    return (this.db.prepare(sql).all(...params) as FindingRow[]).map(collectorFinding);
  }

  finding(id: string): CollectorFinding | null {
    const r = this.st.findingById.get(id) as FindingRow | undefined;
    return r ? collectorFinding(r) : null;
  }
}

/** The per-row entries of a stored evidence_keys column: keys in order, and state by key. */
function parseEvidenceEntries(text: string): { keys: string; states: Map<string, string> } {
  let keys = '';
  const states = new Map<string, string>();
  for (const entry of text.split('\u0001')) {
    if (entry === '') continue;
    const cut = entry.indexOf('\u0002');
    const k = cut < 0 ? entry : entry.slice(0, cut);
    keys += k + '\u0001';
    if (cut >= 0) states.set(k, entry.slice(cut + 1));
  }
  return { keys, states };
}

/**
 * Brings a database of an older schema version up to this one, in one
 * transaction. v1 → v2: device_agents becomes a rowid table with the JSON
 * last (schema.ts deviceAgentsTable). v2 → v3: evidence loses last_seen and
 * count (schema.ts evidenceTable); they stay in the reports' JSON.
 */
function migrate(db: Database.Database, version: number): void {
  if (version >= COLLECTOR_SCHEMA_VERSION) return;
  db.transaction(() => {
    if (version < 2) {
      db.exec(`${deviceAgentsTable('device_agents_v2')}
        INSERT INTO device_agents_v2 (device_id, agent_id, observed_at, stored_at, evidence_keys, json)
          SELECT device_id, agent_id, observed_at, stored_at, evidence_keys, json FROM device_agents;
        DROP TABLE device_agents;
        ALTER TABLE device_agents_v2 RENAME TO device_agents;`);
    }
    if (version < 3) {
      db.exec(`${evidenceTable('evidence_v3')}
        INSERT INTO evidence_v3 (device_id, agent_id, attribute, value, protocol, field, flow, first_seen, confidence)
          SELECT device_id, agent_id, attribute, value, protocol, field, flow, first_seen, confidence FROM evidence;
        DROP TABLE evidence;
        ALTER TABLE evidence_v3 RENAME TO evidence;`);
    }
    db.prepare('UPDATE schema_version SET version = ?').run(COLLECTOR_SCHEMA_VERSION);
  })();
}

function agentInfo(r: AgentRow, connected: boolean): AgentInfo {
  return {
    id: r.id,
    name: r.name,
    connected,
    lastSeen: r.last_seen,
    version: r.version,
    kbVersion: r.kb_version,
    source: r.source,
    stats: r.last_stats ? (JSON.parse(r.last_stats) as Record<string, number>) : null,
    revoked: r.revoked === 1,
  };
}

function collectorDevice(r: DeviceRow): CollectorDevice {
  const d = JSON.parse(r.json) as DeviceRecord;
  return {
    ...d,
    agents: r.agents ? r.agents.split('\u001f').sort() : [],
    openFindings: r.open_findings,
    maxSeverity: r.max_rank === null ? null : (SEVERITY_BY_RANK[r.max_rank] ?? 'unknown'),
    kev: r.kev === 1,
    storedFirst: r.stored_first,
    storedLast: r.stored_last,
  };
}

function collectorFinding(r: FindingRow): CollectorFinding {
  return {
    ...(JSON.parse(r.json) as Finding),
    source: r.source,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    closedAt: r.closed_at,
    closedReason: r.closed_reason,
  };
}
