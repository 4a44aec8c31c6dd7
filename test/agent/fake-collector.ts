/**
 * A small collector for agent tests: a real `ws` server over TLS (a
 * certificate made with openssl) that speaks collector/protocol.ts: 401 on a
 * wrong Bearer token, welcome after hello, ack per message (or not), refusals
 * on request, and a record of every message received.
 *
 * Run directly (`node --import tsx test/agent/fake-collector.ts PORT DIR`) it
 * serves on 127.0.0.1:PORT with DIR/cert.pem, DIR/key.pem, DIR/token and
 * appends every message to DIR/messages.jsonl (the live test runs it inside a
 * network namespace that way).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AgentMessage, CollectorMessage } from '../../collector/protocol.js';

/** Self-signed P-256 certificate for 127.0.0.1 / localhost, via Debian's openssl. */
export function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
      '-subj', '/CN=auscult test collector', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export interface FakeCollectorOptions {
  cert: string;
  key: string;
  token: string;
  /** Ack each stored message (default true). */
  autoAck?: boolean;
  /** Never ack beyond this seq (messages above it are stored, not acknowledged). */
  ackLimit?: number;
  /** Refuse a message with this code (returns null to accept). */
  refuse?: (msg: AgentMessage) => string | null;
  /** Called for every message (after storing). */
  onMessage?: (msg: AgentMessage) => void;
  /** Offer frames of this many messages, one per line, in the welcome (default: not offered). */
  frameMessages?: number;
}

export class FakeCollector {
  readonly received: AgentMessage[] = [];
  readonly hellos: AgentMessage[] = [];
  /** seq → message, every seq stored once (duplicates are counted). */
  readonly stored = new Map<number, AgentMessage>();
  /** seqs received again after they were acknowledged. */
  readonly duplicatesAfterAck: number[] = [];
  readonly upgrades: Array<{ at: number; status: number }> = [];
  /** Messages in each frame received after the hello, and the frame's bytes. */
  readonly frames: Array<{ messages: number; bytes: number }> = [];
  ackedSeq = 0;
  token: string;
  autoAck: boolean;
  ackLimit: number;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly opts: FakeCollectorOptions;
  port = 0;

  constructor(opts: FakeCollectorOptions) {
    this.opts = opts;
    this.token = opts.token;
    this.autoAck = opts.autoAck ?? true;
    this.ackLimit = opts.ackLimit ?? Number.MAX_SAFE_INTEGER;
    this.server = createServer({ cert: readFileSync(opts.cert), key: readFileSync(opts.key) });
    this.wss = new WebSocketServer({
      server: this.server,
      maxPayload: 1024 * 1024,
      verifyClient: (info, cb) => {
        const ok = info.req.headers.authorization === `Bearer ${this.token}`;
        this.upgrades.push({ at: Date.now(), status: ok ? 101 : 401 });
        if (ok) cb(true);
        else cb(false, 401, 'Unauthorized');
      },
    });
    this.wss.on('connection', (ws) => this.onConnection(ws));
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  get url(): string {
    return `wss://127.0.0.1:${this.port}`;
  }

  get clients(): Set<WebSocket> {
    return this.wss.clients;
  }

  private send(ws: WebSocket, msg: CollectorMessage): void {
    ws.send(JSON.stringify(msg));
  }

  private onConnection(ws: WebSocket): void {
    let helloSeen = false;
    ws.on('message', (data) => {
      const lines = data.toString().split('\n');
      if (helloSeen) this.frames.push({ messages: lines.length, bytes: (data as Buffer).length });
      for (const line of lines) onMessage(line);
    });
    const onMessage = (text: string) => {
      const msg = JSON.parse(text) as AgentMessage;
      if (!helloSeen) {
        if (msg.type !== 'hello') {
          this.send(ws, { type: 'refused', v: 1, seq: null, code: 'not-hello', reason: 'hello first' });
          return;
        }
        helloSeen = true;
        this.hellos.push(msg);
        const offer = this.opts.frameMessages ? { frameMessages: this.opts.frameMessages } : {};
        this.send(ws, { type: 'welcome', v: 1, collectorVersion: 'test', kbVersion: 'none', ackedSeq: this.ackedSeq, ...offer });
        return;
      }
      this.received.push(msg);
      if (!('seq' in msg)) return;
      const code = this.opts.refuse?.(msg) ?? null;
      if (code) {
        this.send(ws, { type: 'refused', v: 1, seq: msg.seq, code, reason: `test refuses ${msg.type}` });
        return;
      }
      if (msg.seq <= this.ackedSeq && this.stored.has(msg.seq)) this.duplicatesAfterAck.push(msg.seq);
      this.stored.set(msg.seq, msg);
      this.opts.onMessage?.(msg);
      if (this.autoAck && msg.seq <= this.ackLimit) this.ack(ws, msg.seq);
    };
  }

  /** Acknowledge up to `seq` on `ws`. */
  ack(ws: WebSocket, seq: number): void {
    if (seq > this.ackedSeq) this.ackedSeq = seq;
    this.send(ws, { type: 'ack', v: 1, seq });
  }

  /** Cut every connection (abruptly, as a network failure would). */
  dropAll(): void {
    for (const c of this.wss.clients) c.terminate();
  }

  /** Resolves when `pred` holds (checked every 20 ms); rejects after `timeoutMs`. */
  async waitFor(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// Standalone: PORT DIR (the live namespace test).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [portText, dir] = process.argv.slice(2);
  const out = join(dir, 'messages.jsonl');
  writeFileSync(out, '');
  const fc = new FakeCollector({
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    token: readFileSync(join(dir, 'token'), 'utf8').trim(),
    onMessage: (m) => appendFileSync(out, JSON.stringify(m) + '\n'),
  });
  const port = await fc.listen(Number(portText));
  process.stdout.write(`listening ${port}\n`);
  const bye = (): void => void fc.close().then(() => process.exit(0));
  process.on('SIGTERM', bye);
  process.on('SIGINT', bye);
}
