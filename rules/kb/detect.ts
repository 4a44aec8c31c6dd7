/**
 * Which knowledge-base format a document is, from its parsed JSON, or why it
 * is none of them. Also the JSON reading itself, so that a parse error says
 * where (line and column), not only what.
 */
import { isObject, str } from './json.js';

export type KbKind = 'csaf' | 'cyclonedx' | 'spdx' | 'kev';

export type Detection = { kind: KbKind; version: string } | { kind: null; reason: string };

/** CycloneDX JSON exists from 1.2 on (1.0 and 1.1 were XML only). */
export const CYCLONEDX_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6'] as const;
export const SPDX_VERSIONS = ['SPDX-2.2', 'SPDX-2.3'] as const;

const KNOWN = 'expected CSAF 2.0 (document.csaf_version), CycloneDX 1.2–1.6 (bomFormat), SPDX 2.2/2.3 (spdxVersion) or the CISA KEV catalog (catalogVersion, vulnerabilities[].cveID)';

/**
 * Parses JSON text. A leading byte-order mark is ignored. On failure the
 * reason names the line and column, e.g. "JSON parse error at line 3, column 5: ...".
 */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return { ok: false, reason: 'JSON parse error: the file is empty' };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    const message = (err as Error).message;
    const pos = errorPosition(body, message);
    const where = pos === null ? '' : ` at ${lineColumn(body, pos)}`;
    // V8 quotes a snippet of the input in some messages; keep only the diagnosis.
    const what = message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/ at position \d+.*$/s, '');
    return { ok: false, reason: `JSON parse error${where}: ${what}` };
  }
}

function errorPosition(text: string, message: string): number | null {
  const m = /position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  // Node 20: `Unexpected token 'x', ..."snippet"... is not valid JSON` (no position).
  const t = /^Unexpected token '(.)', (?:\.\.\.)?"(.*)"(?:\.\.\.)? is not valid JSON$/s.exec(message);
  if (t) {
    const token = t[1]!;
    const snippet = t[2]!;
    const at = text.indexOf(snippet);
    if (at >= 0) return at + Math.max(0, snippet.indexOf(token));
  }
  return null;
}

function lineColumn(text: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${pos - lineStart + 1}`;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

/** Says which format a parsed document is, or why it is none. */
export function detectKind(doc: unknown): Detection {
  if (!isObject(doc)) return { kind: null, reason: `not a knowledge-base document: the top level is ${describe(doc)}, ${KNOWN}` };

  // CSAF 2.0 §3.2.1.2: document.csaf_version is the constant "2.0".
  if (isObject(doc.document)) {
    const v = doc.document.csaf_version;
    if (v === '2.0') return { kind: 'csaf', version: '2.0' };
    if (v === undefined) return { kind: null, reason: 'not CSAF 2.0: document.csaf_version is missing' };
    return { kind: null, reason: `not CSAF 2.0: document.csaf_version is ${typeof v === 'string' ? v : JSON.stringify(v)}` };
  }

  // CycloneDX: bomFormat "CycloneDX" and specVersion.
  if ('bomFormat' in doc) {
    if (doc.bomFormat !== 'CycloneDX') return { kind: null, reason: `not CycloneDX: bomFormat is ${JSON.stringify(doc.bomFormat)}, not "CycloneDX"` };
    const v = str(doc.specVersion);
    if (v && (CYCLONEDX_VERSIONS as readonly string[]).includes(v)) return { kind: 'cyclonedx', version: v };
    return { kind: null, reason: `CycloneDX specVersion ${v ?? '(missing)'} is not supported (JSON ${CYCLONEDX_VERSIONS.join(', ')})` };
  }

  // SPDX 2.x: spdxVersion "SPDX-2.3".
  if ('spdxVersion' in doc) {
    const v = str(doc.spdxVersion);
    if (v && (SPDX_VERSIONS as readonly string[]).includes(v)) return { kind: 'spdx', version: v.slice(5) };
    return { kind: null, reason: `SPDX version ${v ?? '(missing)'} is not supported (SPDX-2.2, SPDX-2.3 JSON)` };
  }
  const ctx = JSON.stringify(doc['@context'] ?? '');
  if (/spdx\.org\/rdf\/3/.test(ctx)) return { kind: null, reason: 'SPDX 3 JSON-LD is not supported (SPDX-2.2, SPDX-2.3 JSON)' };
  if (/openvex/.test(ctx)) return { kind: null, reason: 'OpenVEX is not supported (use CycloneDX VEX or CSAF VEX)' };

  // CISA KEV catalog: catalogVersion, count, vulnerabilities[].cveID.
  if (Array.isArray(doc.vulnerabilities) && ('catalogVersion' in doc || isObject(doc.vulnerabilities[0]) && 'cveID' in doc.vulnerabilities[0])) {
    return { kind: 'kev', version: str(doc.catalogVersion) ?? 'unknown' };
  }

  if (typeof doc.$schema === 'string' && /json-schema\.org/.test(doc.$schema) && ('properties' in doc || '$defs' in doc || 'definitions' in doc)) {
    return { kind: null, reason: `this is a JSON Schema${str(doc.title) ? ` ("${str(doc.title)}")` : ''}, not a document: ${KNOWN}` };
  }
  if ('csaf_version' in doc || 'document_title' in doc) return { kind: null, reason: 'not CSAF 2.0: looks like CVRF or CSAF 1.x (no document object)' };
  return { kind: null, reason: `not a known format: ${KNOWN}` };
}
