import { readPcap } from '../scripts/lib/pcap-file.js';
import { decodeFrame } from '../protocols/link/decode.js';
import { FlowTable } from '../agent/flow/flow-table.js';
import { Pipeline } from '../agent/pipeline.js';
async function main() {
const f = readPcap(process.argv[2]);
const recs = f.records;
function time(name: string, fn: () => void) { const t0 = performance.now(); fn(); const dt = performance.now() - t0; console.log(name.padEnd(28), (dt).toFixed(0), 'ms', (recs.length / dt * 1000).toFixed(0), 'pkt/s'); }
for (let rep = 0; rep < 2; rep++) {
time('decode', () => { for (const r of recs) decodeFrame(1, r.frame, r.sec + r.usec / 1e6); });
time('decode+flow(null)', () => { const ft = new FlowTable(() => null); for (const r of recs) { const d = decodeFrame(1, r.frame, r.sec + r.usec / 1e6); if (d.ok) ft.packet(d.packet); } ft.flush(2e9); });
time('decode+flow(sink)', () => { const ft = new FlowTable(() => ({ data() {}, gap() {}, end() {} })); for (const r of recs) { const d = decodeFrame(1, r.frame, r.sec + r.usec / 1e6); if (d.ok) ft.packet(d.packet); } ft.flush(2e9); });
let p: Pipeline;
time('pipeline', () => { p = new Pipeline(); for (const r of recs) p.packet(1, r.frame, r.sec + r.usec / 1e6, r.origLen); });
time('finish', () => { p.finish(); });
}
}
main();
