/**
 * Checking one incoming frame against the protocol (collector/protocol.ts):
 * size, JSON, type, version, then the JSON Schema of its type
 * (collector/schemas/*.schema.json, checked with the rules/ subset
 * validator). Every refusal has a stable code the agent can act on.
 */
import type { JsonSchema } from '../rules/fingerprint/json-schema.js';
import { compileSchema } from './schema-check.js';
import { prepare, type Prepared } from './prepare.js';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type AgentMessage, type HelloMessage } from './protocol.js';
// Imported (not read from disk) so tsc copies them into dist/.
import deviceSchema from './schemas/device.schema.json' with { type: 'json' };
import findingClosedSchema from './schemas/finding-closed.schema.json' with { type: 'json' };
import findingSchema from './schemas/finding.schema.json' with { type: 'json' };
import helloSchema from './schemas/hello.schema.json' with { type: 'json' };
import statsSchema from './schemas/stats.schema.json' with { type: 'json' };

/** RefusedMessage.code values. */
export type RefusalCode = 'invalid-json' | 'unknown-type' | 'schema' | 'too-large' | 'version' | 'not-hello';

/** `text`: the message as received (its device or finding is stored as sent, collector/json-member.ts). */
export type Checked = { ok: true; msg: AgentMessage; text: string } | { ok: false; code: RefusalCode; seq: number | null; reason: string };

const TYPES = ['hello', 'device', 'finding', 'finding-closed', 'stats'] as const;

/** One schema per message type. */
export const MESSAGE_SCHEMAS: Record<(typeof TYPES)[number], JsonSchema> = {
  hello: helloSchema as JsonSchema,
  device: deviceSchema as JsonSchema,
  finding: findingSchema as JsonSchema,
  'finding-closed': findingClosedSchema as JsonSchema,
  stats: statsSchema as JsonSchema,
};

const CHECKS = Object.fromEntries(TYPES.map((t) => [t, compileSchema(MESSAGE_SCHEMAS[t])])) as Record<(typeof TYPES)[number], (v: unknown) => string[]>;

/** Problems quoted in a 'schema' refusal (the rest are counted). */
const MAX_PROBLEMS_QUOTED = 5;

function seqOf(v: Record<string, unknown>): number | null {
  const s = v['seq'];
  return typeof s === 'number' && Number.isSafeInteger(s) ? s : null;
}

/** The seq of a message too large to parse, read from its text when it is near the start. */
function sniffSeq(data: Buffer): number | null {
  const m = /"seq"\s*:\s*(\d{1,15})\b/.exec(data.subarray(0, 4096).toString('latin1'));
  return m ? Number(m[1]) : null;
}

/**
 * Checks one frame. `helloed` says whether this connection has sent its
 * hello yet (anything else before it is refused with 'not-hello').
 */
export function checkFrame(data: Buffer, isBinary: boolean, helloed: boolean): Checked {
  if (data.length > MAX_MESSAGE_BYTES) {
    return { ok: false, code: 'too-large', seq: sniffSeq(data), reason: `message is ${data.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit; split it` };
  }
  if (isBinary) return { ok: false, code: 'invalid-json', seq: null, reason: 'binary frame: send each message as one JSON text frame' };
  let value: unknown;
  const text = data.toString('utf8');
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'invalid-json', seq: null, reason: `not JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'invalid-json', seq: null, reason: 'a message is a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  const seq = seqOf(obj);
  const type = obj['type'];
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    return { ok: false, code: 'unknown-type', seq, reason: `unknown message type ${JSON.stringify(type)}; expected one of ${TYPES.join(', ')}` };
  }
  if (obj['v'] !== PROTOCOL_VERSION) {
    return { ok: false, code: 'version', seq, reason: `protocol version ${JSON.stringify(obj['v'])} is not supported; this collector speaks v${PROTOCOL_VERSION}` };
  }
  if (!helloed && type !== 'hello') return { ok: false, code: 'not-hello', seq, reason: `the first message must be 'hello' (got '${type}')` };
  const problems = CHECKS[type as (typeof TYPES)[number]](value);
  if (problems.length > 0) {
    const more = problems.length > MAX_PROBLEMS_QUOTED ? ` (and ${problems.length - MAX_PROBLEMS_QUOTED} more)` : '';
    return { ok: false, code: 'schema', seq, reason: `${type} message breaks its schema: ${problems.slice(0, MAX_PROBLEMS_QUOTED).join('; ')}${more}` };
  }
  return { ok: true, msg: value as AgentMessage, text };
}

/**
 * The messages of one frame: the whole frame, or (collector/protocol.ts)
 * each of its lines. Blank lines (a trailing newline, CRLF endings) carry
 * nothing and are skipped. A binary frame is one (refused) message.
 */
export function forEachMessage(data: Buffer, isBinary: boolean, fn: (message: Buffer, isBinary: boolean) => void): void {
  let nl = isBinary ? -1 : data.indexOf(0x0a);
  if (nl < 0) return fn(data, isBinary);
  let start = 0;
  while (start < data.length) {
    if (nl < 0) nl = data.length;
    if (nl > start && !(nl === start + 1 && data[start] === 0x0d)) fn(data.subarray(start, nl), false);
    start = nl + 1;
    nl = data.indexOf(0x0a, start);
  }
}

/** What checking (and preparing) one message gave. */
export type Ingested =
  | { k: 'item'; p: Prepared }
  | { k: 'hello'; msg: HelloMessage }
  | { k: 'refused'; code: RefusalCode; seq: number | null; reason: string };

/**
 * Checks and prepares every message of a frame, in order. `session.helloed`
 * is read for each message and set by a good hello.
 */
export function ingestFrame(data: Buffer, isBinary: boolean, session: { helloed: boolean }): Ingested[] {
  const out: Ingested[] = [];
  forEachMessage(data, isBinary, (message, binary) => {
    const c = checkFrame(message, binary, session.helloed);
    if (!c.ok) out.push({ k: 'refused', code: c.code, seq: c.seq, reason: c.reason });
    else if (c.msg.type === 'hello') {
      session.helloed = true;
      out.push({ k: 'hello', msg: c.msg });
    } else out.push({ k: 'item', p: prepare(c.msg, c.text) });
  });
  return out;
}
