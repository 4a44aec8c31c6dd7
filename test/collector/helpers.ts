/**
 * Shared pieces of the collector tests: a collector on 127.0.0.1 with its
 * database in a temp dir, enrolled agents, and `ws` clients that speak
 * collector/protocol.ts and let a test wait for the next message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { CollectorMessage } from '../../collector/protocol.js';
import { startCollector, type CollectorOptions, type RunningCollector } from '../../collector/server.js';
import type { DeviceRecord } from '../../rules/inventory.js';
import type { Finding } from '../../rules/types.js';

export interface TestCollector {
  c: RunningCollector;
  dir: string;
  db: string;
  logs: Array<Record<string, unknown>>;
  enroll(name: string): string;
  connect(token: string, opts?: WebSocket.ClientOptions): Promise<AgentClient>;
  close(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `auscult-${prefix}-`));
}

export async function testCollector(opts: Partial<CollectorOptions> & { dir?: string } = {}): Promise<TestCollector> {
  const dir = opts.dir ?? tempDir('collector');
  const db = opts.db ?? join(dir, 'collector.sqlite');
  const logs: Array<Record<string, unknown>> = [];
  const c = await startCollector({
    listen: '127.0.0.1:0',
    db,
    pollMs: 60_000,
    log: (level, event, fields) => logs.push({ level, event, ...fields }),
    ...opts,
  });
  return {
    c,
    dir,
    db,
    logs,
    enroll: (name) => c.store.enroll(name).token,
    connect: (token, o) => AgentClient.connect(`wss://127.0.0.1:${c.port}/agent`, token, { ca: c.tls.cert, ...o }),
    async close() {
      await c.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal agent: sends raw frames, collects what the collector answers. */
export class AgentClient {
  readonly received: CollectorMessage[] = [];
  private waiters: Array<{ pred: (m: CollectorMessage) => boolean; resolve: (m: CollectorMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as CollectorMessage;
      this.received.push(m);
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        for (const w of this.waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`connection closed (${code}) while waiting`));
        }
        this.waiters = [];
        resolve(code);
      }),
    );
  }

  static connect(url: string, token: string, opts: WebSocket.ClientOptions): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ...opts, headers: { Authorization: `Bearer ${token}`, ...(opts.headers ?? {}) } });
      const client = new AgentClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
      });
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  /** The next message (from now on, or already received when `past`) matching pred. */
  next<T extends CollectorMessage['type']>(type: T, pred: (m: Extract<CollectorMessage, { type: T }>) => boolean = () => true, ms = 5000): Promise<Extract<CollectorMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const p = (m: CollectorMessage) => m.type === type && pred(m as Extract<CollectorMessage, { type: T }>);
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no '${type}' message within ${ms} ms (got ${this.received.map((r) => r.type).join(',')})`));
      }, ms);
      this.waiters.push({ pred: p, resolve: resolve as (m: CollectorMessage) => void, reject, timer });
    });
  }

  /** Sends hello and waits for the welcome. */
  async hello(agentId = 'test-agent', extra: Record<string, unknown> = {}) {
    const w = this.next('welcome');
    this.send({ type: 'hello', v: 1, agentId, agentVersion: '0.1.0', kbVersion: 'none', lastSeq: 0, hostname: 'test-host', source: 'eth1', ...extra });
    return w;
  }

  /** Sends a message and waits for an ack at or above `ackAtLeast` (default: its seq). */
  async sendAcked(msg: { seq: number } & Record<string, unknown>, ackAtLeast = msg.seq) {
    const a = this.next('ack', (m) => m.seq >= ackAtLeast);
    this.send(msg);
    return a;
  }

  close(): Promise<number> {
    this.ws.close();
    return this.closed;
  }
}

/** The HTTP status and JSON body of a refused upgrade. */
export async function refusedUpgrade(t: TestCollector, token: string | null): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  try {
    await AgentClient.connect(`wss://127.0.0.1:${t.c.port}/agent`, token ?? '', { ca: t.c.tls.cert, headers: token === null ? { Authorization: '' } : {} });
  } catch (err) {
    const e = err as { status?: number; body?: string };
    if (e.status) return { status: e.status, body: JSON.parse(e.body ?? '{}') };
    throw err;
  }
  throw new Error('the upgrade was accepted');
}

export function device(id: string, o: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    id,
    identity: null,
    ip: id.startsWith('ip:') ? id.slice(3) : '10.0.0.9',
    mac: null,
    macVendor: null,
    macLocallyAdministered: null,
    ips: [],
    manufacturer: null,
    model: null,
    softwareVersions: [],
    serialNumber: null,
    deviceClass: null,
    roles: [],
    dicom: null,
    hl7: null,
    dhcp: null,
    peers: [],
    gateways: [],
    firstSeen: '2024-05-01T10:00:00.000Z',
    lastSeen: '2024-05-01T10:00:00.000Z',
    evidence: [],
    ...o,
  };
}

export function evidence(attribute: string, value: string, o: Partial<DeviceRecord['evidence'][number]> = {}): DeviceRecord['evidence'][number] {
  return {
    attribute,
    value,
    protocol: 'dicom',
    field: '(0008,0070) Manufacturer',
    flow: 'f1',
    firstSeen: '2024-05-01T10:00:00.000Z',
    lastSeen: '2024-05-01T10:00:00.000Z',
    count: 1,
    confidence: 'high',
    ...o,
  };
}

export function deviceMsg(seq: number, d: DeviceRecord, observedAt = d.lastSeen) {
  return { type: 'device', v: 1, seq, observedAt, device: d };
}

export function finding(id: string, deviceId: string, o: Partial<Finding> = {}): Finding {
  return {
    id,
    deviceId,
    kind: 'advisory',
    advisoryIds: ['ICSMA-00-000-00'],
    cves: ['CVE-2020-0001'],
    title: 'test finding',
    cvss: { baseScore: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1' },
    severity: 'critical',
    kev: null,
    status: 'affected',
    remediations: [],
    explanation: { summary: 'test', matched: [], product: null, versionCheck: null },
    ...o,
  };
}

export function findingMsg(seq: number, f: Finding) {
  return { type: 'finding', v: 1, seq, finding: f };
}

export function statsMsg(seq: number) {
  return {
    type: 'stats',
    v: 1,
    seq,
    at: new Date().toISOString(),
    stats: { packets: 10, bytes: 1000, pcapDropped: 0, pcapIfDropped: 0, flows: 1, devices: 1, findings: 0, capHits: 0, malformed: 0, gaps: 0, outboxDepth: 0, uptimeSeconds: 5 },
  };
}
