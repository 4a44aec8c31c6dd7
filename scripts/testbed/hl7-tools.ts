/**
 * HL7 v2 over MLLP on the namespace testbed (scripts/testbed/testbed.ts).
 *
 * Two independent sender implementations:
 *  - python-hl7's `mllp_send` (Debian `python3-hl7` 0.4.5), fed an MLLP-framed
 *    file (`-f`, not `--loose`): it splits on FS, strips VT and CR from both
 *    ends of each message (`bytes.strip(b"\x0b\r")`) and re-frames it, so a
 *    CR-terminated file loses its last CR; LF, CRLF, a BOM and ISO 8859-1 bytes
 *    go out unchanged. One TCP connection per call, one message after another,
 *    each waiting for its ACK.
 *  - npm `node-hl7-client` 3.x (`Client.createConnection` + `sendMessage`),
 *    with `encoding: 'latin1'` and the file read as latin1, so every byte goes
 *    out as it is in the file, except that `Message.toString()` drops trailing
 *    whitespace (the last segment terminator: CR, LF or CRLF). Its Message
 *    class refuses text that does not start with "MSH", so files with a UTF-8
 *    BOM cannot go through it.
 *
 * One receiver: `hl7-relay.py` (python-hl7's asyncio MLLP server), which ACKs
 * every block and logs a sha256 of each, or forwards them (interface engine).
 *
 * This file is also the node sender's entry point, run inside a host's
 * namespace: `node --import tsx scripts/testbed/hl7-tools.ts node-send IP PORT FILE...`
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackgroundProcess, HostSpec, Testbed } from './testbed.js';
import { macFor, testbedFile } from './testbed.js';

/** IANA-registered port for HL7 over MLLP. */
export const HL7_PORT = 2575;

/** Debian's python3 (has the `hl7` module); a pyenv shim on PATH may not. */
export const PYTHON = '/usr/bin/python3';

const REPO_ROOT = resolve(testbedFile('.'), '..', '..');

function host(name: string, lastOctet: number): HostSpec {
  const ip = `192.0.2.${lastOctet}`;
  return { name, ip, mac: macFor(ip) };
}

/** The simulated hospital's HL7 cast (kept clear of the DICOM hosts' addresses). */
export const HL7_HOSTS: readonly HostSpec[] = [
  host('ehr', 60), // EHR inbound interface: receiver that ACKs everything
  host('adt', 61), // ADT / registration system
  host('lab', 62), // laboratory information system
  host('orders', 63), // order entry, pharmacy, scheduling, documents, billing
  host('mpi', 64), // master patient index (PDQ query / response)
  host('pcdgw', 65), // patient-monitor gateway (IHE PCD-01 device observations)
  host('homegw', 66), // Continua home-health (WAN) gateway
  host('engine', 80), // interface engine (receives and forwards)
];

/** Which MLLP implementation framed a message. */
export type SenderImpl = 'mllp_send' | 'node-hl7-client';

/** Bytes a sender puts between VT and FS for a given file content. */
export function wirePayload(impl: SenderImpl, content: Buffer): Buffer {
  // node-hl7-client's Message.toString() drops trailing whitespace (JS trimEnd)
  if (impl === 'node-hl7-client') return Buffer.from(content.toString('latin1').trimEnd(), 'latin1');
  // python: bytes.strip(SB + CR), both ends
  let a = 0;
  let b = content.length;
  const strip = (c: number | undefined) => c === 0x0b || c === 0x0d;
  while (a < b && strip(content[a])) a++;
  while (b > a && strip(content[b - 1])) b--;
  return content.subarray(a, b);
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Tools the HL7 testbed needs on top of the base testbed's, and why they are missing. */
export function hl7ToolsAvailable(): { ok: boolean; why?: string } {
  const py = spawnSync(PYTHON, ['-c', 'import hl7.mllp, hl7.client'], { stdio: 'ignore' });
  if (py.status !== 0) return { ok: false, why: `${PYTHON} cannot import hl7.mllp (apt-get install python3-hl7)` };
  const ms = spawnSync('sh', ['-c', 'command -v mllp_send'], { stdio: 'ignore' });
  if (ms.status !== 0) return { ok: false, why: 'mllp_send missing (apt-get install python3-hl7)' };
  if (!existsSync(join(REPO_ROOT, 'node_modules', 'node-hl7-client'))) {
    return { ok: false, why: 'node-hl7-client missing (npm install)' };
  }
  return { ok: true };
}

/** One line of hl7-relay.py's log. */
export interface RelayLogRecord {
  event: 'received' | 'forwarded' | 'incomplete' | 'invalid-block';
  peer?: string;
  length?: number;
  sha256?: string;
  control_id?: string;
  to?: string;
  downstream_ack?: string;
}

export interface Hl7Receiver {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly process: BackgroundProcess;
  /** records logged so far */
  log(): RelayLogRecord[];
  stop(): Promise<void>;
}

export interface ReceiverOptions {
  host?: string;
  port?: number;
  /** 'ack' (default) or 'forward' (interface engine; needs `to`) */
  mode?: 'ack' | 'forward';
  /** downstream "IP:PORT" for forward mode */
  to?: string;
  /** MSH-3 / MSH-4 of the ACKs it sends */
  app?: string;
  facility?: string;
}

let logCounter = 0;

/** Start hl7-relay.py in a host's namespace and wait until it listens. */
export async function startHl7Receiver(tb: Testbed, opts: ReceiverOptions = {}): Promise<Hl7Receiver> {
  const h = opts.host ?? 'ehr';
  const port = opts.port ?? HL7_PORT;
  const logPath = join(tb.workDir, `relay-${h}-${port}-${logCounter++}.jsonl`);
  const args = [testbedFile('hl7-relay.py'), opts.mode ?? 'ack', '--port', String(port), '--log', logPath,
    '--app', opts.app ?? 'EHR', '--facility', opts.facility ?? 'GENERAL_HOSPITAL'];
  if (opts.to) args.push('--to', opts.to);
  const proc = tb.spawn(h, PYTHON, ['-u', ...args]);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exited()) throw new Error(`hl7-relay.py exited early: ${proc.output()}`);
    if (proc.output().includes('listening on')) break;
    if (Date.now() > deadline) throw new Error(`hl7-relay.py not listening on ${port}: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: h,
    ip: tb.ip(h),
    port,
    process: proc,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '')
      .split('\n').filter(Boolean).map((l) => JSON.parse(l) as RelayLogRecord),
    stop: () => proc.stop(),
  };
}

/** What one send call did. */
export interface SendResult {
  impl: SenderImpl;
  host: string;
  /** payloads as they went on the wire (between VT and FS) */
  wire: Buffer[];
  /** ACKs received (text, CR shown as \r) */
  acks: string[];
}

/**
 * Send messages with python-hl7's `mllp_send` from a host, one TCP connection,
 * each message waiting for its ACK.
 */
export async function sendWithMllpSend(tb: Testbed, from: string, to: { ip: string; port: number },
  messages: Buffer[]): Promise<SendResult> {
  const framed = Buffer.concat(messages.flatMap((m) => [Buffer.from([0x0b]), m, Buffer.from([0x1c, 0x0d])]));
  const path = join(mkdtempSync(join(tb.workDir, 'mllp-send-')), 'framed.bin');
  writeFileSync(path, framed);
  const r = await tb.run(from, 'mllp_send', ['-p', String(to.port), '-f', path, to.ip], { timeoutMs: 30_000 });
  // mllp_send prints each ACK (one recv) followed by "\n"
  const acks = r.stdout.split(/\n(?=\x0bMSH)|\x1c\r\n?/).map((s) => s.replace(/^\x0b/, '').trim()).filter(Boolean);
  return { impl: 'mllp_send', host: from, wire: messages.map((m) => wirePayload('mllp_send', m)), acks };
}

/**
 * Send messages with npm node-hl7-client from a host (a node process started
 * in the host's namespace), one TCP connection, each waiting for its ACK.
 */
export async function sendWithNode(tb: Testbed, from: string, to: { ip: string; port: number },
  messages: Buffer[]): Promise<SendResult> {
  const dir = mkdtempSync(join(tb.workDir, 'node-send-'));
  const files = messages.map((m, i) => {
    const p = join(dir, `${i}.hl7`);
    writeFileSync(p, m);
    return p;
  });
  const r = await tb.run(from, process.execPath, ['--import', 'tsx', testbedFile('hl7-tools.ts'), 'node-send',
    to.ip, String(to.port), ...files], { timeoutMs: 60_000, cwd: REPO_ROOT });
  const acks = (JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[]);
  if (acks.length !== messages.length) throw new Error(`node-hl7-client: ${acks.length} ACKs for ${messages.length} messages: ${r.stderr}`);
  return { impl: 'node-hl7-client', host: from, wire: messages.map((m) => wirePayload('node-hl7-client', m)), acks };
}

/** Entry point of the node sender, inside a namespace. Prints the ACKs as a JSON array. */
async function nodeSendMain(ip: string, port: number, files: string[]): Promise<void> {
  const { Client, Message } = await import('node-hl7-client');
  const client = new Client({ host: ip });
  const acks: string[] = [];
  let waiting: ((ack: string) => void) | undefined;
  const conn = client.createConnection({ port, encoding: 'latin1', waitAck: true }, async (res) => {
    const ack = res.getMessage().toString();
    acks.push(ack);
    waiting?.(ack);
  });
  await new Promise<void>((ok, fail) => {
    conn.once('connect', () => ok());
    setTimeout(() => fail(new Error('node-hl7-client: no connection in 10 s')), 10_000).unref();
  });
  for (const f of files) {
    // latin1 both ways: each byte of the file becomes one char and back again.
    const text = readFileSync(f).toString('latin1');
    const got = new Promise<string>((ok, fail) => {
      waiting = ok;
      setTimeout(() => fail(new Error(`no ACK for ${f} in 10 s`)), 10_000).unref();
    });
    await conn.sendMessage(new Message({ text }));
    await got;
  }
  await conn.close();
  process.stdout.write(`${JSON.stringify(acks)}\n`);
}

if (process.argv[2] === 'node-send' && process.argv[1]?.endsWith('hl7-tools.ts')) {
  const [ip, port, ...files] = process.argv.slice(3);
  nodeSendMain(ip ?? '', Number(port), files).then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
