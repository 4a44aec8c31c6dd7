/**
 * SPDX 2.2 / 2.3 JSON → an SBOM.
 *
 * Spec: SPDX 2.3 §6 (document creation information: documentNamespace,
 * documentDescribes), §7 (packages: name, versionInfo, supplier,
 * externalRefs, primaryPackagePurpose), §11 (relationships: DESCRIBES).
 */
import type { Sbom, SbomComponent } from '../types.js';
import { arr, isObject, type JsonObject, type KbProblem, Problems, str } from './json.js';

/** More packages than this in one document are refused. */
export const SPDX_MAX_PACKAGES = 200_000;

export interface SpdxParse {
  sbom: Sbom | null;
  /** documentNamespace (unique per document) and creationInfo.created. */
  revision: { id: string; version: string | null; date: string | null };
  problems: KbProblem[];
}

/** §7.5 supplier / §7.6 originator: "Organization: ACME (a@b)" → "ACME"; NOASSERTION → null. */
function party(v: unknown): string | null {
  const s = str(v);
  if (!s || s === 'NOASSERTION' || s === 'NONE') return null;
  return str(s.replace(/^(Organization|Person|Tool):\s*/i, '').replace(/\s*\([^)]*@[^)]*\)\s*$/, ''));
}

/** §7.21 external references: the CPE 2.3 (else 2.2) and the purl. */
function externalRefs(p: JsonObject): { cpe: string | null; purl: string | null } {
  let cpe23: string | null = null;
  let cpe22: string | null = null;
  let purl: string | null = null;
  for (const r of arr(p.externalRefs).filter(isObject)) {
    const type = str(r.referenceType);
    const loc = str(r.referenceLocator);
    if (!loc) continue;
    if (type === 'cpe23Type') cpe23 ??= loc;
    else if (type === 'cpe22Type') cpe22 ??= loc;
    else if (type === 'purl') purl ??= loc;
  }
  return { cpe: cpe23 ?? cpe22, purl };
}

/** Reads a parsed SPDX 2.2/2.3 JSON document. Never throws. */
export function parseSpdx(doc: unknown, source: string): SpdxParse {
  const problems = new Problems();
  const d = isObject(doc) ? doc : {};
  const spdxVersion = str(d.spdxVersion) ?? 'unknown';
  const namespace = str(d.documentNamespace);
  if (!namespace) problems.warning('/documentNamespace', 'documentNamespace is missing (the file name stands for the document)');
  const creation = isObject(d.creationInfo) ? d.creationInfo : null;
  if (!creation) problems.warning('/creationInfo', 'creationInfo is missing');
  const out: SpdxParse = {
    sbom: null,
    revision: { id: namespace ?? source, version: null, date: str(creation?.created) },
    problems: problems.list,
  };
  const docId = str(d.SPDXID) ?? 'SPDXRef-DOCUMENT';

  if (d.packages !== undefined && !Array.isArray(d.packages)) problems.error('/packages', 'packages must be an array');
  const packages: Array<{ id: string; comp: SbomComponent }> = [];
  const seen = new Set<string>();
  arr(d.packages).forEach((p, i) => {
    const path = `/packages/${i}`;
    if (!isObject(p)) {
      problems.error(path, 'a package must be an object');
      return;
    }
    if (packages.length >= SPDX_MAX_PACKAGES) {
      if (packages.length === SPDX_MAX_PACKAGES) problems.error(path, `more than ${SPDX_MAX_PACKAGES} packages: refused`);
      return;
    }
    const id = str(p.SPDXID);
    const name = str(p.name);
    if (!id) problems.error(`${path}/SPDXID`, 'package SPDXID is missing');
    if (!name) problems.error(`${path}/name`, 'package name is missing');
    if (!id || !name) return;
    if (seen.has(id)) problems.error(`${path}/SPDXID`, `SPDXID ${id} is used twice`);
    seen.add(id);
    // §7.24 primaryPackagePurpose (2.3): OPERATING_SYSTEM → 'operating-system', like CycloneDX types.
    const purpose = str(p.primaryPackagePurpose);
    packages.push({
      id,
      comp: {
        ref: id,
        type: purpose ? purpose.toLowerCase().replace(/_/g, '-') : null,
        name,
        version: str(p.versionInfo),
        supplier: party(p.supplier) ?? party(p.originator),
        ...externalRefs(p),
      },
    });
  });

  // §6.12 documentDescribes and §11 DESCRIBES / DESCRIBED_BY: what the document is about.
  const described: string[] = [...arr(d.documentDescribes).map(str).filter((x): x is string => x !== null)];
  for (const r of arr(d.relationships).filter(isObject)) {
    const a = str(r.spdxElementId);
    const b = str(r.relatedSpdxElement);
    if (r.relationshipType === 'DESCRIBES' && a === docId && b) described.push(b);
    if (r.relationshipType === 'DESCRIBED_BY' && b === docId && a) described.push(a);
  }
  const describedPackages = [...new Set(described)].map((id) => packages.find((p) => p.id === id)).filter((p) => p !== undefined);
  let subject = describedPackages[0] ?? null;
  if (!subject && packages.length === 1) {
    subject = packages[0]!;
    problems.warning('/documentDescribes', 'the document describes no package; its only package is taken as the subject');
  } else if (!subject && packages.length > 0) {
    problems.warning('/documentDescribes', 'the document describes no package: the SBOM has no subject');
  }
  if (describedPackages.length > 1) problems.warning('/documentDescribes', `the document describes ${describedPackages.length} packages; the first (${subject!.id}) is the subject`);

  if (packages.length > 0) {
    out.sbom = {
      id: namespace ?? source,
      format: 'spdx',
      specVersion: spdxVersion.replace(/^SPDX-/, ''),
      source,
      subject: subject?.comp ?? null,
      components: packages.filter((p) => p !== subject).map((p) => p.comp),
    };
  } else {
    problems.warning('/packages', 'the document lists no packages');
  }
  return out;
}
