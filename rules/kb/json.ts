/**
 * Small readers over untrusted parsed JSON, and the problem list every KB
 * parser returns. Parsers never throw on bad documents: what is wrong
 * becomes a problem with a JSON path, and what could be read is kept.
 */

/** One thing wrong with a document. An 'error' makes the store reject the file; a 'warning' does not. */
export interface KbProblem {
  severity: 'error' | 'warning';
  /** JSON path of the offending value, e.g. '/product_tree/branches/0/name'. */
  path: string;
  message: string;
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty trimmed string, or null. */
export function str(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length > 0 ? t : null;
}

/** A number, or a numeric string, or null. */
export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** The array at v, or an empty one (absent arrays are common and legal). */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The strings of an array, skipping anything else. */
export function strings(v: unknown): string[] {
  return arr(v)
    .map(str)
    .filter((s): s is string => s !== null);
}

/** Collects problems with a shared path prefix. */
export class Problems {
  readonly list: KbProblem[] = [];
  error(path: string, message: string): void {
    this.list.push({ severity: 'error', path, message });
  }
  warning(path: string, message: string): void {
    this.list.push({ severity: 'warning', path, message });
  }
  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }
}
