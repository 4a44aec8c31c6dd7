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
  const resolve = (ref: string): JsonSchema => {
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const defs = schema['$defs'] as Record<string, JsonSchema> | undefined;
    const target = m && defs ? defs[m[1]!] : undefined;
    if (!target) throw new Error(`json-schema: cannot resolve $ref ${ref}`);
    return target;
  };

  const check = (s: JsonSchema, v: unknown, path: string, out: string[]): void => {
    for (const k of Object.keys(s)) {
      if (!SUPPORTED.has(k) && !ANNOTATIONS.has(k)) throw new Error(`json-schema: keyword '${k}' is outside the supported subset`);
    }
    if (typeof s['$ref'] === 'string') check(resolve(s['$ref']), v, path, out);
    const t = typeOf(v);
    if (s['type'] !== undefined) {
      const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
      if (!types.some((w) => typeMatches(t, w))) {
        out.push(`${path}: must be ${types.join(' or ')} (is ${t})`);
        return;
      }
    }
    if (Array.isArray(s['enum']) && !(s['enum'] as unknown[]).some((e) => e === v)) {
      out.push(`${path}: must be one of ${(s['enum'] as unknown[]).map((e) => JSON.stringify(e)).join(', ')}`);
    }
    if ('const' in s && s['const'] !== v) out.push(`${path}: must be ${JSON.stringify(s['const'])}`);
    if (t === 'string') {
      const str = v as string;
      if (typeof s['minLength'] === 'number' && [...str].length < s['minLength']) out.push(`${path}: shorter than ${s['minLength']}`);
      if (typeof s['pattern'] === 'string') {
        let re = patterns.get(s['pattern']);
        if (!re) patterns.set(s['pattern'], (re = new RegExp(s['pattern'], 'u')));
        if (!re.test(str)) out.push(`${path}: does not match ${s['pattern']}`);
      }
    }
    if (t === 'number' || t === 'integer') {
      const n = v as number;
      if (typeof s['minimum'] === 'number' && n < s['minimum']) out.push(`${path}: below ${s['minimum']}`);
      if (typeof s['maximum'] === 'number' && n > s['maximum']) out.push(`${path}: above ${s['maximum']}`);
    }
    if (t === 'array') {
      const arr = v as unknown[];
      if (typeof s['minItems'] === 'number' && arr.length < s['minItems']) out.push(`${path}: needs at least ${s['minItems']} item(s)`);
      if (s['items'] && typeof s['items'] === 'object') arr.forEach((item, i) => check(s['items'] as JsonSchema, item, `${path}[${i}]`, out));
    }
    if (t === 'object') {
      const obj = v as Record<string, unknown>;
      const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
      if (typeof s['minProperties'] === 'number' && Object.keys(obj).length < s['minProperties']) out.push(`${path}: needs at least ${s['minProperties']} propert(ies)`);
      for (const r of (s['required'] ?? []) as string[]) if (!(r in obj)) out.push(`${path}: missing '${r}'`);
      for (const [k, val] of Object.entries(obj)) {
        const p = `${path}.${k}`;
        if (props[k]) check(props[k], val, p, out);
        else if (s['additionalProperties'] === false) out.push(`${p}: unknown property`);
        else if (s['additionalProperties'] && typeof s['additionalProperties'] === 'object') check(s['additionalProperties'] as JsonSchema, val, p, out);
      }
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const alts = s[key] as JsonSchema[] | undefined;
      if (!alts) continue;
      const results = alts.map((a) => {
        const e: string[] = [];
        check(a, v, path, e);
        return e;
      });
      const ok = results.filter((e) => e.length === 0).length;
      if (key === 'oneOf' && ok !== 1) {
        if (ok === 0) {
          // Report the alternative that came closest: fewest problems.
          const best = results.reduce((a, b) => (b.length < a.length ? b : a));
          out.push(`${path}: matches none of the ${alts.length} allowed forms (closest: ${best.join('; ')})`);
        } else out.push(`${path}: matches ${ok} of the allowed forms, must match exactly one`);
      }
      if (key === 'anyOf' && ok === 0) out.push(`${path}: matches none of the allowed forms`);
    }
  };

  check(schema, value, '$', errors);
  return errors;
}
