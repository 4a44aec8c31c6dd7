/**
 * A validator for the subset of JSON Schema (draft 2020-12) that
 * rule-pack.schema.json uses: type, enum, const, properties, required,
 * additionalProperties, items, minItems, minProperties, minLength, pattern,
 * minimum, maximum, oneOf, anyOf and local $ref ("#/$defs/..."). A keyword
 * outside the subset throws, so the schema cannot silently ask for a check
 * this code does not make. Annotations (title, description, $id, ...) are
 * ignored.
 */

export type JsonSchema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', '$comment', 'title', 'description', 'examples', 'default']);
const SUPPORTED = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'minProperties',
  'minLength', 'pattern', 'minimum', 'maximum', 'oneOf', 'anyOf', '$ref',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

/** Validate `value` against `schema`; returns "path: message" strings (empty when valid). */
export function validateJsonSchema(schema: JsonSchema, value: unknown): string[] {
  const errors: string[] = [];
  const patterns = new Map<string, RegExp>();
  const refs = new Map<string, JsonSchema>();
  const resolve = (ref: string): JsonSchema => {
    let target = refs.get(ref);
    if (target !== undefined) return target;
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const defs = schema['$defs'] as Record<string, JsonSchema> | undefined;
    target = m && defs ? defs[m[1]!] : undefined;
    if (!target) throw new Error(`json-schema: cannot resolve $ref ${ref}`);
    refs.set(ref, target);
    return target;
  };
  /** Schema objects whose keywords were checked against the subset (once each). */
  const vetted = new WeakSet<JsonSchema>();

  /**
   * Checks `v` against `s`. With `out`, every problem is pushed there as
   * "path: message"; with null, nothing is built and the first problem ends
   * the check, which is how a document is checked first and how oneOf/anyOf
   * alternatives are tried. Returns true when `v` is valid.
   */
  const check = (s: JsonSchema, v: unknown, path: string, out: string[] | null): boolean => {
    if (!vetted.has(s)) {
      for (const k of Object.keys(s)) {
        if (!SUPPORTED.has(k) && !ANNOTATIONS.has(k)) throw new Error(`json-schema: keyword '${k}' is outside the supported subset`);
      }
      vetted.add(s);
    }
    let ok = true;
    if (typeof s['$ref'] === 'string' && !check(resolve(s['$ref']), v, path, out)) {
      if (out === null) return false;
      ok = false;
    }
    const t = typeOf(v);
    const type = s['type'];
    if (type !== undefined) {
      const fits = typeof type === 'string' ? typeMatches(t, type) : (type as string[]).some((w) => typeMatches(t, w));
      if (!fits) {
        out?.push(`${path}: must be ${typeof type === 'string' ? type : (type as string[]).join(' or ')} (is ${t})`);
        return false;
      }
    }
    if (Array.isArray(s['enum']) && !(s['enum'] as unknown[]).includes(v)) {
      if (out === null) return false;
      ok = false;
      out.push(`${path}: must be one of ${(s['enum'] as unknown[]).map((e) => JSON.stringify(e)).join(', ')}`);
    }
    if ('const' in s && s['const'] !== v) {
      if (out === null) return false;
      ok = false;
      out.push(`${path}: must be ${JSON.stringify(s['const'])}`);
    }
    if (t === 'string') {
      const str = v as string;
      // minLength counts code points; a string with no more UTF-16 units than the minimum is the only one that can fall short.
      if (typeof s['minLength'] === 'number' && str.length < 2 * s['minLength'] && [...str].length < s['minLength']) {
        if (out === null) return false;
        ok = false;
        out.push(`${path}: shorter than ${s['minLength']}`);
      }
      if (typeof s['pattern'] === 'string') {
        let re = patterns.get(s['pattern']);
        if (!re) patterns.set(s['pattern'], (re = new RegExp(s['pattern'], 'u')));
        if (!re.test(str)) {
          if (out === null) return false;
          ok = false;
          out.push(`${path}: does not match ${s['pattern']}`);
        }
      }
    }
    if (t === 'number' || t === 'integer') {
      const n = v as number;
      if (typeof s['minimum'] === 'number' && n < s['minimum']) {
        if (out === null) return false;
        ok = false;
        out.push(`${path}: below ${s['minimum']}`);
      }
      if (typeof s['maximum'] === 'number' && n > s['maximum']) {
        if (out === null) return false;
        ok = false;
        out.push(`${path}: above ${s['maximum']}`);
      }
    }
    if (t === 'array') {
      const arr = v as unknown[];
      if (typeof s['minItems'] === 'number' && arr.length < s['minItems']) {
        if (out === null) return false;
        ok = false;
        out.push(`${path}: needs at least ${s['minItems']} item(s)`);
      }
      const items = s['items'];
      if (items && typeof items === 'object') {
        for (let i = 0; i < arr.length; i++) {
          if (!check(items as JsonSchema, arr[i], out === null ? '' : `${path}[${i}]`, out)) {
            if (out === null) return false;
            ok = false;
          }
        }
      }
    }
    if (t === 'object') {
      const obj = v as Record<string, unknown>;
      const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
      if (typeof s['minProperties'] === 'number' && Object.keys(obj).length < s['minProperties']) {
        if (out === null) return false;
        ok = false;
        out.push(`${path}: needs at least ${s['minProperties']} propert(ies)`);
      }
      for (const r of (s['required'] ?? []) as string[]) {
        if (!(r in obj)) {
          if (out === null) return false;
          ok = false;
          out.push(`${path}: missing '${r}'`);
        }
      }
      const additional = s['additionalProperties'];
      for (const k in obj) {
        const p = out === null ? '' : `${path}.${k}`;
        const val = obj[k];
        let good = true;
        if (props[k]) good = check(props[k], val, p, out);
        else if (additional === false) {
          good = false;
          out?.push(`${p}: unknown property`);
        } else if (additional && typeof additional === 'object') good = check(additional as JsonSchema, val, p, out);
        if (!good) {
          if (out === null) return false;
          ok = false;
        }
      }
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const alts = s[key] as JsonSchema[] | undefined;
      if (!alts) continue;
      let matching = 0;
      for (const a of alts) if (check(a, v, '', null)) matching++;
      if (key === 'oneOf' && matching !== 1) {
        if (out === null) return false;
        ok = false;
        if (matching === 0) {
          // Report the alternative that came closest: fewest problems.
          const results = alts.map((a) => {
            const e: string[] = [];
            check(a, v, path, e);
            return e;
          });
          const best = results.reduce((a, b) => (b.length < a.length ? b : a));
          out.push(`${path}: matches none of the ${alts.length} allowed forms (closest: ${best.join('; ')})`);
        } else out.push(`${path}: matches ${matching} of the allowed forms, must match exactly one`);
      }
      if (key === 'anyOf' && matching === 0) {
        if (out === null) return false;
        ok = false;
        out.push(`${path}: matches none of the allowed forms`);
      }
    }
    return ok;
  };

  // A valid document (the usual case) is checked once without building any
  // message; only an invalid one is walked again for its paths and messages.
  if (!check(schema, value, '$', null)) check(schema, value, '$', errors);
  return errors;
}
