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

/** Problems kept per document; past this they are counted, not listed (a broken file can have one per product). */
export const MAX_PROBLEMS = 1000;

/** Collects a document's problems, up to MAX_PROBLEMS. */
export class Problems {
  readonly list: KbProblem[] = [];
  private dropped = 0;
  private hasError = false;
  error(path: string, message: string): void {
    this.hasError = true;
    this.push({ severity: 'error', path, message });
  }
  warning(path: string, message: string): void {
    this.push({ severity: 'warning', path, message });
  }
  private push(p: KbProblem): void {
    if (this.list.length < MAX_PROBLEMS - 1) {
      this.list.push(p);
      return;
    }
    this.dropped++;
    const note: KbProblem = {
      severity: this.hasError ? 'error' : 'warning',
      path: '',
      message: `${this.dropped} more problem${this.dropped === 1 ? '' : 's'} not listed`,
    };
    if (this.list.length < MAX_PROBLEMS) this.list.push(note);
    else this.list[MAX_PROBLEMS - 1] = note;
  }
  get hasErrors(): boolean {
    return this.hasError;
  }
}
