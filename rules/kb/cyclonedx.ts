/**
 * CycloneDX JSON (1.2–1.6) → an SBOM and its VEX statements.
 *
 * Spec: CycloneDX JSON schema (bom-1.x.schema.json): metadata.component is
 * what the BOM describes, components[] (nested through components[]) what
 * it is made of, vulnerabilities[] (1.4+) with analysis (VEX) and affects[].
 */
import type { Sbom, SbomComponent, VexStatement } from '../types.js';
import { arr, isObject, type JsonObject, type KbProblem, Problems, str } from './json.js';

/** Components nested deeper than this are refused (real BOMs nest 2–4 deep). */
export const CYCLONEDX_MAX_DEPTH = 32;
/** More components than this in one BOM are refused. */
export const CYCLONEDX_MAX_COMPONENTS = 200_000;

export interface CycloneDxParse {
  /** Null when the document lists no components and is a VEX document, or has neither a subject nor components. */
  sbom: Sbom | null;
  vex: VexStatement[];
  /** serialNumber (or the source name), BOM version and metadata.timestamp. */
  revision: { id: string; version: string | null; date: string | null };
  problems: KbProblem[];
}

// CycloneDX 1.4+ vulnerability.analysis.state → VEX status.
const STATE: Record<string, VexStatement['status']> = {
  exploitable: 'affected',
  in_triage: 'under_investigation',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  not_affected: 'not_affected',
  false_positive: 'not_affected',
};
// affects[].versions[].status
const VERSION_STATUS: Record<string, VexStatement['status']> = {
  affected: 'affected',
  unaffected: 'not_affected',
  unknown: 'under_investigation',
};

/** Who supplies a component: supplier, then manufacturer (1.6), publisher, author(s). */
function supplierOf(c: JsonObject, meta?: JsonObject): string | null {
  const org = (v: unknown) => (isObject(v) ? str(v.name) : null);
  const firstAuthor = arr(c.authors).filter(isObject).map((a) => str(a.name)).find((n) => n !== null) ?? null;
  return (
    org(c.supplier) ??
    org(c.manufacturer) ??
    (meta ? (org(meta.supplier) ?? org(meta.manufacturer) ?? org(meta.manufacture)) : null) ??
    str(c.publisher) ??
    str(c.author) ??
    firstAuthor
  );
}

/** Reads a parsed CycloneDX document. Never throws. */
export function parseCycloneDx(doc: unknown, source: string): CycloneDxParse {
  const problems = new Problems();
  const d = isObject(doc) ? doc : {};
  const specVersion = str(d.specVersion) ?? 'unknown';
  const serial = str(d.serialNumber);
  const bomVersion = typeof d.version === 'number' ? String(d.version) : null;
  const meta = isObject(d.metadata) ? d.metadata : null;
  const out: CycloneDxParse = {
    sbom: null,
    vex: [],
    revision: { id: serial ?? source, version: bomVersion, date: str(meta?.timestamp) },
    problems: problems.list,
  };
  if (d.bomFormat !== 'CycloneDX') problems.error('/bomFormat', 'bomFormat is not "CycloneDX"');

  const byRef = new Map<string, SbomComponent>();
  const usedRefs = new Set<string>();
  const toComponent = (c: JsonObject, path: string, withMeta: boolean): SbomComponent | null => {
    const name = str(c.name);
    if (!name) {
      problems.error(`${path}/name`, 'component name is missing');
      return null;
    }
    const version = str(c.version);
    const purl = str(c.purl);
    const bomRef = str(c['bom-ref']);
    // Without a bom-ref the component is still named by its purl or name@version.
    let ref = bomRef ?? purl ?? (version ? `${name}@${version}` : name);
    if (usedRefs.has(ref)) {
      if (bomRef) problems.warning(`${path}/bom-ref`, `bom-ref ${bomRef} is used twice (it must be unique in the BOM)`);
      let n = 2;
      while (usedRefs.has(`${ref}#${n}`)) n++;
      ref = `${ref}#${n}`;
    }
    usedRefs.add(ref);
    const type = str(c.type);
    if (!type) problems.warning(`${path}/type`, 'component type is missing');
    const comp: SbomComponent = {
      ref,
      type,
      name,
      version,
      supplier: supplierOf(c, withMeta && meta ? meta : undefined),
      cpe: str(c.cpe),
      purl,
    };
    if (bomRef && !byRef.has(bomRef)) byRef.set(bomRef, comp);
    // Without a bom-ref, affects[].ref can only name it by the ref given here (its purl, or name@version).
    if (!byRef.has(ref)) byRef.set(ref, comp);
    return comp;
  };

  const subjectRaw = isObject(meta?.component) ? meta.component : null;
  const subject = subjectRaw ? toComponent(subjectRaw, '/metadata/component', true) : null;

  const components: SbomComponent[] = [];
  const walk = (list: unknown, path: string, depth: number): void => {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      problems.error(path, 'components must be an array');
      return;
    }
    if (depth > CYCLONEDX_MAX_DEPTH) {
      problems.error(path, `components nested deeper than ${CYCLONEDX_MAX_DEPTH} levels: refused`);
      return;
    }
    list.forEach((c, i) => {
      const p = `${path}/${i}`;
      if (!isObject(c)) {
        problems.error(p, 'a component must be an object');
        return;
      }
      if (components.length >= CYCLONEDX_MAX_COMPONENTS) {
        if (components.length === CYCLONEDX_MAX_COMPONENTS) problems.error(p, `more than ${CYCLONEDX_MAX_COMPONENTS} components: refused`);
        return;
      }
      const comp = toComponent(c, p, false);
      if (comp) components.push(comp);
      walk(c.components, `${p}/components`, depth + 1);
    });
  };
  walk(d.components, '/components', 1);
  // Components nested under the subject belong to it as much as top-level ones.
  if (subjectRaw) walk(subjectRaw.components, '/metadata/component/components', 1);

  // A document with vulnerabilities and no components is a VEX document, not an SBOM.
  const vexOnly = components.length === 0 && arr(d.vulnerabilities).length > 0;
  if ((subject || components.length > 0) && !vexOnly) {
    out.sbom = { id: serial ?? source, format: 'cyclonedx', specVersion, source, subject, components };
  }

  // 1.4+ vulnerabilities: VEX (analysis) or a BOM-with-vulnerabilities (no analysis).
  if (d.vulnerabilities !== undefined && !Array.isArray(d.vulnerabilities)) problems.error('/vulnerabilities', 'vulnerabilities must be an array');
  arr(d.vulnerabilities).forEach((v, i) => {
    const path = `/vulnerabilities/${i}`;
    if (!isObject(v)) {
      problems.error(path, 'a vulnerability must be an object');
      return;
    }
    const id = str(v.id);
    if (!id) {
      problems.error(`${path}/id`, 'vulnerability id is missing');
      return;
    }
    const analysis = isObject(v.analysis) ? v.analysis : null;
    const stateText = str(analysis?.state);
    let state: VexStatement['status'] = 'affected';
    if (stateText) {
      const s = STATE[stateText];
      if (s) state = s;
      else problems.warning(`${path}/analysis/state`, `unknown analysis state "${stateText}", read as affected`);
    }
    const justification = str(analysis?.justification);
    const detail = str(analysis?.detail) ?? (analysis ? null : 'listed in the BOM without an analysis');
    const affects = arr(v.affects);
    if (affects.length === 0) problems.warning(`${path}/affects`, `vulnerability ${id} names no affected component`);
    affects.forEach((a, j) => {
      const ap = `${path}/affects/${j}`;
      const ref = isObject(a) ? str(a.ref) : null;
      if (!isObject(a) || !ref) {
        problems.error(`${ap}/ref`, 'affects[].ref is missing');
        return;
      }
      const target = resolveRef(ref, byRef);
      if (!target.local && !target.bomLink) problems.warning(`${ap}/ref`, `ref ${ref} names no component of this BOM`);
      const comp = target.local;
      const product = comp ? (comp.purl ?? comp.ref) : target.product;
      const base = {
        vulnerability: id,
        product,
        justification: null as string | null,
        detail,
        source,
        productName: comp?.name ?? null,
      };
      const versions = arr(a.versions).filter(isObject);
      if (versions.length === 0) {
        out.vex.push({ ...base, status: state, justification: state === 'not_affected' ? justification : null, version: comp?.version ?? null });
        return;
      }
      versions.forEach((ver, k) => {
        const version = str(ver.version) ?? str(ver.range);
        const vs = str(ver.status);
        const status = vs ? (VERSION_STATUS[vs] ?? state) : state;
        if (vs && !VERSION_STATUS[vs]) problems.warning(`${ap}/versions/${k}/status`, `unknown version status "${vs}"`);
        out.vex.push({ ...base, status, justification: status === 'not_affected' ? justification : null, version });
      });
    });
  });
  return out;
}

/**
 * affects[].ref: a bom-ref of this BOM, or a BOM-Link
 * (`urn:cdx:<serial>/<version>#<bom-ref>`, the bom-ref percent-encoded) into another BOM.
 */
function resolveRef(ref: string, byRef: Map<string, SbomComponent>): { local: SbomComponent | null; bomLink: boolean; product: string } {
  const local = byRef.get(ref);
  if (local) return { local, bomLink: false, product: ref };
  const m = /^urn:cdx:[^/]+\/\d+#(.+)$/.exec(ref);
  if (m) {
    let frag = m[1]!;
    try {
      frag = decodeURIComponent(frag);
    } catch {
      // keep it encoded
    }
    return { local: byRef.get(frag) ?? null, bomLink: true, product: frag };
  }
  return { local: null, bomLink: false, product: ref };
}
