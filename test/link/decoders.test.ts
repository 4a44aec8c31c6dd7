import t from 'tap';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame, decodeFrameInto, formatIpv6, newPacketScratch } from '../../protocols/link/decode.js';
import { readPcap } from '../../scripts/lib/pcap-file.js';
import { FIXTURES } from '../helpers/paths.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  TCP_ACK,
  TCP_PSH,
} from '../../protocols/link/types.js';

/** Hex with spaces/comments stripped: lines are annotated byte fixtures. */
function hex(s: string): Buffer {
  return Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');
}

// RFC 791 IPv4 (20 bytes, total length 44) + RFC 9293 TCP (24 bytes: one MSS option) + no data
const IPV4_TCP = `
  45 00 00 2c            # v4 IHL5, TOS, total length 44
  12 34 40 00            # id, DF, offset 0
  40 06 00 00            # TTL 64, proto 6 TCP, checksum (unchecked)
  c0 a8 01 0a            # src 192.168.1.10
  0a 00 00 68            # dst 10.0.0.104
  c3 50 00 68            # sport 50000, dport 104 (DICOM)
  00 00 00 01            # seq 1
  00 00 00 02            # ack 2
  60 18 ff ff            # data offset 6 (24 bytes), flags PSH|ACK, window 65535
  00 00 00 00            # checksum, urgent
  02 04 05 b4            # option: MSS 1460
`;
const ETH = `
  01 02 03 04 05 06      # dst MAC
  0a 0b 0c 0d 0e 0f      # src MAC
`;

t.test('Ethernet II + IPv4 + TCP with options and Ethernet padding', async (t) => {
  const frame = hex(ETH + '08 00' + IPV4_TCP + '00 00');
  const r = decodeFrame(LINKTYPE_ETHERNET, frame, 12.5);
  t.ok(r.ok);
  if (!r.ok) return;
  const p = r.packet;
  t.equal(p.dstMac, '01:02:03:04:05:06');
  t.equal(p.srcMac, '0a:0b:0c:0d:0e:0f');
  t.same(p.vlans, []);
  t.equal(p.srcIp, '192.168.1.10');
  t.equal(p.dstIp, '10.0.0.104');
  t.equal(p.ipProto, 6);
  t.equal(p.srcPort, 50000);
  t.equal(p.dstPort, 104);
  t.same(p.tcp, { seq: 1, ack: 2, flags: TCP_PSH | TCP_ACK, window: 65535 });
  t.equal(p.payload.length, 0, 'padding after the IP total length is not payload');
  t.equal(p.ts, 12.5);
  t.equal(p.fragment, false);
});

t.test('payload is a view of the frame, not a copy', async (t) => {
  const frame = hex(ETH + '08 00' + IPV4_TCP.replace('00 2c', '00 2e') + 'ab cd');
  const r = decodeFrame(LINKTYPE_ETHERNET, frame, 0);
  t.ok(r.ok);
  if (!r.ok) return;
  t.same([...r.packet.payload], [0xab, 0xcd]);
  frame[frame.length - 1] = 0xee;
  t.equal(r.packet.payload[1], 0xee);
});

t.test('802.1Q, 802.1ad and legacy 0x9100 tags, outermost first', async (t) => {
  const frame = hex(ETH + `
    91 00 00 0a          # legacy QinQ TPID, VID 10
    88 a8 20 14          # 802.1ad S-tag, PCP 1, VID 20
    81 00 0f ff          # 802.1Q C-tag, VID 4095
    08 00` + IPV4_TCP);
  const r = decodeFrame(LINKTYPE_ETHERNET, frame, 0);
  t.ok(r.ok);
  if (r.ok) t.same(r.packet.vlans, [10, 20, 4095]);
  const deep = hex(ETH + '81 00 00 01 '.repeat(9) + '08 00' + IPV4_TCP);
  const d = decodeFrame(LINKTYPE_ETHERNET, deep, 0);
  t.same(d.ok ? 'ok' : d.reason, 'malformed', 'more tags than the cap');
});

t.test('non-IP EtherTypes and 802.3 lengths are not-ip', async (t) => {
  for (const type of ['08 06', '88 cc', '00 40']) {
    const r = decodeFrame(LINKTYPE_ETHERNET, hex(ETH + type + '00'.repeat(30)), 0);
    t.equal(r.ok ? 'ok' : r.reason, 'not-ip', type);
  }
});

t.test('Linux SLL and SLL2 carry the source MAC only', async (t) => {
  const sll = hex(`
    00 04                # packet type: outgoing
    00 01                # ARPHRD_ETHER
    00 06                # address length 6
    0a 0b 0c 0d 0e 0f 00 00  # address, padded to 8
    08 00                # protocol IPv4` + IPV4_TCP);
  const r = decodeFrame(LINKTYPE_LINUX_SLL, sll, 0);
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.packet.srcMac, '0a:0b:0c:0d:0e:0f');
    t.equal(r.packet.dstMac, null);
    t.equal(r.packet.dstPort, 104);
  }
  const sll2 = hex(`
    08 00                # protocol IPv4
    00 00                # reserved
    00 00 00 02          # interface index 2
    00 01                # ARPHRD_ETHER
    00                   # packet type: to us
    06                   # address length
    0a 0b 0c 0d 0e 0f 00 00  # address` + IPV4_TCP);
  const r2 = decodeFrame(LINKTYPE_LINUX_SLL2, sll2, 0);
  t.ok(r2.ok);
  if (r2.ok) t.equal(r2.packet.srcMac, '0a:0b:0c:0d:0e:0f');
  // ARPHRD_NONE (tun): no MAC
  const tun = Buffer.from(sll2);
  tun.writeUInt16BE(0xfffe, 8);
  const r3 = decodeFrame(LINKTYPE_LINUX_SLL2, tun, 0);
  t.ok(r3.ok && r3.packet.srcMac === null);
  // VLAN tag re-inserted after the cooked header
  const tagged = hex(`81 00 00 00 00 00 00 02 00 01 00 06 0a 0b 0c 0d 0e 0f 00 00
    00 07 08 00          # VID 7, then IPv4` + IPV4_TCP);
  const r4 = decodeFrame(LINKTYPE_LINUX_SLL2, tagged, 0);
  t.ok(r4.ok && r4.packet.vlans[0] === 7);
});

// RFC 8200 IPv6 with hop-by-hop options and a first-fragment header, then UDP
const IPV6_UDP = `
  60 00 00 00            # v6, class 0, flow 0
  00 1c 00 40            # payload length 28, next header 0 (hop-by-hop), hop limit 64
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   # src 2001:db8::1
  fe 80 00 00 00 00 00 00 02 00 5e ff fe 00 53 00   # dst fe80::200:5eff:fe00:5300
  2c 00 01 04 00 00 00 00  # hop-by-hop: next 44 (fragment), len 0, router alert padding
  11 00 00 01 00 00 00 2a  # fragment: next 17 UDP, offset 0, M=1, id 42
  0b b8 0b b9 00 0c 00 00  # UDP 3000 -> 3001, length 12
  68 6c 37 21              # "hl7!"
`;

t.test('null (both byte orders) and loop carry IPv6 with extension headers', async (t) => {
  for (const [lt, af] of [
    [LINKTYPE_NULL, '1e 00 00 00'], // Darwin AF_INET6 30, little-endian host
    [LINKTYPE_NULL, '00 00 00 1c'], // FreeBSD AF_INET6 28, big-endian host
    [LINKTYPE_LOOP, '00 00 00 18'], // OpenBSD AF_INET6 24, network order
    [LINKTYPE_NULL, '0a 00 00 00'], // Linux AF_INET6 10
  ] as const) {
    const r = decodeFrame(lt, hex(af + IPV6_UDP), 0);
    t.ok(r.ok, af);
    if (!r.ok) continue;
    t.equal(r.packet.srcIp, '2001:db8::1');
    t.equal(r.packet.dstIp, 'fe80::200:5eff:fe00:5300');
    t.equal(r.packet.ipProto, 17);
    t.equal(r.packet.srcPort, 3000);
    t.equal(r.packet.payload.toString(), 'hl7!');
    t.equal(r.packet.fragment, true, 'first fragment is flagged');
  }
  const r = decodeFrame(LINKTYPE_NULL, hex('07 00 00 00' + IPV6_UDP), 0);
  t.equal(r.ok ? 'ok' : r.reason, 'not-ip', 'unknown address family');
});

t.test('IPv4 fragments: first keeps ports, later ones have no transport header', async (t) => {
  const first = hex(ETH + '08 00' + IPV4_TCP.replace('12 34 40 00', '12 34 20 00'));
  const r1 = decodeFrame(LINKTYPE_ETHERNET, first, 0);
  t.ok(r1.ok && r1.packet.fragment && r1.packet.dstPort === 104);
  const later = hex(ETH + '08 00' + IPV4_TCP.replace('12 34 40 00', '12 34 00 b9'));
  const r2 = decodeFrame(LINKTYPE_ETHERNET, later, 0);
  t.ok(r2.ok);
  if (r2.ok) {
    t.equal(r2.packet.fragment, true);
    t.equal(r2.packet.dstPort, 0);
    t.equal(r2.packet.tcp, null);
    t.equal(r2.packet.payload.length, 0);
  }
});

t.test('raw IP picks the version from the first nibble', async (t) => {
  const r = decodeFrame(LINKTYPE_RAW, hex(IPV4_TCP), 0);
  t.ok(r.ok && r.packet.ipVersion === 4);
  const r6 = decodeFrame(LINKTYPE_RAW, hex(IPV6_UDP), 0);
  t.ok(r6.ok && r6.packet.ipVersion === 6);
  const bad = decodeFrame(LINKTYPE_RAW, hex('50' + '00'.repeat(30)), 0);
  t.equal(bad.ok ? 'ok' : bad.reason, 'malformed');
  const unsupported = decodeFrame(127, hex(IPV4_TCP), 0);
  t.equal(unsupported.ok ? 'ok' : unsupported.reason, 'unsupported-link');
});

t.test('malformed and truncated headers are reported, not thrown', async (t) => {
  const full = hex(ETH + '08 00' + IPV4_TCP);
  const cases: [string, Buffer, string][] = [
    ['empty', Buffer.alloc(0), 'truncated'],
    ['ethernet cut', full.subarray(0, 13), 'truncated'],
    ['ipv4 cut', full.subarray(0, 30), 'truncated'],
    ['ipv4 total length beyond frame', full.subarray(0, full.length - 2), 'truncated'],
    ['tcp options cut', hex(ETH + '08 00' + IPV4_TCP.replace('60 18', 'f0 18')), 'truncated'],
    ['tcp data offset 4', hex(ETH + '08 00' + IPV4_TCP.replace('60 18', '40 18')), 'malformed'],
    ['IHL 4', hex(ETH + '08 00' + IPV4_TCP.replace('45 00', '44 00')), 'malformed'],
    ['total length < header', hex(ETH + '08 00' + IPV4_TCP.replace('00 2c', '00 10')), 'malformed'],
    ['udp length 4', hex('0a000000' + IPV6_UDP.replace('00 0c 00 00', '00 04 00 00')), 'malformed'],
    ['udp length beyond', hex('0a000000' + IPV6_UDP.replace('00 0c 00 00', '00 ff 00 00')), 'truncated'],
    ['ipv6 payload beyond', hex('0a000000' + IPV6_UDP.replace('00 1c 00 40', '00 ff 00 40')), 'truncated'],
  ];
  for (const [name, frame, reason] of cases) {
    const lt = name.startsWith('udp') || name.startsWith('ipv6') ? LINKTYPE_NULL : LINKTYPE_ETHERNET;
    const r = decodeFrame(lt, frame, 0);
    t.equal(r.ok ? 'ok' : r.reason, reason, name);
  }
});

t.test('RFC 5952 text form', async (t) => {
  const v6 = (s: string) => formatIpv6(Buffer.from(s.replace(/\s/g, ''), 'hex'), 0);
  t.equal(v6('00000000000000000000000000000001'), '::1');
  t.equal(v6('00000000000000000000000000000000'), '::');
  t.equal(v6('20010db8000000000001000000000001'), '2001:db8::1:0:0:1', 'first of two equal runs');
  t.equal(v6('20010db8000100000001000100010001'), '2001:db8:1:0:1:1:1:1', 'a single zero group stays');
  t.equal(v6('20010db8000000010001000100010001'), '2001:db8:0:1:1:1:1:1');
  t.equal(v6('00000000000000000000ffffc0000280'), '::ffff:192.0.2.128', 'IPv4-mapped');
  t.equal(v6('20010DB8ABCD0012000000000000000A'.toLowerCase()), '2001:db8:abcd:12::a');
  t.equal(v6('fe800000000000000000000000000000'), 'fe80::');
});

t.test('decodeFrameAt on a frame inside a larger buffer equals decodeFrame on the frame alone', async (t) => {
  const { decodeFrameAt } = await import('../../protocols/link/decode.js');
  const { readPcap } = await import('../../scripts/lib/pcap-file.js');
  const { readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(import.meta.dirname, '..', 'fixtures', 'link');
  let frames = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.pcap'))) {
    const cap = readPcap(join(dir, name));
    for (const r of cap.records) {
      // Garbage before and after the frame: the decoder must stay inside [start, end).
      const buf = Buffer.concat([Buffer.alloc(37, 0xa5), r.frame, Buffer.alloc(29, 0x5a)]);
      const alone = decodeFrame(cap.linkType, r.frame, 1);
      const inside = decodeFrameAt(cap.linkType, buf, 37, 37 + r.frame.length, 1);
      if (!alone.ok || !inside.ok) {
        t.same(inside, alone, `${name}: same failure`);
        continue;
      }
      const { payload: p1, ...h1 } = alone.packet;
      const { payload: p2, ...h2 } = inside.packet;
      t.same(h2, h1, `${name}: same headers`);
      t.ok(p2.equals(p1), `${name}: same payload`);
      frames++;
    }
  }
  t.ok(frames > 50, `${frames} frames compared`);
});

t.test('decodeFrameInto: frame after frame into one scratch packet, the same as a fresh decode of each', async (t) => {
  // Every committed capture in one sequence (TCP, UDP, IPv6, VLANs, link
  // types), so a field one frame sets and the next must clear (the TCP
  // header, a payload, ports, MACs) would show as a difference.
  const dir = FIXTURES;
  const files: string[] = [];
  for (const sub of readdirSync(dir)) {
    const d = join(dir, sub);
    if (!statSync(d).isDirectory()) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith('.pcap')) files.push(join(d, f));
  }
  const scratch = newPacketScratch();
  let decoded = 0;
  let failures = 0;
  let tcp = 0;
  let udp = 0;
  for (const f of files) {
    const cap = readPcap(f);
    for (const r of cap.records) {
      const ts = r.sec + r.usec / 1e6;
      const fresh = decodeFrame(cap.linkType, r.frame, ts);
      // Inside a larger buffer, as in a capture batch.
      const batch = Buffer.concat([Buffer.alloc(7, 0xee), r.frame, Buffer.alloc(5, 0xee)]);
      const err = decodeFrameInto(cap.linkType, batch, 7, 7 + r.frame.length, ts, scratch);
      if (!fresh.ok) {
        failures++;
        if (err === null || err.reason !== fresh.reason) t.fail(`${f}: frame failed fresh (${fresh.reason}) but into: ${err?.reason ?? 'ok'}`);
        continue;
      }
      if (err !== null) {
        t.fail(`${f}: ${err.reason} into scratch, fresh decode was fine`);
        continue;
      }
      const p = scratch.packet;
      // A TCP payload comes as source and range, not as a view (bypass needs none).
      const { payloadSource, payloadStart, payloadLength, ...rest } = p;
      const payload = payloadSource ? payloadSource.subarray(payloadStart, payloadStart! + payloadLength!) : p.payload;
      if (payloadSource && (p.ipProto !== 6 || p.payload.length !== 0)) t.fail('a payload range only for TCP, with no view');
      const same = { ...rest, tcp: p.tcp === null ? null : { ...p.tcp }, payload: payload.toString('hex') };
      const { payloadSource: _s, payloadStart: _a, payloadLength: _l, ...freshRest } = fresh.packet;
      if (_s) t.fail('a fresh decode makes a view, never a range');
      const want = { ...freshRest, payload: fresh.packet.payload.toString('hex') };
      if (JSON.stringify(same) !== JSON.stringify(want)) t.fail(`${f}: ${JSON.stringify(same)} != ${JSON.stringify(want)}`);
      if (p.tcp !== null && p.tcp !== scratch.tcp) t.fail('the TCP header is the scratch one');
      decoded++;
      if (p.ipProto === 6) tcp++;
      if (p.ipProto === 17) udp++;
    }
  }
  t.ok(decoded > 1000 && tcp > 0 && udp > 0 && failures > 0, `${decoded} frames (${tcp} TCP, ${udp} UDP), ${failures} not decodable, over ${files.length} captures`);
});
