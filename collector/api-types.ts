/**
 * The collector's HTTP JSON API (served under /api/ on the collector's
 * listen address, beside the wss endpoint and the dashboard). Device objects
 * are in the inventory JSON shape (rules/inventory.ts) plus collector fields.
 *
 *   GET /api/devices?q=&vendor=&class=&agent=&vulnerable=true|false
 *       → { devices: CollectorDevice[] }
 *   GET /api/devices/:id          → DeviceDetail (404 { error } when unknown)
 *   GET /api/findings?severity=critical,high&kev=true&status=affected&open=true
 *       → { findings: CollectorFinding[] }   (riskiest first)
 *   GET /api/agents               → { agents: AgentInfo[] }
 *   GET /api/export/devices.csv   → text/csv, one row per device
 *   GET /api/export/cyclonedx.json → CycloneDX 1.6 inventory of devices
 *   GET /api/stream               → text/event-stream (SSE): events
 *       'device' (CollectorDevice), 'finding' (CollectorFinding),
 *       'agent' (AgentInfo), 'kb' ({ kbVersion })
 *   GET /                         → the dashboard (static files)
 *
 * Errors: JSON { error: { code, message } } with a 4xx/5xx status.
 */
import type { DeviceRecord } from '../rules/inventory.js';
import type { Finding } from '../rules/types.js';

export interface CollectorDevice extends DeviceRecord {
  /** Agents that reported this device (ids). */
  agents: string[];
  openFindings: number;
  /** Highest severity among open findings, or null. */
  maxSeverity: string | null;
  kev: boolean;
  /** When the collector first/last stored an update (ISO). */
  storedFirst: string;
  storedLast: string;
}

export interface VersionChange {
  at: string;
  agentId: string;
  from: string[];
  to: string[];
  /** 'patched' (newer), 'downgraded' (older), 'changed' (not comparable). */
  change: 'patched' | 'downgraded' | 'changed';
}

export interface DeviceDetail {
  device: CollectorDevice;
  findings: CollectorFinding[];
  history: VersionChange[];
  /** Peer devices (summaries of the device ids in device.peers that the collector knows). */
  peers: Array<Pick<CollectorDevice, 'id' | 'ip' | 'deviceClass' | 'manufacturer' | 'model'>>;
}

export interface CollectorFinding extends Finding {
  /** Agent that reported it, or 'collector' for findings from re-correlation. */
  source: string;
  firstSeen: string;
  lastSeen: string;
  /** Set when the finding no longer holds (patched, KB changed, agent closed it). */
  closedAt: string | null;
  closedReason: string | null;
}

export interface AgentInfo {
  id: string;
  name: string;
  connected: boolean;
  lastSeen: string | null;
  version: string | null;
  kbVersion: string | null;
  source: string | null;
  /** Latest stats message (protocol.ts AgentStats). */
  stats: Record<string, number> | null;
  revoked: boolean;
}
