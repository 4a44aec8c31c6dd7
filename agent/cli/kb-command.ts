/**
 * `auscult kb import FILE|DIR...` and `auscult kb list`: the knowledge base
 * of advisories, SBOMs, VEX and KEV (agent/kb/store).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuscultError, ERRORS, type ErrorCode } from '../errors.js';
import { KbStore, type ImportResult, type KbCounts, type KbListing } from '../kb/store.js';

/** The KB file: --db, else AUSCULT_KB, else ./auscult-kb.sqlite. */
export function kbPath(db?: string): string {
  // An empty AUSCULT_KB counts as unset.
  return resolve(db || process.env.AUSCULT_KB || 'auscult-kb.sqlite');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function describeCounts(c: KbCounts): string {
  const parts: string[] = [];
  if (c.advisories) parts.push(plural(c.advisories, 'advisory', 'advisories'));
  if (c.products) parts.push(plural(c.products, 'product'));
  if (c.vulnerabilities) parts.push(plural(c.vulnerabilities, 'vulnerability', 'vulnerabilities'));
  if (c.kev) parts.push(plural(c.kev, 'KEV entry', 'KEV entries'));
  if (c.sboms) parts.push(`SBOM of ${plural(c.components, 'component')}`);
  if (c.vex) parts.push(plural(c.vex, 'VEX statement'));
  return parts.join(', ') || 'nothing to load';
}

function resultLine(r: ImportResult): string {
  const what = r.status === 'imported' || r.status === 'replaced' ? describeCounts(r.counts) : '';
  const warn = r.warnings.length ? ` (${plural(r.warnings.length, 'warning')})` : '';
  const note = r.note ? ` — ${r.note}` : '';
  return `${r.status.padEnd(9)} ${r.source}  ${r.kind} ${r.docId}${what ? `: ${what}` : ''}${warn}${note}\n`;
}

export interface KbImportArgs {
  paths: string[];
  db?: string;
  /** Print each warning, not only their count. */
  warnings?: boolean;
}

/** Imports files and folders; returns the exit code (non-zero when any file failed; the others are imported). */
export function kbImportCommand(args: KbImportArgs): number {
  if (args.paths.length === 0) throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', 'kb import: name the files or folders to import');
  const file = kbPath(args.db);
  const store = KbStore.open(file);
  try {
    const s = store.importPaths(args.paths);
    for (const r of [...s.imported, ...s.skipped].sort((a, b) => a.path.localeCompare(b.path))) {
      process.stdout.write(resultLine(r));
      if (args.warnings) for (const w of r.warnings) process.stdout.write(`          warning ${w.path}: ${w.message}\n`);
    }
    for (const f of s.failed) {
      const code = f.code as ErrorCode;
      process.stderr.write(`auscult: ${f.code}: ${f.message}\n  what to do: ${ERRORS[code]?.hint ?? ''}\n`);
    }
    const list = store.list();
    process.stdout.write(
      `${s.imported.length} imported, ${s.skipped.length} skipped, ${s.failed.length} failed` +
        (s.ignored.length ? `, ${plural(s.ignored.length, 'file')} ignored (not *.json)` : '') +
        `; knowledge base ${file}: version ${list.version}, ${describeTotals(list)}\n`,
    );
    if (s.failed.length === 0) return 0;
    return ERRORS[s.failed[0]!.code as ErrorCode]?.exit ?? 65;
  } finally {
    store.close();
  }
}

function describeTotals(l: KbListing): string {
  const t = l.totals;
  return `${plural(t.documents, 'document')}, ${plural(t.advisories, 'advisory', 'advisories')}, ${plural(t.products, 'product')}, ${plural(t.vulnerabilities, 'vulnerability', 'vulnerabilities')}, ${plural(t.kev, 'KEV entry', 'KEV entries')}, ${plural(t.sboms, 'SBOM')}, ${plural(t.vex, 'VEX statement')}`;
}

export interface KbListArgs {
  db?: string;
  format: 'table' | 'json';
}

/** Shows what the KB holds. */
export function kbListCommand(args: KbListArgs): number {
  const file = kbPath(args.db);
  if (!existsSync(file)) throw new AuscultError('AUSCULT_ERR_KB_DATABASE', `no knowledge base at ${file}: import documents first with auscult kb import FILE|DIR`);
  const store = KbStore.open(file);
  try {
    const l = store.list();
    if (args.format === 'json') {
      process.stdout.write(JSON.stringify({ file, ...l }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(formatListing(file, l));
    return 0;
  } finally {
    store.close();
  }
}

function formatListing(file: string, l: KbListing): string {
  const head = ['kind', 'source', 'id', 'revision', 'contents'];
  const rows = l.documents.map((d) => [
    d.kind,
    d.source,
    d.docId,
    [d.revision.version, d.revision.date?.slice(0, 10)].filter((x) => x).join(' ') || '-',
    describeCounts(d.counts),
  ]);
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  let out = `knowledge base ${file}\nversion ${l.version}\n\n`;
  out += line(head);
  for (const r of rows) out += line(r);
  const t = l.totals;
  out += `\n${plural(t.documents, 'document')}: ${plural(t.advisories, 'advisory', 'advisories')}, ${plural(t.products, 'product')}, ${plural(t.vulnerabilities, 'vulnerability', 'vulnerabilities')}, ${plural(t.kev, 'KEV entry', 'KEV entries')}, ${plural(t.sboms, 'SBOM')} (${plural(t.components, 'component')}), ${plural(t.vex, 'VEX statement')}\n`;
  return out;
}
