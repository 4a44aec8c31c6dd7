/**
 * `auscult demo`: everything on one machine in one command, so a new user
 * sees the dashboard filled within a minute.
 *
 *   1. DIR (default ./auscult-demo) keeps the collector database, its
 *      self-signed certificate (generated on the first run), the agent's
 *      token and outbox, and the knowledge base.
 *   2. The public advisories (CISA ICSMA CSAF and the KEV catalog in
 *      ../shared/data, when that folder exists) are imported into the KB.
 *   3. A collector listens on 127.0.0.1:PORT (loopback only: a demo is not
 *      a deployment), an agent is enrolled, and the agent replays
 *      samples/hospital-sample.pcap into it over wss, pinned to the
 *      collector's certificate.
 *   4. The dashboard URL is printed; SIGINT/SIGTERM stop both and exit 0.
 *
 * Running it again reuses DIR: same certificate, same token, same data.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector, type RunningCollector } from '../../collector/server.js';
import type { Logger } from '../../collector/log.js';
import { Agent } from '../agent.js';
import { AuscultError } from '../errors.js';
import { KbStore } from '../kb/store.js';

export interface DemoArgs {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  dir: string;
  /** Capture to replay (default: the repository's hospital sample). */
  read?: string;
  /** Public data folder (default ../shared/data beside the repository). */
  data?: string;
}

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DEMO_AGENT = 'demo-agent';

/** Imports the public advisories and KEV into `kbFile`; returns a one-line summary, or null when there is no data. */
function importPublicData(kbFile: string, data: string): string | null {
  const paths = [join(data, 'advisories', 'csaf'), join(data, 'kev', 'known_exploited_vulnerabilities.json')].filter((p) => existsSync(p));
  if (!paths.length) return null;
  const store = KbStore.open(kbFile);
  try {
    const s = store.importPaths(paths);
    const t = store.list().totals;
    return `${s.imported.length} new, ${s.skipped.length} unchanged${s.failed.length ? `, ${s.failed.length} failed` : ''}: ${t.advisories} advisories, ${t.kev} KEV entries`;
  } finally {
    store.close();
  }
}

/** The token of the demo agent: the saved one while the collector still accepts it, else a new enrollment. */
function demoToken(collector: RunningCollector, tokenFile: string): string {
  if (existsSync(tokenFile)) {
    const token = readFileSync(tokenFile, 'utf8').trim();
    if (token && collector.store.authenticate(token).ok) return token;
  }
  for (let i = 1; ; i++) {
    const name = i === 1 ? DEMO_AGENT : `${DEMO_AGENT}-${i}`;
    try {
      const { token } = collector.store.enroll(name);
      writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
      return token;
    } catch (err) {
      if (!(err instanceof AuscultError && err.code === 'AUSCULT_ERR_AGENT_EXISTS') || i > 100) throw err;
    }
  }
}

/** Runs the demo until SIGINT/SIGTERM; returns the exit code. */
export async function demoCommand(args: DemoArgs): Promise<number> {
  const out = (line: string) => process.stdout.write(line + '\n');
  const dir = resolve(args.dir);
  const capture = resolve(args.read ?? join(REPO, 'samples', 'hospital-sample.pcap'));
  if (!existsSync(capture)) throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', `the capture to replay, ${capture}, does not exist`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', `cannot create the demo folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const logFile = join(dir, 'demo.log');
  const logLines: string[] = [];
  const flushLog = () => {
    if (logLines.length) writeFileSync(logFile, logLines.splice(0).join(''), { flag: 'a' });
  };
  // The collector and agent logs go to DIR/demo.log; the terminal shows what a new user needs.
  const log: Logger = (level, event, fields) => {
    logLines.push(JSON.stringify({ at: new Date().toISOString(), level, event, ...fields }) + '\n');
    if (level === 'error') process.stderr.write(`auscult demo: collector: ${event} ${JSON.stringify(fields ?? {})}\n`);
  };
  const logTimer = setInterval(flushLog, 1000);
  logTimer.unref();

  const kbFile = join(dir, 'kb.sqlite');
  const data = resolve(args.data ?? join(REPO, '..', 'shared', 'data'));
  if (existsSync(data)) {
    out(`auscult demo: importing the public advisories from ${data} …`);
    const summary = importPublicData(kbFile, data);
    out(summary ? `auscult demo: knowledge base ${kbFile}: ${summary}` : `auscult demo: no advisories under ${data}; findings come from behaviour only`);
  } else {
    out(`auscult demo: ${data} is absent: no advisories imported; findings come from behaviour only`);
  }

  const collector = await startCollector({
    listen: `127.0.0.1:${args.port}`,
    db: join(dir, 'collector.sqlite'),
    kb: existsSync(kbFile) ? kbFile : undefined,
    log,
    pollMs: 1000,
  });
  const tokenFile = join(dir, 'agent.token');
  demoToken(collector, tokenFile);
  out(`auscult demo: collector ${collector.url} (database ${collector.store.file}; ${collector.tls.generated ? 'new' : 'existing'} self-signed certificate ${collector.tls.certFile}, SHA-256 ${collector.tls.fingerprint256})`);

  const agent = Agent.create({
    file: capture,
    // The collector takes agents on /agent (collector/server.ts).
    collector: `wss://127.0.0.1:${collector.port}/agent`,
    tokenFile,
    ca: collector.tls.certFile,
    outbox: join(dir, 'agent-outbox.sqlite'),
    agentId: DEMO_AGENT,
    statsIntervalS: 2,
    log: (line) => logLines.push(`${line}\n`),
  });
  const agentDone = agent.run().then(
    (code) => {
      out(`auscult demo: the agent replayed ${capture} (exit ${code}); the collector keeps serving the dashboard`);
      return code;
    },
    (err: unknown) => {
      process.stderr.write(`auscult demo: agent: ${err instanceof AuscultError ? err.format() : (err as Error).message}\n`);
      return 70;
    },
  );

  out('');
  out(`  Dashboard: ${collector.url}/`);
  out('');
  out('  The certificate is self-signed: your browser asks once to accept it.');
  out(`  Logs: ${logFile}. Stop with Ctrl-C.`);

  let signals = 0;
  await new Promise<void>((resolveStop) => {
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(130);
      out(`auscult demo: ${sig}: stopping`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal from here on exits at once.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(130));
      resolveStop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  agent.stop();
  await agentDone;
  await collector.close();
  clearInterval(logTimer);
  flushLog();
  out('auscult demo: stopped');
  return 0;
}
