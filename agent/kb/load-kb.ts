/**
 * Reading a knowledge base for correlation: an existing SQLite file only
 * (opening a missing one would silently create an empty KB and report no
 * findings, which a SOC analyst would read as "nothing vulnerable").
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KnowledgeBase } from '../../rules/types.js';
import { AuscultError } from '../errors.js';
import { KbStore } from './store.js';

/** Load the whole KB at `file` into memory. */
export function loadKnowledgeBaseFile(file: string): KnowledgeBase {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new AuscultError(
      'AUSCULT_ERR_KB_MISSING',
      `${file}: no knowledge base there; build one with: auscult kb import ../shared/data/advisories/csaf ../shared/data/kev --db ${file}`,
    );
  }
  const store = KbStore.open(path);
  try {
    return store.load();
  } finally {
    store.close();
  }
}
