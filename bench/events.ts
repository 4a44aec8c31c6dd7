/** Prints the protocol events of a capture as JSON lines (debugging aid; events are PHI-free). */
import { runInventory } from '../agent/inventory/run.js';

const only = process.argv[3];
await runInventory({
  file: process.argv[2],
  onEvent: (conn, e) => {
    if (!only || e.type === only) console.log(conn.id, JSON.stringify(e));
  },
});
