/**
 * Device classes and which of them are life-critical (rules/packs/
 * device-classes.json). Pure data and checks: the agent reads the file, this
 * module validates it and answers "may this class be probed beyond safe?".
 */

export interface DeviceClassEntry {
  id: string;
  lifeCritical: boolean;
  /** Why it is (or is not) life-critical, for the operator reading the audit log. */
  why: string;
  source: string;
}

export interface DeviceClassTable {
  name: string;
  version: string;
  description?: string;
  classes: DeviceClassEntry[];
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Problems with a parsed device-class table ("path: message"); empty when it is good. */
export function validateDeviceClasses(data: unknown): string[] {
  const problems: string[] = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['$: must be an object'];
  const d = data as Record<string, unknown>;
  for (const k of ['name', 'version']) if (typeof d[k] !== 'string' || d[k] === '') problems.push(`$.${k}: must be a non-empty string`);
  for (const k of Object.keys(d)) if (!['$schema', 'name', 'version', 'description', 'classes'].includes(k)) problems.push(`$.${k}: unknown property`);
  if (!Array.isArray(d.classes)) return [...problems, '$.classes: must be an array'];
  const seen = new Set<string>();
  d.classes.forEach((c: unknown, i) => {
    const at = `$.classes[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const e = c as Record<string, unknown>;
    if (typeof e.id !== 'string' || !ID.test(e.id)) problems.push(`${at}.id: must be kebab-case`);
    else if (seen.has(e.id)) problems.push(`${at}.id: duplicate class '${e.id}'`);
    else seen.add(e.id);
    if (typeof e.lifeCritical !== 'boolean') problems.push(`${at}.lifeCritical: must be true or false`);
    for (const k of ['why', 'source']) if (typeof e[k] !== 'string' || (e[k] as string).trim() === '') problems.push(`${at}.${k}: must be a non-empty string`);
    for (const k of Object.keys(e)) if (!['id', 'lifeCritical', 'why', 'source'].includes(k)) problems.push(`${at}.${k}: unknown property`);
  });
  return problems;
}

/** Life-critical class ids of a validated table. */
export function lifeCriticalClasses(table: DeviceClassTable): Set<string> {
  return new Set(table.classes.filter((c) => c.lifeCritical).map((c) => c.id));
}
