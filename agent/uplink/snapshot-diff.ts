/**
 * What changed since the last snapshot the agent enqueued: a pure function
 * of (devices, findings, what was last enqueued, the clock).
 *
 * Each device and finding is hashed twice: `stable` without the volatile
 * fields (every `lastSeen` and `count`, which move on every packet) and
 * `full`. A stable change is enqueued at once; a change of volatile fields
 * only is enqueued when the last message for it is older than `refreshMs`, so
 * the collector's last-seen times stay fresh without one message per device
 * per second.
 *
 * A finding that was enqueued and is no longer produced for a device that is
 * in the snapshot becomes finding-closed. A finding whose device is not in
 * the snapshot stays open: after a restart the agent has not seen that device
 * yet, which says nothing about the finding.
 */
import { createHash } from 'node:crypto';
import { MAX_MESSAGE_BYTES } from '../../collector/protocol.js';
import type { DeviceRecord } from '../../rules/inventory.js';
import type { Finding } from '../../rules/types.js';
import type { OutboxChange, SentState } from './outbox.js';

export interface DiffOptions {
  /** Now, ms since the epoch. */
  now: number;
  /** A volatile-only change is sent when the last message is this old. Default 5 min. */
  refreshMs?: number;
}

export interface DiffResult {
  changes: OutboxChange[];
  devices: number;
  findings: number;
  closed: number;
  /** Devices whose evidence list was cut to fit MAX_MESSAGE_BYTES. */
  trimmed: number;
}

const VOLATILE = new Set(['lastSeen', 'count']);
const dropVolatile = (key: string, value: unknown): unknown => (VOLATILE.has(key) ? undefined : value);
const hash = (text: string): string => createHash('sha1').update(text).digest('base64');

/** Room left in a frame for the message envelope around the device. */
const ENVELOPE_BYTES = 512;

export function deviceKey(id: string): string {
  return `d:${id}`;
}
export function findingKey(id: string): string {
  return `f:${id}`;
}

/**
 * The changes to enqueue. Does not touch `state`: apply the returned states
 * (`applyChanges`) once they are committed.
 */
export function diffSnapshot(devices: DeviceRecord[], findings: Finding[], state: ReadonlyMap<string, SentState>, opts: DiffOptions): DiffResult {
  const refreshMs = opts.refreshMs ?? 300_000;
  const out: DiffResult = { changes: [], devices: 0, findings: 0, closed: 0, trimmed: 0 };
  const present = new Set<string>();

  const decide = (key: string, deviceId: string, value: unknown): SentState | null => {
    const full = hash(JSON.stringify(value));
    const prev = state.get(key);
    if (prev && prev.full === full) return null;
    const stable = hash(JSON.stringify(value, dropVolatile));
    if (prev && prev.stable === stable && opts.now - prev.at < refreshMs) return null;
    return { key, deviceId, stable, full, at: opts.now };
  };

  for (const d of devices) {
    present.add(d.id);
    const next = decide(deviceKey(d.id), d.id, d);
    if (!next) continue;
    const fitted = fitDevice(d);
    if (fitted !== d) out.trimmed++;
    out.changes.push({ message: { type: 'device', v: 1, observedAt: d.lastSeen || new Date(opts.now).toISOString(), device: fitted }, state: next });
    out.devices++;
  }

  const current = new Set<string>();
  for (const f of findings) {
    const key = findingKey(f.id);
    current.add(key);
    const next = decide(key, f.deviceId, f);
    if (!next) continue;
    out.changes.push({ message: { type: 'finding', v: 1, finding: f }, state: next });
    out.findings++;
  }

  for (const s of state.values()) {
    if (!s.key.startsWith('f:') || current.has(s.key) || !present.has(s.deviceId)) continue;
    out.changes.push({
      message: {
        type: 'finding-closed',
        v: 1,
        findingId: s.key.slice(2),
        deviceId: s.deviceId,
        reason: 'no longer produced for this device (its observed attributes or the knowledge base changed)',
      },
      forget: s.key,
    });
    out.closed++;
  }
  return out;
}

/** Mirror committed changes into the in-memory state. */
export function applyChanges(state: Map<string, SentState>, changes: OutboxChange[]): void {
  for (const c of changes) {
    if (c.state) state.set(c.state.key, c.state);
    if (c.forget) state.delete(c.forget);
  }
}

/**
 * A device whose JSON would not fit in one frame keeps its first evidence
 * rows (they are sorted by attribute, so every attribute keeps some) until
 * it fits. Evidence is capped per device by the inventory, so this is rare.
 */
export function fitDevice(d: DeviceRecord): DeviceRecord {
  const limit = MAX_MESSAGE_BYTES - ENVELOPE_BYTES;
  if (Buffer.byteLength(JSON.stringify(d)) <= limit) return d;
  let keep = d.evidence.length;
  let fitted: DeviceRecord = d;
  while (keep > 0) {
    keep = Math.floor(keep / 2);
    fitted = { ...d, evidence: d.evidence.slice(0, keep) };
    if (Buffer.byteLength(JSON.stringify(fitted)) <= limit) return fitted;
  }
  return fitted;
}
