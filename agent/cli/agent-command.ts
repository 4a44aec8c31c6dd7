/**
 * `auscult agent`: capture continuously (or replay a file) and stream the
 * inventory to a collector. SIGINT/SIGTERM stop the capture, flush what can
 * be flushed within a moment, close the outbox and exit 0; a second signal
 * exits at once.
 */
import { Agent, type AgentOptions } from '../agent.js';
import { resolveOperator } from '../active/audit-log.js';
import type { ProfileName } from '../active/profiles.js';

export interface AgentArgs {
  interface?: string;
  read?: string;
  filter?: string;
  snaplen?: number;
  bufferMb?: number;
  promisc?: boolean;
  collector: string;
  tokenFile: string;
  ca?: string;
  kb?: string;
  outbox: string;
  outboxMaxRows?: number;
  statsInterval: number;
  agentId?: string;
  /** Active checks: on only when activeAllow is given. */
  activeAllow?: string[];
  activeDeny?: string[];
  activeProfile?: ProfileName;
  activeRate?: number;
  activeEvery?: string;
  activeWindow?: string;
  activeAudit?: string;
  activeOperator?: string;
  activePorts?: string[];
  activeDicomPorts?: string[];
  activeMaxHosts?: number;
  activeDelay?: number;
  activeExtendedUnknown?: boolean;
  nmap?: string;
}

/** The agent's active-check options, or undefined when --active-allow is absent (then nothing active exists). */
export function activeOptions(args: AgentArgs): AgentOptions['active'] {
  if (!args.activeAllow || args.activeAllow.length === 0) return undefined;
  return {
    allow: args.activeAllow,
    deny: args.activeDeny,
    profile: args.activeProfile,
    hostsPerMinute: args.activeRate,
    every: args.activeEvery ?? '24h',
    window: args.activeWindow ?? null,
    auditPath: args.activeAudit ?? `${args.outbox}.active-audit.jsonl`,
    operator: resolveOperator(args.activeOperator),
    ports: args.activePorts,
    dicomPorts: args.activeDicomPorts,
    maxHosts: args.activeMaxHosts,
    extendedUnknown: args.activeExtendedUnknown,
    nmap: args.nmap,
    startDelayMs: (args.activeDelay ?? 300) * 1000,
  };
}

/** Runs the agent; returns the process exit code. Throws AuscultError on bad arguments. */
export async function agentCommand(args: AgentArgs): Promise<number> {
  const agent = Agent.create({
    iface: args.interface,
    file: args.read,
    filter: args.filter,
    snaplen: args.snaplen,
    bufferMb: args.bufferMb,
    promisc: args.promisc,
    collector: args.collector,
    tokenFile: args.tokenFile,
    ca: args.ca,
    kb: args.kb,
    outbox: args.outbox,
    outboxMaxRows: args.outboxMaxRows,
    statsIntervalS: args.statsInterval,
    agentId: args.agentId,
    active: activeOptions(args),
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write(`auscult agent: ${sig}: stopping\n`);
    agent.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await agent.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
