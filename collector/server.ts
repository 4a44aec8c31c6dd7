/**
 * The collector: one HTTPS server (node:https) carrying the agents'
 * WebSocket endpoint (/agent), the HTTP API (/api/) and the dashboard's
 * static files (/). See collector/protocol.ts and collector/api-types.ts for
 * the two contracts.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AuscultError } from '../agent/errors.js';
import { AgentEndpoint, type AgentSession } from './agent-endpoint.js';
import { Correlator } from './correlator.js';
import { handleApi } from './http-api.js';
import { jsonLogger, type Logger } from './log.js';
import { SseHub } from './sse.js';
import { DEFAULT_WEB_ROOT, serveStatic } from './static-files.js';
import { Checkpointer } from './checkpointer.js';
import { CollectorStore, type BatchResult } from './store.js';
import { loadTls, type TlsMaterial } from './tls.js';
import type { HelloMessage } from './protocol.js';

export interface CollectorOptions {
  /** HOST:PORT ('[::1]:8443' for IPv6); port 0 picks a free one. */
  listen: string;
  db: string;
  kb?: string;
  cert?: string;
  key?: string;
  /** CA bundle: agents (and API clients) must present a certificate it signed. */
  ca?: string;
  /** Dashboard folder (default collector/web next to this module). */
  webRoot?: string;
  log?: Logger;
  /** How often the KB version and revocations are checked (ms). */
  pollMs?: number;
  /** Check agents' messages on a worker thread (default true; false checks them on the storing thread). */
  ingestWorker?: boolean;
}

export interface RunningCollector {
  /** https://HOST:PORT */
  url: string;
  host: string;
  port: number;
  store: CollectorStore;
  endpoint: AgentEndpoint;
  correlator: Correlator;
  checkpointer: Checkpointer;
  sse: SseHub;
  tls: TlsMaterial;
  server: Server;
  /** Runs one poll now (KB version, revocations); for tests. */
  poll(): void;
  close(): Promise<void>;
}

/** SSE events for at most this many findings per change; beyond it only a 'kb' event. */
const MAX_FINDING_EVENTS = 1000;

export const COLLECTOR_VERSION = readVersion();

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'auscult' && p.version) return p.version;
    } catch {
      // try the next
    }
  }
  return '0.0.0';
}

/** Splits HOST:PORT ('[v6]:PORT' too). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new AuscultError('AUSCULT_ERR_COLLECTOR_LISTEN', `--listen ${JSON.stringify(text)} is not HOST:PORT`);
  return { host: m[1] ?? m[2]!, port };
}

/** Starts a collector; resolves once it is listening. */
export async function startCollector(opts: CollectorOptions): Promise<RunningCollector> {
  const log = opts.log ?? jsonLogger();
  const { host, port } = parseListen(opts.listen);
  const tls = await loadTls({ db: opts.db, cert: opts.cert, key: opts.key, ca: opts.ca });
  const store = CollectorStore.open(opts.db);
  const correlator = new Correlator(store, opts.kb ?? null, log);
  try {
    correlator.open();
  } catch (err) {
    store.close();
    throw err;
  }
  // WAL checkpoints on another thread: the one storing agents' messages never copies pages back.
  const checkpointer = new Checkpointer(store.db, opts.db, { log });
  const sse = new SseHub();
  const webRoot = opts.webRoot ?? DEFAULT_WEB_ROOT;

  const onStored = (res: BatchResult) => {
    correlator.markDirty(res.devices);
    if (sse.size === 0) return;
    for (const id of res.findings) {
      const f = store.finding(id);
      if (f) sse.send('finding', f);
    }
    for (const id of res.devices) {
      const d = store.device(id);
      if (d) sse.send('device', d);
    }
    for (const id of res.agents) agentEvent(id);
  };
  const agentEvent = (id: string) => {
    if (sse.size === 0) return;
    const a = store.agent(id, endpoint.session(id) !== undefined);
    if (a) sse.send('agent', a);
  };
  const onHello = (agentId: string, hello: HelloMessage, session: AgentSession) => {
    if (!correlator.enabled || hello.kbVersion === correlator.kbVersion) return;
    // The agent correlates with another KB: give it everything the collector has.
    for (const m of correlator.kbUpdates(correlator.allDocuments())) session.send(m);
    log('info', 'kb-sent', { agent: agentId, agentKb: hello.kbVersion, kbVersion: correlator.kbVersion });
  };
  const endpoint: AgentEndpoint = new AgentEndpoint(
    store,
    { stored: onStored, agentChanged: agentEvent, helloed: onHello, kbVersion: () => correlator.kbVersion },
    log,
    COLLECTOR_VERSION,
    { ingestWorker: opts.ingestWorker },
  );

  const poll = () => {
    try {
      const r = correlator.tick();
      if (r && 'full' in r) {
        const sent = correlator.kbUpdates(r.newDocuments);
        let agents = 0;
        for (const m of sent) agents = endpoint.broadcast(m);
        log('info', 'kb-update-pushed', { kbVersion: r.full.kbVersion, documents: r.newDocuments.length, frames: sent.length, agents });
        sse.send('kb', { kbVersion: r.full.kbVersion });
      }
      const result = r ? ('full' in r ? r.full : r.partial) : null;
      if (result && sse.size > 0) {
        const changed = [...result.opened, ...result.closed];
        if (changed.length <= MAX_FINDING_EVENTS) {
          const devices = new Set<string>();
          for (const id of changed) {
            const f = store.finding(id);
            if (!f) continue;
            sse.send('finding', f);
            devices.add(f.deviceId);
          }
          for (const id of devices) {
            const d = store.device(id);
            if (d) sse.send('device', d);
          }
        }
      }
      const connected = endpoint.connected();
      const revoked = store.revokedAgents().filter((id) => connected.has(id));
      if (revoked.length) endpoint.drop(revoked, 4001, 'agent token revoked');
    } catch (err) {
      log('error', 'poll-failed', { reason: (err as Error).message });
    }
  };

  const server = createServer({
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://collector');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return handleApi({ store, sse, connected: () => endpoint.connected(), collectorVersion: COLLECTOR_VERSION }, req, res, url);
    if (url.pathname === '/agent') {
      const body = JSON.stringify({ error: { code: 'upgrade-required', message: '/agent is the agents\' WebSocket endpoint' } });
      res.writeHead(426, { 'Content-Type': 'application/json; charset=utf-8', Upgrade: 'websocket', 'Content-Length': Buffer.byteLength(body) }).end(body);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    serveStatic(webRoot, url.pathname, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/agent') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    endpoint.handleUpgrade(req, socket, head);
  });
  server.on('tlsClientError', (err: Error & { code?: string }, socket) => {
    log('warn', 'tls-refused', { remote: `${socket.remoteAddress}:${socket.remotePort}`, reason: err.code ?? err.message });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    endpoint.close();
    sse.close();
    correlator.close();
    await checkpointer.stop();
    store.close();
    throw new AuscultError('AUSCULT_ERR_COLLECTOR_LISTEN', `cannot listen on ${opts.listen}: ${(err as Error).message}`, { cause: err });
  }
  // The first poll loads the KB (and re-correlates when it changed since the last run).
  poll();
  const timer = setInterval(poll, opts.pollMs ?? 2000);
  timer.unref();

  const addr = server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log('info', 'collector-listening', {
    url: `https://${urlHost}:${boundPort}`,
    db: opts.db,
    kb: opts.kb ?? null,
    kbVersion: correlator.kbVersion,
    cert: tls.certFile,
    certGenerated: tls.generated,
    fingerprint256: tls.fingerprint256,
    mutualTls: !!tls.ca,
  });

  let closed = false;
  return {
    url: `https://${urlHost}:${boundPort}`,
    host,
    port: boundPort,
    store,
    endpoint,
    correlator,
    checkpointer,
    sse,
    tls,
    server,
    poll,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      endpoint.close();
      sse.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      correlator.close();
      await checkpointer.stop();
      store.close();
    },
  };
}
