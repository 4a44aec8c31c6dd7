/**
 * Flow table behaviour: connection identity, closing, eviction, caps,
 * ignored and failing analyzers, UDP passthrough.
 */
import t from 'tap';
import type { ConnectionInfo, EndReason, StreamAnalyzer } from '../../protocols/common/analyzer.js';
import { FlowTable } from '../../agent/flow/flow-table.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../protocols/link/types.js';
import { recordingFactory, tcpPacket, udpPacket } from './helpers.js';

const C = { src: '10.0.0.1', sport: 40000, dst: '10.0.0.2', dport: 104 };
const S = { src: '10.0.0.2', sport: 104, dst: '10.0.0.1', dport: 40000 };
const bytes = (s: string) => Buffer.from(s);

t.test('idle connections end with reason idle, held data delivered after a gap', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory, { idleTimeout: 10 });
  table.packet(tcpPacket({ ...C, seq: 100, flags: TCP_SYN, ts: 1000 }));
  table.packet(tcpPacket({ ...C, seq: 106, flags: TCP_PSH, payload: bytes('world'), ts: 1000 }));
  // A second connection that keeps talking every half second stays.
  const busy = { ...C, sport: 40001 };
  for (let ts = 1000; ts <= 1025; ts += 0.5) {
    table.packet(tcpPacket({ ...busy, seq: 5000 + (ts - 1000) * 2, flags: TCP_PSH, payload: bytes('ab'), ts }));
  }
  const quiet = rec.all[0]!;
  t.same(quiet.ends('orig'), ['idle']);
  t.same(quiet.ends('resp'), ['idle']);
  t.same(quiet.runs('orig'), [['g', 5], ['d', bytes('world').toString('hex')]], 'hole before held data becomes a gap');
  t.equal(quiet.events.find((e) => e.kind === 'end')!.ts <= 1012, true, 'evicted within a second or two of the timeout');
  t.equal(rec.all[1]!.ends('orig').length, 0, 'the busy connection is still open');
  t.equal(table.stats.flowsEvicted.idle, 1);
  t.equal(table.stats.flowsActive, 1);
  t.equal(table.stats.bytesHeld, 0);
  // With no packets at all, advance() moves the clock.
  table.advance(1100);
  t.same(rec.all[1]!.ends('orig'), ['idle']);
  t.equal(table.size, 0);
  t.end();
});

t.test('100k short connections keep the table within its flow cap (LRU eviction)', (t) => {
  let created = 0;
  const ended = new Map<string, number>();
  const factory = (c: ConnectionInfo): StreamAnalyzer => {
    created++;
    return {
      data() {},
      gap() {},
      end(_d, reason: EndReason) {
        ended.set(reason, (ended.get(reason) ?? 0) + 1);
        if (c.orig.port === 1 && reason === 'evicted') throw new Error('the hot flow must never be evicted');
      },
    };
  };
  const table = new FlowTable(factory, { maxFlows: 1000 });
  const hot = { src: '192.168.0.1', sport: 1, dst: '192.168.0.2', dport: 2575 };
  let maxActive = 0;
  for (let i = 0; i < 100_000; i++) {
    const ts = 1000 + i / 1000;
    const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const p = { src, sport: 50000, dst: '10.200.0.1', dport: 104, ts };
    table.packet(tcpPacket({ ...p, seq: 1, flags: TCP_SYN }));
    table.packet(tcpPacket({ ...p, seq: 2, flags: TCP_PSH, payload: bytes('x') }));
    if (i % 100 === 0) table.packet(tcpPacket({ ...hot, seq: 10 + i, flags: TCP_PSH, payload: bytes('y'), ts }));
    if (table.stats.flowsActive > maxActive) maxActive = table.stats.flowsActive;
  }
  t.ok(maxActive <= 1000, `flowsActive peaked at ${maxActive}`);
  t.equal(table.size, table.stats.flowsActive);
  t.equal(created, 100_001);
  t.equal(table.stats.capHits.flows, 100_001 - 1000);
  t.equal(table.stats.flowsEvicted.flowCap, 100_001 - 1000);
  t.equal(ended.get('evicted'), 2 * (100_001 - 1000), 'each evicted connection ends both directions');
  t.equal(table.stats.analyzerErrors, 0, 'the recently active flow survived');
  table.flush(5000);
  t.equal(table.stats.flowsActive, 0);
  t.equal(ended.get('eof'), 2000);
  t.end();
});

t.test('RST ends both directions at once, after giving up holes', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory);
  table.packet(tcpPacket({ ...C, seq: 0, flags: TCP_SYN }));
  table.packet(tcpPacket({ ...S, seq: 500, ack: 1, flags: TCP_SYN | TCP_ACK }));
  table.packet(tcpPacket({ ...C, seq: 1, ack: 501, payload: bytes('abc') }));
  table.packet(tcpPacket({ ...C, seq: 7, ack: 501, payload: bytes('ghi') }));
  table.packet(tcpPacket({ ...S, seq: 501, flags: TCP_RST }));
  const r = rec.all[0]!;
  t.same(r.runs('orig'), [['d', bytes('abc').toString('hex')], ['g', 3], ['d', bytes('ghi').toString('hex')]]);
  t.same(r.ends('orig'), ['rst']);
  t.same(r.ends('resp'), ['rst']);
  t.equal(table.size, 0);
  t.equal(table.stats.flowsClosed.rst, 1);
  // A second RST (they often come in pairs) is late, not a new flow.
  table.packet(tcpPacket({ ...C, seq: 10, flags: TCP_RST }));
  t.equal(table.stats.lateAfterClose, 1);
  // An RST for a connection we never saw creates nothing.
  table.packet(tcpPacket({ ...C, sport: 40002, seq: 10, flags: TCP_RST }));
  t.equal(table.stats.strayResets, 1);
  t.equal(table.stats.flowsCreated, 1);
  t.end();
});

t.test('a new SYN on the same ports starts a new connection; a retransmitted SYN does not', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory);
  table.packet(tcpPacket({ ...C, seq: 100, flags: TCP_SYN }));
  table.packet(tcpPacket({ ...C, seq: 100, flags: TCP_SYN }));
  t.equal(rec.all.length, 1, 'retransmitted SYN: same connection');
  table.packet(tcpPacket({ ...C, seq: 101, payload: bytes('old') }));
  table.packet(tcpPacket({ ...C, seq: 9000, flags: TCP_SYN }));
  t.equal(rec.all.length, 2);
  t.same(rec.all[0]!.ends('orig'), ['evicted']);
  t.equal(table.stats.flowsEvicted.portReuse, 1);
  table.packet(tcpPacket({ ...C, seq: 9001, payload: bytes('new') }));
  t.equal(rec.all[1]!.bytes('orig').toString(), 'new');
  t.not(rec.all[0]!.conn.id, rec.all[1]!.conn.id, 'ids are unique within a run');
  t.end();
});

t.test('SYN after a close reopens; SYN-ACK first anchors the lost SYN side', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory);
  // SYN lost: the SYN-ACK tells us the client's ISN+1 = 1001; the first 4 bytes were lost too.
  table.packet(tcpPacket({ ...S, seq: 50, ack: 1001, flags: TCP_SYN | TCP_ACK }));
  const r = rec.all[0]!;
  t.match(r.conn, { orig: { ip: C.src, port: C.sport }, resp: { ip: S.src, port: S.sport }, handshakeSeen: true });
  table.packet(tcpPacket({ ...C, seq: 1005, ack: 51, payload: bytes('tail') }));
  table.packet(tcpPacket({ ...C, seq: 1009, ack: 51, flags: TCP_FIN | TCP_ACK }));
  table.packet(tcpPacket({ ...S, seq: 51, ack: 1010, flags: TCP_FIN | TCP_ACK }));
  t.same(r.runs('orig'), [['g', 4], ['d', bytes('tail').toString('hex')]], 'the ACK of the FIN gives up the hole');
  t.same(r.ends('orig'), ['fin']);
  t.same(r.ends('resp'), ['fin']);
  t.equal(table.size, 0);
  table.packet(tcpPacket({ ...C, seq: 7, flags: TCP_SYN }));
  t.equal(table.size, 1, 'a SYN on a remembered key is a new connection');
  t.equal(rec.all.length, 2);
  t.end();
});

t.test('an ACK a moment before the data it covers does not invent a gap', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory);
  table.packet(tcpPacket({ ...C, seq: 0, flags: TCP_SYN }));
  table.packet(tcpPacket({ ...S, seq: 0, ack: 1, flags: TCP_SYN | TCP_ACK }));
  table.packet(tcpPacket({ ...S, seq: 1, ack: 6 })); // mirrored before the data
  table.packet(tcpPacket({ ...C, seq: 1, ack: 1, payload: bytes('hello') }));
  t.same(rec.all[0]!.gaps('orig'), []);
  t.equal(rec.all[0]!.bytes('orig').toString(), 'hello');
  // But when the next segment is beyond, the acknowledged hole is given up.
  table.packet(tcpPacket({ ...S, seq: 1, ack: 12 }));
  table.packet(tcpPacket({ ...C, seq: 14, ack: 1, payload: bytes('!') }));
  t.same(rec.all[0]!.gaps('orig'), [6], 'only the acknowledged part of the hole is given up');
  table.flush(2000);
  t.same(rec.all[0]!.gaps('orig'), [6, 2], 'the rest at end of capture');
  t.equal(rec.all[0]!.bytes('orig').toString(), 'hello!');
  t.end();
});

t.test('data after FIN is dropped and counted; implausible jumps are dropped', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory);
  table.packet(tcpPacket({ ...C, seq: 0, flags: TCP_SYN }));
  table.packet(tcpPacket({ ...C, seq: 1 + 2 ** 30 + 5, payload: bytes('far') }));
  t.equal(table.stats.implausibleSegments, 1);
  t.equal(table.stats.bytesHeld, 0);
  table.packet(tcpPacket({ ...C, seq: 1, flags: TCP_FIN | TCP_PSH, payload: bytes('ab') }));
  table.packet(tcpPacket({ ...C, seq: 3, payload: bytes('zz') }));
  const r = rec.all[0]!;
  t.equal(r.bytes('orig').toString(), 'ab');
  t.same(r.ends('orig'), ['fin']);
  t.equal(table.stats.dataAfterFin, 2);
  t.ok(r.endIsLast('orig'));
  t.end();
});

t.test('per-direction and total byte caps force gaps and are counted', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory, { maxHeldBytesPerDirection: 100, maxHeldBytesTotal: 150 });
  const f1 = { ...C, sport: 1111 };
  const f2 = { ...C, sport: 2222 };
  table.packet(tcpPacket({ ...f1, seq: 0, flags: TCP_SYN }));
  table.packet(tcpPacket({ ...f2, seq: 0, flags: TCP_SYN }));
  table.packet(tcpPacket({ ...f1, seq: 11, payload: Buffer.alloc(90, 1) })); // hole of 10, 90 held
  t.equal(table.stats.bytesHeld, 90);
  table.packet(tcpPacket({ ...f1, seq: 101, payload: Buffer.alloc(20, 2) })); // 110 > 100: give up the hole
  t.equal(table.stats.capHits.perFlowBytes, 1);
  t.same(rec.all[0]!.runs('orig'), [['g', 10], ['d', Buffer.concat([Buffer.alloc(90, 1), Buffer.alloc(20, 2)]).toString('hex')]]);
  table.packet(tcpPacket({ ...f1, seq: 141, payload: Buffer.alloc(80, 3) })); // f1 holds 80
  table.packet(tcpPacket({ ...f2, seq: 21, payload: Buffer.alloc(60, 4) })); // 140 total: fits
  t.equal(table.stats.bytesHeld, 140);
  table.packet(tcpPacket({ ...f2, seq: 91, payload: Buffer.alloc(30, 5) })); // 170 > 150: largest (f1) gives way
  t.ok(table.stats.capHits.totalBytes >= 1);
  t.same(rec.all[0]!.gaps('orig'), [10, 20], 'the largest holder gave up its hole');
  t.same(rec.all[1]!.gaps('orig'), [], 'the requester kept its hole');
  t.equal(table.stats.bytesHeld, 90);
  t.ok(table.stats.bytesHeldPeak <= 150);
  t.end();
});

t.test('ignored connections are tracked cheaply; a throwing analyzer is detached', (t) => {
  let calls = 0;
  const table = new FlowTable((c) =>
    c.resp.port === 104
      ? {
          data() {
            calls++;
            throw new Error('parser bug');
          },
          gap() {},
          end() {
            calls++;
          },
        }
      : null,
  );
  const other = { ...C, dport: 22 };
  table.packet(tcpPacket({ ...other, seq: 0, flags: TCP_SYN }));
  table.packet(tcpPacket({ ...other, seq: 50, payload: Buffer.alloc(100) }));
  t.equal(table.stats.bytesHeld, 0, 'nothing held for an ignored connection');
  table.packet(tcpPacket({ ...other, seq: 150, flags: TCP_FIN }));
  table.packet(tcpPacket({ ...other, src: C.dst, dst: C.src, sport: 22, dport: C.sport, seq: 9, flags: TCP_FIN }));
  t.equal(table.size, 0, 'FIN both ways closes an ignored connection too');
  t.doesNotThrow(() => {
    table.packet(tcpPacket({ ...C, seq: 0, flags: TCP_SYN }));
    table.packet(tcpPacket({ ...C, seq: 1, payload: bytes('boom') }));
    table.packet(tcpPacket({ ...C, seq: 5, payload: bytes('more') }));
    table.flush(2000);
  });
  t.equal(calls, 1, 'no calls after the analyzer threw');
  t.equal(table.stats.analyzerErrors, 1);
  t.end();
});

t.test('direction guess mid-stream, MACs, IPv6 ids, UDP and odd packets', (t) => {
  const rec = recordingFactory();
  const udp: string[] = [];
  const table = new FlowTable(rec.factory, { onUdp: (p) => udp.push(p.payload.toString()) });
  // Joined mid-stream with the server speaking first: port 104 marks the server.
  table.packet(tcpPacket({ ...S, seq: 77, ack: 5, payload: bytes('x'), srcMac: 'aa:aa:aa:aa:aa:aa', dstMac: '02:00:00:00:00:01' }));
  const r = rec.all[0]!;
  t.match(r.conn, { orig: { port: 40000, mac: '02:00:00:00:00:01' }, resp: { port: 104, mac: 'aa:aa:aa:aa:aa:aa' }, handshakeSeen: false });
  t.same(r.ends('resp'), [], 'data from the server is the resp direction');
  t.equal(r.bytes('resp').toString(), 'x');
  // The client's own packet replaces the stand-in MAC (a router's, seen as destination).
  table.packet(tcpPacket({ ...C, seq: 5, ack: 78, srcMac: 'cc:cc:cc:cc:cc:cc' }));
  t.equal(r.conn.orig.mac, 'cc:cc:cc:cc:cc:cc');
  // Both service ports: the lower one is the server.
  table.packet(tcpPacket({ src: '10.9.9.9', sport: 2575, dst: '10.9.9.8', dport: 104, seq: 1, payload: bytes('y') }));
  t.match(rec.all[1]!.conn, { orig: { port: 2575 }, resp: { port: 104 } });
  // Two ephemeral ports: the first sender is orig.
  table.packet(tcpPacket({ src: '10.9.9.9', sport: 50001, dst: '10.9.9.8', dport: 50002, seq: 1, payload: bytes('z') }));
  t.match(rec.all[2]!.conn, { orig: { port: 50001 }, resp: { port: 50002 } });
  table.packet(tcpPacket({ src: 'fe80::1', sport: 4000, dst: 'fe80::2', dport: 104, seq: 1, flags: TCP_SYN }));
  t.match(rec.all[3]!.conn.id, /^tcp:\[fe80::1\]:4000-\[fe80::2\]:104#4$/);
  table.packet(udpPacket('10.0.0.5', 68, '255.255.255.255', 67, bytes('dhcp')));
  t.same(udp, ['dhcp']);
  table.packet({ ...udpPacket('10.0.0.5', 1, '10.0.0.6', 2, bytes('')), ipProto: 1 });
  table.packet({ ...udpPacket('10.0.0.5', 1, '10.0.0.6', 2, bytes('')), fragment: true });
  table.packet({ ...udpPacket('10.0.0.5', 1, '10.0.0.6', 2, bytes('')), ipProto: 6 });
  t.match(table.stats, { udpPackets: 1, otherPackets: 1, fragments: 1, malformed: 1, midstreamJoins: 3, packets: 9 });
  t.end();
});

t.test('connections that differ in one address or port stay apart, packet after packet (last-connection fast path)', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory);
  const a = { ...C };
  const otherPort = { ...C, sport: 40002 };
  const otherIp = { ...C, src: '10.0.0.3' };
  const swapped = { src: C.dst, sport: C.sport, dst: C.src, dport: C.dport }; // ports kept, addresses swapped
  const specs = [a, otherPort, otherIp, swapped];
  specs.forEach((s, i) => table.packet(tcpPacket({ ...s, seq: 1000 * i, flags: TCP_SYN, ts: 1000 })));
  for (let round = 0; round < 3; round++) {
    specs.forEach((s, i) => {
      // Two packets in a row of one connection, then the next one's.
      table.packet(tcpPacket({ ...s, seq: 1000 * i + 1 + round * 2, flags: TCP_PSH, payload: bytes(`${i}`), ts: 1000 + round }));
      table.packet(tcpPacket({ ...s, seq: 1000 * i + 2 + round * 2, flags: TCP_PSH, payload: bytes(`${i}`), ts: 1000 + round }));
    });
  }
  t.equal(rec.all.length, 4, 'four connections');
  rec.all.forEach((r, i) => t.same(r.runs('orig'), [['d', bytes(`${i}`.repeat(6)).toString('hex')]], `connection ${i} got only its own bytes`));
  // The reply direction of the first connection is found too.
  table.packet(tcpPacket({ src: a.dst, sport: a.dport, dst: a.src, dport: a.sport, seq: 9000, flags: TCP_SYN | TCP_ACK, ts: 1004 }));
  table.packet(tcpPacket({ src: a.dst, sport: a.dport, dst: a.src, dport: a.sport, seq: 9001, flags: TCP_PSH, payload: bytes('r'), ts: 1004 }));
  t.same(rec.all[0]!.runs('resp'), [['d', bytes('r').toString('hex')]]);
  t.equal(rec.all.length, 4, 'no new connection for the reply');
  // Reset the last connection, then a new handshake on the same ports: a new connection, not the cached one.
  table.packet(tcpPacket({ ...a, seq: 8, flags: TCP_RST, ts: 1005 }));
  t.same(rec.all[0]!.ends('orig'), ['rst']);
  table.packet(tcpPacket({ ...a, seq: 50_000, flags: TCP_SYN, ts: 1006 }));
  table.packet(tcpPacket({ ...a, seq: 50_001, flags: TCP_PSH, payload: bytes('new'), ts: 1006 }));
  t.equal(rec.all.length, 5, 'the handshake after the reset opened a fifth connection');
  t.same(rec.all[4]!.runs('orig'), [['d', bytes('new').toString('hex')]]);
  t.end();
});
