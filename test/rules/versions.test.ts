/**
 * rules/versions/compare.ts: the orderings vendors' version strings need,
 * one by one, then fast-check properties (antisymmetry, transitivity,
 * agreement with versionKey and normalizeVersion) over random
 * version-like strings, time-boxed.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { compareVersions, normalizeVersion, versionKey, VERSION_MAX_LENGTH } from '../../rules/versions/compare.js';

const TIME_MS = 600;
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** The assertions the helpers below use. */
type Asserts = Pick<Test, 'ok' | 'equal'>;

/** Asserts that `list` is strictly increasing, every pair, both ways round. */
function ascending(t: Asserts, list: string[], why: string): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      t.ok(compareVersions(list[i]!, list[j]!) < 0, `${why}: ${list[i]} < ${list[j]}`);
      t.ok(compareVersions(list[j]!, list[i]!) > 0, `${why}: ${list[j]} > ${list[i]}`);
    }
  }
}

function equal(t: Asserts, a: string, b: string, why: string): void {
  t.equal(compareVersions(a, b), 0, `${why}: ${a} = ${b}`);
  t.equal(versionKey(a), versionKey(b), `${why}: same key for ${a} and ${b}`);
}

t.test('OpenSSL letter suffixes are patch levels', async (t) => {
  ascending(t, ['1.0.1', '1.0.2', '1.0.2a', '1.0.2j', '1.0.2k', '1.0.2.1', '1.0.3', '1.1.0'], 'openssl');
});

t.test('Philips-style M.00.03 and revision letters', async (t) => {
  ascending(t, ['M.00.03', 'M.00.10', 'N.00.01'], 'philips');
  ascending(t, ['A.01', 'B.02', 'C.02', 'C.03'], 'pic ix');
  ascending(t, ['Rev B', 'Rev J', 'Rev M'], 'rev');
  equal(t, 'Rev J', 'J', 'rev marker');
  equal(t, 'revision J', 'rev j', 'rev spelling and case');
});

t.test('Siemens VB10A < VB11D < VB20A, and syngo strings compare by their version token', async (t) => {
  ascending(t, ['VA25A', 'VB10A', 'VB11D', 'VB15A', 'VB20A', 'VD13A', 'VE11C'], 'siemens');
  equal(t, 'syngo MR 2004V 4VB11D', 'VB11D', 'token');
  equal(t, 'syngo MR 2004A 4VA25A', 'VA25A', 'token');
  ascending(t, ['syngo MR 2004A 4VA25A', 'syngo MR 2004V 4VB11D', 'VB15A', 'VB17A'], 'syngo');
});

t.test('service packs, builds and other ordinal markers come after the bare version', async (t) => {
  ascending(t, ['4.2.1', '4.2.1 SP2', '4.2.1 SP3', '4.2.2'], 'sp');
  ascending(t, ['1.3.1', '1.3.1 Build 13', '1.3.1 Build 14', '1.3.2'], 'build');
  ascending(t, ['4.20', '4.20 SR1', '4.30'], 'sr');
  equal(t, '1.8.4 Service Pack 01', '1.8.4 SP1', 'service pack');
  ascending(t, ['1.8.4', '1.8.4 Service Pack 01', '1.8.5'], 'service pack');
});

t.test('pre-release words sort before the bare version', async (t) => {
  ascending(t, ['1.0 dev', '1.0 alpha', '1.0 beta', '1.0 beta2', '1.0 rc1', '1.0 rc2', '1.0', '1.0.1'], 'pre');
  equal(t, '1.0-rc1', '1.0 RC1', 'separators');
  equal(t, '2.0 preview', '2.0 pre', 'synonyms');
  equal(t, '2.0 final', '2.0', 'final');
  t.ok(compareVersions('1.0b', '1.0') > 0, 'a single letter is a patch level, not beta');
});

t.test('prefixes, leading zeros, trailing zeros', async (t) => {
  equal(t, 'v2.0', '2.0', 'v');
  equal(t, 'V 2.0', 'version 2.0', 'version');
  equal(t, 'R6.1', '6.1', 'R');
  ascending(t, ['R1.0.D', 'R4.1L1', 'R6.1'], 'R');
  equal(t, '05', '5', 'leading zeros');
  equal(t, 'B.06.18', 'B.6.18', 'leading zeros');
  equal(t, '4.2', '4.2.0', 'trailing zero component');
  equal(t, '1', '1.0.0', 'trailing zero components');
  ascending(t, ['9.9', '10.0', '10.0.1', '100'], 'numeric, not lexical');
});

t.test('dates, build numbers, long numbers', async (t) => {
  ascending(t, ['2019.9', '2019.10', '2020.1', '2023.3_Build_9342', '2024.2'], 'dates');
  ascending(t, ['2018-1', '2019-10-05', '2019-11', '2021-1'], 'iso-like dates are not revisions');
  ascending(t, ['2.4.3.999', '2.4.3.52854', '2.4.4'], 'builds');
  ascending(t, ['4107600010.23', '4107600011', '99999999999999999999999'], 'numbers beyond 2^53');
  ascending(t, ['012U000040', '012U000061', '028U000061'], 'b braun');
});

t.test('GE-style 07MW18.4 < 08MW', async (t) => {
  ascending(t, ['07MW18.4', '07MW18.10', '08MW', '08MW18.4'], 'ge');
  ascending(t, ['BT02', 'BT03', 'BT06', 'BT08'], 'ge bt');
});

t.test('Debian-ish revisions', async (t) => {
  ascending(t, ['1.0', '1.0-1', '1.0-2', '1.0-10', '1.0.1', '1.0.1-1'], 'debian');
  equal(t, '1.0-0', '1.0', 'revision 0');
  ascending(t, ['5.17.1-754993421', '5.17.2'], 'kardia');
});

t.test('normalizeVersion', async (t) => {
  t.equal(normalizeVersion('  v2.0 '), '2.0');
  t.equal(normalizeVersion('V2.0'), '2.0');
  t.equal(normalizeVersion('Version 4.2.1  SP3'), '4.2.1 SP3');
  t.equal(normalizeVersion('version B'), 'B');
  t.equal(normalizeVersion('ver. 3'), '3');
  t.equal(normalizeVersion('VB11D'), 'VB11D', 'a Siemens V is part of the version');
  t.equal(normalizeVersion('Rev J'), 'Rev J', 'display keeps Rev');
});

t.test('garbage compares without throwing', async (t) => {
  for (const s of ['', ' ', '...', '-', '--1', 'unknown', 'N/A', '\u0000', 'ÿ', 'x'.repeat(100_000)]) {
    t.equal(compareVersions(s, s), 0, JSON.stringify(s.slice(0, 10)));
    t.type(compareVersions(s, '1.0'), 'number');
  }
  t.ok(compareVersions('unknown', '1.0') !== 0);
  t.equal(compareVersions('1.' + '0'.repeat(VERSION_MAX_LENGTH) + '1', '1'), 0, 'only the first VERSION_MAX_LENGTH characters are read');
});

// ---------------------------------------------------------------------------
// Properties

const NUM = fc.oneof(
  fc.integer({ min: 0, max: 30 }).map(String),
  fc.constantFrom('0', '00', '05', '010', '2019', '52854', '4107600010', '99999999999999999999'),
);
const WORD = fc.constantFrom('a', 'b', 'k', 'x', 'v', 'r', 'd', 'm', 'vb', 'mw', 'sp', 'rev', 'build', 'update', 'beta', 'rc', 'alpha', 'dev', 'pre', 'final', 'service pack', 'syngo', 'MR', 'Rev');
const SEP = fc.constantFrom('.', '.', '.', '-', ' ', '_', '', '/');
const PREFIX = fc.constantFrom('', '', '', 'v', 'V', 'R', 'Rev ', 'version ', 'syngo MR 2004V ', 'LPI ', ' ');
const VERSION = fc
  .tuple(PREFIX, fc.array(fc.tuple(fc.oneof(NUM, NUM, WORD), SEP), { minLength: 1, maxLength: 6 }))
  .map(([p, parts]) => p + parts.map(([tok, sep]) => tok + sep).join(''));
const ANY_VERSION = fc.oneof(VERSION, VERSION, VERSION, fc.string({ maxLength: 12 }));

t.test('property: reflexive and antisymmetric', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(ANY_VERSION, ANY_VERSION, (a, b) => {
      runs++;
      return compareVersions(a, a) === 0 && sign(compareVersions(a, b)) === -sign(compareVersions(b, a));
    }),
    { numRuns: 20000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 100, `${runs} runs`);
});

t.test('property: transitive (a sorted list is ordered pairwise)', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(fc.array(ANY_VERSION, { minLength: 3, maxLength: 12 }), (list) => {
      runs++;
      const sorted = [...list].sort(compareVersions);
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length; j++) if (compareVersions(sorted[i]!, sorted[j]!) > 0) return false;
      }
      return true;
    }),
    { numRuns: 5000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 50, `${runs} runs`);
});

t.test('property: a ≤ b and b ≤ c give a ≤ c', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(ANY_VERSION, ANY_VERSION, ANY_VERSION, (a, b, c) => {
      runs++;
      const ab = compareVersions(a, b);
      const bc = compareVersions(b, c);
      const ac = compareVersions(a, c);
      if (ab <= 0 && bc <= 0 && ac > 0) return false;
      if (ab === 0 && bc === 0 && ac !== 0) return false;
      return true;
    }),
    { numRuns: 20000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 100, `${runs} runs`);
});

t.test('property: equal exactly when versionKey is equal; normalizeVersion keeps the version', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(ANY_VERSION, ANY_VERSION, (a, b) => {
      runs++;
      const n = normalizeVersion(a);
      return (
        (compareVersions(a, b) === 0) === (versionKey(a) === versionKey(b)) &&
        compareVersions(a, n) === 0 &&
        normalizeVersion(n) === n
      );
    }),
    { numRuns: 20000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 100, `${runs} runs`);
});

t.test('property: suffix rules hold for any numeric base', async (t) => {
  let runs = 0;
  const BASE = fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 4 }).map((a) => a.join('.'));
  fc.assert(
    fc.property(BASE, fc.constantFrom('dev', 'alpha', 'beta', 'rc1', 'pre'), fc.integer({ min: 1, max: 9 }), fc.constantFrom('a', 'k', 'z'), (base, pre, n, letter) => {
      runs++;
      return (
        compareVersions(`${base} ${pre}`, base) < 0 &&
        compareVersions(`${base} SP${n}`, base) > 0 &&
        compareVersions(`${base}${letter}`, base) > 0 &&
        compareVersions(`v${base}`, base) === 0 &&
        compareVersions(`${base}.0`, base) === 0
      );
    }),
    { numRuns: 5000, interruptAfterTimeLimit: TIME_MS },
  );
  t.ok(runs > 100, `${runs} runs`);
});
