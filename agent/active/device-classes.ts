/** Loads rules/packs/device-classes.json (which classes are life-critical) once. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lifeCriticalClasses, validateDeviceClasses, type DeviceClassTable } from '../../rules/device-classes.js';
import type { DeviceRecord } from '../../rules/inventory.js';
import type { Candidate } from './active-checks.js';
import { AuscultError } from '../errors.js';

export const DEVICE_CLASSES_FILE = fileURLToPath(new URL('../../rules/packs/device-classes.json', import.meta.url));

let cached: Set<string> | null = null;

/** The life-critical class ids. Throws AUSCULT_ERR_BAD_RULE_PACK when the file is missing or invalid. */
export function loadLifeCritical(path = DEVICE_CLASSES_FILE): Set<string> {
  if (path === DEVICE_CLASSES_FILE && cached) return cached;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AuscultError('AUSCULT_ERR_BAD_RULE_PACK', `${path}: ${(err as Error).message}`, { cause: err });
  }
  const problems = validateDeviceClasses(data);
  if (problems.length > 0) throw new AuscultError('AUSCULT_ERR_BAD_RULE_PACK', `${path} is invalid:\n  ${problems.slice(0, 5).join('\n  ')}`);
  const set = lifeCriticalClasses(data as DeviceClassTable);
  if (path === DEVICE_CLASSES_FILE) cached = set;
  return set;
}

/**
 * The class that governs how far a device may be probed: a life-critical
 * class when either the inventory or the fingerprint identity names one,
 * else whichever is known, else null.
 */
export function governingClass(device: Pick<DeviceRecord, 'deviceClass' | 'identity'>, lifeCritical: ReadonlySet<string>): string | null {
  const classes = [device.identity?.deviceClass ?? null, device.deviceClass].filter((c): c is string => !!c);
  return classes.find((c) => lifeCritical.has(c)) ?? classes[0] ?? null;
}

/**
 * Every address of these devices, once, with the class that governs its
 * profile. When several devices name one address (a DHCP lease that moved),
 * a life-critical class among them wins, else the first device's.
 */
export function deviceCandidates(devices: readonly DeviceRecord[], lifeCritical: ReadonlySet<string>): Candidate[] {
  const classByIp = new Map<string, string | null>();
  for (const d of devices) {
    const cls = governingClass(d, lifeCritical);
    for (const ip of [d.ip, ...(d.ips ?? [])]) {
      if (!ip) continue;
      const prev = classByIp.get(ip);
      if (prev === undefined || (cls !== null && lifeCritical.has(cls) && !(prev !== null && lifeCritical.has(prev)))) classByIp.set(ip, cls);
    }
  }
  return [...classByIp].map(([ip, deviceClass]) => ({ ip, deviceClass }));
}
