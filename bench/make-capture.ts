/**
 * Builds a large benchmark capture by repeating small testbed captures with
 * distinct addresses per copy, so the flow table sees many different flows
 * and the inventory many different devices.
 *
 * Copy i belongs to address group g = i % groups: each testbed host
 * 192.0.2.X becomes 198.(18 + (g >> 8)).(g & 255).X (RFC 2544's benchmarking
 * range; the file is never replayed onto a network), and bytes 3-4 of every
 * MAC become g. Copies of one group are the same devices talking again
 * later: timestamps are shifted so every copy follows the previous one.
 * IPv4/TCP/UDP checksums are fixed incrementally (RFC 1624). Addresses inside
 * payloads (DHCP yiaddr) are left alone. Up to 512 groups.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { pcapHeader, readPcap } from '../scripts/lib/pcap-file.js';

/** RFC 1624 eqn. 3: update a one's-complement checksum for one changed 16-bit word. */
function adjust(sum: number, oldWord: number, newWord: number): number {
  let s = (~sum & 0xffff) + (~oldWord & 0xffff) + newWord;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function rewriteFrame(frame: Buffer, group: number): void {
  const hi = (group >> 8) & 0xff;
  const lo = group & 0xff;
  if (frame.length < 14) return;
  // Ethernet: give each copy its own MACs (bytes 3 and 4 of dst and src).
  frame[3] = hi;
  frame[4] = lo;
  frame[9] = hi;
  frame[10] = lo;
  let off = 12;
  let etherType = frame.readUInt16BE(off);
  while ((etherType === 0x8100 || etherType === 0x88a8) && off + 6 <= frame.length) {
    off += 4;
    etherType = frame.readUInt16BE(off);
  }
  off += 2;
  if (etherType !== 0x0800 || off + 20 > frame.length) return;
  const ihl = (frame[off] & 0x0f) * 4;
  const proto = frame[off + 9];
  const l4 = off + ihl;
  const words: Array<[number, number]> = [];
  for (const a of [off + 12, off + 16]) {
    if (frame[a] === 192 && frame[a + 1] === 0 && frame[a + 2] === 2) {
      const o1 = frame.readUInt16BE(a);
      const o2 = frame.readUInt16BE(a + 2);
      frame[a] = 198;
      frame[a + 1] = 18 + hi;
      frame[a + 2] = lo;
      words.push([o1, frame.readUInt16BE(a)], [o2, frame.readUInt16BE(a + 2)]);
    }
  }
  if (words.length === 0) return;
  let ipSum = frame.readUInt16BE(off + 10);
  for (const [o, n] of words) ipSum = adjust(ipSum, o, n);
  frame.writeUInt16BE(ipSum, off + 10);
  const sumAt = proto === 6 ? l4 + 16 : proto === 17 ? l4 + 6 : -1;
  if (sumAt < 0 || sumAt + 2 > frame.length) return;
  let sum = frame.readUInt16BE(sumAt);
  if (proto === 17 && sum === 0) return; // UDP without checksum
  for (const [o, n] of words) sum = adjust(sum, o, n);
  frame.writeUInt16BE(sum, sumAt);
}

/**
 * Write `copies` rewritten copies of the input captures to `out`, cycling
 * through `groups` address groups. Returns packets and bytes written.
 */
export function makeBenchCapture(inputs: string[], out: string, copies: number, groups = copies): { packets: number; bytes: number } {
  if (groups < 1 || groups > 512) throw new Error('groups must be 1..512');
  const sources = inputs.map(readPcap);
  const linkType = sources[0].linkType;
  if (sources.some((s) => s.linkType !== linkType)) throw new Error('inputs must share one link type');
  const fd = openSync(out, 'w');
  writeSync(fd, pcapHeader(linkType));
  const block = Buffer.alloc(8 << 20);
  let used = 0;
  let packets = 0;
  let bytes = 24;
  const flush = (): void => {
    writeSync(fd, block, 0, used);
    used = 0;
  };
  let clock = 1_700_000_000; // seconds; each copy starts after the previous one
  for (let i = 0; i < copies; i++) {
    for (const src of sources) {
      if (src.records.length === 0) continue;
      const t0 = src.records[0].sec;
      let last = clock;
      for (const r of src.records) {
        const need = 16 + r.frame.length;
        if (used + need > block.length) flush();
        const usec = r.usec;
        const sec = clock + (r.sec - t0);
        block.writeUInt32LE(sec, used);
        block.writeUInt32LE(usec, used + 4);
        block.writeUInt32LE(r.frame.length, used + 8);
        block.writeUInt32LE(r.origLen, used + 12);
        r.frame.copy(block, used + 16);
        rewriteFrame(block.subarray(used + 16, used + need), i % groups);
        used += need;
        packets++;
        bytes += need;
        last = sec;
      }
      clock = last + 2;
    }
  }
  flush();
  closeSync(fd);
  return { packets, bytes };
}
