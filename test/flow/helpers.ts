/**
 * Test helpers for the flow table: DecodedPacket builders (no capture needed)
 * and an analyzer that records what it is told.
 */
import type { ConnectionInfo, Direction, EndReason, StreamAnalyzer } from '../../protocols/common/analyzer.js';
import type { DecodedPacket } from '../../protocols/link/types.js';
import { TCP_ACK } from '../../protocols/link/types.js';

export interface TcpSpec {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  seq: number;
  ack?: number;
  flags?: number;
  payload?: Buffer;
  ts?: number;
  srcMac?: string | null;
  dstMac?: string | null;
}

/** A decoded TCP packet. ACK is implied when `ack` is given and flags are not. */
export function tcpPacket(s: TcpSpec): DecodedPacket {
  const flags = s.flags ?? (s.ack !== undefined ? TCP_ACK : 0);
  return {
    ts: s.ts ?? 1000,
    srcMac: s.srcMac === undefined ? null : s.srcMac,
    dstMac: s.dstMac === undefined ? null : s.dstMac,
    vlans: [],
    ipVersion: s.src.includes(':') ? 6 : 4,
    srcIp: s.src,
    dstIp: s.dst,
    ipProto: 6,
    srcPort: s.sport,
    dstPort: s.dport,
    tcp: { seq: s.seq >>> 0, ack: (s.ack ?? 0) >>> 0, flags, window: 65535 },
    payload: s.payload ?? Buffer.alloc(0),
    fragment: false,
  };
}

/** A decoded UDP packet. */
export function udpPacket(src: string, sport: number, dst: string, dport: number, payload: Buffer, ts = 1000): DecodedPacket {
  return {
    ts,
    srcMac: null,
    dstMac: null,
    vlans: [],
    ipVersion: 4,
    srcIp: src,
    dstIp: dst,
    ipProto: 17,
    srcPort: sport,
    dstPort: dport,
    tcp: null,
    payload,
    fragment: false,
  };
}

export type Recorded =
  | { kind: 'data'; dir: Direction; bytes: Buffer; ts: number }
  | { kind: 'gap'; dir: Direction; length: number; ts: number }
  | { kind: 'end'; dir: Direction; reason: EndReason; ts: number };

/** Records every call, copying chunks (they are only valid during the call). */
export class Recorder implements StreamAnalyzer {
  readonly events: Recorded[] = [];
  constructor(readonly conn: ConnectionInfo) {}
  data(dir: Direction, chunk: Buffer, ts: number): void {
    this.events.push({ kind: 'data', dir, bytes: Buffer.from(chunk), ts });
  }
  gap(dir: Direction, length: number, ts: number): void {
    this.events.push({ kind: 'gap', dir, length, ts });
  }
  end(dir: Direction, reason: EndReason, ts: number): void {
    this.events.push({ kind: 'end', dir, reason, ts });
  }

  /** Concatenated data bytes of one direction (gaps skipped). */
  bytes(dir: Direction): Buffer {
    return Buffer.concat(this.events.flatMap((e) => (e.kind === 'data' && e.dir === dir ? [e.bytes] : [])));
  }

  /** Gap lengths of one direction, in order. */
  gaps(dir: Direction): number[] {
    return this.events.flatMap((e) => (e.kind === 'gap' && e.dir === dir ? [e.length] : []));
  }

  /** End reasons of one direction (must be exactly one). */
  ends(dir: Direction): EndReason[] {
    return this.events.flatMap((e) => (e.kind === 'end' && e.dir === dir ? [e.reason] : []));
  }

  /**
   * The direction as runs: ['d', bytes] for data, ['g', n] for gaps, with
   * adjacent runs of the same kind merged (chunking is not part of the contract).
   */
  runs(dir: Direction): Array<['d', string] | ['g', number]> {
    const out: Array<['d', string] | ['g', number]> = [];
    for (const e of this.events) {
      if (e.dir !== dir || e.kind === 'end') continue;
      const last = out[out.length - 1];
      if (e.kind === 'data') {
        if (e.bytes.length === 0) continue;
        if (last !== undefined && last[0] === 'd') last[1] += e.bytes.toString('hex');
        else out.push(['d', e.bytes.toString('hex')]);
      } else if (last !== undefined && last[0] === 'g') last[1] += e.length;
      else out.push(['g', e.length]);
    }
    return out;
  }

  /** True when nothing was delivered after this direction's end. */
  endIsLast(dir: Direction): boolean {
    const mine = this.events.filter((e) => e.dir === dir);
    return mine.length > 0 && mine[mine.length - 1]!.kind === 'end';
  }
}

/** A factory that records every connection's analyzer. */
export function recordingFactory(): { factory: (c: ConnectionInfo) => Recorder; all: Recorder[] } {
  const all: Recorder[] = [];
  return {
    all,
    factory: (c) => {
      const r = new Recorder(c);
      all.push(r);
      return r;
    },
  };
}

/** Cut `len` bytes into segments at the given sorted cut points. */
export function cutAt(len: number, cuts: number[]): Array<[number, number]> {
  const points = [...new Set(cuts.map((c) => c % (len + 1)))].filter((c) => c > 0 && c < len).sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  let start = 0;
  for (const p of [...points, len]) {
    out.push([start, p]);
    start = p;
  }
  return len === 0 ? [] : out;
}
