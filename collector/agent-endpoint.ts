/**
 * The /agent WebSocket endpoint: authenticates the upgrade with the bearer
 * token, checks every message against the protocol (a frame holds one, or
 * several one per line: collector/protocol.ts), and stores messages in
 * batches: everything that arrives in one turn of the event loop (up to
 * BATCH_MAX messages) is applied in one SQLite transaction, then each agent
 * in the batch gets one `ack` with its highest contiguously stored seq.
 *
 * Sizes: MAX_MESSAGE_BYTES (1 MiB) is the protocol limit; a larger message
 * is refused with 'too-large' and the connection stays open. `ws` itself
 * closes the connection (code 1009) on a message over its maxPayload, so
 * that is set to WS_HARD_CAP_BYTES (4x the limit): messages between 1 and
 * 4 MiB are refused, beyond 4 MiB the connection is closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from './log.js';
import { MAX_FRAME_MESSAGES, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type CollectorMessage, type HelloMessage } from './protocol.js';
import type { BatchItem, BatchResult, CollectorStore } from './store.js';
import { IngestWorker, type IngestResult } from './ingest.js';
import { ingestFrame, type Ingested } from './validate.js';

/** ws maxPayload: over this ws closes the connection with 1009. */
export const WS_HARD_CAP_BYTES = 4 * MAX_MESSAGE_BYTES;
/** Messages applied in one transaction at most. */
export const BATCH_MAX = 2000;
/** A connection with this many messages waiting for the store stops being read until they are stored. */
const SESSION_HIGH_WATER = 5000;
/** A connection with this many frames on the ingest worker stops being read until some come back. */
const SESSION_FRAMES_HIGH_WATER = 64;
const PING_MS = 30_000;

export interface EndpointHooks {
  /** After a batch commits (and acks went out). */
  stored(result: BatchResult): void;
  /** An agent connected, said hello or disconnected. */
  agentChanged(agentId: string): void;
  /** An agent said hello: the endpoint has welcomed it. */
  helloed(agentId: string, hello: HelloMessage, session: AgentSession): void;
  kbVersion(): string;
}

export class AgentSession {
  helloed = false;
  /** Messages checked and waiting for the store. */
  queued = 0;
  /** Frames on the ingest worker. */
  checking = 0;
  paused = false;
  alive = true;
  readonly remote: string;

  constructor(
    readonly agentId: string,
    readonly ws: WebSocket,
    req: IncomingMessage,
    /** This connection's number (the ingest worker's name for it). */
    readonly no: number,
  ) {
    this.remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
  }

  send(msg: CollectorMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }
}

interface Queued {
  session: AgentSession;
  item: BatchItem;
}

export class AgentEndpoint {
  readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, AgentSession>();
  /** Every open connection by its number (an agent's replaced connection stays here until it closes). */
  private readonly byNo = new Map<number, AgentSession>();
  private sessionNo = 0;
  /** The thread checking frames; null when checked inline. */
  readonly ingest: IngestWorker | null;
  private queue: Queued[] = [];
  private scheduled = false;
  private readonly pinger: NodeJS.Timeout;
  /** Counters for the log and tests. */
  readonly counters = { refusedUpgrades: 0, refusedMessages: 0, applied: 0, duplicates: 0, batches: 0, frames: 0 };

  constructor(
    private readonly store: CollectorStore,
    private readonly hooks: EndpointHooks,
    private readonly log: Logger,
    private readonly collectorVersion: string,
    opts: { ingestWorker?: boolean } = {},
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: WS_HARD_CAP_BYTES, perMessageDeflate: false });
    this.ingest = opts.ingestWorker === false ? null : new IngestWorker((r) => this.onWorkerResult(r), (why) => this.onWorkerFailure(why));
    this.pinger = setInterval(() => this.ping(), PING_MS);
    this.pinger.unref();
  }

  connected(): Set<string> {
    return new Set(this.sessions.keys());
  }

  session(agentId: string): AgentSession | undefined {
    return this.sessions.get(agentId);
  }

  /** Handles an HTTP upgrade on /agent: 401 (JSON reason) unless the bearer token is a live one. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+([A-Za-z0-9_-]{1,512})\s*$/i.exec(header) : null;
    if (!m) {
      return this.refuseUpgrade(socket, remote, null, 'missing-token', 'send Authorization: Bearer TOKEN (the token auscult collector enroll NAME printed)');
    }
    const auth = this.store.authenticate(m[1]!);
    if (!auth.ok) {
      const message = auth.reason === 'revoked' ? 'this agent token was revoked; enroll the agent again under a new name' : 'unknown agent token; check the token file, or enroll the agent';
      return this.refuseUpgrade(socket, remote, auth.agentId, auth.reason, message);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, auth.agentId, req));
  }

  private refuseUpgrade(socket: Duplex, remote: string, agentId: string | null, code: string, message: string): void {
    this.counters.refusedUpgrades++;
    // The token itself is never logged: only who (if known), from where and why.
    this.log('warn', 'agent-refused', { remote, agent: agentId, code });
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `WWW-Authenticate: Bearer realm="auscult-collector"\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  private onConnection(ws: WebSocket, agentId: string, req: IncomingMessage): void {
    const s = new AgentSession(agentId, ws, req, ++this.sessionNo);
    this.byNo.set(s.no, s);
    const old = this.sessions.get(agentId);
    if (old) old.ws.close(4000, 'replaced by a newer connection of the same agent');
    this.sessions.set(agentId, s);
    this.log('info', 'agent-connected', { agent: agentId, remote: s.remote });
    this.hooks.agentChanged(agentId);
    ws.on('pong', () => (s.alive = true));
    ws.on('message', (data, isBinary) => this.onFrame(s, data as Buffer, isBinary));
    ws.on('error', (err) => this.log('warn', 'agent-socket-error', { agent: agentId, remote: s.remote, reason: err.message }));
    ws.on('close', (code) => {
      if (this.sessions.get(agentId) === s) this.sessions.delete(agentId);
      this.byNo.delete(s.no);
      this.ingest?.forget(s.no);
      this.log('info', 'agent-disconnected', { agent: agentId, remote: s.remote, code });
      this.hooks.agentChanged(agentId);
    });
  }

  /** One frame: one message, or (collector/protocol.ts) several, one per line. */
  private onFrame(s: AgentSession, data: Buffer, isBinary: boolean): void {
    this.counters.frames++;
    if (this.ingest?.ok) {
      s.checking++;
      if (s.checking >= SESSION_FRAMES_HIGH_WATER) this.pause(s);
      this.ingest.check(s.no, data, isBinary);
      return;
    }
    this.onIngested(s, ingestFrame(data, isBinary, s));
  }

  /** A frame's messages, checked and prepared (on the ingest worker, or here). */
  private onIngested(s: AgentSession, out: Ingested[]): void {
    for (const r of out) {
      if (r.k === 'refused') {
        this.counters.refusedMessages++;
        this.log('warn', 'message-refused', { agent: s.agentId, code: r.code, seq: r.seq, reason: r.reason.slice(0, 300) });
        s.send({ type: 'refused', v: PROTOCOL_VERSION, seq: r.seq, code: r.code, reason: r.reason });
      } else if (r.k === 'hello') {
        s.helloed = true;
        const ackedSeq = this.store.hello(s.agentId, r.msg);
        s.send({ type: 'welcome', v: PROTOCOL_VERSION, collectorVersion: this.collectorVersion, kbVersion: this.hooks.kbVersion(), ackedSeq, frameMessages: MAX_FRAME_MESSAGES });
        this.hooks.helloed(s.agentId, r.msg, s);
        this.hooks.agentChanged(s.agentId);
      } else this.enqueue(s, { agentId: s.agentId, prepared: r.p });
    }
  }

  private onWorkerResult(r: IngestResult): void {
    const s = this.byNo.get(r.session);
    // A connection closed meanwhile: nothing of it was acknowledged, its agent sends it again.
    if (!s) return;
    s.checking--;
    this.onIngested(s, r.out);
    this.maybeResume(s);
  }

  private onWorkerFailure(why: string): void {
    this.log('error', 'ingest-worker-failed', { reason: why });
    // Frames it had not answered are lost: those agents reconnect and send them again.
    for (const s of this.byNo.values()) {
      if (s.checking > 0) s.ws.close(1011, 'the collector lost messages in flight; send them again');
    }
  }

  private pause(s: AgentSession): void {
    if (s.paused) return;
    s.paused = true;
    s.ws.pause();
  }

  private maybeResume(s: AgentSession): void {
    if (s.paused && s.queued < SESSION_HIGH_WATER / 2 && s.checking < SESSION_FRAMES_HIGH_WATER / 2) {
      s.paused = false;
      s.ws.resume();
    }
  }

  private enqueue(s: AgentSession, item: BatchItem): void {
    this.queue.push({ session: s, item });
    s.queued++;
    if (s.queued >= SESSION_HIGH_WATER) this.pause(s);
    if (this.queue.length >= BATCH_MAX) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Stores what is queued, then acknowledges it. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.length <= BATCH_MAX ? this.queue : this.queue.slice(0, BATCH_MAX);
      this.queue = this.queue.length <= BATCH_MAX ? [] : this.queue.slice(BATCH_MAX);
      for (const q of batch) q.session.queued--;
      let res: BatchResult;
      try {
        res = this.store.applyBatch(batch.map((q) => q.item));
      } catch (err) {
        // Nothing of the batch is stored and nothing is acked: the agents resend.
        this.log('error', 'store-failed', { reason: (err as Error).message, messages: batch.length });
        for (const q of new Set(batch.map((b) => b.session))) q.ws.close(1011, 'the collector could not store the messages; retry later');
        continue;
      }
      this.counters.batches++;
      this.counters.applied += res.applied;
      this.counters.duplicates += res.duplicates;
      for (const [agentId, seq] of res.acks) this.sessions.get(agentId)?.send({ type: 'ack', v: PROTOCOL_VERSION, seq });
      for (const q of batch) this.maybeResume(q.session);
      this.hooks.stored(res);
    }
  }

  /** Sends a message to every connected agent that said hello. */
  broadcast(msg: CollectorMessage): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if (!s.helloed) continue;
      s.send(msg);
      n++;
    }
    return n;
  }

  /** Closes the connections of these agents (revoked while connected). */
  drop(agentIds: Iterable<string>, code: number, reason: string): void {
    for (const id of agentIds) {
      const s = this.sessions.get(id);
      if (!s) continue;
      this.log('warn', 'agent-dropped', { agent: id, reason });
      s.ws.close(code, reason);
    }
  }

  private ping(): void {
    for (const s of this.sessions.values()) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }

  close(): void {
    clearInterval(this.pinger);
    void this.ingest?.stop();
    this.flush();
    for (const s of this.sessions.values()) s.ws.close(1001, 'collector shutting down');
    this.wss.close();
  }
}
