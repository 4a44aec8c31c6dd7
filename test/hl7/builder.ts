/**
 * Test helpers: build HL7 messages and MLLP frames, run byte streams through
 * the analyzer with chosen cut points.
 */
import type { Direction } from '../../protocols/common/analyzer.js';
import { createHl7Analyzer, type Hl7Options } from '../../protocols/hl7/stream.js';
import type { Hl7Event, Hl7MessageEvent, Hl7StreamStats } from '../../protocols/hl7/events.js';

export const SB = 0x0b;
export const EB = 0x1c;
export const CR = 0x0d;

/** Join segments with a terminator (default CR). */
export function message(segments: string[], eol = '\r', encoding: BufferEncoding = 'latin1'): Buffer {
  return Buffer.from(segments.join(eol) + eol, encoding);
}

/** Wrap a payload in MLLP start and end blocks (HL7 v2.5 Appendix C.4.2). */
export function mllp(payload: Buffer | string): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  return Buffer.concat([Buffer.from([SB]), p, Buffer.from([EB, CR])]);
}

export type Feed = { dir: Direction; bytes: Buffer } | { dir: Direction; gap: number };

/** Run feeds through a fresh analyzer; `cuts(len)` picks split points inside each byte feed. */
export function run(
  feeds: Feed[],
  opts: Hl7Options = {},
  cuts?: (len: number) => number[],
  onChunk?: (stats: Hl7StreamStats) => void,
): { events: Hl7Event[]; stats: Hl7StreamStats } {
  const events: Hl7Event[] = [];
  const a = createHl7Analyzer((e) => events.push(e), opts);
  for (const f of feeds) {
    if ('gap' in f) {
      a.gap(f.dir, f.gap, 1);
      continue;
    }
    const points = cuts ? cuts(f.bytes.length) : [];
    let prev = 0;
    for (const p of [...points, f.bytes.length]) {
      if (p <= prev) continue;
      // copy into a scratch buffer that is then scribbled over: the analyzer must not keep views
      const chunk = Buffer.from(f.bytes.subarray(prev, p));
      a.data(f.dir, chunk, 1);
      chunk.fill(0x5a);
      onChunk?.(a.stats);
      prev = p;
    }
  }
  a.end('orig', 'fin', 2);
  a.end('resp', 'fin', 2);
  return { events, stats: a.stats };
}

export function messages(events: Hl7Event[]): Hl7MessageEvent[] {
  return events.filter((e): e is Hl7MessageEvent => e.type === 'hl7.message');
}

export function anomalies(events: Hl7Event[], kind?: string): Hl7Event[] {
  return events.filter((e) => e.type === 'anomaly' && (kind === undefined || e.kind === kind));
}

/** An IHE PCD-01 style ORU^R01 with a device EUI-64 in OBX-18. */
export function pcdMessage(control = 'MSG1', eol = '\r'): Buffer {
  return message(
    [
      'MSH|^~\\&|INFUSION^0011223344556677^EUI-64|WARD3^1.2.3^ISO|GW||20240101120000||ORU^R01^ORU_R01|' + control + '|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
      'SFT|Acme Medical|4.2.1|PumpOS|build-77||20230101',
      'PID|||CANARY-MRN-4411||CANARY^PATIENT',
      'OBR|1|||69837^MDC_DEV_PUMP_INFUS_MDS^MDC',
      'OBX|1||69837^MDC_DEV_PUMP_INFUS_MDS^MDC|1|||||||X|||||||AABBCCDDEEFF0011^EUI-64',
      'OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.1|42|ml/h^ml/h^UCUM|||||R|||||||AABBCCDDEEFF0011^^AABBCCDDEEFF0011^EUI-64',
    ],
    eol,
  );
}
