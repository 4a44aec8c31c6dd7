/**
 * `auscult collector` (run the collector), `auscult collector enroll NAME`,
 * `revoke NAME` and `agents`: the central store agents stream to.
 */
import { resolve } from 'node:path';
import { startCollector } from '../../collector/server.js';
import { CollectorStore } from '../../collector/store.js';

/** The collector database: --db, else AUSCULT_COLLECTOR_DB, else ./auscult-collector.sqlite. */
export function collectorDbPath(db?: string): string {
  return resolve(db || process.env.AUSCULT_COLLECTOR_DB || 'auscult-collector.sqlite');
}

export interface CollectorServeArgs {
  listen: string;
  db?: string;
  kb?: string;
  cert?: string;
  key?: string;
  ca?: string;
  web?: string;
}

/** Runs the collector until SIGINT/SIGTERM. */
export async function collectorServeCommand(args: CollectorServeArgs): Promise<number> {
  const c = await startCollector({
    listen: args.listen,
    db: collectorDbPath(args.db),
    kb: args.kb ? resolve(args.kb) : undefined,
    cert: args.cert,
    key: args.key,
    ca: args.ca,
    webRoot: args.web ? resolve(args.web) : undefined,
  });
  process.stderr.write(
    `auscult collector listening on ${c.url} (agents: wss://…:${c.port}/agent, dashboard: ${c.url}/)\n` +
      `  certificate ${c.tls.certFile}${c.tls.generated ? ' (generated, self-signed)' : ''}; SHA-256 ${c.tls.fingerprint256}\n`,
  );
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await c.close();
  return 0;
}

/** Enrolls an agent: prints its token (stdout, once) and stores only its hash. */
export function collectorEnrollCommand(args: { name: string; db?: string }): number {
  const store = CollectorStore.open(collectorDbPath(args.db));
  try {
    const { token } = store.enroll(args.name);
    process.stdout.write(`${token}\n`);
    process.stderr.write(
      `enrolled agent '${args.name}'. This token is shown once and only its hash is kept: save it to the agent's --token-file now.\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}

export function collectorRevokeCommand(args: { name: string; db?: string }): number {
  const store = CollectorStore.open(collectorDbPath(args.db));
  try {
    store.revoke(args.name);
    process.stderr.write(`revoked agent '${args.name}': a running collector drops its connection within seconds and refuses it from now on\n`);
    return 0;
  } finally {
    store.close();
  }
}

export function collectorAgentsCommand(args: { db?: string; format: 'table' | 'json' }): number {
  const store = CollectorStore.open(collectorDbPath(args.db));
  try {
    const agents = store.agents();
    if (args.format === 'json') {
      process.stdout.write(JSON.stringify({ agents }, null, 2) + '\n');
      return 0;
    }
    if (agents.length === 0) {
      process.stdout.write('no agents enrolled (auscult collector enroll NAME)\n');
      return 0;
    }
    const rows = agents.map((a) => [a.name, a.revoked ? 'revoked' : 'active', a.lastSeen ?? '-', a.version ?? '-', a.kbVersion ?? '-', a.source ?? '-']);
    const head = ['NAME', 'STATUS', 'LAST SEEN', 'VERSION', 'KB', 'SOURCE'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
    process.stdout.write(line(head) + rows.map(line).join(''));
    return 0;
  } finally {
    store.close();
  }
}
