/**
 * IP literals and CIDR blocks, IPv4 (RFC 791 dotted quad) and IPv6 (RFC 4291
 * §2.2 text forms, RFC 5952 output), as bigints. Active checks use these to
 * decide who may be probed, so parsing is strict: no hostnames, no zone ids,
 * no octal or shortened IPv4 ("10.1"), no host bits set in a CIDR block.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 compressed IPv6. */
  text: string;
}

export interface Cidr {
  family: IpFamily;
  /** Network address (host bits zero). */
  base: bigint;
  prefix: number;
  /** Canonical "address/prefix". */
  text: string;
}

const V4_OCTET = /^(?:0|[1-9]\d{0,2})$/;

function parseV4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!V4_OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(text: string): bigint | null {
  if (text.length === 0 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let head = text;
  let tail4: bigint | null = null;
  // RFC 4291 §2.2 form 3: x:x:x:x:x:x:d.d.d.d
  if (text.includes('.')) {
    const i = text.lastIndexOf(':');
    if (i < 0) return null;
    tail4 = parseV4(text.slice(i + 1));
    if (tail4 === null) return null;
    // keep a trailing ':' only when it belongs to '::'
    head = text[i - 1] === ':' ? text.slice(0, i + 1) : text.slice(0, i);
  }
  const groupsWanted = tail4 === null ? 8 : 6;
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::') && dbl >= 0) return null;
  const toGroups = (s: string): string[] | null => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : null;
  };
  let groups: string[];
  if (dbl >= 0) {
    const left = toGroups(head.slice(0, dbl));
    const right = toGroups(head.slice(dbl + 2));
    if (!left || !right) return null;
    const missing = groupsWanted - left.length - right.length;
    if (missing < 1) return null;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    const g = toGroups(head);
    if (!g || g.length !== groupsWanted) return null;
    groups = g;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  if (tail4 !== null) v = (v << 32n) | tail4;
  return v;
}

/** RFC 5952 §4: lower case, leading zeros dropped, longest run (≥2) of zero groups as '::'. */
function formatV6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function formatV4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

/** Text of an address value. */
export function formatIp(family: IpFamily, value: bigint): string {
  return family === 4 ? formatV4(value) : formatV6(value);
}

/** Parse one IP literal; null when it is not exactly one IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | null {
  const t = text.trim();
  const v4 = parseV4(t);
  if (v4 !== null) return { family: 4, value: v4, text: formatV4(v4) };
  if (!t.includes(':')) return null;
  const v6 = parseV6(t);
  if (v6 === null) return null;
  return { family: 6, value: v6, text: formatV6(v6) };
}

const bits = (f: IpFamily): number => (f === 4 ? 32 : 128);

/**
 * Parse "address/prefix" (or a bare address = a single-host block). Host bits
 * must be zero: "192.0.2.7/24" is refused rather than silently widened, since
 * an operator who typed it may have meant only that host.
 */
export function parseCidr(text: string): Cidr | { error: string } {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) return { error: `'${text}' is not an IPv4 or IPv6 address or CIDR block (host names are not accepted)` };
  const max = bits(ip.family);
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return { error: `'${text}': prefix length must be 0-${max}` };
    prefix = Number(p);
  }
  const hostMask = (1n << BigInt(max - prefix)) - 1n;
  if ((ip.value & hostMask) !== 0n) {
    const base = ip.value & ~hostMask;
    return { error: `'${text}' has host bits set; the block is ${formatIp(ip.family, base)}/${prefix} (write that, or the single address)` };
  }
  return { family: ip.family, base: ip.value, prefix, text: `${ip.text}/${prefix}` };
}

/** Does the block hold the address? */
export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  if (c.family !== ip.family) return false;
  const shift = BigInt(bits(c.family) - c.prefix);
  return ip.value >> shift === c.base >> shift;
}

/** Number of addresses in the block. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bits(c.family) - c.prefix);
}

/**
 * The addresses of a block a scan may target, in order: for IPv4 blocks
 * larger than /31 the network and broadcast addresses are left out (RFC 919,
 * RFC 3021). Yields lazily so a huge block costs nothing until consumed.
 */
export function* cidrHosts(c: Cidr): Generator<IpAddress> {
  const size = cidrSize(c);
  let first = c.base;
  let last = c.base + size - 1n;
  if (c.family === 4 && c.prefix < 31) {
    first += 1n;
    last -= 1n;
  }
  for (let v = first; v <= last; v++) yield { family: c.family, value: v, text: formatIp(c.family, v) };
}
