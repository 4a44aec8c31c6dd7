/**
 * One entry point over the knowledge-base parsers: parsed JSON in, a
 * document of a known kind (with its identity and revision) or the reason
 * it is none. Pure: the SQLite store in agent/kb does the I/O.
 */
import type { KbAdvisory, KbProduct, KbVulnerability, KevEntry, Sbom, VexStatement } from '../types.js';
import { parseCsaf } from './csaf.js';
import { parseCycloneDx } from './cyclonedx.js';
import { detectKind, type KbKind } from './detect.js';
import type { KbProblem } from './json.js';
import { parseKev } from './kev.js';
import { parseSpdx } from './spdx.js';

export { parseCsaf, type CsafParse } from './csaf.js';
export { parseCycloneDx, type CycloneDxParse } from './cyclonedx.js';
export { detectKind, parseJsonText, type Detection, type KbKind } from './detect.js';
export type { KbProblem } from './json.js';
export { parseKev, type KevParse } from './kev.js';
export { parseSpdx, type SpdxParse } from './spdx.js';

/** Which revision of a document this is: a later one replaces an earlier one with the same kind and id. */
export interface KbRevision {
  version: string | null;
  date: string | null;
}

/** What one file contributes to the knowledge base. */
export interface KbDocument {
  kind: KbKind;
  /** The format's version: '2.0', '1.4', '2.3', or the KEV catalogVersion. */
  formatVersion: string;
  /** Identity across revisions: CSAF tracking.id, CycloneDX serialNumber, SPDX documentNamespace, 'cisa-kev'. */
  docId: string;
  revision: KbRevision;
  advisory: KbAdvisory | null;
  products: KbProduct[];
  vulnerabilities: KbVulnerability[];
  sbom: Sbom | null;
  vex: VexStatement[];
  kev: KevEntry[];
  problems: KbProblem[];
}

/** The one KEV catalog: a newer catalogVersion replaces the older. */
export const KEV_DOC_ID = 'cisa-kev';

/**
 * Reads any supported document. `source` is the file name the records will
 * cite. Returns the reason when the JSON is no supported format.
 */
export function parseKbDocument(json: unknown, source: string): { ok: true; doc: KbDocument } | { ok: false; reason: string } {
  const det = detectKind(json);
  if (det.kind === null) return { ok: false, reason: det.reason };
  const empty = { advisory: null, products: [], vulnerabilities: [], sbom: null, vex: [], kev: [] };
  switch (det.kind) {
    case 'csaf': {
      const r = parseCsaf(json, source);
      return {
        ok: true,
        doc: {
          ...empty,
          kind: 'csaf',
          formatVersion: det.version,
          docId: r.tracking?.id ?? source,
          revision: { version: r.tracking?.version ?? null, date: r.tracking?.currentRelease ?? null },
          advisory: r.advisory,
          products: r.products,
          vulnerabilities: r.vulnerabilities,
          vex: r.vex,
          problems: r.problems,
        },
      };
    }
    case 'cyclonedx': {
      const r = parseCycloneDx(json, source);
      return {
        ok: true,
        doc: { ...empty, kind: 'cyclonedx', formatVersion: det.version, docId: r.revision.id, revision: r.revision, sbom: r.sbom, vex: r.vex, problems: r.problems },
      };
    }
    case 'spdx': {
      const r = parseSpdx(json, source);
      return { ok: true, doc: { ...empty, kind: 'spdx', formatVersion: det.version, docId: r.revision.id, revision: r.revision, sbom: r.sbom, problems: r.problems } };
    }
    case 'kev': {
      const r = parseKev(json);
      return {
        ok: true,
        doc: {
          ...empty,
          kind: 'kev',
          formatVersion: det.version,
          docId: KEV_DOC_ID,
          revision: { version: r.catalogVersion, date: r.dateReleased },
          kev: r.entries,
          problems: r.problems,
        },
      };
    }
  }
}

/** Compares dotted numeric-ish version text ('2', '1.10.0', '2025.08.25'): numbers by value, the rest as text. */
function compareDotted(a: string, b: string): number {
  const pa = a.split(/[.\-+]/);
  const pb = b.split(/[.\-+]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/**
 * Orders two revisions of the same document: by version (CSAF
 * tracking.version, CycloneDX BOM version, KEV catalogVersion), then by
 * date. Negative when a is older. 0 when nothing tells them apart.
 */
export function compareRevisions(a: KbRevision, b: KbRevision): number {
  if (a.version && b.version) {
    const c = compareDotted(a.version, b.version);
    if (c !== 0) return c;
  }
  if (a.date && b.date) {
    const ta = Date.parse(a.date);
    const tb = Date.parse(b.date);
    if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return Math.sign(ta - tb);
  }
  return 0;
}
