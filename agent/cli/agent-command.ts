/**
 * `auscult agent`: capture continuously (or replay a file) and stream the
 * inventory to a collector. SIGINT/SIGTERM stop the capture, flush what can
 * be flushed within a moment, close the outbox and exit 0; a second signal
 * exits at once.
 */
import { Agent } from '../agent.js';

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
