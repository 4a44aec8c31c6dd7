/**
 * A DICOM association told as a story, packet by packet: handshake, a lost
 * segment the server acknowledges anyway, the gap, and the close.
 */
import t from 'tap';
import { FlowTable } from '../../agent/flow/flow-table.js';
import { TCP_ACK, TCP_FIN, TCP_SYN } from '../../protocols/link/types.js';
import { recordingFactory, tcpPacket } from './helpers.js';

const MODALITY = { ip: '10.1.1.20', port: 50123, mac: '00:11:22:33:44:55' };
const PACS = { ip: '10.1.9.5', port: 104, mac: '66:77:88:99:aa:bb' };
const ISN_C = 4294967290; // the client's ISN, six below 2^32: its data wraps
const ISN_S = 7000;

t.test('modality talks to PACS; a segment is lost on the mirror port', (t) => {
  const rec = recordingFactory();
  const table = new FlowTable(rec.factory);
  const fromModality = (seq: number, flags: number, payload = '', ack = ISN_S + 1, ts = 1) =>
    table.packet(
      tcpPacket({
        src: MODALITY.ip, sport: MODALITY.port, dst: PACS.ip, dport: PACS.port,
        srcMac: MODALITY.mac, dstMac: PACS.mac, seq, ack, flags, payload: Buffer.from(payload), ts,
      }),
    );
  const fromPacs = (seq: number, flags: number, ack: number, payload = '', ts = 1) =>
    table.packet(
      tcpPacket({
        src: PACS.ip, sport: PACS.port, dst: MODALITY.ip, dport: MODALITY.port,
        srcMac: PACS.mac, dstMac: MODALITY.mac, seq, ack, flags, payload: Buffer.from(payload), ts,
      }),
    );

  // The modality opens the connection; PACS answers; the modality acknowledges.
  fromModality(ISN_C, TCP_SYN, '', 0);
  fromPacs(ISN_S, TCP_SYN | TCP_ACK, ISN_C + 1);
  fromModality(ISN_C + 1, TCP_ACK);
  t.equal(rec.all.length, 1, 'one connection, one analyzer');
  const conn = rec.all[0]!;
  t.match(conn.conn, { orig: MODALITY, resp: PACS, handshakeSeen: true }, 'the SYN sender is orig, MACs from the wire');
  t.equal(conn.conn.id, `tcp:10.1.1.20:50123-10.1.9.5:104#1`);

  // "ASSOC-RQ" goes out in two segments across the 2^32 wrap.
  const s1 = (ISN_C + 1) >>> 0;
  fromModality(s1, TCP_ACK, 'ASSOC');
  fromModality((s1 + 5) >>> 0, TCP_ACK, '-RQ|');
  t.equal(conn.bytes('orig').toString(), 'ASSOC-RQ|', 'in order across the wrap');

  // PACS answers; then the modality sends three segments and the mirror port drops the middle one.
  fromPacs(ISN_S + 1, TCP_ACK, (s1 + 9) >>> 0, 'ASSOC-AC|');
  fromModality((s1 + 9) >>> 0, TCP_ACK, 'P-DATA-1|', ISN_S + 10);
  // lost: 'P-DATA-2|' at s1 + 18 (9 bytes)
  fromModality((s1 + 27) >>> 0, TCP_ACK, 'P-DATA-3|', ISN_S + 10);
  t.equal(conn.bytes('orig').toString(), 'ASSOC-RQ|P-DATA-1|', 'P-DATA-3 is held behind the hole');
  t.same(conn.gaps('orig'), [], 'no gap yet: the retransmission may still come');
  t.equal(table.stats.outOfOrderSegments, 1);
  t.equal(table.stats.bytesHeld, 9);

  // PACS acknowledges everything: it got the segment the capture lost.
  fromPacs(ISN_S + 10, TCP_ACK, (s1 + 36) >>> 0);
  t.same(conn.gaps('orig'), [9], 'the ACK past the hole becomes a gap of exactly the lost length');
  t.equal(conn.bytes('orig').toString(), 'ASSOC-RQ|P-DATA-1|P-DATA-3|', 'held data follows the gap');
  t.equal(table.stats.bytesHeld, 0);

  // A late retransmission of the lost segment changes nothing.
  fromModality((s1 + 18) >>> 0, TCP_ACK, 'P-DATA-2|', ISN_S + 10);
  t.equal(conn.bytes('orig').toString(), 'ASSOC-RQ|P-DATA-1|P-DATA-3|');
  t.equal(table.stats.retransmittedBytes, 9);

  // Release: each side sends FIN; the last ACK arrives after the connection is gone.
  fromModality((s1 + 36) >>> 0, TCP_FIN | TCP_ACK, '', ISN_S + 10, 2);
  t.same(conn.ends('orig'), ['fin']);
  fromPacs(ISN_S + 10, TCP_FIN | TCP_ACK, (s1 + 37) >>> 0, '', 2);
  t.same(conn.ends('resp'), ['fin']);
  t.equal(conn.bytes('resp').toString(), 'ASSOC-AC|');
  t.equal(table.size, 0, 'closed connections are freed at once');
  t.equal(table.stats.flowsClosed.fin, 1);
  fromModality((s1 + 37) >>> 0, TCP_ACK, '', ISN_S + 11, 2);
  t.equal(table.size, 0, 'the last ACK does not open a new connection');
  t.equal(table.stats.lateAfterClose, 1);
  t.equal(table.stats.flowsCreated, 1);
  t.ok(conn.endIsLast('orig') && conn.endIsLast('resp'), 'nothing after end');
  t.end();
});
