/**
 * A JSON Schema, compiled once into a closure that answers "valid or not"
 * without building paths or messages: the collector checks every frame, and
 * the interpreting validator (rules/fingerprint/json-schema.ts) costs tens
 * of microseconds per device message. Same keyword subset; when a value is
 * invalid, the interpreting validator is run to say why.
 */
import { validateJsonSchema, type JsonSchema } from '../rules/fingerprint/json-schema.js';

type Check = (v: unknown) => boolean;

function typeOk(v: unknown, t: string): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return typeof v === t;
  }
}

const KNOWN = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'minProperties', 'minLength', 'pattern',
  'minimum', 'maximum', 'oneOf', 'anyOf', '$ref', '$schema', '$id', '$defs', '$comment', 'title', 'description', 'examples', 'default',
]);

function compileNode(s: JsonSchema, root: JsonSchema, refs: Map<string, Check>): Check {
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema-check: keyword '${k}' is outside the supported subset`);
  const checks: Check[] = [];
  if (typeof s['$ref'] === 'string') {
    const ref = s['$ref'];
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const target = m ? (root['$defs'] as Record<string, JsonSchema> | undefined)?.[m[1]!] : undefined;
    if (!target) throw new Error(`schema-check: cannot resolve $ref ${ref}`);
    let c = refs.get(ref);
    if (!c) {
      let compiled: Check | null = null;
      refs.set(ref, (c = (v) => compiled!(v)));
      compiled = compileNode(target, root, refs);
    }
    checks.push(c);
  }
  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    checks.push(types.length === 1 ? (v) => typeOk(v, types[0]!) : (v) => types.some((t) => typeOk(v, t)));
  }
  if (Array.isArray(s['enum'])) {
    const values = s['enum'] as unknown[];
    checks.push((v) => values.includes(v));
  }
  if ('const' in s) {
    const c = s['const'];
    checks.push((v) => v === c);
  }
  const minLength = s['minLength'];
  const pattern = typeof s['pattern'] === 'string' ? new RegExp(s['pattern'], 'u') : null;
  if (typeof minLength === 'number' || pattern) {
    checks.push((v) => typeof v !== 'string' || ((typeof minLength !== 'number' || [...v].length >= minLength) && (!pattern || pattern.test(v))));
  }
  const min = s['minimum'];
  const max = s['maximum'];
  if (typeof min === 'number' || typeof max === 'number') {
    checks.push((v) => typeof v !== 'number' || ((typeof min !== 'number' || v >= min) && (typeof max !== 'number' || v <= max)));
  }
  const minItems = s['minItems'];
  const items = s['items'] && typeof s['items'] === 'object' ? compileNode(s['items'] as JsonSchema, root, refs) : null;
  if (typeof minItems === 'number' || items) {
    checks.push((v) => {
      if (!Array.isArray(v)) return true;
      if (typeof minItems === 'number' && v.length < minItems) return false;
      if (items) for (let i = 0; i < v.length; i++) if (!items(v[i])) return false;
      return true;
    });
  }
  const props = s['properties'] as Record<string, JsonSchema> | undefined;
  const required = (s['required'] ?? []) as string[];
  const additional = s['additionalProperties'];
  const minProperties = s['minProperties'];
  if (props || required.length || additional !== undefined || typeof minProperties === 'number') {
    const compiled = new Map(Object.entries(props ?? {}).map(([k, p]) => [k, compileNode(p, root, refs)]));
    const extra = additional && typeof additional === 'object' ? compileNode(additional as JsonSchema, root, refs) : null;
    checks.push((v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return true;
      const o = v as Record<string, unknown>;
      for (const r of required) if (!(r in o)) return false;
      const keys = Object.keys(o);
      if (typeof minProperties === 'number' && keys.length < minProperties) return false;
      for (const k of keys) {
        const c = compiled.get(k);
        if (c) {
          if (!c(o[k])) return false;
        } else if (additional === false) return false;
        else if (extra && !extra(o[k])) return false;
      }
      return true;
    });
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = s[key] as JsonSchema[] | undefined;
    if (!alts) continue;
    const cs = alts.map((a) => compileNode(a, root, refs));
    checks.push(key === 'anyOf' ? (v) => cs.some((c) => c(v)) : (v) => cs.filter((c) => c(v)).length === 1);
  }
  if (checks.length === 1) return checks[0]!;
  return (v) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(v)) return false;
    return true;
  };
}

/** Compiles `schema`; the result returns the problems ("path: message"), empty when valid. */
export function compileSchema(schema: JsonSchema): (value: unknown) => string[] {
  const fast = compileNode(schema, schema, new Map());
  return (value) => (fast(value) ? [] : validateJsonSchema(schema, value));
}
