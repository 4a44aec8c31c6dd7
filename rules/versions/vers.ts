/**
 * The vers notation: reading `vers:<scheme>/<constraints>` strings, turning
 * a constraint list into the intervals of a {@link VersionRange}, and
 * writing intervals back as canonical vers text.
 *
 * Source: package-url/vers-spec, VERSION-RANGE-SPEC ("Version range
 * specifier", "Normalized, canonical representation and validation",
 * "Parsing and validating version range specifiers", "Checking if a version
 * is contained within a range"). Versions are ordered by our own
 * {@link compareVersions} whatever the scheme says: advisory versions are
 * not npm or Debian versions, and a scheme we do not implement must not
 * make a range unreadable. For `intdot` and `semver` versions without
 * pre-release tags the order is the same.
 */
import type { VersionOp } from '../types.js';
import { compareVersions, normalizeVersion } from './compare.js';

export interface VersConstraint {
  op: VersionOp;
  version: string;
}

export type Interval = Array<{ op: VersionOp; version: string }>;

/** A parsed vers string: its scheme, and either `*` or its constraints. */
export type VersParse =
  | { ok: true; scheme: string; star: true; constraints: [] }
  | { ok: true; scheme: string; star: false; constraints: VersConstraint[] }
  | { ok: false; error: string };

/** Longest vers string read; longer ones are refused. */
export const VERS_MAX_LENGTH = 4096;

// VERSION-RANGE-SPEC "Parsing": the comparators, longest first.
const COMPARATORS: ReadonlyArray<VersionOp> = ['>=', '<=', '!=', '<', '>', '='];

/**
 * Reads a `vers:` string as the specification's parsing procedure does:
 * spaces and tabs removed, scheme lowercase, constraints split on `|`
 * (empty ones skipped), an absent comparator meaning `=`, percent-encoded
 * versions decoded. Validation (order, uniqueness, alternation) is left to
 * {@link constraintsToIntervals}.
 */
export function parseVers(text: string): VersParse {
  if (text.length > VERS_MAX_LENGTH) return { ok: false, error: `longer than ${VERS_MAX_LENGTH} characters` };
  const s = text.replace(/[ \t]+/g, '');
  const colon = s.indexOf(':');
  if (colon < 0 || s.slice(0, colon).toLowerCase() !== 'vers') return { ok: false, error: 'does not start with "vers:"' };
  const rest = s.slice(colon + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0) return { ok: false, error: 'no versioning scheme before "/"' };
  const scheme = rest.slice(0, slash).toLowerCase();
  if (!/^[a-z0-9][a-z0-9.+-]*$/.test(scheme)) return { ok: false, error: `bad versioning scheme "${scheme}"` };
  const body = rest.slice(slash + 1);
  if (body === '') return { ok: false, error: 'no constraints' };
  if (body === '*') return { ok: true, scheme, star: true, constraints: [] };
  const constraints: VersConstraint[] = [];
  for (const piece of body.split('|')) {
    if (piece === '') continue;
    const op = COMPARATORS.find((c) => piece.startsWith(c)) ?? '=';
    const encoded = piece.startsWith(op) ? piece.slice(op.length) : piece;
    if (encoded === '') return { ok: false, error: `constraint "${piece}" has no version` };
    if (encoded.includes('*')) return { ok: false, error: '"*" must stand alone' };
    let version: string;
    try {
      version = decodeURIComponent(encoded);
    } catch {
      return { ok: false, error: `bad percent-encoding in "${encoded}"` };
    }
    constraints.push({ op, version });
  }
  if (constraints.length === 0) return { ok: false, error: 'no constraints' };
  return { ok: true, scheme, star: false, constraints };
}

const isLower = (op: VersionOp): boolean => op === '>' || op === '>=';
const isUpper = (op: VersionOp): boolean => op === '<' || op === '<=';

/**
 * Validates a constraint list and returns its intervals (a disjunction;
 * each interval a conjunction), or why it is invalid.
 *
 * VERSION-RANGE-SPEC "Normalized, canonical representation and
 * validation": after sorting by version, versions are unique; ignoring
 * `!=`, a `=` is followed only by `=`, `>` or `>=`; ignoring `=` and `!=`,
 * lower (`>`, `>=`) and upper (`<`, `<=`) bounds alternate. So an upper
 * bound opens the list or closes the lower bound before it, and a lower
 * bound left open at the end runs to infinity. Each `!=` is added to every
 * interval. A list holding only `!=` constraints means "every version but
 * these" (the specification's containment procedure would contain nothing,
 * which no advisory means).
 *
 * A version may occur once ("Tools must report an error for duplicated
 * versions"). Without `strict`, a constraint repeated with the same
 * comparator is merged instead, because free-text lists repeat themselves
 * (`MMT-1762 | MMT-1762`); a version under two comparators is always an
 * error.
 */
export function constraintsToIntervals(
  input: readonly VersConstraint[],
  options: { strict?: boolean } = {},
): { ok: true; intervals: Interval[] } | { ok: false; error: string } {
  const sorted = [...input].sort((a, b) => compareVersions(a.version, b.version));
  const list: VersConstraint[] = [];
  for (const c of sorted) {
    const prev = list[list.length - 1];
    if (prev && compareVersions(prev.version, c.version) === 0) {
      if (prev.op === c.op && !options.strict) continue;
      return { ok: false, error: `version ${c.version} appears twice (${prev.op}${prev.version}, ${c.op}${c.version})` };
    }
    list.push(c);
  }
  const excluded = list.filter((c) => c.op === '!=');
  const rest = list.filter((c) => c.op !== '!=');
  if (rest.length === 0) return { ok: true, intervals: [excluded.map((c) => ({ ...c }))] };
  const intervals: Interval[] = [];
  let open: VersConstraint | null = null;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (open) {
      if (!isUpper(c.op)) return { ok: false, error: `${open.op}${open.version} is followed by ${c.op}${c.version}: bounds must alternate` };
      intervals.push([{ ...open }, { ...c }]);
      open = null;
    } else if (c.op === '=') {
      intervals.push([{ ...c }]);
    } else if (isLower(c.op)) {
      open = c;
    } else if (i === 0) {
      intervals.push([{ ...c }]);
    } else {
      const prev = rest[i - 1]!;
      return { ok: false, error: `${prev.op}${prev.version} is followed by ${c.op}${c.version}: two upper bounds` };
    }
  }
  if (open) intervals.push([{ ...open }]);
  if (excluded.length > 0) for (const iv of intervals) iv.push(...excluded.map((c) => ({ ...c })));
  return { ok: true, intervals };
}

// VERSION-RANGE-SPEC: versions holding separator or comparator characters
// (`><=!*|`) are percent-encoded; so are `%`, `/` and whitespace here, which
// the specification removes or reserves, so that the text reads back the same.
function encodeVersion(v: string): string {
  return v.replace(/[<>=!*|%/\s,]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/**
 * Writes intervals as canonical vers text (`vers:generic/>=1.1|<=1.5`):
 * constraints sorted by version, `=` left implicit, versions normalised
 * and percent-encoded where needed. Returns null when the intervals do not
 * form a valid vers constraint list (overlapping intervals, for example),
 * so that nothing invalid is ever written.
 */
export function formatVers(intervals: readonly Interval[], scheme = 'generic'): string | null {
  const seen = new Map<string, VersConstraint>();
  for (const iv of intervals) {
    for (const c of iv) {
      const version = normalizeVersion(c.version);
      const key = `${c.op}${version}`;
      if (!seen.has(key)) seen.set(key, { op: c.op, version });
    }
  }
  const constraints = [...seen.values()];
  if (constraints.length === 0) return null;
  const check = constraintsToIntervals(constraints);
  if (!check.ok || !sameIntervals(check.intervals, intervals)) return null;
  const sorted = constraints.sort((a, b) => compareVersions(a.version, b.version));
  return `vers:${scheme}/` + sorted.map((c) => (c.op === '=' ? '' : c.op) + encodeVersion(c.version)).join('|');
}

function intervalKey(iv: Interval): string {
  return iv
    .map((c) => `${c.op}${normalizeVersion(c.version)}`)
    .sort()
    .join('&');
}

function sameIntervals(a: readonly Interval[], b: readonly Interval[]): boolean {
  const ka = a.map(intervalKey).sort();
  const kb = b.map(intervalKey).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** Whether one constraint holds for a version. */
export function constraintHolds(version: string, c: { op: VersionOp; version: string }): boolean {
  const cmp = compareVersions(version, c.version);
  switch (c.op) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
  }
}
