// Proves the HL7 / MLLP testbed works: one message from each MLLP
// implementation (python-hl7 mllp_send, npm node-hl7-client) is ACKed by the
// python-hl7 receiver, arrives byte for byte as expected, and is captured on
// the bridge from the hosts' fixed MACs, decodable by tshark as HL7.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { testbedAvailable, withTestbed } from '../../scripts/testbed/testbed.js';
import {
  HL7_HOSTS, HL7_PORT, hl7ToolsAvailable, sendWithMllpSend, sendWithNode, sha256, startHl7Receiver,
} from '../../scripts/testbed/hl7-tools.js';
import { SHARED_HL7 } from '../../scripts/lib/paths.js';

const DATA = SHARED_HL7;
const base = testbedAvailable({ tools: ['tshark'] });
const tools = base.ok ? hl7ToolsAvailable() : base;
let skip: string | false = tools.ok ? false : (tools.why ?? 'unavailable');
let adt: Buffer | undefined;
let oru: Buffer | undefined;
if (!skip) {
  try {
    adt = readFileSync(`${DATA}/ipf_adt_a01_v22_sap.hl7`);
    oru = readFileSync(`${DATA}/ipf_pcd01_request.hl7`);
  } catch {
    skip = `HL7 sample data not found in ${DATA} (set AUSCULT_HL7_DATA)`;
  }
}
const hosts = HL7_HOSTS.filter((h) => ['ehr', 'adt', 'pcdgw'].includes(h.name));

t.test('MLLP across the testbed is ACKed and captured on the SPAN port', { skip }, async (t) => {
  const { rows, log, acks } = await withTestbed(async (tb) => {
    const rx = await startHl7Receiver(tb);
    const a = await sendWithMllpSend(tb, 'adt', rx, [adt!]);
    const b = await sendWithNode(tb, 'pcdgw', rx, [oru!]);
    const pcap = await tb.stopCapture();
    // tshark reads the pcap before withTestbed removes its scratch directory.
    const out = execFileSync('tshark', ['-r', pcap, '-d', `tcp.port==${HL7_PORT},hl7`, '-T', 'fields', '-E', 'separator=|',
      '-e', 'eth.src', '-e', 'ip.src', '-e', 'frame.len', '-e', 'hl7.message.type', '-e', 'hl7.event.type'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return {
      rows: out.trim().split('\n').map((l) => l.split('|')),
      log: rx.log(),
      acks: [...a.acks, ...b.acks],
      wire: [...a.wire, ...b.wire],
    };
  }, { hosts });
  t.equal(acks.length, 2, 'two ACKs');
  t.ok(acks.every((a) => /MSA\|AA\|/.test(a)), 'both ACKs are AA');
  const received = log.filter((r) => r.event === 'received');
  t.equal(received.length, 2, 'receiver logged two messages');
  // mllp_send drops the trailing CR; node-hl7-client the trailing CRLF.
  t.equal(received[0]?.sha256, sha256(adt!.subarray(0, adt!.length - 1)), 'mllp_send bytes as expected');
  t.equal(received[1]?.sha256, sha256(oru!.subarray(0, oru!.length - 2)), 'node-hl7-client bytes as expected');
  t.ok(received[0]?.peer?.startsWith('192.0.2.61:'), 'first from adt');
  t.ok(received[1]?.peer?.startsWith('192.0.2.65:'), 'second from pcdgw');

  const senders = new Set(rows.filter((r) => r[1]).map((r) => `${r[0]} ${r[1]}`));
  t.same([...senders].sort(), [
    '02:00:00:00:00:3c 192.0.2.60', '02:00:00:00:00:3d 192.0.2.61', '02:00:00:00:00:41 192.0.2.65',
  ], 'IPv4 frames only from ehr, adt and pcdgw, with their fixed MACs');
  t.ok(rows.every((r) => Number(r[2]) <= 1514), 'no frame larger than Ethernet MTU');
  const types = rows.filter((r) => r[3]).map((r) => `${r[1]} ${r[3]}^${r[4]}`);
  t.ok(types.includes('192.0.2.61 ADT^A01'), 'tshark decodes ADT^A01 from adt');
  t.ok(types.includes('192.0.2.65 ORU^R01'), 'tshark decodes ORU^R01 from pcdgw');
  t.ok(types.includes('192.0.2.60 ACK^A01') && types.includes('192.0.2.60 ACK^R01'), 'tshark decodes both ACKs from ehr');
});

t.test('hl7ToolsAvailable explains itself', async (t) => {
  const a = hl7ToolsAvailable();
  t.equal(typeof a.ok, 'boolean');
  if (!a.ok) t.match(a.why, /\w/, 'gives a reason');
});
