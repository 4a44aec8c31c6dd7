/**
 * Small direct-mapped caches from address bytes to their text. On a SPAN
 * port the same few MACs (the gateway's above all) and a working set of IPs
 * recur on nearly every packet, so comparing a few bytes beats rebuilding
 * the string. A miss costs one compare more than formatting directly.
 */
import { formatMac } from './ethernet.js';
import { formatIpv4 } from './ipv4.js';

const MAC_SLOTS = 256;
const macHi = new Uint32Array(MAC_SLOTS); // first 4 bytes
const macLo = new Uint16Array(MAC_SLOTS); // last 2 bytes
const macText: (string | undefined)[] = new Array<string | undefined>(MAC_SLOTS).fill(undefined);

/** `formatMac`, memoised on the 6 bytes. */
export function cachedMac(buf: Uint8Array, offset: number): string {
  const hi = ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
  const lo = (buf[offset + 4] << 8) | buf[offset + 5];
  const slot = (buf[offset + 5] ^ buf[offset + 3]) & (MAC_SLOTS - 1);
  const hit = macText[slot];
  if (hit !== undefined && macHi[slot] === hi && macLo[slot] === lo) return hit;
  const text = formatMac(buf, offset);
  macHi[slot] = hi;
  macLo[slot] = lo;
  macText[slot] = text;
  return text;
}

const IP_SLOTS = 4096;
const ipKey = new Uint32Array(IP_SLOTS);
const ipText: (string | undefined)[] = new Array<string | undefined>(IP_SLOTS).fill(undefined);

/** `formatIpv4`, memoised on the 4 bytes. */
export function cachedIpv4(buf: Uint8Array, offset: number): string {
  const key = ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
  const slot = (key ^ (key >>> 12)) & (IP_SLOTS - 1);
  const hit = ipText[slot];
  if (hit !== undefined && ipKey[slot] === key) return hit;
  const text = formatIpv4(buf, offset);
  ipKey[slot] = key;
  ipText[slot] = text;
  return text;
}
