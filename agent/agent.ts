/**
 * `auscult agent`: the passive pipeline run continuously, its inventory and
 * findings streamed to the collector through the durable outbox.
 *
 *   Capture (worker) ─► Pipeline.packet ─► Inventory
 *        every ~1 s: report + identity/findings ─► diff against what was
 *        last enqueued ─► Outbox (SQLite) ─► UplinkClient (wss) ─► collector
 *
 * Snapshot cost: a snapshot rebuilds the whole report and re-runs
 * correlation, O(devices). It is skipped when no packet arrived and nothing
 * else changed, and the next one is scheduled at least 9× its own duration
 * later, so snapshots never take more than ~10% of the main thread whatever
 * the inventory size (100 000 devices, ~2 s per snapshot → one every ~18 s).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ActiveChecks, type ActiveConfig, type Candidate } from './active/active-checks.js';
import { deviceCandidates } from './active/device-classes.js';
import { probeObservations } from './active/evidence.js';
import type { ProbeResult } from './active/probe.js';
import { Capture } from './capture/capture.js';
import { AuscultError } from './errors.js';
import { enrichReport } from './inventory/enrich.js';
import { loadKnowledgeBaseFile } from './kb/load-kb.js';
import { KbStore } from './kb/store.js';
import { Pipeline } from './pipeline.js';
import type { AgentStats, KbUpdateMessage } from '../collector/protocol.js';
import type { KnowledgeBase } from '../rules/types.js';
import { UplinkClient } from './uplink/client.js';
import type { BackoffOptions } from './uplink/backoff.js';
import { Outbox, type SentState } from './uplink/outbox.js';
import { applyChanges, diffSnapshot } from './uplink/snapshot-diff.js';

/** After SIGINT/SIGTERM: how long acks for what is in flight are awaited before closing. */
const STOP_DRAIN_MS = 250;

export interface AgentOptions {
  /** Live interface (exactly one of iface / file). */
  iface?: string;
  /** Capture file replayed through the same path. */
  file?: string;
  filter?: string;
  snaplen?: number;
  bufferMb?: number;
  promisc?: boolean;
  /** wss://HOST:PORT */
  collector: string;
  tokenFile: string;
  /** PEM file trusted for the collector (its own certificate, or a CA). */
  ca?: string;
  /** Knowledge base; collector kb-updates are imported into it. Default: OUTBOX.kb.sqlite, used only once the collector sends documents. */
  kb?: string;
  outbox: string;
  outboxMaxRows?: number;
  statsIntervalS?: number;
  agentId?: string;
  /** Base snapshot interval, ms. Default 1000. */
  snapshotIntervalMs?: number;
  /** Resend a device whose only changes are last-seen times and counts after this long. Default 5 min. */
  refreshMs?: number;
  /** With --read: how long to wait for the collector to acknowledge everything at the end. Default 30 s. */
  drainTimeoutMs?: number;
  backoff?: BackoffOptions;
  log?: (line: string) => void;
  /**
   * Active checks (issue 6), off unless given: the devices of the passive
   * inventory inside `allow` are probed on the schedule, the results fed
   * back into the inventory as 'active' evidence. Without this, nothing
   * active is constructed and the agent transmits nothing on the monitored
   * network.
   */
  active?: Omit<ActiveConfig, 'via' | 'log'> & {
    /** Wait before the first run so the passive inventory fills (default 300 s). */
    startDelayMs?: number;
  };
}

/** Reads the token: trimmed, non-empty, else AUSCULT_ERR_TOKEN_FILE. */
export function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AuscultError('AUSCULT_ERR_TOKEN_FILE', code === 'ENOENT' ? `${file}: no such token file` : `${file}: ${(err as Error).message}`, { cause: err });
  }
  const token = text.trim();
  if (!token) throw new AuscultError('AUSCULT_ERR_TOKEN_FILE', `${file} is empty: it must hold the agent token`);
  if (/\s/.test(token)) throw new AuscultError('AUSCULT_ERR_TOKEN_FILE', `${file} holds more than one word: it must hold only the agent token`);
  return token;
}

function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AuscultError('AUSCULT_ERR_CA_FILE', `${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new AuscultError('AUSCULT_ERR_CA_FILE', `${file} holds no PEM certificate`);
  return pem;
}

function agentVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    if (pkg.version) return pkg.version;
  } catch {
    // dist/ has package.json one level further up
  }
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export class Agent {
  private readonly opts: AgentOptions;
  private readonly log: (line: string) => void;
  private readonly outbox: Outbox;
  private readonly client: UplinkClient;
  private readonly state: Map<string, SentState>;
  private readonly pipeline = new Pipeline();
  private readonly kbFile: string;
  private kb: KnowledgeBase | null = null;
  private kbVersion = 'none';
  private capture: Capture | null = null;
  private stopRequested = false;
  private wakeOnStop: (() => void) | null = null;
  private readonly startedAt = Date.now();
  private packetsSeen = 0;
  private packetsAtSnapshot = -1;
  private snapshotDirty = true;
  private lastSnapshotMs = 0;
  private lastDevices = 0;
  private lastFindings = 0;
  private snapshotTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private readonly source: string;
  /** Null unless opts.active: then the session, and its scheduled loop once running. */
  private active: ActiveChecks | null = null;
  private activeLoop: Promise<void> | null = null;
  /** With active checks: every address of the last snapshot's devices, with the class that caps its profile. */
  private activeCandidates: Candidate[] = [];

  private constructor(opts: AgentOptions, outbox: Outbox, caPem: string | undefined) {
    this.opts = opts;
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.outbox = outbox;
    this.state = outbox.loadState();
    this.source = opts.iface ?? opts.file ?? '';
    this.kbFile = opts.kb ?? `${opts.outbox}.kb.sqlite`;
    if (opts.kb || existsSync(this.kbFile)) this.loadKb();
    const agentId = opts.agentId ?? hostname();
    this.client = new UplinkClient({
      url: opts.collector,
      token: () => readToken(opts.tokenFile),
      ca: caPem,
      outbox,
      hello: () => ({ type: 'hello', v: 1, agentId, agentVersion: agentVersion(), kbVersion: this.kbVersion, hostname: hostname(), source: this.source }),
      backoff: opts.backoff,
      log: this.log,
      onKbUpdate: (msg) => this.importKbUpdate(msg),
      fillerStats: () => ({ type: 'stats', v: 1, at: new Date().toISOString(), stats: this.currentStats() }),
    });
    if (opts.active) this.active = ActiveChecks.create({ ...opts.active, via: 'agent', auditOutOfScope: false, log: this.log });
  }

  /** Checks every argument and opens the outbox; throws AuscultError on what a user must fix. */
  static create(opts: AgentOptions): Agent {
    if ((opts.iface === undefined) === (opts.file === undefined)) {
      throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', 'give --interface IF or --read FILE (one of them)');
    }
    if (!/^wss:\/\/[^/]+/i.test(opts.collector)) {
      throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', `--collector must be wss://HOST:PORT (got ${opts.collector}); the agent only talks TLS`);
    }
    readToken(opts.tokenFile); // fail now on a missing or empty token file
    const caPem = opts.ca ? readCa(opts.ca) : undefined;
    if (opts.kb && !existsSync(opts.kb)) loadKnowledgeBaseFile(opts.kb); // throws AUSCULT_ERR_KB_MISSING
    const outbox = Outbox.open(opts.outbox, { maxRows: opts.outboxMaxRows });
    try {
      return new Agent(opts, outbox, caPem);
    } catch (err) {
      outbox.close();
      throw err;
    }
  }

  private loadKb(): void {
    this.kb = loadKnowledgeBaseFile(this.kbFile);
    const store = KbStore.open(this.kbFile);
    try {
      this.kbVersion = store.version();
    } finally {
      store.close();
    }
  }

  /**
   * Runs until the file ends (then waits for the collector to acknowledge
   * everything, up to drainTimeoutMs) or stop(). Returns the exit code.
   */
  async run(): Promise<number> {
    this.client.start();
    let exitCode = 0;
    try {
      this.capture = await Capture.open({
        file: this.opts.file,
        iface: this.opts.iface,
        filter: this.opts.filter,
        snapLength: this.opts.snaplen,
        bufferSize: this.opts.bufferMb !== undefined ? this.opts.bufferMb * 1024 * 1024 : undefined,
        promiscuous: this.opts.promisc,
      });
    } catch (err) {
      await this.shutdown(false);
      throw err;
    }
    for (const w of this.capture.warnings) this.log(`auscult agent: libpcap: ${w}`);
    if (this.stopRequested) void this.capture.stop();
    this.log(`auscult agent: capturing ${this.opts.iface ? `on ${this.opts.iface}` : `from ${this.opts.file}`} (${this.capture.linkTypeName}), sending to ${this.opts.collector}; outbox ${this.opts.outbox} holds ${this.outbox.depth}`);
    this.scheduleSnapshot(this.opts.snapshotIntervalMs ?? 1000);
    if (this.active) this.activeLoop = this.runActive(this.active);
    const statsMs = Math.max(1, this.opts.statsIntervalS ?? 10) * 1000;
    this.statsTimer = setInterval(() => this.emitStats(), statsMs);

    const linkType = this.capture.linkType;
    try {
      for await (const batch of this.capture.batches()) {
        batch.forEachAt((buf, start, end, ts, origLen) => this.pipeline.packetAt(linkType, buf, start, end, ts, origLen));
        this.packetsSeen += batch.count;
        // Queued batches resolve as microtasks: let timers and the socket run between them.
        await yieldToLoop();
      }
    } catch (err) {
      if (!(err instanceof AuscultError)) throw err;
      this.log(err.format());
      exitCode = err.exitCode;
    }
    await this.shutdown(!this.stopRequested);
    return exitCode;
  }

  /** SIGINT/SIGTERM: stop capturing; run() then flushes and returns. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.active?.stop();
    void this.capture?.stop();
    this.wakeOnStop?.();
  }

  private async shutdown(endOfFile: boolean): Promise<void> {
    if (this.active) {
      // A running probe is killed and still audited; its result, if any, makes the last snapshot.
      this.active.stop();
      await this.activeLoop;
      this.active.close();
    }
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    try {
      if (this.capture) {
        // Flush every flow so associations cut by the end of capture still count.
        this.pipeline.finish();
        this.snapshotDirty = true;
        this.snapshot();
        this.emitStats();
        // After a file: wait for every ack (up to drainTimeoutMs) unless a signal cuts it short.
        // After a signal: a quarter second for what is already in flight.
        const waitMs = endOfFile && !this.stopRequested ? (this.opts.drainTimeoutMs ?? 30_000) : STOP_DRAIN_MS;
        const stopped = new Promise<void>((resolve) => (this.wakeOnStop = () => setTimeout(resolve, STOP_DRAIN_MS)));
        const drained = await Promise.race([this.client.drain(waitMs), stopped.then(() => this.outbox.depth === 0)]);
        if (!drained) this.log(`auscult agent: ${this.outbox.depth} messages stay in the outbox ${this.opts.outbox}; they are sent on the next start`);
      }
    } finally {
      await this.client.stop();
      this.outbox.close();
    }
  }

  private scheduleSnapshot(delayMs: number): void {
    this.snapshotTimer = setTimeout(() => {
      const started = performance.now();
      try {
        this.snapshot();
      } catch (err) {
        this.log(`auscult agent: snapshot failed: ${(err as Error).message}`);
      }
      const cost = performance.now() - started;
      // Duty cycle at most ~10%: the next snapshot waits at least 9× this one's cost.
      this.scheduleSnapshot(Math.max(this.opts.snapshotIntervalMs ?? 1000, 9 * cost));
    }, delayMs);
  }

  /** Report + identity/findings, diffed against what was last enqueued; changes go to the outbox in one transaction. */
  private snapshot(): void {
    if (!this.snapshotDirty && this.packetsSeen === this.packetsAtSnapshot) return;
    const started = performance.now();
    this.packetsAtSnapshot = this.packetsSeen;
    this.snapshotDirty = false;
    const report = enrichReport({ devices: this.pipeline.inventory.report(), findings: [], stats: { packets: 0, bytes: 0, flows: 0, malformed: 0, gaps: 0, capHits: 0 } }, { kb: this.kb });
    const diff = diffSnapshot(report.devices, report.findings, this.state, { now: Date.now(), refreshMs: this.opts.refreshMs });
    this.lastDevices = report.devices.length;
    this.lastFindings = report.findings.length;
    if (this.active) this.activeCandidates = deviceCandidates(report.devices, this.active.lifeCriticalClasses);
    if (diff.changes.length > 0) {
      this.outbox.commit(diff.changes);
      applyChanges(this.state, diff.changes);
      this.client.notify();
    }
    if (diff.trimmed > 0) this.log(`auscult agent: ${diff.trimmed} devices had their evidence cut to fit a message`);
    this.lastSnapshotMs = performance.now() - started;
  }

  private currentStats(): AgentStats & Record<string, number> {
    const s = this.pipeline.stats();
    const pcap = this.capture?.stats;
    const c = this.outbox.counters;
    return {
      packets: s.packets,
      bytes: s.bytes,
      pcapDropped: pcap?.dropped ?? 0,
      pcapIfDropped: pcap?.ifDropped ?? 0,
      flows: s.flows,
      devices: this.lastDevices,
      findings: this.lastFindings,
      capHits: s.capHits,
      malformed: s.malformed,
      gaps: s.gaps,
      outboxDepth: this.outbox.depth,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      // Extra counters (the stats schema allows extra non-negative numbers).
      outboxCompactions: c.compactions,
      outboxStatsDropped: c.statsDropped,
      outboxOverCap: c.overCap,
      outboxRefusedDropped: c.refusedDropped,
      uplinkConnects: this.client.counters.connects,
      uplinkUnauthorized: this.client.counters.unauthorized,
      snapshotMs: Math.round(this.lastSnapshotMs),
    };
  }

  private emitStats(): void {
    const stats = this.currentStats();
    this.log(
      'auscult agent stats: ' +
        Object.entries(stats)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
    );
    try {
      this.outbox.enqueue({ type: 'stats', v: 1, at: new Date().toISOString(), stats });
      this.client.notify();
    } catch (err) {
      this.log(`auscult agent: ${(err as Error).message}`);
    }
  }

  /**
   * Active checks on their schedule: after the start delay, each run takes
   * the devices of the latest snapshot (their classes cap the profile); the
   * policy keeps only those inside --active-allow. Errors are logged, never
   * fatal to the passive agent.
   */
  private async runActive(active: ActiveChecks): Promise<void> {
    const candidates = (): Candidate[] => this.activeCandidates;
    try {
      this.log(`auscult agent: active checks on (session ${active.session}, profile ${active.profile}, allow ${active.policy.allow.map((c) => c.text).join(',')}, audit ${active.auditPath})`);
      await active.sleep(this.opts.active?.startDelayMs ?? 300_000);
      await active.runScheduled(
        candidates,
        (r) => this.recordProbe(r),
        (s) => this.log(`auscult agent: active run: ${s.results.length} probed, ${s.refused} outside the policy, ${s.notStarted} not started`),
      );
    } catch (err) {
      this.log(`auscult agent: active checks stopped: ${err instanceof AuscultError ? err.format() : (err as Error).message}`);
    }
  }

  /** A probe's findings become inventory evidence (protocol 'active'), sent with the next snapshot. */
  private recordProbe(r: ProbeResult): void {
    const ts = Date.parse(r.finishedAt) / 1000;
    for (const o of probeObservations(r)) {
      this.pipeline.inventory.observe(r.target, null, o.attribute, o.value, { protocol: 'active', field: o.field, flow: `active:${r.session}:${r.target}`, ts, confidence: o.confidence });
    }
    this.snapshotDirty = true;
  }

  /** kb-update: import the documents into the agent's KB file, reload it, re-correlate at the next snapshot. */
  private importKbUpdate(msg: KbUpdateMessage): void {
    const dir = mkdtempSync(join(tmpdir(), 'auscult-kb-update-'));
    let imported = 0;
    let failed = 0;
    try {
      const store = KbStore.open(this.kbFile);
      try {
        msg.documents.forEach((doc, i) => {
          const sha = createHash('sha256').update(doc.json).digest('hex');
          if (sha !== doc.sha256) {
            failed++;
            this.log(`auscult agent: kb-update ${doc.name}: sha256 does not match its content; skipped`);
            return;
          }
          // The file name is only a label: keep it harmless.
          const file = join(dir, `${i}-${basename(doc.name).replace(/[^A-Za-z0-9._-]/g, '_')}`);
          writeFileSync(file, doc.json);
          try {
            const r = store.importFile(file);
            if (r.status === 'imported' || r.status === 'replaced') imported++;
          } catch (err) {
            failed++;
            this.log(`auscult agent: kb-update ${doc.name}: ${(err as Error).message}`);
          }
        });
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    this.loadKb();
    this.snapshotDirty = true;
    this.log(`auscult agent: knowledge base ${this.kbVersion} (collector ${msg.kbVersion}): ${imported} documents imported, ${failed} failed`);
  }
}
