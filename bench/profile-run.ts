import { runInventory } from '../agent/inventory/run.js';
const t0 = performance.now();
const { report } = await runInventory({ file: process.argv[2] });
const dt = (performance.now() - t0) / 1000;
console.log(report.stats.packets, 'packets', dt.toFixed(2), 's', (report.stats.packets / dt).toFixed(0), 'pkt/s', (report.stats.bytes/1e6/dt).toFixed(1), 'MB/s', report.devices.length, 'devices');
