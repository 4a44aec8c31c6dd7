/**
 * Ordering of firmware and product version strings as medical-device
 * vendors and advisories write them.
 *
 * semver coerces these wrongly (`1.0.2k` → `1.0.2`, `VB11D` → invalid,
 * `4.2.1 SP3` → `4.2.1`), so we order them ourselves. The approach is the
 * one the vers specification sketches for its `generic` scheme
 * (package-url/vers-spec VERSION-RANGE-SPEC, "generic": split on wholly
 * alphabetic and wholly numeric segments, compare digits as numbers and
 * letters as strings, as repology's libversion does), plus the conventions
 * that show up in ICSMA advisories and DICOM/HL7 software-version fields.
 *
 * ## How a version string is read
 *
 * 1. Case is ignored and whitespace collapsed. At most
 *    {@link VERSION_MAX_LENGTH} characters are read (a cap, like every
 *    other input in auscult).
 * 2. "Service Pack" is spelled `sp` (so `1.8.4 Service Pack 01` equals
 *    `1.8.4 SP1`).
 * 3. A Siemens internal version token (`VB11D`, optionally with its
 *    product-line digit, `4VB11D`) inside a longer string is the version:
 *    `syngo MR 2004V 4VB11D` compares as `VB11D`. The marketing release
 *    (`2004V`) and the product name carry no order that the token does not.
 * 4. Leading markers that only say "this is a version" are dropped: `v`,
 *    `ver`, `version`, `r`, `rel`, `release`, `rev`, `revision` before a
 *    digit (`v2.0` = `2.0`, `R6.1` = `6.1`), and `version`/`rev`/`revision`
 *    before a word (`Rev J` = `J`).
 * 5. Leading name words (three or more letters, no digit, not a
 *    pre-release word) are dropped when a later word has a digit:
 *    `LPI 3.5.12` = `3.5.12`. Two-letter words stay (`HD 16` = `HD16`).
 * 6. A Debian-style revision is split off at the last `-` that is followed
 *    by a digit (`1.0-1`: version `1.0`, revision `1`) and compared only
 *    when the versions are equal, so `1.0 < 1.0-1 < 1.0-2 < 1.0.1`
 *    (Debian Policy §5.6.12). ISO-like dates (`2019-10`, `2019-10-05`) are
 *    not split: their hyphens are plain separators.
 * 7. What is left is cut into runs of digits and runs of letters; every
 *    other character (`.`, `-`, `_`, space, ...) only separates runs.
 *
 * ## How two token lists compare
 *
 * Position by position; a list that runs out is read as padded with an
 * "end" token. Tokens of different classes order by class:
 *
 *     pre-release word  <  end = number 0  <  letters  <  number ≥ 1
 *
 * - Numbers compare by value, any length, leading zeros ignored
 *   (`05` = `5`, `10.0` > `9.9`, `2.4.3.52854` fine, dates like `2019.10`
 *   order as numbers).
 * - A number 0 equals the end, so trailing zero components do not count:
 *   `4.2` = `4.2.0`. Advisories write `<= 4.2` and mean the 4.2 release,
 *   which a device reports as `4.2.0`.
 * - Letters after the end: a trailing letter after digits is a patch level
 *   (OpenSSL: `1.0.2` < `1.0.2a` < `1.0.2k`; `2.6A` > `2.6`), and ordinal
 *   markers are post-release (`4.2.1` < `4.2.1 SP2` < `4.2.1 SP3`,
 *   `1.3.1` < `1.3.1 Build 13`, `Rev B` < `Rev J`). Letter runs compare
 *   as strings: `VB10A` < `VB11D` < `VB20A`, `M.00.03` < `M.00.10`,
 *   `A.01` < `C.03`.
 * - Letters before numbers ≥ 1: `1.0.2k` < `1.0.2.1`, as in dpkg where
 *   letters sort before non-letters. GE-style `07MW18.4` < `08MW` falls
 *   out of the first number.
 * - Pre-release words sort before the end: `dev` < `alpha` < `beta` <
 *   `pre`/`preview` < `rc`/`cr`, so `1.0 beta` < `1.0 rc1` < `1.0`. Only
 *   whole words count: single letters (`1.0b`) are patch levels.
 * - `final`, `ga` and `stable` are ignored (`2.0 final` = `2.0`).
 *
 * The result is a total preorder (antisymmetric, transitive), and two
 * strings compare equal exactly when their {@link versionKey}s are equal.
 */

/**
 * Characters of a version string that are read (after trimming); the rest
 * is ignored. Real versions are far shorter; the cap bounds the work done
 * on hostile input.
 */
export const VERSION_MAX_LENGTH = 256;

/** Pre-release words and their order (all sort before the bare version). */
const PRE_RELEASE_RANK: Readonly<Record<string, number>> = {
  dev: 0,
  alpha: 1,
  beta: 2,
  pre: 3,
  preview: 3,
  rc: 4,
  cr: 4,
};

/** Words that say nothing about order. */
const IGNORED_WORDS: ReadonlySet<string> = new Set(['final', 'ga', 'stable']);

/** Spellings of one ordinal marker. */
const WORD_SYNONYMS: Readonly<Record<string, string>> = {
  servicepack: 'sp',
  revision: 'rev',
  upd: 'update',
};

type Token =
  | { readonly kind: 'pre'; readonly rank: number }
  | { readonly kind: 'num'; readonly digits: string } // no leading zeros; '0' for zero
  | { readonly kind: 'alpha'; readonly word: string };

interface VersionParts {
  readonly main: readonly Token[];
  readonly revision: readonly Token[];
}

// Class order: pre-release < end (= 0) < letters < numbers ≥ 1.
const CLASS_PRE = 0;
const CLASS_END = 1;
const CLASS_ALPHA = 2;
const CLASS_NUM = 3;

function classOf(t: Token | undefined): number {
  if (t === undefined) return CLASS_END;
  if (t.kind === 'pre') return CLASS_PRE;
  if (t.kind === 'alpha') return CLASS_ALPHA;
  return t.digits === '0' ? CLASS_END : CLASS_NUM;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareTokens(a: Token | undefined, b: Token | undefined): number {
  const ca = classOf(a);
  const cb = classOf(b);
  if (ca !== cb) return sign(ca - cb);
  if (a === undefined || b === undefined || ca === CLASS_END) return 0;
  if (a.kind === 'pre' && b.kind === 'pre') return sign(a.rank - b.rank);
  if (a.kind === 'alpha' && b.kind === 'alpha') return a.word < b.word ? -1 : a.word > b.word ? 1 : 0;
  if (a.kind === 'num' && b.kind === 'num') {
    if (a.digits.length !== b.digits.length) return sign(a.digits.length - b.digits.length);
    return a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0;
  }
  return 0; // unreachable: one class holds one kind
}

function compareTokenLists(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareTokens(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  for (const m of s.matchAll(/(\d+)|([a-z]+)/g)) {
    if (m[1] !== undefined) {
      out.push({ kind: 'num', digits: m[1].replace(/^0+(?=\d)/, '') });
      continue;
    }
    const raw = m[2]!;
    const word = WORD_SYNONYMS[raw] ?? raw;
    if (IGNORED_WORDS.has(word)) continue;
    const rank = PRE_RELEASE_RANK[word];
    out.push(rank === undefined ? { kind: 'alpha', word } : { kind: 'pre', rank });
  }
  return out;
}

// Siemens internal versions: optional product-line digit, 'V', release
// letter, two digits, optional update letter (VA25A, VB11D, VE11C).
const SIEMENS_TOKEN = /^\d?(v[a-z]\d{2}[a-z]?)$/;
const LEADING_MARKER_BEFORE_DIGIT = /^(?:version|ver|v|release|rel|revision|rev|r)\.?\s*(?=\d)/;
const LEADING_MARKER_BEFORE_WORD = /^(?:version|revision|rev)\.?\s+(?=[a-z0-9])/;
const ISO_LIKE_DATE = /^(?:19|20)\d\d-\d{1,2}(?:-\d{1,2})?$/;
const DEBIAN_REVISION = /^(.*[a-z0-9])-(\d[a-z0-9.+~_]*)$/;

function stripLeadingMarkers(s: string): string {
  for (;;) {
    const next = s.replace(LEADING_MARKER_BEFORE_DIGIT, '').replace(LEADING_MARKER_BEFORE_WORD, '');
    if (next === s) return s;
    s = next;
  }
}

/** Steps 1–6 of the reading rules: the text the tokens are cut from. */
function versionText(input: string): { main: string; revision: string } {
  let s = input.trim().slice(0, VERSION_MAX_LENGTH).toLowerCase().replace(/\s+/g, ' ').trim();
  s = s.replace(/service\s*pack/g, 'sp');
  s = stripLeadingMarkers(s);
  for (const w of s.split(' ')) {
    const m = SIEMENS_TOKEN.exec(w);
    if (m) {
      s = m[1]!;
      break;
    }
  }
  let parts = s.split(' ');
  while (
    parts.length > 1 &&
    /^[a-z]{3,}$/.test(parts[0]!) &&
    PRE_RELEASE_RANK[parts[0]!] === undefined &&
    parts.slice(1).some((w) => /\d/.test(w))
  ) {
    parts = parts.slice(1);
    s = stripLeadingMarkers(parts.join(' '));
    parts = s.split(' ');
  }
  if (!ISO_LIKE_DATE.test(s)) {
    const m = DEBIAN_REVISION.exec(s);
    if (m) return { main: m[1]!, revision: m[2]! };
  }
  return { main: s, revision: '' };
}

function parts(input: string): VersionParts {
  const t = versionText(input);
  return { main: tokenize(t.main), revision: tokenize(t.revision) };
}

/**
 * Compares two version strings: negative when `a` is older than `b`, zero
 * when they name the same version, positive when `a` is newer. See the
 * module documentation for the rules and why they were chosen.
 *
 * @example compareVersions('1.0.2k', '1.0.2j') > 0
 * @example compareVersions('v2.0', '2.0') === 0
 * @example compareVersions('4.2.1 SP3', '4.2.1 SP2') > 0
 */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  return compareTokenLists(pa.main, pb.main) || compareTokenLists(pa.revision, pb.revision);
}

function tokenKey(t: Token): string {
  if (t.kind === 'pre') return `~${t.rank}`;
  return t.kind === 'num' ? t.digits : t.word;
}

function listKey(list: readonly Token[]): string {
  let end = list.length;
  while (end > 0 && classOf(list[end - 1]) === CLASS_END) end--;
  return list.slice(0, end).map(tokenKey).join('.');
}

/**
 * A canonical key: `compareVersions(a, b) === 0` exactly when
 * `versionKey(a) === versionKey(b)`. For grouping and de-duplicating
 * versions; not for display (use {@link normalizeVersion}).
 *
 * @example versionKey('V2.00') === versionKey('2') // '2'
 */
export function versionKey(s: string): string {
  const p = parts(s);
  const rev = listKey(p.revision);
  return rev === '' ? listKey(p.main) : `${listKey(p.main)}-${rev}`;
}

/**
 * The version as it should be shown and stored: trimmed, inner whitespace
 * collapsed, a leading `v`/`V`/`ver.`/`version` dropped (`v2.0` → `2.0`,
 * `Version B` → `B`). Case and punctuation are kept. Two strings with the
 * same normalised form always compare equal; the converse does not hold
 * (`2.0` and `2.0.0` compare equal but normalise differently).
 */
export function normalizeVersion(s: string): string {
  let v = s.replace(/\s+/g, ' ').trim();
  for (;;) {
    const next = v.replace(/^(?:version|ver\.?|v)\s*(?=\d)/i, '').replace(/^version\s+(?=[a-z0-9])/i, '');
    if (next === v) return v;
    v = next;
  }
}
