/**
 * Correlation at scale: 100,000 devices against the whole knowledge base
 * (all 120 ICSMA advisories + the KEV catalog). Target: under 2 s.
 *
 * Devices: the accuracy set (a device in and out of range for every
 * advisory product) repeated, plus devices of the same vendors with other
 * models and versions, so most devices reach the name/version checks.
 * Measured twice: correlation alone, and fingerprint identity (seed rule
 * pack) + correlation, as `auscult correlate` does it.
 */
import { normalizeVendor } from '../rules/fingerprint/index.js';
import { identify } from '../rules/fingerprint/engine.js';
import { loadRulePack } from '../rules/fingerprint/load.js';
import { correlate } from '../rules/correlate/index.js';
import type { DeviceRecord } from '../rules/inventory.js';
import { buildAccuracySet } from '../scripts/lib/accuracy.js';
import { loadPublicKb } from '../scripts/lib/kb-memory.js';

const N = Number(process.env.BENCH_DEVICES ?? 100_000);
const kb = loadPublicKb();
const set = buildAccuracySet(kb);
const base = set.cases.map((c) => c.device);
const devices: DeviceRecord[] = [];
for (let i = 0; devices.length < N; i++) {
  const b = base[i % base.length];
  const other = i % 3 === 0;
  devices.push({
    ...b,
    id: `bench:${i}`,
    ip: `198.18.${(i >> 8) & 255}.${i & 255}`,
    model: other ? `Model ${i % 977}` : b.model,
    softwareVersions: other ? [`${i % 13}.${i % 7}`] : b.softwareVersions,
  });
}
const pack = loadRulePack(new URL('../rules/packs/seed.json', import.meta.url).pathname, { examples: false });
const norm = (s: string): string | null => normalizeVendor(s)?.id ?? null;

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, (performance.now() - t0) / 1000];
}

// Warm the index (built once per KB) and the JIT on a slice, as a long-running collector would be.
correlate(devices.slice(0, 2000), kb, { normalizeVendor: norm });
const [findings, t1] = time(() => correlate(devices, kb, { normalizeVendor: norm }));
const [findings2, t2] = time(() => {
  const ids = new Map(devices.map((d) => [d.id, identify(d, pack)]));
  return correlate(devices, kb, { normalizeVendor: norm, identify: (d) => ids.get(d.id) ?? null });
});
const rss = process.memoryUsage().rss / 1048576;
process.stdout.write(
  `knowledge base: ${kb.advisories.length} advisories, ${kb.products.length} products, ${kb.vulnerabilities.length} vulnerabilities, ${kb.kev.size} KEV entries\n` +
    `${devices.length.toLocaleString('en-US')} devices\n` +
    `correlate:               ${t1.toFixed(2)} s (${Math.round(devices.length / t1).toLocaleString('en-US')} devices/s), ${findings.length.toLocaleString('en-US')} findings  (target < 2 s)\n` +
    `identify + correlate:    ${t2.toFixed(2)} s (${Math.round(devices.length / t2).toLocaleString('en-US')} devices/s), ${findings2.length.toLocaleString('en-US')} findings\n` +
    `RSS ${rss.toFixed(0)} MiB\n`,
);
