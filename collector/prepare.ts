/**
 * An agent message turned into what the store writes: the columns, the JSON
 * as sent, and the evidence fingerprint that tells whether the agent's
 * evidence rows changed. Pure, so it can run on the ingest worker
 * (collector/ingest-worker.ts) beside JSON parsing and the schema check,
 * and the thread that owns the database only runs SQL; the result is made
 * of strings and numbers, cheap to pass between threads.
 */
import type { DeviceRecord, Evidence } from '../rules/inventory.js';
import type { Finding } from '../rules/types.js';
import { memberText } from './json-member.js';
import { evidenceKey, searchText, severityRank, vendorText } from './merge.js';
import type { SeqMessage } from './store.js';

export interface PreparedDevice {
  type: 'device';
  seq: number;
  observedAt: string;
  id: string;
  /** The DeviceRecord as the agent sent it. */
  json: string;
  /** evidenceText of its evidence. */
  evidence: string;
  /** JSON of softwareVersions. */
  versions: string;
  vendor: string;
  deviceClass: string | null;
  search: string;
}

export interface PreparedFinding {
  type: 'finding';
  seq: number;
  id: string;
  deviceId: string;
  json: string;
  kind: string;
  status: string;
  severity: string;
  rank: number;
  score: number | null;
  kev: 0 | 1;
}

export interface PreparedClosed {
  type: 'finding-closed';
  seq: number;
  findingId: string;
  deviceId: string;
  reason: string;
}

export interface PreparedStats {
  type: 'stats';
  seq: number;
  json: string;
}

export type Prepared = PreparedDevice | PreparedFinding | PreparedClosed | PreparedStats;

/** What an evidence row holds besides its key: when this changes, the row is rewritten. */
export function evState(e: Evidence): string {
  return `${e.flow}\u0000${e.firstSeen}\u0000${e.confidence}`;
}

/**
 * The device_agents.evidence_keys text of a report: `key \u0002 state \u0001`
 * per evidence row. Version 1 stored `key \u0001` per row; read back, such a
 * row has no state, so it counts as changed and is rewritten once.
 */
export function evidenceText(evidence: Evidence[]): string {
  let text = '';
  for (const e of evidence) text += `${evidenceKey(e)}\u0002${evState(e)}\u0001`;
  return text;
}

/** The columns of a device as the store writes them (also for a merged view). */
export function deviceColumns(d: DeviceRecord): Pick<PreparedDevice, 'versions' | 'vendor' | 'deviceClass' | 'search'> {
  return { versions: JSON.stringify(d.softwareVersions ?? []), vendor: vendorText(d), deviceClass: d.deviceClass ?? d.identity?.deviceClass ?? null, search: searchText(d) };
}

/** A finding's columns; `json` as sent when known. */
export function prepareFinding(seq: number, f: Finding, json: string | null = null): PreparedFinding {
  return {
    type: 'finding', seq, id: f.id, deviceId: f.deviceId, json: json ?? JSON.stringify(f), kind: f.kind, status: f.status, severity: f.severity,
    rank: severityRank(f.severity), score: f.cvss?.baseScore ?? null, kev: f.kev ? 1 : 0,
  };
}

/**
 * Prepares a checked message. `text` is the message's JSON as received:
 * its device or finding is then kept as sent (collector/json-member.ts)
 * instead of being serialised again.
 */
export function prepare(msg: SeqMessage, text?: string): Prepared {
  const sent = (key: string): string | null => (text === undefined ? null : memberText(text, key));
  switch (msg.type) {
    case 'device': {
      const d = msg.device;
      const json = sent('device') ?? JSON.stringify(d);
      return { type: 'device', seq: msg.seq, observedAt: msg.observedAt, id: d.id, json, evidence: evidenceText(d.evidence), ...deviceColumns(d) };
    }
    case 'finding':
      return prepareFinding(msg.seq, msg.finding, sent('finding'));
    case 'finding-closed':
      return { type: 'finding-closed', seq: msg.seq, findingId: msg.findingId, deviceId: msg.deviceId, reason: msg.reason };
    case 'stats':
      return { type: 'stats', seq: msg.seq, json: sent('stats') ?? JSON.stringify(msg.stats) };
  }
}
