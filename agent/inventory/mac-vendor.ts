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

let registry: Record<string, string> | null = null;

/**
 * Loaded on first use (5 MB of JSON: not paid by commands that never ask),
 * and kept as parsed: an entry's first line (the organisation) is cut only
 * when it is looked up.
 */
function load(): Record<string, string> {
  if (registry) return registry;
  const require = createRequire(import.meta.url);
  registry = JSON.parse(readFileSync(require.resolve('oui-data'), 'utf8')) as Record<string, string>;
  return registry;
}

/** Organisation name registered for an upper-case hex prefix, or undefined. */
function organisation(prefix: string): string | undefined {
  const entry = load()[prefix];
  if (entry === undefined) return undefined;
  const name = entry.split('\n', 1)[0].trim();
  return name || undefined;
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
  const s = organisation(hex.slice(0, 9));
  if (s) return { ...info, vendor: s, registry: 'MA-S' };
  const m = organisation(hex.slice(0, 7));
  if (m) return { ...info, vendor: m, registry: 'MA-M' };
  const l = organisation(hex.slice(0, 6));
  if (l && !IEEE_RA.test(l)) return { ...info, vendor: l, registry: 'MA-L' };
  return info;
}
