/**
 * The agent's WebSocket client to the collector (see collector/protocol.ts),
 * on wss://HOST:PORT/agent.
 *
 * On each connection: `Authorization: Bearer <token>` on the upgrade, then
 * hello; once the collector's welcome arrives (or after a short wait), every
 * unacknowledged outbox row in seq order, then new rows as they are
 * enqueued, with at most `window` messages unacknowledged, several to a
 * frame when the welcome allows it (collector/protocol.ts). `ack` deletes rows
 * up to its seq. `refused` is logged; a refusal that resending cannot fix
 * (schema, too-large, invalid-json, unknown-type) drops the row so it does
 * not loop. Lost connections come back with exponential backoff and full
 * jitter (base 500 ms, cap 30 s), reset once a connection has stayed up for
 * `stableMs`.
 *
 * An HTTP 401 on the upgrade (unknown or revoked token) is logged as such and
 * retried with the same backoff: the token is read again before every
 * attempt, so an operator who re-enrolls the agent and rewrites the token
 * file does not need to restart it.
 *
 * TLS: `ca` is trusted instead of the system store (never
 * rejectUnauthorized: false). When the collector presents exactly that
 * certificate (a pinned self-signed one), the host name is not checked
 * against it: the pin is stronger than the name.
 */
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import WebSocket from 'ws';
import { MAX_FRAME_MESSAGES, MAX_MESSAGE_BYTES, type CollectorMessage, type HelloMessage, type KbUpdateMessage, type WelcomeMessage } from '../../collector/protocol.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { Outbox, OutgoingMessage } from './outbox.js';

/** Refusal codes that resending the same bytes can never fix. */
export const FINAL_REFUSALS = new Set(['schema', 'too-large', 'invalid-json', 'unknown-type']);

export interface UplinkClientOptions {
  /** wss://HOST:PORT[/path] */
  url: string;
  /** The agent token; called before every connection attempt (re-reads the file). Throwing skips the attempt. */
  token: () => string;
  /** PEM of the CA or the collector's own certificate. */
  ca?: string;
  outbox: Outbox;
  /** The hello to send (lastSeq is filled in from the outbox). */
  hello: () => Omit<HelloMessage, 'lastSeq'>;
  /** Messages sent and not yet acknowledged, at most. Default 1000. */
  window?: number;
  backoff?: BackoffOptions;
  /** A connection up this long resets the backoff. Default 10 s. */
  stableMs?: number;
  /** How long to wait for welcome before sending anyway. Default 5 s. */
  welcomeTimeoutMs?: number;
  log?: (line: string) => void;
  onKbUpdate?: (msg: KbUpdateMessage) => Promise<void> | void;
  onWelcome?: (msg: WelcomeMessage) => void;
  /** Current stats, sent under the seq of a message the collector refused for good (so its contiguous ack moves on). */
  fillerStats: () => OutgoingMessage & { type: 'stats' };
}

export interface UplinkCounters {
  connects: number;
  disconnects: number;
  unauthorized: number;
  /** Messages put on the wire (resends included). */
  sent: number;
  /** Of those, rows that an earlier connection or process had already sent. */
  resent: number;
  acked: number;
  refused: number;
}

type Phase = 'idle' | 'connecting' | 'hello' | 'ready' | 'stopped';

/** Bytes queued in the socket beyond which we wait before sending more. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** Rows read from the outbox per query. */
const READ_CHUNK = 256;

export class UplinkClient {
  readonly counters: UplinkCounters = { connects: 0, disconnects: 0, unauthorized: 0, sent: 0, resent: 0, acked: 0, refused: 0 };
  private readonly opts: UplinkClientOptions;
  private readonly window: number;
  private readonly backoff: Backoff;
  private readonly log: (line: string) => void;
  private readonly pinned: string | null;
  private ws: WebSocket | null = null;
  private phase: Phase = 'idle';
  /** Outbox position (row id) of the last row sent on this connection. */
  private cursor = 0;
  private readonly inflight = new Set<number>();
  private timers = new Set<NodeJS.Timeout>();
  private drainWaiters: Array<() => void> = [];
  private kbChain: Promise<void> = Promise.resolve();
  private lastFailure = '';
  private waitingForBuffer = false;
  /** Messages per frame this connection's collector reads (its welcome's frameMessages; 1 until then). */
  private frameMessages = 1;

  constructor(opts: UplinkClientOptions) {
    if (!/^wss:\/\//i.test(opts.url)) throw new Error(`collector URL must be wss:// (got ${opts.url})`);
    // The collector serves agents on /agent; a bare wss://HOST:PORT means that.
    const url = new URL(opts.url);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/agent';
    this.opts = { ...opts, url: url.href };
    this.window = Math.max(1, opts.window ?? 1000);
    this.backoff = new Backoff(opts.backoff);
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.pinned = opts.ca ? pinOf(opts.ca) : null;
  }

  /** Connected and past hello. */
  get ready(): boolean {
    return this.phase === 'ready';
  }

  /** Start connecting (and keep reconnecting until stop()). */
  start(): void {
    if (this.phase !== 'idle') return;
    this.connect();
  }

  /** New rows were enqueued: send them if the window allows. */
  notify(): void {
    this.pump();
  }

  /** Resolves true once the outbox is empty, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.opts.outbox.depth === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.later(timeoutMs, () => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        resolve(this.opts.outbox.depth === 0);
      });
      const done = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(this.opts.outbox.depth === 0);
      };
      this.drainWaiters.push(done);
    });
  }

  /** Close the connection (code 1000) and stop reconnecting. Resolves within ~500 ms. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    // Pending timers (reconnects, drain timeouts) must not keep the process alive.
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 500);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'agent stopping');
      });
    }
    await this.kbChain;
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private connect(): void {
    if (this.phase === 'stopped') return;
    let token: string;
    try {
      token = this.opts.token();
    } catch (err) {
      this.retry(`cannot read the agent token: ${(err as Error).message}`);
      return;
    }
    this.phase = 'connecting';
    this.lastFailure = '';
    // ws hands these to tls.connect; its typings narrow checkServerIdentity to a different signature.
    const tlsOptions: Pick<ConnectionOptions, 'ca' | 'checkServerIdentity'> = {
      ca: this.opts.ca,
      checkServerIdentity: (host: string, cert: PeerCertificate) =>
        this.pinned !== null && cert.fingerprint256 === this.pinned ? undefined : checkServerIdentity(host, cert),
    };
    const ws = new WebSocket(this.opts.url, {
      headers: { Authorization: `Bearer ${token}` },
      ...(tlsOptions as WebSocket.ClientOptions),
      maxPayload: MAX_MESSAGE_BYTES,
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
    });
    this.ws = ws;
    ws.on('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) {
        this.counters.unauthorized++;
        this.lastFailure = `the collector refused the agent token (HTTP ${status}): re-enroll the agent (auscult collector enroll NAME) and write the new token to the token file; retrying meanwhile`;
      } else {
        this.lastFailure = `the collector answered the upgrade with HTTP ${status}`;
      }
      res.resume();
      req.destroy();
      ws.terminate();
    });
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onMessage(ws, data.toString());
    });
    ws.on('error', (err) => {
      if (!this.lastFailure) this.lastFailure = err.message;
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.counters.connects++;
    this.phase = 'hello';
    this.inflight.clear();
    this.cursor = 0;
    this.frameMessages = 1;
    const hello: HelloMessage = { ...this.opts.hello(), lastSeq: this.opts.outbox.lastSeq };
    ws.send(JSON.stringify(hello));
    const connectedAt = Date.now();
    const stableMs = this.opts.stableMs ?? 10_000;
    this.later(stableMs, () => {
      if (this.ws === ws && ws.readyState === WebSocket.OPEN && Date.now() - connectedAt >= stableMs) this.backoff.reset();
    });
    this.later(this.opts.welcomeTimeoutMs ?? 5000, () => {
      if (this.ws === ws && this.phase === 'hello') {
        this.log('auscult agent: no welcome from the collector; sending anyway');
        this.becomeReady();
      }
    });
  }

  private becomeReady(): void {
    this.phase = 'ready';
    this.pump();
  }

  private onMessage(ws: WebSocket, text: string): void {
    if (ws !== this.ws) return;
    let msg: CollectorMessage;
    try {
      msg = JSON.parse(text) as CollectorMessage;
    } catch {
      this.log('auscult agent: the collector sent a frame that is not JSON; ignored');
      return;
    }
    switch (msg.type) {
      case 'welcome': {
        const outbox = this.opts.outbox;
        if (msg.ackedSeq > outbox.lastSeq) {
          // The collector has seen higher seqs from this agent id: the outbox was replaced.
          outbox.advancePast(msg.ackedSeq);
          this.log(`auscult agent: the collector already holds seq ${msg.ackedSeq} from this agent (a new outbox?); new messages continue after it`);
        } else if (msg.ackedSeq > 0) {
          this.counters.acked += outbox.ack(msg.ackedSeq);
        }
        const fm = msg.frameMessages;
        this.frameMessages = typeof fm === 'number' && Number.isSafeInteger(fm) && fm > 1 ? Math.min(fm, MAX_FRAME_MESSAGES) : 1;
        this.opts.onWelcome?.(msg);
        if (this.phase === 'hello') this.becomeReady();
        this.checkDrained();
        break;
      }
      case 'ack': {
        // Never delete beyond what was sent: a confused collector must not make rows vanish unsent.
        const upTo = Math.min(msg.seq, this.opts.outbox.lastSeq);
        this.counters.acked += this.opts.outbox.ack(upTo);
        for (const s of this.inflight) {
          if (s > upTo) break;
          this.inflight.delete(s);
        }
        this.checkDrained();
        this.pump();
        break;
      }
      case 'refused': {
        this.counters.refused++;
        const final = FINAL_REFUSALS.has(msg.code);
        this.log(
          `auscult agent: the collector refused ${msg.seq === null ? 'a message' : `seq ${msg.seq}`} (${msg.code}): ${msg.reason}` +
            (final && msg.seq !== null ? '; dropped (resending cannot fix it); a stats message takes its seq' : ''),
        );
        if (msg.code === 'not-hello' || msg.code === 'version') {
          // The session itself is wrong; start over (with backoff).
          ws.close(1002, msg.code);
          return;
        }
        if (final && msg.seq !== null) {
          const r = this.opts.outbox.fillGap(msg.seq, this.opts.fillerStats());
          if (r.result === 'filled') ws.send(r.body);
          else this.inflight.delete(msg.seq);
          if (r.result === 'dropped') this.log(`auscult agent: seq ${msg.seq} refused twice; deleted (the collector's acknowledgements may stall at it)`);
          this.checkDrained();
          this.pump();
        }
        break;
      }
      case 'kb-update':
        this.kbChain = this.kbChain.then(async () => {
          try {
            await this.opts.onKbUpdate?.(msg);
          } catch (err) {
            this.log(`auscult agent: knowledge-base update ${msg.kbVersion} failed: ${(err as Error).message}`);
          }
        });
        break;
      default:
        this.log(`auscult agent: unknown message type from the collector: ${String((msg as { type?: unknown }).type)}`);
    }
  }

  private pump(): void {
    const ws = this.ws;
    if (this.phase !== 'ready' || !ws || ws.readyState !== WebSocket.OPEN || this.waitingForBuffer) return;
    const outbox = this.opts.outbox;
    while (this.inflight.size < this.window) {
      if (ws.bufferedAmount > MAX_BUFFERED) {
        // The socket is slower than the outbox: look again once some of it has gone out.
        this.waitingForBuffer = true;
        this.later(50, () => {
          this.waitingForBuffer = false;
          this.pump();
        });
        break;
      }
      // take() writes each new row's seq before it goes on the wire.
      const rows = outbox.take(this.cursor, Math.min(READ_CHUNK, this.window - this.inflight.size));
      if (rows.length === 0) break;
      // Rows go out up to frameMessages per frame, one per line, each frame within MAX_MESSAGE_BYTES.
      let frame: string[] = [];
      let bytes = 0;
      for (const r of rows) {
        const len = Buffer.byteLength(r.body) + 1;
        if (frame.length > 0 && (frame.length >= this.frameMessages || bytes + len > MAX_MESSAGE_BYTES)) {
          ws.send(frame.length === 1 ? frame[0]! : frame.join('\n'));
          frame = [];
          bytes = 0;
        }
        frame.push(r.body);
        bytes += len;
        this.inflight.add(r.seq);
        this.cursor = r.id;
        this.counters.sent++;
        if (r.resend) this.counters.resent++;
      }
      if (frame.length > 0) ws.send(frame.length === 1 ? frame[0]! : frame.join('\n'));
    }
  }

  private checkDrained(): void {
    if (this.opts.outbox.depth !== 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    const wasUp = this.phase === 'hello' || this.phase === 'ready';
    if (wasUp) this.counters.disconnects++;
    if (this.phase === 'stopped') return;
    const why = this.lastFailure || (wasUp ? `connection closed (${code}${reason ? ` ${reason}` : ''})` : `cannot connect (${code})`);
    this.retry(why);
  }

  private retry(why: string): void {
    this.phase = 'idle';
    this.waitingForBuffer = false;
    const delay = this.backoff.next();
    this.log(`auscult agent: collector ${this.opts.url}: ${why}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
    this.later(delay, () => this.connect());
  }
}

/** SHA-256 fingerprint of the first certificate in `pem`, in Node's PeerCertificate format. */
function pinOf(pem: string): string | null {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return null;
  }
}
