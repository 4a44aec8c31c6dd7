/** Finding identity and severity bands, shared by every correlation path. */

/**
 * Stable finding id: the same device, source and vulnerability give the
 * same id in every run and on every machine. Two independent 32-bit FNV-1a
 * hashes of the parts (64 bits: collisions are negligible at millions of
 * findings); not a security hash, and cheap enough for 100k findings.
 */
export function findingId(...parts: string[]): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let p = 0; p < parts.length; p++) {
    const s = parts[p];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
    a = Math.imul(a ^ 0, 0x01000193);
    b = Math.imul(b ^ 0xff, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** CVSS v3 qualitative bands (FIRST CVSS v3.1 specification §5). */
export function severityOf(score: number | null): string {
  if (score === null) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}
