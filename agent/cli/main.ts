#!/usr/bin/env -S node --v8-pool-size=1
/**
 * `auscult`: the launcher. Its first line carries the node flags of
 * bin/auscult.js (which says why), so the compiled build runs with them when
 * executed directly: `dist/agent/cli/main.js inventory --read FILE`.
 *
 * A plain `inventory --read FILE` line gets its capture worker started here,
 * before anything else loads: the worker's own start (a Node thread, the
 * libpcap addon, the file) then overlaps the loading of the commands
 * (capture/early.ts). Everything else is in commands.ts.
 */
import { startEarlyWorker } from '../capture/early.js';
import { plainInventoryArgs } from './inventory-options.js';

const plain = plainInventoryArgs(process.argv.slice(2));
if (plain) startEarlyWorker(plain.read, plain.filter);
await import('./commands.js');
