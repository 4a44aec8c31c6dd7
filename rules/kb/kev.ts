/**
 * The CISA Known Exploited Vulnerabilities catalog → KEV entries.
 *
 * Format: known_exploited_vulnerabilities_schema.json (catalogVersion,
 * dateReleased, count, vulnerabilities[] with cveID, vendorProject,
 * product, dateAdded, dueDate, knownRansomwareCampaignUse, requiredAction).
 */
import type { KevEntry } from '../types.js';
import { arr, isObject, type KbProblem, Problems, str } from './json.js';

/** More entries than this are refused (the catalog holds about 1,400 in 2025). */
export const KEV_MAX_ENTRIES = 1_000_000;

export interface KevParse {
  entries: KevEntry[];
  catalogVersion: string | null;
  dateReleased: string | null;
  /** The count the catalog states (checked against the entries read). */
  count: number | null;
  problems: KbProblem[];
}

const CVE = /^CVE-\d{4}-\d{4,19}$/;

/** Reads a parsed KEV catalog. Entries without a valid cveID are skipped with a warning. Never throws. */
export function parseKev(doc: unknown): KevParse {
  const problems = new Problems();
  const d = isObject(doc) ? doc : {};
  const out: KevParse = {
    entries: [],
    catalogVersion: str(d.catalogVersion),
    dateReleased: str(d.dateReleased),
    count: typeof d.count === 'number' ? d.count : null,
    problems: problems.list,
  };
  if (!Array.isArray(d.vulnerabilities)) {
    problems.error('/vulnerabilities', 'the catalog has no vulnerabilities array');
    return out;
  }
  if (!out.catalogVersion) problems.warning('/catalogVersion', 'catalogVersion is missing');
  const seen = new Map<string, number>();
  d.vulnerabilities.forEach((v, i) => {
    const path = `/vulnerabilities/${i}`;
    if (out.entries.length >= KEV_MAX_ENTRIES) {
      if (out.entries.length === KEV_MAX_ENTRIES) problems.error(path, `more than ${KEV_MAX_ENTRIES} entries: refused`);
      return;
    }
    if (!isObject(v)) {
      problems.warning(path, 'an entry must be an object: skipped');
      return;
    }
    const cve = str(v.cveID);
    if (!cve || !CVE.test(cve)) {
      problems.warning(`${path}/cveID`, `cveID ${JSON.stringify(v.cveID)} is not a CVE id: entry skipped`);
      return;
    }
    const dateAdded = str(v.dateAdded);
    if (!dateAdded) problems.warning(`${path}/dateAdded`, `${cve}: dateAdded is missing`);
    const entry: KevEntry = {
      cve,
      vendorProject: str(v.vendorProject) ?? '',
      product: str(v.product) ?? '',
      dateAdded: dateAdded ?? '',
      dueDate: str(v.dueDate),
      knownRansomwareCampaignUse: str(v.knownRansomwareCampaignUse) ?? 'Unknown',
      requiredAction: str(v.requiredAction),
    };
    const prev = seen.get(cve);
    if (prev !== undefined) {
      problems.warning(`${path}/cveID`, `${cve} is listed twice; the later entry is kept`);
      out.entries[prev] = entry;
    } else {
      seen.set(cve, out.entries.length);
      out.entries.push(entry);
    }
  });
  if (out.count !== null && out.count !== d.vulnerabilities.length) {
    problems.warning('/count', `count says ${out.count} but the catalog lists ${d.vulnerabilities.length} entries`);
  }
  return out;
}
