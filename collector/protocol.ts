/**
 * The agent ↔ collector protocol: versioned JSON messages over WebSocket
 * (wss), one JSON object per text frame. Shared by both sides (the agent
 * imports this file; the collector never imports agent code).
 *
 * Frames of several messages: a collector whose welcome carries
 * `frameMessages: N` also reads text frames of up to N agent messages, one
 * JSON object per line (separated by "\n", which JSON text never holds
 * unescaped); agents keep such a frame within MAX_MESSAGE_BYTES (the
 * collector checks each line against it, and closes a connection whose
 * frame passes 4x that). Each line is checked, stored,
 * acknowledged or refused on its own, exactly as if it had come alone; the
 * frame only saves the per-frame cost of WebSocket, TLS and the event loop
 * on both sides. An agent that never saw the field sends one message per
 * frame, and older agents keep working unchanged.
 *
 * Delivery: every agent message that changes state carries `seq`, a per-agent
 * sequence number that only grows (it survives agent restarts: the durable
 * outbox stores it). The collector stores the message and answers `ack` with
 * the highest seq it has stored contiguously; the agent deletes acknowledged
 * rows from its outbox and resends the rest after a reconnect. Applying a
 * message twice changes nothing (upserts keyed by device id / finding id).
 *
 * Authentication: the agent sends `Authorization: Bearer <token>` on the
 * WebSocket upgrade; `auscult collector enroll NAME` issues the token and the
 * collector stores only its hash. Unknown or revoked tokens get HTTP 401 on
 * the upgrade.
 */
import type { DeviceRecord } from '../rules/inventory.js';
import type { Finding } from '../rules/types.js';

/** Bumped on any incompatible change; both sides refuse other versions with a reason. */
export const PROTOCOL_VERSION = 1;

/** Largest message either side accepts (bytes of one message, and of one frame). Over it: refused, connection kept. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Agent messages one frame may carry at most (WelcomeMessage.frameMessages of this collector). */
export const MAX_FRAME_MESSAGES = 256;

/** Agent → collector, first message after connecting. */
export interface HelloMessage {
  type: 'hello';
  v: 1;
  agentId: string;
  agentVersion: string;
  /** Knowledge-base version the agent correlates with ('none' without one). */
  kbVersion: string;
  /** Highest seq the agent has ever assigned (so the collector knows what to expect). */
  lastSeq: number;
  hostname: string;
  /** Interface or file being captured. */
  source: string;
}

/** Agent → collector: the full current state of one device (upsert by device.id). */
export interface DeviceMessage {
  type: 'device';
  v: 1;
  seq: number;
  /** Capture time of the observation that caused this update (ISO 8601). */
  observedAt: string;
  device: DeviceRecord;
}

/** Agent → collector: a finding opened or changed (upsert by finding.id). */
export interface FindingMessage {
  type: 'finding';
  v: 1;
  seq: number;
  finding: Finding;
}

/** Agent → collector: a finding the agent no longer sees (e.g. the device was patched). */
export interface FindingClosedMessage {
  type: 'finding-closed';
  v: 1;
  seq: number;
  findingId: string;
  deviceId: string;
  reason: string;
}

/** Agent → collector, every N seconds. */
export interface StatsMessage {
  type: 'stats';
  v: 1;
  seq: number;
  at: string;
  stats: AgentStats;
}

export interface AgentStats {
  packets: number;
  bytes: number;
  /** libpcap pcap_stats: dropped by the kernel buffer / by the interface. */
  pcapDropped: number;
  pcapIfDropped: number;
  flows: number;
  devices: number;
  findings: number;
  capHits: number;
  malformed: number;
  gaps: number;
  /** Messages waiting in the durable outbox. */
  outboxDepth: number;
  uptimeSeconds: number;
}

export type AgentMessage = HelloMessage | DeviceMessage | FindingMessage | FindingClosedMessage | StatsMessage;

/** Collector → agent, answer to hello. */
export interface WelcomeMessage {
  type: 'welcome';
  v: 1;
  collectorVersion: string;
  kbVersion: string;
  /** Highest seq of this agent already stored: the agent may drop anything at or below it. */
  ackedSeq: number;
  /** Messages the agent may put in one frame, one per line (absent: one per frame). */
  frameMessages?: number;
}

/** Collector → agent: everything with seq <= this is stored. */
export interface AckMessage {
  type: 'ack';
  v: 1;
  seq: number;
}

/** Collector → agent: one message was refused; the connection stays open. */
export interface RefusedMessage {
  type: 'refused';
  v: 1;
  /** The seq of the refused message, when it had a readable one. */
  seq: number | null;
  /** Stable reason code: 'invalid-json', 'unknown-type', 'schema', 'too-large', 'version', 'not-hello'. */
  code: string;
  reason: string;
}

/**
 * Collector → agent: new knowledge-base documents (CSAF, SBOM, VEX, KEV) to
 * import, so agents correlate with what the collector knows.
 */
export interface KbUpdateMessage {
  type: 'kb-update';
  v: 1;
  kbVersion: string;
  documents: Array<{ name: string; sha256: string; json: string }>;
}

export type CollectorMessage = WelcomeMessage | AckMessage | RefusedMessage | KbUpdateMessage;
