/**
 * Interning of short values decoded from packet bytes (AE titles, UIDs,
 * HL7 application and facility names, versions, message types).
 *
 * The same few values arrive in every message of a device. Decoding each
 * sighting makes a new string, and every Map keyed by it (the inventory's
 * evidence index) then hashes and compares it again in full. A value
 * decoded through here is found by a hash of its bytes and returned as the
 * string already made for the same bytes: no allocation, and a string
 * whose hash is already known.
 *
 * Correct for any bytes: a hit is confirmed by comparing every byte with
 * the cached string, a miss (or a collision) decodes and takes the slot.
 * Bounded: a fixed table of short strings (`INTERN_SLOTS` x at most
 * `INTERN_MAX_BYTES` chars). Callers intern only allow-listed,
 * device-identifying fields: patient values are never decoded, so never
 * kept here.
 */

/** Slots in the table (a power of two). */
const INTERN_SLOTS = 4096;
/** Longer values are decoded every time (rarely repeated, and they would pin more memory). */
export const INTERN_MAX_BYTES = 64;

const table: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

/** Node's Buffer has this un-typed fast path (no encoding-name lookup). */
interface Latin1Slice {
  latin1Slice(start: number, end: number): string;
}

/**
 * `buf.toString('latin1', start, end)`, shared with earlier identical
 * bytes when the value is at most `INTERN_MAX_BYTES` long.
 */
export function internLatin1(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n > INTERN_MAX_BYTES || n <= 0) return (buf as unknown as Latin1Slice).latin1Slice(start, end);
  // FNV-1a over the bytes
  let h = 0x811c9dc5;
  for (let p = start; p < end; p++) h = Math.imul(h ^ buf[p]!, 0x01000193);
  return lookup(buf, start, end, h);
}

/**
 * `internLatin1` of a value that is plain ASCII without the byte `stop`
 * (an escape character), checked in the same pass as the hash; null when
 * it is not (a byte >= 0x80 or `stop`), or longer than `INTERN_MAX_BYTES`
 * or empty: the caller then decodes it the long way.
 */
export function internAsciiWithout(buf: Buffer, start: number, end: number, stop: number): string | null {
  const n = end - start;
  if (n > INTERN_MAX_BYTES || n <= 0) return null;
  let h = 0x811c9dc5;
  for (let p = start; p < end; p++) {
    const c = buf[p]!;
    if (c >= 0x80 || c === stop) return null;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return lookup(buf, start, end, h);
}

/** The string for bytes [start, end) whose FNV-1a hash is `h`: the cached one when every byte matches, else a new one that takes the slot. */
function lookup(buf: Buffer, start: number, end: number, h: number): string {
  const n = end - start;
  const slot = (h ^ (h >>> 15)) & (INTERN_SLOTS - 1);
  const cached = table[slot];
  if (cached !== undefined && cached.length === n) {
    let k = 0;
    while (k < n && cached.charCodeAt(k) === buf[start + k]) k++;
    if (k === n) return cached;
  }
  const text = (buf as unknown as Latin1Slice).latin1Slice(start, end);
  table[slot] = text;
  return text;
}
