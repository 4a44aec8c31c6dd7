/**
 * MAC and EUI-64 → vendor, from the IEEE Registration Authority's MA-L,
 * MA-M and MA-S registries as packaged in `oui-data` (kept current by its
 * maintainer; update with `npm update oui-data`).
 *
 * MA-M (28-bit) and MA-S (36-bit) blocks subdivide MA-L blocks registered to
 * "IEEE Registration Authority", so the longest prefix wins, and a bare
 * IEEE RA block is not a vendor. A locally administered address (the U/L bit
 * of the first octet set: randomised phone/VM MACs, our testbed's) has no
 * vendor by definition (IEEE 802-2014 §8.2).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface MacVendorInfo {
  /** Organisation name (first line of the registry entry), or null. */
  vendor: string | null;
  /** Which registry matched. */
  registry: 'MA-L' | 'MA-M' | 'MA-S' | null;
  /** The U/L bit is set: the address was assigned locally (often randomised). */
  locallyAdministered: boolean;
  /** The I/G bit is set: a group (multicast) address, never a device's own. */
  multicast: boolean;
}

let registry: Map<string, string> | null = null;

/** Loaded on first use (5 MB of JSON: not paid by commands that never ask). */
function load(): Map<string, string> {
  if (registry) return registry;
  const require = createRequire(import.meta.url);
  const raw = JSON.parse(readFileSync(require.resolve('oui-data'), 'utf8')) as Record<string, string>;
  registry = new Map();
  for (const [prefix, entry] of Object.entries(raw)) {
    const name = entry.split('\n', 1)[0].trim();
    if (name) registry.set(prefix.toUpperCase(), name);
  }
  return registry;
}

const IEEE_RA = /^IEEE Registration Authority$/i;

/** Hex digits of a MAC (EUI-48) or EUI-64 in any common notation, upper case; null if not one. */
export function normaliseHardwareAddress(text: string): string | null {
  const hex = text.replace(/[:\-.\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex) || (hex.length !== 12 && hex.length !== 16)) return null;
  return hex;
}

/** Look up the registered organisation of a MAC address or EUI-64. */
export function lookupVendor(address: string): MacVendorInfo {
  const hex = normaliseHardwareAddress(address);
  if (!hex) return { vendor: null, registry: null, locallyAdministered: false, multicast: false };
  const first = parseInt(hex.slice(0, 2), 16);
  const info: MacVendorInfo = {
    vendor: null,
    registry: null,
    locallyAdministered: (first & 0x02) !== 0,
    multicast: (first & 0x01) !== 0,
  };
  if (info.locallyAdministered) return info;
  const reg = load();
  const s = reg.get(hex.slice(0, 9));
  if (s) return { ...info, vendor: s, registry: 'MA-S' };
  const m = reg.get(hex.slice(0, 7));
  if (m) return { ...info, vendor: m, registry: 'MA-M' };
  const l = reg.get(hex.slice(0, 6));
  if (l && !IEEE_RA.test(l)) return { ...info, vendor: l, registry: 'MA-L' };
  return info;
}
