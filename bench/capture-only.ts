/** Capture worker alone: open, drain every batch, count. For profiling the hand-over. */
import { Capture } from '../agent/capture/capture.js';

const t0 = performance.now();
const cap = await Capture.open({ file: process.argv[2] });
const t1 = performance.now();
let n = 0;
let first = 0;
for await (const b of cap.batches()) {
  if (!first) first = performance.now();
  b.forEach(() => n++);
}
const t2 = performance.now();
console.log(`open ${(t1 - t0).toFixed(0)} ms, first batch +${(first - t1).toFixed(0)} ms, drain ${(t2 - first).toFixed(0)} ms, ${n} packets`);
