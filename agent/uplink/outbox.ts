/**
 * The agent's durable outbox: every message for the collector is written to
 * SQLite (WAL) before it is sent, deleted once acknowledged, and resent after
 * a reconnect or a restart.
 *
 * Seqs: a row gets its seq from a persisted counter when it is first taken
 * for sending, in the same transaction that writes the seq to the row, so it
 * is on disk before it is on the wire and every resend reuses it. Assigning
 * at first send rather than at enqueue is deliberate: the collector
 * acknowledges the highest seq stored *contiguously*, so a hole in the
 * sequence would stall acknowledgements for good. Rows that never went out
 * have no seq, and compacting or dropping them cannot leave a hole. Seqs keep
 * growing across restarts (the counter is in the file).
 *
 * Size policy (a cap on rows, `maxRows`):
 * - device messages are compacted: a newer state of a device whose row has
 *   not been sent yet replaces that row's body in place (same position, so
 *   the device still precedes findings enqueued after it). A row already sent
 *   (it may be stored) is left alone and the new state gets a new row.
 * - stats are dropped first when over the cap, oldest first (the newest
 *   stay); only unsent ones, so no hole.
 * - findings and finding-closed are never dropped. Device and finding rows
 *   can therefore exceed the cap when no unsent stats are left to drop; that
 *   is counted (`overCap`) and bounded anyway: one waiting row per device
 *   (the inventory caps devices) plus one per finding change.
 * - a row the collector refuses for good is replaced, under the same seq, by
 *   a stats message (`fillGap`), so the contiguous ack moves past it.
 *
 * The same file keeps `state`: what was last enqueued per device and per
 * finding (content hashes), written in the same transaction as the rows, so
 * a restarted agent that sees the same devices again enqueues nothing new.
 */
import Database from 'better-sqlite3';
import { AuscultError } from '../errors.js';
import type { AgentMessage, HelloMessage } from '../../collector/protocol.js';

/** A message to enqueue: any agent message but hello, without its seq. */
export type OutgoingMessage = DistributiveOmit<Exclude<AgentMessage, HelloMessage>, 'seq'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface OutboxOptions {
  /** Row cap (see the policy above). Default 100 000. */
  maxRows?: number;
}

export interface OutboxRow {
  /** Position in the outbox (insertion order). */
  id: number;
  seq: number;
  type: string;
  /** The message JSON, seq included. */
  body: string;
  /** The seq was assigned before this take: the row has been sent before (resend). */
  resend: boolean;
}

/** What was last enqueued for one device or finding. */
export interface SentState {
  /** 'd:' + device id, or 'f:' + finding id. */
  key: string;
  deviceId: string;
  /** Hash of the content without volatile fields (lastSeen, counts). */
  stable: string;
  /** Hash of the whole content. */
  full: string;
  /** When it was enqueued (ms since the epoch). */
  at: number;
}

/** One change to commit: a message and/or a state update, in one transaction with the others. */
export interface OutboxChange {
  message?: OutgoingMessage;
  /** Set the state of `state.key`. */
  state?: SentState;
  /** Forget the state of this key (e.g. a closed finding). */
  forget?: string;
}

export interface OutboxCounters {
  /** Device rows replaced in place by a newer state of the same device. */
  compactions: number;
  /** Stats rows dropped to stay under the cap. */
  statsDropped: number;
  /** Enqueues that left the outbox over its cap (nothing droppable left). */
  overCap: number;
  /** Rows dropped because the collector refused them for good. */
  refusedDropped: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER UNIQUE,
  type TEXT NOT NULL,
  device_key TEXT,
  filler INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_device ON outbox (device_key, seq);
CREATE INDEX IF NOT EXISTS outbox_unsent_stats ON outbox (id) WHERE type = 'stats' AND seq IS NULL;
CREATE TABLE IF NOT EXISTS state (
  key TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  stable TEXT NOT NULL,
  full TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

const DEFAULT_MAX_ROWS = 100_000;

/** The stored body has no seq; it is put first when the row is sent. */
function withSeq(body: string, seq: number): string {
  return `{"seq":${seq},${body.slice(1)}`;
}

function stripSeq(message: OutgoingMessage): string {
  const { seq: _seq, ...rest } = message as OutgoingMessage & { seq?: number };
  return JSON.stringify(rest);
}

/** The outbox file. One writer (the agent process); close it on exit. */
export class Outbox {
  readonly file: string;
  readonly maxRows: number;
  readonly counters: OutboxCounters = { compactions: 0, statsDropped: 0, overCap: 0, refusedDropped: 0 };
  private readonly db: Database.Database;
  private nextSeq: number;
  private rows: number;
  private readonly stmts;

  private constructor(file: string, db: Database.Database, maxRows: number) {
    this.file = file;
    this.db = db;
    this.maxRows = maxRows;
    const meta = (k: string): number => (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: number } | undefined)?.value ?? 0;
    const maxRow = (db.prepare('SELECT max(seq) AS m FROM outbox').get() as { m: number | null }).m ?? 0;
    this.nextSeq = Math.max(meta('next_seq'), maxRow + 1, 1);
    this.rows = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    this.stmts = {
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      insert: db.prepare('INSERT INTO outbox (type, device_key, body) VALUES (?, ?, ?)'),
      findUnsentDevice: db.prepare('SELECT id FROM outbox INDEXED BY outbox_device WHERE device_key = ? AND seq IS NULL LIMIT 1'),
      replaceBody: db.prepare('UPDATE outbox SET body = ? WHERE id = ?'),
      oldestUnsentStats: db.prepare("SELECT id FROM outbox INDEXED BY outbox_unsent_stats WHERE type = 'stats' AND seq IS NULL ORDER BY id LIMIT ?"),
      deleteId: db.prepare('DELETE FROM outbox WHERE id = ?'),
      deleteSeq: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      deleteUpTo: db.prepare('DELETE FROM outbox WHERE seq IS NOT NULL AND seq <= ?'),
      after: db.prepare('SELECT id, seq, type, body FROM outbox WHERE id > ? ORDER BY id LIMIT ?'),
      assign: db.prepare('UPDATE outbox SET seq = ? WHERE id = ?'),
      bySeq: db.prepare('SELECT id, filler FROM outbox WHERE seq = ?'),
      fill: db.prepare("UPDATE outbox SET type = 'stats', device_key = NULL, filler = 1, body = ? WHERE id = ?"),
      setState: db.prepare(
        `INSERT INTO state (key, device_id, stable, full, at) VALUES (@key, @deviceId, @stable, @full, @at)
         ON CONFLICT (key) DO UPDATE SET device_id = excluded.device_id, stable = excluded.stable, full = excluded.full, at = excluded.at`,
      ),
      forget: db.prepare('DELETE FROM state WHERE key = ?'),
    };
  }

  /** Opens (creating if needed) the outbox at `file`. Throws AUSCULT_ERR_OUTBOX when it cannot. */
  static open(file: string, opts: OutboxOptions = {}): Outbox {
    let db: Database.Database | null = null;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a committed row survives a process crash; a power cut may lose the last transactions.
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 2000');
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
      if (tables.length > 0 && !tables.some((t) => t.name === 'outbox')) {
        throw new AuscultError('AUSCULT_ERR_OUTBOX', `${file} is an SQLite file but not an auscult outbox`);
      }
      db.exec(SCHEMA);
      return new Outbox(file, db, Math.max(1, opts.maxRows ?? DEFAULT_MAX_ROWS));
    } catch (err) {
      db?.close();
      if (err instanceof AuscultError) throw err;
      throw new AuscultError('AUSCULT_ERR_OUTBOX', `cannot open the outbox ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Highest seq ever assigned (0 before the first send). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Messages waiting (not yet acknowledged). */
  get depth(): number {
    return this.rows;
  }

  /** Enqueue one message. */
  enqueue(message: OutgoingMessage): void {
    this.commit([{ message }]);
  }

  /** Writes messages and state updates in one transaction. */
  commit(changes: OutboxChange[]): void {
    const before = { rows: this.rows, counters: { ...this.counters } };
    try {
      this.db.transaction(() => {
        for (const c of changes) {
          if (c.message) this.put(c.message);
          if (c.state) this.stmts.setState.run(c.state);
          if (c.forget) this.stmts.forget.run(c.forget);
        }
        this.enforceCap();
      })();
    } catch (err) {
      // Rolled back: so are the in-memory mirrors.
      this.rows = before.rows;
      Object.assign(this.counters, before.counters);
      throw new AuscultError('AUSCULT_ERR_OUTBOX', `${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }

  private put(message: OutgoingMessage): void {
    const body = stripSeq(message);
    if (message.type === 'device') {
      const waiting = this.stmts.findUnsentDevice.get(message.device.id) as { id: number } | undefined;
      if (waiting) {
        this.stmts.replaceBody.run(body, waiting.id);
        this.counters.compactions++;
        return;
      }
    }
    this.stmts.insert.run(message.type, message.type === 'device' ? message.device.id : null, body);
    this.rows++;
  }

  private enforceCap(): void {
    if (this.rows <= this.maxRows) return;
    const victims = this.stmts.oldestUnsentStats.all(this.rows - this.maxRows) as Array<{ id: number }>;
    for (const v of victims) this.stmts.deleteId.run(v.id);
    this.rows -= victims.length;
    this.counters.statsDropped += victims.length;
    if (this.rows > this.maxRows) this.counters.overCap++;
  }

  /**
   * Up to `limit` rows after position `afterId`, in order, for sending: rows
   * without a seq get the next seqs, written (with the counter) before this
   * returns. `resend` marks rows that had a seq already.
   */
  take(afterId: number, limit: number): OutboxRow[] {
    const rows = this.stmts.after.all(afterId, limit) as Array<{ id: number; seq: number | null; type: string; body: string }>;
    if (rows.length === 0) return [];
    const out: OutboxRow[] = [];
    const startSeq = this.nextSeq;
    try {
      this.db.transaction(() => {
        for (const r of rows) {
          const resend = r.seq !== null;
          const seq = r.seq ?? this.nextSeq++;
          if (!resend) this.stmts.assign.run(seq, r.id);
          out.push({ id: r.id, seq, type: r.type, body: withSeq(r.body, seq), resend });
        }
        if (this.nextSeq !== startSeq) this.stmts.setMeta.run('next_seq', this.nextSeq);
      })();
    } catch (err) {
      this.nextSeq = startSeq;
      throw new AuscultError('AUSCULT_ERR_OUTBOX', `${this.file}: ${(err as Error).message}`, { cause: err });
    }
    return out;
  }

  /** The collector stored everything up to `seq`: delete it. Returns rows deleted. */
  ack(seq: number): number {
    const n = this.stmts.deleteUpTo.run(seq).changes;
    this.rows -= n;
    return n;
  }

  /**
   * The collector refused `seq` for good. The first time, its row becomes a
   * stats message (`stats`) under the same seq, so the collector's
   * contiguous ack can pass it; a filler refused again is deleted. Returns
   * what happened.
   */
  fillGap(seq: number, stats: OutgoingMessage & { type: 'stats' }): { result: 'filled'; body: string } | { result: 'dropped' | 'unknown' } {
    const row = this.stmts.bySeq.get(seq) as { id: number; filler: number } | undefined;
    if (!row) return { result: 'unknown' };
    this.counters.refusedDropped++;
    if (row.filler) {
      this.stmts.deleteId.run(row.id);
      this.rows--;
      return { result: 'dropped' };
    }
    const body = stripSeq(stats);
    this.stmts.fill.run(body, row.id);
    return { result: 'filled', body: withSeq(body, seq) };
  }

  /**
   * The collector already holds seqs up to `seq` from this agent id (this
   * outbox file was replaced): move the counter past it, so new messages do
   * not look like duplicates.
   */
  advancePast(seq: number): void {
    if (seq < this.nextSeq) return;
    this.nextSeq = seq + 1;
    this.stmts.setMeta.run('next_seq', this.nextSeq);
  }

  /** Everything last enqueued per device and finding. */
  loadState(): Map<string, SentState> {
    const out = new Map<string, SentState>();
    for (const r of this.db.prepare('SELECT key, device_id AS deviceId, stable, full, at FROM state').iterate() as Iterable<SentState>) out.set(r.key, r);
    return out;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
