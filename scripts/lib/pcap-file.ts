/**
 * Minimal classic-pcap reader and writer for fixture tooling (benchmark
 * capture builder, impairment tests). auscult itself reads captures through
 * libpcap; this exists so tools can rewrite files without a dependency.
 *
 * Format: libpcap file format (tcpdump.org/manpages/pcap-savefile.5.html):
 * 24-byte global header, then 16-byte record headers + frames.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

export interface PcapRecord {
  sec: number;
  /** Microseconds (nanosecond files are converted on read). */
  usec: number;
  origLen: number;
  /** A view into the file buffer. */
  frame: Buffer;
}

export interface PcapFile {
  linkType: number;
  snapLen: number;
  records: PcapRecord[];
}

/** Read a classic pcap file in either byte order. Throws on pcapng or garbage. */
export function readPcap(path: string): PcapFile {
  const buf = readFileSync(path);
  if (buf.length < 24) throw new Error(`${path}: too short for a pcap header`);
  const magicLE = buf.readUInt32LE(0);
  const magicBE = buf.readUInt32BE(0);
  let le: boolean;
  let nsec: boolean;
  if (magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC) {
    le = true;
    nsec = magicLE === PCAP_MAGIC_NSEC;
  } else if (magicBE === PCAP_MAGIC_USEC || magicBE === PCAP_MAGIC_NSEC) {
    le = false;
    nsec = magicBE === PCAP_MAGIC_NSEC;
  } else {
    throw new Error(`${path}: not a classic pcap file (convert pcapng with: editcap -F pcap IN OUT)`);
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const records: PcapRecord[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const capLen = u32(off + 8);
    if (off + 16 + capLen > buf.length) break;
    const frac = u32(off + 4);
    records.push({
      sec: u32(off),
      usec: nsec ? Math.floor(frac / 1000) : frac,
      origLen: u32(off + 12),
      frame: buf.subarray(off + 16, off + 16 + capLen),
    });
    off += 16 + capLen;
  }
  return { linkType: u32(20) & 0x0fffffff, snapLen: u32(16), records };
}

/** The 24-byte global header of a little-endian microsecond pcap. */
export function pcapHeader(linkType: number, snapLen = 262144): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(PCAP_MAGIC_USEC, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snapLen, 16);
  h.writeUInt32LE(linkType, 20);
  return h;
}

/** Write records as a little-endian microsecond pcap. */
export function writePcap(path: string, file: PcapFile): void {
  const parts: Buffer[] = [pcapHeader(file.linkType, file.snapLen)];
  for (const r of file.records) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(r.sec, 0);
    h.writeUInt32LE(r.usec, 4);
    h.writeUInt32LE(r.frame.length, 8);
    h.writeUInt32LE(r.origLen, 12);
    parts.push(h, r.frame);
  }
  writeFileSync(path, Buffer.concat(parts));
}
