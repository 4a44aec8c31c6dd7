/** Finding identity and severity bands, shared by every correlation path. */
import { createHash } from 'node:crypto';

/** Stable finding id: the same device, source and vulnerability give the same id in every run. */
export function findingId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 24);
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
