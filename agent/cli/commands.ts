/**
 * `auscult` command line: inventory, correlate, agent, scan (active checks),
 * demo, collector, kb. Loaded by main.ts, the launcher, once it has started
 * the capture worker of a plain `inventory` line.
 */
import { discardEarlyWorker } from '../capture/early.js';
import { discardPreopened, preopenCapture } from '../capture/preopen.js';
import { AuscultError } from '../errors.js';
import { INVENTORY_OPTIONS, plainInventoryArgs } from './inventory-options.js';

const argv = process.argv.slice(2);
// `auscult inventory --read FILE ...` on a plain command line: its capture
// worker starts now, before anything heavy loads, so the worker's start-up
// (thread, libpcap addon, file open, first batches) overlaps the main
// thread's module loading; and yargs is not needed at all (inventory-options.ts).
const plainInventory = plainInventoryArgs(argv);
if (plainInventory) preopenCapture({ file: plainInventory.read, filter: plainInventory.filter });

// Each command's module is loaded only when that command runs: the collector
// pulls in TLS certificate generation, the exporters and the dashboard, none
// of which `auscult inventory` needs (start-up is part of every run's cost).
const collectorCmd = () => import('./collector-command.js');
const kbCmd = () => import('./kb-command.js');

async function main(argv: string[]): Promise<number> {
  if (plainInventory) return (await import('./inventory-command.js')).inventoryCommand(plainInventory);
  const { default: yargs } = await import('yargs');
  const { ACTIVE_OPTIONS, AGENT_GROUP, agentActiveOptions } = await import('./active-options.js');
  let exitCode = 0;
  await yargs(argv)
    .scriptName('auscult')
    .usage('$0 <command> [options]\n\nPassive discovery of medical devices from their DICOM and HL7 traffic.')
    .command(
      'inventory',
      'read a capture and print the devices it reveals',
      (y) =>
        y
          .options(INVENTORY_OPTIONS)
          .example('$0 inventory --read test/fixtures/dicom/store.pcap', 'table of devices')
          .example('$0 inventory --read cap.pcap --kb auscult-kb.sqlite', 'devices and their advisories, KEV and exposures')
          .example('$0 inventory --read cap.pcapng --filter "tcp port 104" --format json', 'JSON for other tools'),
      async (args) => {
        exitCode = await (await import('./inventory-command.js')).inventoryCommand({
          read: args.read,
          filter: args.filter,
          format: args.format,
          output: args.output,
          kb: args.kb,
        });
      },
    )
    .command(
      'correlate',
      'findings for an inventory JSON from elsewhere (another agent, a CMMS export)',
      (y) =>
        y
          .option('inventory', { alias: 'i', type: 'string', demandOption: true, describe: 'inventory JSON ({"devices":[...]}), or - for stdin' })
          .option('kb', { type: 'string', demandOption: true, describe: 'knowledge base from auscult kb import' })
          .option('format', { choices: ['table', 'json'] as const, default: 'table' as const })
          .option('output', { alias: 'o', type: 'string', describe: 'write the output to this file instead of stdout' })
          .example('$0 correlate --inventory inv.json --kb auscult-kb.sqlite --format json', 'findings as JSON'),
      async (args) => {
        exitCode = (await import('./correlate-command.js')).correlateCommand({ inventory: args.inventory, kb: args.kb, format: args.format, output: args.output });
      },
    )
    .command(
      'agent',
      'capture continuously and stream devices and findings to a collector',
      (y) =>
        y
          .option('interface', { alias: 'i', type: 'string', describe: 'live interface to capture on (a SPAN/mirror port)' })
          .option('read', { alias: 'r', type: 'string', describe: 'replay a pcap/pcapng file through the same path instead' })
          .conflicts('interface', 'read')
          .option('filter', { alias: 'f', type: 'string', describe: 'BPF filter applied by libpcap' })
          .option('snaplen', { type: 'number', describe: 'bytes captured per packet (libpcap snapshot length)' })
          .option('buffer-mb', { type: 'number', describe: 'libpcap kernel buffer size in MiB' })
          .option('promisc', { type: 'boolean', default: true, describe: 'promiscuous mode (--no-promisc to turn off)' })
          .option('collector', { type: 'string', demandOption: true, describe: 'collector URL, wss://HOST:PORT' })
          .option('token-file', { type: 'string', demandOption: true, describe: 'file holding the agent token (auscult collector enroll NAME)' })
          .option('ca', { type: 'string', describe: "PEM certificate to trust for the collector (its FILE.cert.pem); default: the system CAs" })
          .option('kb', { type: 'string', describe: 'knowledge base to correlate with; kb-updates from the collector are imported into it (default OUTBOX.kb.sqlite)' })
          .option('outbox', { type: 'string', default: 'auscult-outbox.sqlite', describe: 'durable outbox (SQLite) of messages not yet acknowledged' })
          .option('outbox-max-rows', { type: 'number', default: 100_000, describe: 'outbox cap: stats are dropped first, device states compacted, findings never dropped' })
          .option('stats-interval', { type: 'number', default: 10, describe: 'seconds between stats lines (stderr) and stats messages' })
          .option('agent-id', { type: 'string', describe: 'agent id sent in hello (default: the host name)' })
          .option('active-allow', { type: 'string', array: true, describe: 'turn active checks on for the inventory\'s devices in this CIDR (repeatable); off without it', group: AGENT_GROUP })
          .options(agentActiveOptions())
          .option('active-every', { type: 'string', default: '24h', describe: 'time between runs (15m, 24h, 7d)', group: AGENT_GROUP })
          .option('active-delay', { type: 'number', default: 300, describe: 'seconds after start before the first run (the passive inventory fills first)', group: AGENT_GROUP })
          .option('active-audit', { type: 'string', describe: 'audit log, JSON lines (default OUTBOX.active-audit.jsonl)', group: AGENT_GROUP })
          .option('nmap', { type: 'string', describe: 'nmap executable for active checks (default: nmap on PATH)', group: AGENT_GROUP })
          .example('$0 agent -i eth1 --collector wss://collector:8443 --token-file /etc/auscult/token --ca /etc/auscult/collector.cert.pem', 'live')
          .example('$0 agent --read cap.pcap --collector wss://127.0.0.1:8443 --token-file token --ca collector.db.cert.pem', 'replay a file'),
      async (args) => {
        exitCode = await (await import('./agent-command.js')).agentCommand({
          interface: args.interface,
          read: args.read,
          filter: args.filter,
          snaplen: args.snaplen,
          bufferMb: args['buffer-mb'],
          promisc: args.promisc,
          collector: args.collector,
          tokenFile: args['token-file'],
          ca: args.ca,
          kb: args.kb,
          outbox: args.outbox,
          outboxMaxRows: args['outbox-max-rows'],
          statsInterval: args['stats-interval'],
          agentId: args['agent-id'],
          activeAllow: args['active-allow'],
          activeDeny: args['active-deny'],
          activeProfile: args['active-profile'],
          activeRate: args['active-rate'],
          activeEvery: args['active-every'],
          activeWindow: args['active-window'],
          activeAudit: args['active-audit'],
          activeOperator: args['active-operator'],
          activePorts: args['active-ports'],
          activeDicomPorts: args['active-dicom-ports'],
          activeMaxHosts: args['active-max-hosts'],
          activeDelay: args['active-delay'],
          activeExtendedUnknown: args['active-extended-unknown'],
          nmap: args.nmap,
        });
      },
    )
    .command(
      'scan',
      'active checks (opt-in): probe allowed subnets with nmap, safely, rate-limited and audited',
      (y) =>
        y
          .option('allow', { type: 'string', array: true, demandOption: true, describe: 'CIDR block or address that may be probed (repeatable, or comma-separated); nothing else is' })
          .options(ACTIVE_OPTIONS)
          .option('target', { type: 'string', array: true, describe: 'probe only these addresses (each must pass --allow/--deny)' })
          .option('inventory', { alias: 'i', type: 'string', describe: 'inventory JSON (auscult inventory --format json): its devices inside --allow are the targets, their classes cap the profile, results are merged into it' })
          .option('concurrency', { type: 'number', default: 1, describe: 'hosts probed at the same time' })
          .option('every', { type: 'string', describe: 'repeat every DURATION (15m, 24h, 7d) until stopped' })
          .option('audit', { type: 'string', default: 'auscult-active-audit.jsonl', describe: 'audit log (JSON lines, appended, fsync\'d)' })
          .option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'json: the inventory shape with the active evidence' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the output to this file instead of stdout' })
          .option('nmap', { type: 'string', describe: 'nmap executable (default: nmap on PATH)' })
          .option('host-timeout', { type: 'number', default: 120, describe: 'seconds nmap may spend on one host' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print the targets and nmap command lines; send nothing' })
          .example('$0 scan --allow 10.20.30.0/24 --deny 10.20.30.5 --operator jdoe', 'safe checks of one subnet, one host every 10 s')
          .example('$0 scan --allow 10.20.0.0/16 --inventory inv.json --format json -o inv-active.json', 'the passive inventory, enriched'),
      async (args) => {
        exitCode = await (await import('./scan-command.js')).scanCommand({
          allow: args.allow,
          deny: args.deny,
          target: args.target,
          inventory: args.inventory,
          profile: args.profile,
          rate: args.rate,
          concurrency: args.concurrency,
          maxHosts: args['max-hosts'],
          ports: args.ports,
          dicomPorts: args['dicom-ports'],
          extendedUnknown: args['extended-unknown'],
          every: args.every,
          window: args.window,
          audit: args.audit,
          operator: args.operator,
          format: args.format,
          output: args.output,
          nmap: args.nmap,
          hostTimeout: args['host-timeout'],
          dryRun: args['dry-run'],
        });
      },
    )
    .command(
      'demo',
      'everything on this machine: a collector, an agent replaying the sample capture, and the dashboard URL',
      (y) =>
        y
          .option('port', { type: 'number', default: 8443, describe: 'port on 127.0.0.1 for the collector and dashboard (0: any free one)' })
          .option('dir', { type: 'string', default: 'auscult-demo', describe: 'folder for the database, certificate, token, outbox and knowledge base (reused by the next run)' })
          .example('$0 demo', 'then open the printed https://127.0.0.1:8443/ URL'),
      async (args) => {
        exitCode = await (await import('./demo-command.js')).demoCommand({ port: args.port, dir: args.dir });
      },
    )
    .command('collector', 'the central collector agents stream to: run it, enroll/revoke agents, list them', (y) =>
      y
        .option('db', { type: 'string', describe: 'collector database (default: $AUSCULT_COLLECTOR_DB, else ./auscult-collector.sqlite)' })
        .command(
          '$0',
          'run the collector (wss /agent, HTTP API /api/, dashboard /)',
          (y) =>
            y
              .option('listen', { type: 'string', default: '127.0.0.1:8443', describe: 'HOST:PORT to listen on ([::1]:PORT for IPv6)' })
              .option('kb', { type: 'string', describe: 'knowledge base (auscult kb import --db FILE) to re-correlate the inventory with; watched for changes' })
              .option('cert', { type: 'string', describe: 'TLS certificate (PEM); default: a self-signed one generated next to --db (FILE.cert.pem)' })
              .option('key', { type: 'string', describe: 'TLS private key (PEM), with --cert' })
              .option('ca', { type: 'string', describe: 'CA bundle (PEM): require client certificates signed by it (mutual TLS)' })
              .option('web', { type: 'string', describe: 'dashboard folder to serve at / (default: collector/web)' })
              .example('$0 collector --listen 0.0.0.0:8443 --db collector.sqlite --kb kb.sqlite', 'run it'),
          async (args) => {
            exitCode = await (await collectorCmd()).collectorServeCommand({ listen: args.listen, db: args.db, kb: args.kb, cert: args.cert, key: args.key, ca: args.ca, web: args.web });
          },
        )
        .command(
          'enroll <name>',
          'enroll an agent: prints its token once (only its hash is stored)',
          (y) => y.positional('name', { type: 'string', demandOption: true, describe: 'agent name (letters, digits, . _ -)' }),
          async (args) => {
            exitCode = (await collectorCmd()).collectorEnrollCommand({ name: args.name, db: args.db });
          },
        )
        .command(
          'revoke <name>',
          "revoke an agent's token",
          (y) => y.positional('name', { type: 'string', demandOption: true }),
          async (args) => {
            exitCode = (await collectorCmd()).collectorRevokeCommand({ name: args.name, db: args.db });
          },
        )
        .command(
          'agents',
          'list enrolled agents',
          (y) => y.option('format', { choices: ['table', 'json'] as const, default: 'table' as const }),
          async (args) => {
            exitCode = (await collectorCmd()).collectorAgentsCommand({ db: args.db, format: args.format });
          },
        ),
    )
    .command('kb', 'the knowledge base: advisories (CSAF), SBOMs (CycloneDX, SPDX), VEX and KEV', (y) =>
      y
        .option('db', { type: 'string', describe: 'knowledge-base file (default: $AUSCULT_KB, else ./auscult-kb.sqlite)' })
        .command(
          'import <paths..>',
          'import CSAF 2.0, CycloneDX, SPDX and KEV JSON files, or folders of them',
          (y) =>
            y
              .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'files or folders (*.json inside, recursively)' })
              .option('warnings', { type: 'boolean', default: false, describe: 'print every warning, not only their count' })
              .example('$0 kb import ../shared/data/advisories/csaf', 'every CISA ICSMA advisory')
              .example('$0 kb import known_exploited_vulnerabilities.json device.cdx.json --db kb.sqlite', 'KEV and an SBOM'),
          async (args) => {
            exitCode = (await kbCmd()).kbImportCommand({ paths: args.paths as string[], db: args.db, warnings: args.warnings });
          },
        )
        .command(
          'list',
          'show what the knowledge base holds',
          (y) => y.option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'output format' }),
          async (args) => {
            exitCode = (await kbCmd()).kbListCommand({ db: args.db, format: args.format });
          },
        )
        .demandCommand(1, 'name a kb command: auscult kb import FILE|DIR... or auscult kb list'),
    )
    .demandCommand(1, 'name a command: auscult inventory --read FILE')
    .strict()
    .fail((msg, err) => {
      // Throwing stops yargs: a usage error must not go on to run the command.
      if (err) throw err;
      throw new AuscultError('AUSCULT_ERR_BAD_ARGUMENT', msg);
    })
    .help()
    .alias('h', 'help')
    .version()
    .parseAsync();
  return exitCode;
}

try {
  process.exitCode = await main(argv);
} catch (err) {
  if (err instanceof AuscultError) {
    process.stderr.write(err.format() + '\n');
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`auscult: AUSCULT_ERR_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70;
  }
} finally {
  // A capture started early that no command took (bad arguments, --help, a failed --kb).
  await discardPreopened();
  await discardEarlyWorker();
}
