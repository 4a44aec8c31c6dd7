/**
 * The knowledge base on disk: one SQLite file (WAL) of advisories, SBOMs,
 * VEX and KEV, imported from files and loaded into the in-memory
 * KnowledgeBase that correlation reads.
 *
 * Each file is imported in its own transaction: a bad file is refused with
 * an AuscultError naming it and the problem, and the others go in. The same
 * bytes twice is a no-op; a newer revision of a document (same CSAF
 * tracking.id, CycloneDX serialNumber, SPDX namespace, or the KEV catalog)
 * replaces the older one.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { compareRevisions, parseJsonText, parseKbDocument, type KbDocument, type KbKind, type KbProblem } from '../../rules/kb/index.js';
import type { KbAdvisory, KbCvss, KbProduct, KbRemediation, KbVulnerability, KevEntry, KnowledgeBase, Sbom, SbomComponent, VexStatement } from '../../rules/types.js';
import { normalizeVendor } from '../../rules/fingerprint/vendors.js';
import { productRange } from '../../rules/kb/csaf.js';
import { AuscultError } from '../errors.js';
import { KB_SCHEMA, KB_SCHEMA_VERSION } from './schema.js';

/** Files larger than this are refused before they are read. */
export const KB_MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Errors quoted in one AUSCULT_ERR_KB_INVALID_DOCUMENT message (the rest are counted). */
const MAX_ERRORS_QUOTED = 5;

export interface KbCounts {
  advisories: number;
  products: number;
  vulnerabilities: number;
  kev: number;
  sboms: number;
  components: number;
  vex: number;
}

export interface ImportResult {
  path: string;
  source: string;
  kind: KbKind;
  docId: string;
  /** imported: new; replaced: a newer revision replaced the one loaded; unchanged: same bytes already loaded; older: a newer revision is loaded. */
  status: 'imported' | 'replaced' | 'unchanged' | 'older';
  /** Why it was skipped, or what it replaced. */
  note: string | null;
  counts: KbCounts;
  warnings: KbProblem[];
}

export interface ImportFailure {
  path: string;
  code: string;
  message: string;
}

export interface ImportSummary {
  imported: ImportResult[];
  skipped: ImportResult[];
  failed: ImportFailure[];
  /** Files in a folder that are not *.json (never read). */
  ignored: string[];
}

export interface KbDocumentInfo {
  source: string;
  path: string;
  kind: KbKind;
  formatVersion: string;
  docId: string;
  revision: { version: string | null; date: string | null };
  sha256: string;
  importedAt: string;
  warnings: number;
  counts: KbCounts;
}

export interface KbListing {
  version: string;
  documents: KbDocumentInfo[];
  totals: KbCounts & { documents: number };
}

const STATUS_COLUMNS = [
  ['knownAffected', 'known_affected'],
  ['fixed', 'fixed'],
  ['knownNotAffected', 'known_not_affected'],
  ['underInvestigation', 'under_investigation'],
] as const;

function emptyCounts(): KbCounts {
  return { advisories: 0, products: 0, vulnerabilities: 0, kev: 0, sboms: 0, components: 0, vex: 0 };
}

function countsOf(doc: KbDocument): KbCounts {
  return {
    advisories: doc.advisory ? 1 : 0,
    products: doc.products.length,
    vulnerabilities: doc.vulnerabilities.length,
    kev: doc.kev.length,
    sboms: doc.sbom ? 1 : 0,
    components: doc.sbom ? doc.sbom.components.length : 0,
    vex: doc.vex.length,
  };
}

function isSqliteError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_');
}

function json(v: unknown): string {
  return JSON.stringify(v);
}

function parseJsonColumn<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  return JSON.parse(text) as T;
}

/** An open knowledge base. Close it when done. */
export class KbStore {
  readonly file: string;
  private readonly db: Database.Database;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  /** Opens (creating if needed) the KB at `file`. Throws AUSCULT_ERR_KB_DATABASE when it cannot. */
  static open(file: string): KbStore {
    let db: Database.Database | null = null;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      const hasVersion = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
      if (!hasVersion && tables > 0) throw new AuscultError('AUSCULT_ERR_KB_DATABASE', `${file} is an SQLite file but not an auscult knowledge base`);
      if (hasVersion) {
        const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
        if (row && row.version > KB_SCHEMA_VERSION) {
          throw new AuscultError('AUSCULT_ERR_KB_DATABASE', `${file} has schema version ${row.version}, newer than this auscult reads (${KB_SCHEMA_VERSION}); upgrade auscult`);
        }
      }
      db.exec(KB_SCHEMA);
      const row = db.prepare('SELECT version FROM schema_version').get();
      if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(KB_SCHEMA_VERSION);
      return new KbStore(file, db);
    } catch (err) {
      db?.close();
      if (err instanceof AuscultError) throw err;
      throw new AuscultError('AUSCULT_ERR_KB_DATABASE', `cannot open the knowledge base ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Imports one file. Throws AuscultError (AUSCULT_ERR_KB_UNREADABLE,
   * _FILE_TOO_LARGE, _NOT_JSON, _UNKNOWN_FORMAT, _INVALID_DOCUMENT) naming
   * the file and the problem; nothing of a refused file is stored.
   */
  importFile(path: string): ImportResult {
    const abs = resolve(path);
    const source = basename(abs);
    let size: number;
    try {
      const st = statSync(abs);
      if (st.isDirectory()) throw new AuscultError('AUSCULT_ERR_KB_UNREADABLE', `${path} is a folder, not a file`);
      size = st.size;
    } catch (err) {
      if (err instanceof AuscultError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new AuscultError('AUSCULT_ERR_KB_UNREADABLE', code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(err as Error).message}`, { cause: err });
    }
    if (size > KB_MAX_FILE_BYTES) {
      throw new AuscultError('AUSCULT_ERR_KB_FILE_TOO_LARGE', `${path} is ${size} bytes, over the ${KB_MAX_FILE_BYTES}-byte limit`);
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(abs);
    } catch (err) {
      throw new AuscultError('AUSCULT_ERR_KB_UNREADABLE', `${path}: ${(err as Error).message}`, { cause: err });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const known = this.db.prepare('SELECT kind, doc_id FROM documents WHERE sha256 = ?').get(sha256) as { kind: KbKind; doc_id: string } | undefined;
    if (known) {
      return { path: abs, source, kind: known.kind, docId: known.doc_id, status: 'unchanged', note: 'already imported (same sha256)', counts: emptyCounts(), warnings: [] };
    }

    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new AuscultError('AUSCULT_ERR_KB_NOT_JSON', `${path}: not JSON: the file is not UTF-8 text`);
    }
    const parsed = parseJsonText(text);
    if (!parsed.ok) throw new AuscultError('AUSCULT_ERR_KB_NOT_JSON', `${path}: ${parsed.reason}`);
    const res = parseKbDocument(parsed.value, source);
    if (!res.ok) throw new AuscultError('AUSCULT_ERR_KB_UNKNOWN_FORMAT', `${path}: ${res.reason}`);
    const doc = res.doc;
    const errors = doc.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      const quoted = errors.slice(0, MAX_ERRORS_QUOTED).map((p) => `\n    ${p.path}: ${p.message}`).join('');
      const more = errors.length > MAX_ERRORS_QUOTED ? `\n    (and ${errors.length - MAX_ERRORS_QUOTED} more)` : '';
      throw new AuscultError('AUSCULT_ERR_KB_INVALID_DOCUMENT', `${path}: invalid ${doc.kind} document (${errors.length} error${errors.length === 1 ? '' : 's'}):${quoted}${more}`);
    }
    const warnings = doc.problems.filter((p) => p.severity === 'warning');

    try {
      return this.db.transaction((): ImportResult => {
        const base = { path: abs, source, kind: doc.kind, docId: doc.docId, counts: countsOf(doc), warnings };
        const old = this.db
          .prepare('SELECT id, source, revision_version, revision_date FROM documents WHERE kind = ? AND doc_id = ?')
          .get(doc.kind, doc.docId) as { id: number; source: string; revision_version: string | null; revision_date: string | null } | undefined;
        let status: ImportResult['status'] = 'imported';
        let note: string | null = null;
        if (old) {
          const oldRev = { version: old.revision_version, date: old.revision_date };
          const cmp = compareRevisions(doc.revision, oldRev);
          if (cmp < 0) {
            return {
              ...base,
              status: 'older',
              note: `a newer revision of ${doc.docId} is loaded (${revText(oldRev)} from ${old.source}; this is ${revText(doc.revision)})`,
              counts: emptyCounts(),
            };
          }
          this.db.prepare('DELETE FROM documents WHERE id = ?').run(old.id);
          status = 'replaced';
          note = cmp > 0 ? `replaces ${revText(oldRev)} from ${old.source}` : `same revision as ${old.source} but different bytes: replaces it`;
        }
        this.insert(doc, abs, sha256, warnings.length);
        return { ...base, status, note };
      })();
    } catch (err) {
      if (isSqliteError(err) && err.code.startsWith('SQLITE_CONSTRAINT')) {
        throw new AuscultError('AUSCULT_ERR_KB_INVALID_DOCUMENT', `${path}: conflicts with what is loaded: ${err.message}`, { cause: err });
      }
      if (isSqliteError(err)) throw new AuscultError('AUSCULT_ERR_KB_DATABASE', `${this.file}: ${err.message} (importing ${path})`, { cause: err });
      throw err;
    }
  }

  private insert(doc: KbDocument, path: string, sha256: string, warnings: number): void {
    const db = this.db;
    const info = db
      .prepare(
        `INSERT INTO documents (source, path, kind, format_version, doc_id, revision_version, revision_date, sha256, imported_at, warnings)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(basename(path), path, doc.kind, doc.formatVersion, doc.docId, doc.revision.version, doc.revision.date, sha256, new Date().toISOString(), warnings);
    const id = Number(info.lastInsertRowid);

    const a = doc.advisory;
    if (a) {
      db.prepare(
        `INSERT INTO advisories (document_id, id, title, publisher, initial_release, current_release, url, source, category)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, a.id, a.title, a.publisher, a.initialRelease, a.currentRelease, a.url, a.source, a.category);
    }
    const product = db.prepare(
      `INSERT INTO products (document_id, key, advisory_id, product_id, vendor, name, version_text, cpe, purl, full_name, family, model_numbers, serial_numbers, relationship)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const p of doc.products) {
      product.run(
        id, p.key, p.advisoryId, p.productId, p.vendor, p.name, p.versionText, p.cpe, p.purl,
        p.fullName ?? null, p.family ?? null, json(p.modelNumbers ?? []), json(p.serialNumbers ?? []), p.relationship ? json(p.relationship) : null,
      );
    }
    const vuln = db.prepare(
      `INSERT INTO vulnerabilities (document_id, advisory_id, ordinal, id, cve, title, cwe, cvss, justifications) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const status = db.prepare(`INSERT OR IGNORE INTO statuses (document_id, advisory_id, vuln_ordinal, product_key, status) VALUES (?, ?, ?, ?, ?)`);
    const remediation = db.prepare(
      `INSERT INTO remediations (document_id, advisory_id, vuln_ordinal, ordinal, category, details, url, product_keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    doc.vulnerabilities.forEach((v, i) => {
      vuln.run(id, v.advisoryId, i, v.id, v.cve, v.title, v.cwe, v.cvss ? json(v.cvss) : null, json(v.justifications));
      for (const [field, column] of STATUS_COLUMNS) for (const k of v[field]) status.run(id, v.advisoryId, i, k, column);
      v.remediations.forEach((r, j) => remediation.run(id, v.advisoryId, i, j, r.category, r.details, r.url, json(r.productKeys)));
    });
    const kev = db.prepare(
      `INSERT INTO kev (document_id, cve, vendor_project, product, date_added, due_date, known_ransomware_campaign_use, required_action) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const k of doc.kev) kev.run(id, k.cve, k.vendorProject, k.product, k.dateAdded, k.dueDate, k.knownRansomwareCampaignUse, k.requiredAction);
    if (doc.sbom) {
      const s = doc.sbom;
      db.prepare('INSERT INTO sboms (document_id, id, format, spec_version, source) VALUES (?, ?, ?, ?, ?)').run(id, s.id, s.format, s.specVersion, s.source);
      const comp = db.prepare(
        `INSERT INTO components (document_id, ordinal, is_subject, ref, type, name, version, supplier, cpe, purl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const put = (c: SbomComponent, i: number, subject: boolean) => comp.run(id, i, subject ? 1 : 0, c.ref, c.type, c.name, c.version, c.supplier, c.cpe, c.purl);
      if (s.subject) put(s.subject, 0, true);
      s.components.forEach((c, i) => put(c, i, false));
    }
    const vex = db.prepare(
      `INSERT INTO vex (document_id, ordinal, vulnerability, product, status, justification, detail, source, product_name, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    doc.vex.forEach((s, i) => vex.run(id, i, s.vulnerability, s.product, s.status, s.justification, s.detail, s.source, s.productName ?? null, s.version ?? null));
  }

  /**
   * Imports every *.json file under `dir` (recursively, in name order), each
   * on its own; files that fail are listed with their error and the rest go in.
   */
  importDir(dir: string): ImportSummary {
    const summary: ImportSummary = { imported: [], skipped: [], failed: [], ignored: [] };
    let files: string[];
    try {
      files = listFiles(resolve(dir));
    } catch (err) {
      throw new AuscultError('AUSCULT_ERR_KB_UNREADABLE', `${dir}: ${(err as Error).message}`, { cause: err });
    }
    for (const f of files) {
      if (!/\.json$/i.test(f)) summary.ignored.push(f);
      else this.importInto(summary, f);
    }
    return summary;
  }

  /** Imports files and folders as `auscult kb import` names them: a named file is always read, whatever its name. */
  importPaths(paths: string[]): ImportSummary {
    const summary: ImportSummary = { imported: [], skipped: [], failed: [], ignored: [] };
    for (const p of paths) {
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        // importFile reports it
      }
      if (isDir) {
        try {
          const s = this.importDir(p);
          summary.imported.push(...s.imported);
          summary.skipped.push(...s.skipped);
          summary.failed.push(...s.failed);
          summary.ignored.push(...s.ignored);
        } catch (err) {
          if (!(err instanceof AuscultError) || err.code === 'AUSCULT_ERR_KB_DATABASE') throw err;
          summary.failed.push({ path: resolve(p), code: err.code, message: err.message });
        }
      } else {
        this.importInto(summary, p);
      }
    }
    return summary;
  }

  private importInto(summary: ImportSummary, file: string): void {
    try {
      const r = this.importFile(file);
      (r.status === 'imported' || r.status === 'replaced' ? summary.imported : summary.skipped).push(r);
    } catch (err) {
      // A broken database ends the run; a broken file does not.
      if (!(err instanceof AuscultError) || err.code === 'AUSCULT_ERR_KB_DATABASE') throw err;
      summary.failed.push({ path: resolve(file), code: err.code, message: err.message });
    }
  }

  /** KB version: a hash of the imported documents' sha256s (order-independent). */
  version(): string {
    const rows = this.db.prepare('SELECT sha256 FROM documents ORDER BY sha256').all() as Array<{ sha256: string }>;
    return createHash('sha256')
      .update(rows.map((r) => r.sha256).join('\n'))
      .digest('hex')
      .slice(0, 16);
  }

  /**
   * Builds the in-memory knowledge base. Version ranges and vendor ids are
   * computed again from the stored text, so fixes to rules/versions and
   * rules/fingerprint apply without re-importing.
   */
  load(): KnowledgeBase {
    const db = this.db;
    const advisories = (db.prepare('SELECT * FROM advisories ORDER BY id').all() as Array<Record<string, string | null>>).map(
      (r): KbAdvisory => ({
        id: r.id!,
        title: r.title!,
        publisher: r.publisher ?? null,
        initialRelease: r.initial_release ?? null,
        currentRelease: r.current_release ?? null,
        url: r.url ?? null,
        source: r.source!,
        category: r.category!,
      }),
    );
    const products = (db.prepare('SELECT * FROM products ORDER BY advisory_id, rowid').all() as Array<Record<string, string | null>>).map((r): KbProduct => {
      const vendor = r.vendor ?? null;
      const versionText = r.version_text ?? null;
      return {
        key: r.key!,
        advisoryId: r.advisory_id!,
        productId: r.product_id!,
        vendor,
        vendorId: vendor ? (normalizeVendor(vendor)?.id ?? null) : null,
        name: r.name!,
        versionText,
        range: productRange(versionText, r.name!),
        cpe: r.cpe ?? null,
        purl: r.purl ?? null,
        fullName: r.full_name ?? r.name!,
        family: r.family ?? null,
        modelNumbers: parseJsonColumn<string[]>(r.model_numbers ?? null, []),
        serialNumbers: parseJsonColumn<string[]>(r.serial_numbers ?? null, []),
        relationship: parseJsonColumn<KbProduct['relationship']>(r.relationship ?? null, null),
      };
    });

    const statusRows = db.prepare('SELECT advisory_id, vuln_ordinal, product_key, status FROM statuses ORDER BY rowid').all() as Array<{
      advisory_id: string;
      vuln_ordinal: number;
      product_key: string;
      status: string;
    }>;
    const remRows = db.prepare('SELECT * FROM remediations ORDER BY advisory_id, vuln_ordinal, ordinal').all() as Array<{
      advisory_id: string;
      vuln_ordinal: number;
      category: string;
      details: string;
      url: string | null;
      product_keys: string;
    }>;
    const vkey = (a: string, i: number) => `${a}\u0000${i}`;
    const statusBy = new Map<string, typeof statusRows>();
    for (const s of statusRows) {
      const k = vkey(s.advisory_id, s.vuln_ordinal);
      let l = statusBy.get(k);
      if (!l) statusBy.set(k, (l = []));
      l.push(s);
    }
    const remBy = new Map<string, KbRemediation[]>();
    for (const r of remRows) {
      const k = vkey(r.advisory_id, r.vuln_ordinal);
      let l = remBy.get(k);
      if (!l) remBy.set(k, (l = []));
      l.push({ category: r.category, details: r.details, url: r.url, productKeys: JSON.parse(r.product_keys) as string[] });
    }
    const vulnerabilities = (
      db.prepare('SELECT * FROM vulnerabilities ORDER BY advisory_id, ordinal').all() as Array<{
        advisory_id: string;
        ordinal: number;
        id: string;
        cve: string | null;
        title: string | null;
        cwe: string | null;
        cvss: string | null;
        justifications: string;
      }>
    ).map((r): KbVulnerability => {
      const k = vkey(r.advisory_id, r.ordinal);
      const st = statusBy.get(k) ?? [];
      const of = (s: string) => st.filter((x) => x.status === s).map((x) => x.product_key);
      return {
        advisoryId: r.advisory_id,
        id: r.id,
        cve: r.cve,
        title: r.title,
        cwe: r.cwe,
        cvss: parseJsonColumn<KbCvss | null>(r.cvss, null),
        knownAffected: of('known_affected'),
        fixed: of('fixed'),
        knownNotAffected: of('known_not_affected'),
        underInvestigation: of('under_investigation'),
        justifications: JSON.parse(r.justifications) as Record<string, string>,
        remediations: remBy.get(k) ?? [],
      };
    });

    const kev = new Map<string, KevEntry>();
    for (const r of db.prepare('SELECT * FROM kev ORDER BY cve').all() as Array<Record<string, string | null>>) {
      kev.set(r.cve!, {
        cve: r.cve!,
        vendorProject: r.vendor_project!,
        product: r.product!,
        dateAdded: r.date_added!,
        dueDate: r.due_date ?? null,
        knownRansomwareCampaignUse: r.known_ransomware_campaign_use!,
        requiredAction: r.required_action ?? null,
      });
    }

    const compRows = db.prepare('SELECT * FROM components ORDER BY document_id, is_subject DESC, ordinal').all() as Array<{
      document_id: number;
      is_subject: number;
      ref: string;
      type: string | null;
      name: string;
      version: string | null;
      supplier: string | null;
      cpe: string | null;
      purl: string | null;
    }>;
    const compBy = new Map<number, typeof compRows>();
    for (const c of compRows) {
      let l = compBy.get(c.document_id);
      if (!l) compBy.set(c.document_id, (l = []));
      l.push(c);
    }
    const toComp = (c: (typeof compRows)[number]): SbomComponent => ({
      ref: c.ref,
      type: c.type,
      name: c.name,
      version: c.version,
      supplier: c.supplier,
      cpe: c.cpe,
      purl: c.purl,
    });
    const sboms = (
      db.prepare('SELECT * FROM sboms ORDER BY document_id').all() as Array<{ document_id: number; id: string; format: 'cyclonedx' | 'spdx'; spec_version: string; source: string }>
    ).map((s): Sbom => {
      const rows = compBy.get(s.document_id) ?? [];
      const subj = rows.find((c) => c.is_subject === 1);
      return {
        id: s.id,
        format: s.format,
        specVersion: s.spec_version,
        source: s.source,
        subject: subj ? toComp(subj) : null,
        components: rows.filter((c) => c.is_subject === 0).map(toComp),
      };
    });

    const vex = (db.prepare('SELECT * FROM vex ORDER BY document_id, ordinal').all() as Array<Record<string, string | null>>).map(
      (r): VexStatement => ({
        vulnerability: r.vulnerability!,
        product: r.product!,
        status: r.status as VexStatement['status'],
        justification: r.justification ?? null,
        detail: r.detail ?? null,
        source: r.source!,
        productName: r.product_name ?? null,
        version: r.version ?? null,
      }),
    );

    return { version: this.version(), advisories, products, vulnerabilities, kev, sboms, vex };
  }

  /** What is loaded: each document with its counts, the totals and the KB version. */
  list(): KbListing {
    const db = this.db;
    const countBy = (table: string): Map<number, number> =>
      new Map(
        (db.prepare(`SELECT document_id AS d, count(*) AS n FROM ${table} GROUP BY document_id`).all() as Array<{ d: number; n: number }>).map((r) => [r.d, r.n]),
      );
    const c = {
      advisories: countBy('advisories'),
      products: countBy('products'),
      vulnerabilities: countBy('vulnerabilities'),
      kev: countBy('kev'),
      sboms: countBy('sboms'),
      components: new Map(
        (db.prepare('SELECT document_id AS d, count(*) AS n FROM components WHERE is_subject = 0 GROUP BY document_id').all() as Array<{ d: number; n: number }>).map(
          (r) => [r.d, r.n],
        ),
      ),
      vex: countBy('vex'),
    };
    const rows = db.prepare('SELECT * FROM documents ORDER BY kind, source').all() as Array<{
      id: number;
      source: string;
      path: string;
      kind: KbKind;
      format_version: string;
      doc_id: string;
      revision_version: string | null;
      revision_date: string | null;
      sha256: string;
      imported_at: string;
      warnings: number;
    }>;
    const totals = { documents: rows.length, ...emptyCounts() };
    const documents = rows.map((r): KbDocumentInfo => {
      const counts = emptyCounts();
      for (const k of Object.keys(counts) as Array<keyof KbCounts>) {
        counts[k] = c[k].get(r.id) ?? 0;
        totals[k] += counts[k];
      }
      return {
        source: r.source,
        path: r.path,
        kind: r.kind,
        formatVersion: r.format_version,
        docId: r.doc_id,
        revision: { version: r.revision_version, date: r.revision_date },
        sha256: r.sha256,
        importedAt: r.imported_at,
        warnings: r.warnings,
        counts,
      };
    });
    return { version: this.version(), documents, totals };
  }
}

function revText(r: { version: string | null; date: string | null }): string {
  return [r.version ? `version ${r.version}` : null, r.date].filter((x) => x !== null).join(', ') || 'no revision';
}

/** Every file under dir, recursively, sorted by path. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Opens the KB at `file`, or AUSCULT_KB, or ./auscult-kb.sqlite. */
export function openKnowledgeBase(file?: string): KbStore {
  return KbStore.open(resolve(file || process.env.AUSCULT_KB || 'auscult-kb.sqlite'));
}
