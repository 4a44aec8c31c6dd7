/**
 * Hand-built DHCP messages for the parser tests. Each helper writes the
 * bytes a field holds on the wire, so the tests read like annotated hex.
 */

/** One option TLV: code, length, value (RFC 2132 §2). */
export function opt(code: number, value: number[] | string | Buffer): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  return Buffer.concat([Buffer.from([code, v.length]), v]);
}

export const PAD = Buffer.from([0x00]);
export const END = Buffer.from([0xff]);
/** RFC 2131 §3 magic cookie 99.130.83.99. */
export const COOKIE = Buffer.from([0x63, 0x82, 0x53, 0x63]);

export interface HeaderSpec {
  op?: number;
  htype?: number;
  hlen?: number;
  hops?: number;
  xid?: number;
  flags?: number;
  ciaddr?: number[];
  yiaddr?: number[];
  siaddr?: number[];
  giaddr?: number[];
  chaddr?: number[];
  /** raw bytes for the 64-byte sname field (options when overloaded) */
  sname?: Buffer;
  /** raw bytes for the 128-byte file field */
  file?: Buffer;
}

/** RFC 2131 §2 fixed header, 236 bytes. Defaults: a BOOTREQUEST from 00:09:fb:01:02:03. */
export function header(h: HeaderSpec = {}): Buffer {
  const b = Buffer.alloc(236);
  b[0] = h.op ?? 1; // op: 1 BOOTREQUEST
  b[1] = h.htype ?? 1; // htype: Ethernet
  b[2] = h.hlen ?? 6; // hlen
  b[3] = h.hops ?? 0; // hops
  b.writeUInt32BE(h.xid ?? 0x12345678, 4); // xid
  b.writeUInt16BE(0, 8); // secs
  b.writeUInt16BE(h.flags ?? 0, 10); // flags
  Buffer.from(h.ciaddr ?? [0, 0, 0, 0]).copy(b, 12);
  Buffer.from(h.yiaddr ?? [0, 0, 0, 0]).copy(b, 16);
  Buffer.from(h.siaddr ?? [0, 0, 0, 0]).copy(b, 20);
  Buffer.from(h.giaddr ?? [0, 0, 0, 0]).copy(b, 24);
  Buffer.from(h.chaddr ?? [0x00, 0x09, 0xfb, 0x01, 0x02, 0x03]).copy(b, 28); // chaddr (16 bytes)
  if (h.sname) h.sname.copy(b, 44, 0, 64); // sname (64 bytes)
  if (h.file) h.file.copy(b, 108, 0, 128); // file (128 bytes)
  return b;
}

/** A whole message: header, cookie, then the given option bytes verbatim (add END yourself). */
export function message(h: HeaderSpec, ...options: Buffer[]): Buffer {
  return Buffer.concat([header(h), COOKIE, ...options]);
}

/** A DecodedPacket-like wrapper for dhcpEventFromPacket. */
export function packet(payload: Buffer, ts = 1000.5): { ts: number; srcIp: string; dstIp: string; srcMac: string; payload: Buffer } {
  return { ts, srcIp: '0.0.0.0', dstIp: '255.255.255.255', srcMac: '00:09:fb:01:02:03', payload };
}
