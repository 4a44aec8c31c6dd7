/**
 * Builds a knowledge base in memory straight from the public data files
 * (every CISA ICSMA CSAF advisory and the KEV catalog), with the same pure
 * parsers the SQLite store uses: for the accuracy test and the correlation
 * benchmark, which must not depend on a database file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsaf } from '../../rules/kb/csaf.js';
import { parseKev } from '../../rules/kb/kev.js';
import type { KnowledgeBase } from '../../rules/types.js';
import { SHARED_DATA } from './paths.js';

/** All ICSMA advisories + KEV from ../shared/data. */
export function loadPublicKb(): KnowledgeBase {
  const kb: KnowledgeBase = { version: 'memory', advisories: [], products: [], vulnerabilities: [], kev: new Map(), sboms: [], vex: [] };
  const dir = join(SHARED_DATA, 'advisories', 'csaf');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const p = parseCsaf(JSON.parse(readFileSync(join(dir, f), 'utf8')), f);
    if (p.advisory) kb.advisories.push(p.advisory);
    kb.products.push(...p.products);
    kb.vulnerabilities.push(...p.vulnerabilities);
    kb.vex.push(...p.vex);
  }
  const kev = parseKev(JSON.parse(readFileSync(join(SHARED_DATA, 'kev', 'known_exploited_vulnerabilities.json'), 'utf8')));
  for (const e of kev.entries) kb.kev.set(e.cve, e);
  return kb;
}
