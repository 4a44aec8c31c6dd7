/**
 * Correlation accuracy over the 120 CISA ICSMA advisories: for each
 * advisory product, a device inside its version range and one outside it
 * (scripts/lib/accuracy.ts), correlated against the whole knowledge base
 * (all advisories + KEV). Precision and recall are printed and held above
 * floors; the closing note of the issue reports them.
 */
import t from 'tap';
import { normalizeVendor } from '../../rules/fingerprint/index.js';
import { correlate } from '../../rules/correlate/index.js';
import { buildAccuracySet, productIdentity, scoreAccuracy } from '../../scripts/lib/accuracy.js';
import { loadPublicKb } from '../../scripts/lib/kb-memory.js';
import { sharedDataMissing } from '../helpers/paths.js';

const missing = sharedDataMissing('advisories/csaf') || sharedDataMissing('kev');

t.test('precision and recall of advisory correlation', { skip: missing }, async (t) => {
  const kb = loadPublicKb();
  t.equal(kb.advisories.length, 120, 'all ICSMA advisories loaded');
  const set = buildAccuracySet(kb);
  const inRange = set.cases.filter((c) => c.side === 'in').length;
  const outRange = set.cases.filter((c) => c.side === 'out').length;
  t.comment(`accuracy set: ${set.cases.length} devices (${inRange} in range, ${outRange} out of range); skipped products: ${JSON.stringify(set.skipped)}`);
  t.ok(inRange > 200, 'a device in range for most advisory products');
  t.ok(outRange > 50, 'and out-of-range devices wherever a range has a bound');
  const findings = correlate(
    set.cases.map((c) => c.device),
    kb,
    { normalizeVendor: (s) => normalizeVendor(s)?.id ?? null },
  );
  const score = scoreAccuracy(set, findings);
  t.comment(
    `precision ${(score.precision * 100).toFixed(1)}% recall ${(score.recall * 100).toFixed(1)}% ` +
      `(TP ${score.truePositives}, FP ${score.falsePositives}, FN ${score.falseNegatives})`,
  );
  for (const m of score.misses.slice(0, 10)) t.comment(`missed: ${m}`);
  for (const w of score.wrong.slice(0, 10)) t.comment(`wrong: ${w}`);
  t.ok(score.recall >= 0.9, `recall ${score.recall.toFixed(3)} >= 0.90`);
  t.ok(score.precision >= 0.85, `precision ${score.precision.toFixed(3)} >= 0.85`);
  // Version comparison: an out-of-range device is never called affected through
  // the very product (same vendor and name) it was made from.
  const byKey = new Map(kb.products.map((p) => [p.key, p]));
  const outs = set.cases.filter((c) => c.side === 'out' && c.expected.size === 0);
  const flagged = outs.filter((c) =>
    findings.some((f) => {
      if (f.deviceId !== c.device.id || f.kind !== 'advisory' || f.status !== 'affected') return false;
      const via = f.explanation.product ? byKey.get(f.explanation.product.key) : undefined;
      return via !== undefined && productIdentity(via) === productIdentity(c.product);
    }),
  );
  t.same(flagged.map((c) => `${c.product.name} @ ${c.device.softwareVersions[0]}`), [], `no out-of-range device is affected through its own product (${outs.length} checked)`);
});
