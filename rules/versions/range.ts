/**
 * Version ranges as advisories write them, read into {@link VersionRange}.
 *
 * CISA's ICSMA advisories in CSAF 2.0 put the affected versions in the
 * names of `product_version` and `product_version_range` branches
 * (CSAF 2.0 §3.1.2.3 branches, §3.1.2.3.2 branch category). Most are
 * vers-like (`vers:all/*`, `<= 2.3.0`, `>= 1.3.4 | < 1.5.3`); the rest are
 * English (`2.0 and prior`, `versions 1.1 through 1.5`, `Rev B-M`), lists,
 * wildcards (`3.0.x`), and text that is not a version at all (model
 * numbers, ship dates, conditions). What is read is read exactly; anything
 * else becomes kind `'unparsed'` with a reason, never a guess: a wrong
 * range produces wrong findings, an unparsed one is shown as "version not
 * checked".
 *
 * Reasons start with a stable code (see {@link RANGE_UNPARSED}), then a
 * colon and a sentence for the analyst.
 */
import type { VersionOp, VersionRange } from '../types.js';
import { compareVersions, normalizeVersion } from './compare.js';
import { constraintHolds, constraintsToIntervals, formatVers, parseVers, type Interval, type VersConstraint } from './vers.js';

/** Longest range text read; advisories' are far shorter. */
export const RANGE_TEXT_MAX_LENGTH = 512;

/** Why a range could not be read: the stable first word of `reason`. */
export const RANGE_UNPARSED = {
  /** Nothing left to read. */
  EMPTY: 'empty',
  /** Longer than {@link RANGE_TEXT_MAX_LENGTH}. */
  TOO_LONG: 'too-long',
  /** A `vers:` string that breaks the vers specification. */
  INVALID_VERS: 'invalid-vers',
  /** A date or ship period, which cannot be compared with a version. */
  DATE: 'date',
  /** A remark in parentheses that may change the meaning. */
  REMARK: 'remark',
  /** A form with two readings (`up to X`, `1.1-1.5`, `C.0x`). */
  AMBIGUOUS: 'ambiguous',
  /** Bounds that do not form intervals (two upper bounds, reversed range). */
  INVALID_BOUNDS: 'invalid-bounds',
  /** Words that are not a version (model numbers with names, conditions). */
  NOT_A_VERSION: 'not-a-version',
} as const;

export type RangeUnparsedCode = (typeof RANGE_UNPARSED)[keyof typeof RANGE_UNPARSED];

export interface ParseRangeOptions {
  /**
   * The product name the range belongs to. Advisories often repeat it in
   * the version text (`Xeleris 3.1`, `IntelliSpace Portal 8.0.x`); it is
   * removed before reading. Names shorter than three characters or
   * without a letter are not removed.
   */
  productName?: string | null;
}

type Read = { kind: 'all' } | { kind: 'intervals'; intervals: Interval[] } | { kind: 'fail'; code: RangeUnparsedCode; detail: string };

const fail = (code: RangeUnparsedCode, detail: string): Read => ({ kind: 'fail', code, detail });
const intervalsOf = (...intervals: Interval[]): Read => ({ kind: 'intervals', intervals });

// ---------------------------------------------------------------------------
// One version value

type Value = { kind: 'exact'; version: string } | { kind: 'wild'; low: string; high: string } | { kind: 'fail'; code: RangeUnparsedCode; detail: string };

/**
 * Words allowed after the first word of a multi-word version (`4.2.1 SP3`,
 * `1.1.3 MR Build 11`, `1.8.4 Service Pack 01`, `1.0 beta`). Any other
 * digit-free word of three letters or more means the text is not just a
 * version (`9.x model 35700BAX3`, `11.2 on Windows 8.1`).
 */
const VERSION_QUALIFIERS: ReadonlySet<string> = new Set([
  'sp', 'service', 'pack', 'build', 'mr', 'sr', 'update', 'upd', 'patch', 'pl', 'rev', 'revision',
  'hotfix', 'hf', 'fix', 'fp', 'beta', 'alpha', 'rc', 'dev', 'pre', 'preview', 'final', 'ga', 'release', 'rel', 'lts',
]);

const MONTH = /\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b/i;
const SLASH_DATE = /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/;
const SHIP_PERIOD = /\b(?:shipped|distributed|manufactured|produced|sold)\b/i;
const WILDCARD = /^(\d+(?:\.\d+)*)((?:\.[x*])+)$/i;

/** True when `s` (already normalised) reads as one version. */
function isVersionLike(s: string): boolean {
  const words = s.split(' ');
  if (words.length > 5) return false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!/^[a-z0-9][a-z0-9._+~-]*$/i.test(w)) return false;
    if (/\d/.test(w)) continue;
    // A first word without digits is a revision letter or two (`K`, `HD 16`);
    // later ones a single letter (`4.0 Rev J`) or a qualifier.
    if (i === 0 ? /^[a-z]{1,2}$/i.test(w) : /^[a-z]$/i.test(w) || VERSION_QUALIFIERS.has(w.toLowerCase())) continue;
    return false;
  }
  return true;
}

/** `M` → `N`, `AZ` → `B`... : the first revision letter(s) past a revision line (`Z` → `ZA`). */
function nextLetters(letters: string): string {
  const upper = letters === letters.toUpperCase();
  const l = letters.toLowerCase();
  const last = l.charCodeAt(l.length - 1);
  const next = last < 0x7a ? l.slice(0, -1) + String.fromCharCode(last + 1) : l + 'a';
  return upper ? next.toUpperCase() : next;
}

/** `3.0` → `3.1`: the first version past a wildcard prefix. */
function bumpLast(prefix: string): string {
  const parts = prefix.split('.');
  const last = parts[parts.length - 1]!.replace(/^0+(?=\d)/, '');
  const digits = last.split('').map(Number);
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === 9) digits[i--] = 0;
  if (i < 0) digits.unshift(1);
  else digits[i]! += 1;
  parts[parts.length - 1] = digits.join('');
  return parts.join('.');
}

function readValue(text: string): Value {
  const s = normalizeVersion(text.replace(/^rev(?:ision)?\.?\s+(?=[a-z0-9])/i, ''));
  if (s === '') return { kind: 'fail', code: RANGE_UNPARSED.EMPTY, detail: 'no version' };
  if (MONTH.test(s) || SLASH_DATE.test(s)) return { kind: 'fail', code: RANGE_UNPARSED.DATE, detail: `"${s}" is a date, not a version` };
  const w = WILDCARD.exec(s);
  if (w) return { kind: 'wild', low: w[1]!, high: bumpLast(w[1]!) };
  // A revision letter alone names its whole line (Philips `Rev M` firmware
  // is `M.00.03`...), as a wildcard does: `<= M` holds `M.00.03`.
  if (/^[a-z]{1,2}$/i.test(s) && !/^x$/i.test(s)) return { kind: 'wild', low: s, high: nextLetters(s) };
  if (/^[x*]$/i.test(s) || /^\S*(?:\.[x*])+$/i.test(s)) return { kind: 'fail', code: RANGE_UNPARSED.AMBIGUOUS, detail: `wildcard "${s}" over a prefix that is not numeric` };
  if (/\dx$/i.test(s)) return { kind: 'fail', code: RANGE_UNPARSED.AMBIGUOUS, detail: `"${s}": a trailing x after a digit may be a wildcard` };
  if (/^\d+(?:\.\d+)+-\d+(?:\.\d+)+$/.test(s)) return { kind: 'fail', code: RANGE_UNPARSED.AMBIGUOUS, detail: `"${s}": a range without spaces, or a version with a revision?` };
  if (!isVersionLike(s)) return { kind: 'fail', code: RANGE_UNPARSED.NOT_A_VERSION, detail: `"${s}" is not a version` };
  return { kind: 'exact', version: s };
}

/** A constraint `op` on a value; wildcards become the bound that keeps their meaning. */
function bound(op: VersionOp, v: Value): VersConstraint[] | Read {
  if (v.kind === 'fail') return fail(v.code, v.detail);
  if (v.kind === 'exact') return [{ op, version: v.version }];
  switch (op) {
    case '<':
      return [{ op: '<', version: v.low }];
    case '<=':
      return [{ op: '<', version: v.high }];
    case '>':
      return [{ op: '>=', version: v.high }];
    case '>=':
      return [{ op: '>=', version: v.low }];
    case '=':
      return [
        { op: '>=', version: v.low },
        { op: '<', version: v.high },
      ];
    case '!=':
      return fail(RANGE_UNPARSED.AMBIGUOUS, `"!=" with a wildcard or revision line (${v.low})`);
  }
}

function single(op: VersionOp, text: string): Read {
  const b = bound(op, readValue(text));
  return Array.isArray(b) ? intervalsOf(b) : b;
}

// ---------------------------------------------------------------------------
// One range form

const ALL = /^(?:\*|all|any|all versions|all released versions|any versions?|all releases|all revisions|every version)(?:\s+of)?$/i;
const PREFIX = /^(?:all\s+)?(?:(?:software|firmware|sw|fw)\s+)?(?:(?:versions?|releases?|revisions?|rev\.?)\s+)?/i;
const OP = /^(<=|>=|!=|==|=<|=>|<|>|=)\s*(.+)$/;
const UP_TO = /^up to\s+(?!and including|& including)/i;
const THROUGH = /^(?:up to and including|up to & including|through|thru|no later than)\s+(.+)$/i;
const BEFORE = /^(?:prior to|before|earlier than|older than|lower than|less than|below|under)\s+(.+)$/i;
const AFTER = /^(?:later than|newer than|greater than|higher than|more recent than|after|above)\s+(.+)$/i;
const BETWEEN = /^between\s+(.+?)\s+and\s+(.+)$/i;
const FROM_TO = /^(?:from\s+)?(.+?)\s+(?:through|thru|to|-)\s+(.+)$/i;
const SINCE = /^(?:since|from|starting (?:with|from|at))\s+(.+?)(?:\s+(?:on|onwards?))?$/i;
const AND_EARLIER =
  /^(.+?)\s*,?\s+(?:and|or|&)\s+(?:all\s+)?(?:prior|earlier|older|below|lower|before|under|less|previous)(?:\s+(?:versions?|releases?))?$/i;
const AND_LATER =
  /^(.+?)\s*,?\s+(?:and|or|&)\s+(?:all\s+)?(?:later|newer|above|higher|greater|after|up|onwards?|subsequent)(?:\s+(?:versions?|releases?))?$/i;
const ONWARDS = /^(.+?)\s+(?:onwards?|\+)$|^(.+?)\+$/i;
const LETTER_RANGE = /^([a-z]{1,2})\s*-\s*([a-z]{1,2})$/i;
const DOTTED = /^v?\d+(?:\.\d+)+$/i;

const OP_ALIASES: Readonly<Record<string, VersionOp>> = { '==': '=', '=<': '<=', '=>': '>=' };

function between(lowText: string, highText: string): Read {
  const lo = bound('>=', readValue(lowText));
  if (!Array.isArray(lo)) return lo;
  const hi = bound('<=', readValue(highText));
  if (!Array.isArray(hi)) return hi;
  if (compareVersions(lo[0]!.version, hi[0]!.version) > 0) {
    return fail(RANGE_UNPARSED.INVALID_BOUNDS, `the range ${lowText} to ${highText} runs backwards`);
  }
  return intervalsOf([...lo, ...hi]);
}

/**
 * One form, no lists. The first form whose shape matches decides: a text
 * that starts with "prior to" is read as "prior to" or not at all.
 */
function readForm(s: string): Read {
  if (ALL.test(s)) return { kind: 'all' };
  let m: RegExpExecArray | null;
  if ((m = OP.exec(s))) return single(OP_ALIASES[m[1]!] ?? (m[1] as VersionOp), m[2]!);
  if (UP_TO.test(s)) return fail(RANGE_UNPARSED.AMBIGUOUS, `"${s}": up to, including or not?`);
  if ((m = THROUGH.exec(s))) return single('<=', m[1]!);
  if ((m = BEFORE.exec(s))) return single('<', m[1]!);
  if ((m = AFTER.exec(s))) return single('>', m[1]!);
  if ((m = BETWEEN.exec(s))) return between(m[1]!, m[2]!);
  if ((m = FROM_TO.exec(s))) return between(m[1]!, m[2]!);
  if ((m = SINCE.exec(s))) return single('>=', m[1]!);
  if ((m = AND_EARLIER.exec(s))) return single('<=', m[1]!);
  if ((m = AND_LATER.exec(s))) return single('>=', m[1]!);
  if ((m = ONWARDS.exec(s))) return single('>=', (m[1] ?? m[2])!);
  if ((m = LETTER_RANGE.exec(s))) return between(m[1]!, m[2]!);
  const words = s.split(' ');
  // `1.3.2 1.4.0 1.4.1`: several dotted versions side by side are a list.
  if (words.length > 1 && words.every((w) => DOTTED.test(w))) return intervalsOf(...words.map((w) => [{ op: '=' as const, version: normalizeVersion(w) }]));
  return single('=', s);
}

// ---------------------------------------------------------------------------
// Lists

// Splits `1.0, 1.1 and 1.2`; an `and`/`or` that begins `and earlier` or
// `and later` is part of its item, not a separator.
const LIST_SEPARATOR =
  /\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or|&)\s+(?!(?:all\s+)?(?:prior|earlier|older|below|lower|before|under|less|previous|later|newer|above|higher|greater|after|up|onwards?|subsequent|including)\b)/i;

function union(reads: Read[]): Read {
  const intervals: Interval[] = [];
  for (const r of reads) {
    if (r.kind === 'fail') return r;
    if (r.kind === 'all') return r;
    intervals.push(...r.intervals);
  }
  return intervalsOf(...intervals);
}

/**
 * A CISA pipe list (`>= 2.5 | <= 3.11`, `B.02 | C.02 | C.03`): read as a
 * vers constraint list, so `>=` then `<=` is one interval, not a union.
 */
function readPipeList(text: string): Read {
  const constraints: VersConstraint[] = [];
  const lines: Interval[] = [];
  for (const raw of text.split('|')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = OP.exec(item);
    const b = m ? bound(OP_ALIASES[m[1]!] ?? (m[1] as VersionOp), readValue(m[2]!)) : bound('=', readValue(item));
    if (!Array.isArray(b)) return b;
    // A bare wildcard or revision line is an interval of its own.
    if (!m && b.length === 2) lines.push(b);
    else constraints.push(...b);
  }
  if (constraints.length === 0 && lines.length === 0) return fail(RANGE_UNPARSED.EMPTY, 'no constraints between the pipes');
  const r = constraintsToIntervals(constraints);
  if (!r.ok) return fail(RANGE_UNPARSED.INVALID_BOUNDS, r.error);
  return intervalsOf(...(constraints.length > 0 ? r.intervals : []), ...lines);
}

/**
 * Touching intervals become one: `4.X | 5.X` is `>=4|<5` and `>=5|<6`,
 * which is `>=4|<6` (vers cannot write the same version twice).
 */
function mergeTouching(input: Interval[]): Interval[] {
  const intervals = input.map((iv) => [...iv]);
  for (let changed = true; changed; ) {
    changed = false;
    outer: for (let i = 0; i < intervals.length; i++) {
      const a = intervals[i]!;
      const up = a.find((c) => c.op === '<' || c.op === '<=');
      if (!up || a.some((c) => c.op === '!=' || c.op === '=')) continue;
      for (let j = 0; j < intervals.length; j++) {
        const b = intervals[j]!;
        if (i === j || b.some((c) => c.op === '!=' || c.op === '=')) continue;
        const low = b.find((c) => c.op === '>' || c.op === '>=');
        if (!low || compareVersions(up.version, low.version) !== 0) continue;
        // `<X` meets `>=X`, `<=X` meets `>X`: no gap and no overlap.
        if (!((up.op === '<' && low.op === '>=') || (up.op === '<=' && low.op === '>'))) continue;
        const merged = [...a.filter((c) => c !== up), ...b.filter((c) => c !== low)];
        intervals.splice(Math.max(i, j), 1);
        intervals.splice(Math.min(i, j), 1, merged);
        changed = true;
        break outer;
      }
    }
  }
  return intervals;
}

function readText(text: string): Read {
  if (ALL.test(text)) return { kind: 'all' };
  // `versions`, `firmware versions`, `Rev`: said once for the whole text.
  const s = text.replace(PREFIX, '') || text;
  if (s.includes('|')) return readPipeList(s);
  const items = s.split(LIST_SEPARATOR).filter((x) => x !== '');
  if (items.length > 1) {
    const listed = union(items.map(readForm));
    if (listed.kind !== 'fail') return listed;
    const whole = readForm(s);
    return whole.kind === 'fail' ? listed : whole;
  }
  return readForm(s);
}

// ---------------------------------------------------------------------------
// Remarks, dates, product names

type Remark = 'none' | 'exclusive' | 'inclusive';

// Trailing remarks that do not change which versions are meant, or that
// only confirm whether the bound is included.
const REMARKS: ReadonlyArray<{ re: RegExp; remark: Remark }> = [
  { re: /\s*\((?:end[- ]of[- ]life|end[- ]of[- ]support|eol)\b[^()]*\)$/i, remark: 'none' },
  { re: /\s*\(integrated (?:into|in|with) [^()]*\)$/i, remark: 'none' },
  { re: /\s*\((?:not including|not inclusive|exclusive|excluding|excluded)\)$/i, remark: 'exclusive' },
  { re: /\s*\((?:inclusive|including|included)\)$/i, remark: 'inclusive' },
];

function clean(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/≤/g, '<=')
    .replace(/≥/g, '>=')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.;:]+$/, '')
    .trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function removeProductName(text: string, name: string | null | undefined): string {
  const n = name ? clean(name) : '';
  if (n.length < 3 || !/[a-z]/i.test(n)) return text;
  const re = new RegExp(`(?<![a-z0-9])${escapeRegExp(n)}(?![a-z0-9])`, 'gi');
  return text.replace(re, ' ').replace(/\s+/g, ' ').trim().replace(/^[,:;-]\s*/, '').replace(/\s*[,:;-]$/, '');
}

function upperBounds(intervals: Interval[]): VersionOp[] {
  return intervals.flatMap((iv) => iv.filter((c) => c.op === '<' || c.op === '<=').map((c) => c.op));
}

/** Drops an exact version that another interval already contains (`1.0, 2.0 and earlier`), or that was listed before (`1.0, 1.0.0`). */
function absorbExacts(intervals: Interval[]): Interval[] {
  const isExact = (iv: Interval): boolean => iv.length === 1 && iv[0]!.op === '=';
  return intervals.filter((iv, i) => {
    if (!isExact(iv)) return true;
    const v = iv[0]!.version;
    return !intervals.some(
      (other, j) =>
        j !== i && (isExact(other) ? j < i && compareVersions(v, other[0]!.version) === 0 : other.every((c) => constraintHolds(v, c))),
    );
  });
}

function unparsed(raw: string, code: RangeUnparsedCode, detail: string): VersionRange {
  return { raw, kind: 'unparsed', intervals: [], vers: null, reason: `${code}: ${detail}` };
}

function fromVers(raw: string, text: string): VersionRange {
  const p = parseVers(text);
  if (!p.ok) return unparsed(raw, RANGE_UNPARSED.INVALID_VERS, p.error);
  if (p.star) {
    // VERSION-RANGE-SPEC: `vers:none/*` holds no version; `<scheme>/*` all.
    if (p.scheme === 'none') return { raw, kind: 'constraints', intervals: [], vers: 'vers:none/*', reason: null };
    return { raw, kind: 'all', intervals: [], vers: 'vers:all/*', reason: null };
  }
  if (p.scheme === 'all' || p.scheme === 'none') return unparsed(raw, RANGE_UNPARSED.INVALID_VERS, `vers:${p.scheme} only allows "*"`);
  const r = constraintsToIntervals(p.constraints, { strict: true });
  if (!r.ok) return unparsed(raw, RANGE_UNPARSED.INVALID_VERS, r.error);
  return { raw, kind: 'constraints', intervals: r.intervals, vers: formatVers(r.intervals, p.scheme), reason: null };
}

/**
 * Reads an advisory's version text into a {@link VersionRange}.
 *
 * Forms read (case-insensitive; `v`/`version` prefixes on versions are
 * dropped, `≤`/`≥` and dashes normalised):
 * - vers strings: `vers:all/*`, `vers:generic/>=1.2|<2.0`,
 *   `vers:intdot/<=5.3` (scheme kept; ordered by our comparator);
 * - all: `*`, `all`, `All versions`, `any version`;
 * - comparators: `<= 12.1.3`, `<12.1.3`, `=> 2`, and CISA pipe lists
 *   `>= 2003 | <= 2006`, `5.0|5.1` read with vers semantics
 *   (bounds alternate: `>=a | <=b` is one interval);
 * - before: `prior to 2.0`, `before 3.1`, `versions prior to 2.0`,
 *   `earlier than`, `older than`, `below`; `prior to version 2.1.0.0 (not
 *   including)`;
 * - up to and including: `2.0 and prior`, `2.0 and earlier`,
 *   `v2.0 and older`, `2.3.6 and below`, `through 2.0`;
 * - from: `4.0 and later`, `4.0 or newer`, `4.0 onwards`, `since 4.0`,
 *   `4.0+`; after: `later than 4.0`;
 * - closed ranges: `versions 1.1 through 1.5`, `1.1 - 1.5`, `1.1 to 1.5`,
 *   `from 1.1 to 1.5`, `between 1.1 and 1.5` (inclusive), `Rev B-M`;
 * - wildcards: `3.0.x`, `3.x`, `12.2.x.x`, `3.*` (`>=3.0|<3.1`), also
 *   after comparators (`<= 11.x` is `<12`, `< 3.x` is `<3`);
 * - revision letters: a letter alone names its whole revision line, as a
 *   wildcard does (Philips Rev M firmware reports `M.00.03`): `<= M` is
 *   `<N`, `Rev B-M` is `>=B|<N`, a bare `K` is `>=K|<L`;
 * - a bare version, exact: `4`, `B.02`, `4.2.1 SP3`, `1.3.1 Build 13`;
 * - lists of any of the above: `1.0, 1.1, 1.2`, `1.0 and 1.1`,
 *   `(Release 1.3.2 1.4.0 1.4.1)`.
 *
 * Trailing remarks are allowed only when they cannot change the meaning:
 * `(end-of-life 2011)`, `(integrated into …)`, `(not including)` and
 * `(inclusive)` (which must agree with the bound). Not read, on purpose:
 * dates and ship periods (`< july 1 2017`, `<8/30/2024`), `up to X`
 * (inclusive?), two upper bounds for separate version lines
 * (`<= U61 |<= L81`), text with words that are not part of a version
 * (`9.x model 35700BAX3`, `<=11.2 on Windows 8.1`), other remarks in
 * parentheses.
 *
 * `vers` is canonical vers text (`vers:generic/>=1.1|<=1.5`, `vers:all/*`),
 * or null when the intervals overlap in a way vers cannot write.
 */
export function parseRange(text: string, options: ParseRangeOptions = {}): VersionRange {
  const raw = typeof text === 'string' ? text : '';
  if (raw.length > RANGE_TEXT_MAX_LENGTH) return unparsed(raw, RANGE_UNPARSED.TOO_LONG, `longer than ${RANGE_TEXT_MAX_LENGTH} characters`);
  let t = clean(raw);
  if (/^vers:/i.test(t)) return fromVers(raw, t);
  t = removeProductName(t, options.productName);
  if (t === '') return unparsed(raw, RANGE_UNPARSED.EMPTY, raw.trim() === '' ? 'no text' : 'only the product name');

  let remark: Remark = 'none';
  for (const r of REMARKS) {
    if (r.re.test(t)) {
      t = t.replace(r.re, '').trim();
      remark = r.remark;
      break;
    }
  }
  if (/^\([^()]*\)$/.test(t)) t = t.slice(1, -1).trim();
  if (/[()]/.test(t)) return unparsed(raw, RANGE_UNPARSED.REMARK, `qualified by a remark in parentheses: ${t}`);
  if (MONTH.test(t) || SLASH_DATE.test(t) || SHIP_PERIOD.test(t)) {
    return unparsed(raw, RANGE_UNPARSED.DATE, 'a date or a ship period, which cannot be compared with a version');
  }

  const r = readText(t);
  if (r.kind === 'fail') return unparsed(raw, r.code, r.detail);
  if (r.kind === 'all') {
    if (remark !== 'none') return unparsed(raw, RANGE_UNPARSED.AMBIGUOUS, 'an inclusive/exclusive remark on "all versions"');
    return { raw, kind: 'all', intervals: [], vers: 'vers:all/*', reason: null };
  }
  const intervals = absorbExacts(mergeTouching(r.intervals.map((iv) => iv.map((c) => ({ op: c.op, version: normalizeVersion(c.version) })))));
  if (remark !== 'none') {
    const ups = upperBounds(intervals);
    const want: VersionOp = remark === 'exclusive' ? '<' : '<=';
    if (ups.length === 0 || ups.some((op) => op !== want)) {
      return unparsed(raw, RANGE_UNPARSED.AMBIGUOUS, `the remark says ${remark} but the text says otherwise`);
    }
  }
  return { raw, kind: 'constraints', intervals, vers: formatVers(intervals), reason: null };
}

/**
 * Whether the range holds `version`: true or false, or null when it cannot
 * be told (the range is unparsed, or the version is empty or not a version
 * at all: `unknown`, `N/A`). Every version, known or not, is in an `all`
 * range. Versions compare with {@link compareVersions}.
 */
export function satisfies(version: string, range: VersionRange): boolean | null {
  if (range.kind === 'unparsed') return null;
  if (range.kind === 'all') return true;
  if (typeof version !== 'string') return null;
  const v = normalizeVersion(version).replace(/^rev(?:ision)?\.?\s+(?=[a-z0-9])/i, '');
  if (!/\d/.test(v) && !/^[a-z]{1,2}$/i.test(v)) return null;
  return range.intervals.some((iv) => iv.every((c) => constraintHolds(version, c)));
}
