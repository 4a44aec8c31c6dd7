/**
 * `auscult inventory --read FILE`: one pass over a capture, then the report.
 */
import { writeFileSync } from 'node:fs';
import { runInventory } from '../inventory/run.js';
import { formatTable } from '../inventory/format-table.js';
import type { InventoryArgs } from './inventory-options.js';

/** Runs the command; returns the process exit code. Throws AuscultError on bad input. */
export async function inventoryCommand(args: InventoryArgs): Promise<number> {
  // Load the KB first: a bad --kb fails before minutes of capture reading.
  const kb = args.kb ? (await import('../kb/load-kb.js')).loadKnowledgeBaseFile(args.kb) : null;
  const { report, error } = await runInventory({ file: args.read, filter: args.filter, kb });
  const text = args.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatTable(report);
  if (args.output) writeFileSync(args.output, text);
  else process.stdout.write(text);
  // A truncated capture still yields what was read before the cut, then fails.
  if (error) throw error;
  return 0;
}
