/**
 * Decodes every packet of the loopback fixtures (read by libpcap through
 * the capture worker) and compares with tshark's reading, recorded as the
 * .golden.json next to each capture by scripts/fixtures/make-link-captures.sh.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Capture } from '../../agent/capture/capture.js';
import { decodeFrame } from '../../protocols/link/decode.js';

const dir = fileURLToPath(new URL('../fixtures/link/', import.meta.url));

interface Golden {
  frame: number;
  srcMac: string | null;
  dstMac: string | null;
  vlans: number[];
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  tcpSeq: number | null;
  payloadLength: number;
}

const FILES: [string, number][] = [
  ['ethernet.pcap', 1],
  ['ethernet.pcapng', 1],
  ['linux-sll.pcap', 113],
  ['linux-sll2.pcap', 276],
  ['vlan.pcap', 1],
  ['qinq.pcap', 1],
  ['raw.pcap', 101],
  ['null.pcap', 0],
  ['loop.pcap', 108],
];

for (const [file, linkType] of FILES) {
  t.test(file, async (t) => {
    const golden = JSON.parse(readFileSync(dir + file + '.golden.json', 'utf8')) as Golden[];
    const cap = await Capture.open({ file: dir + file });
    t.equal(cap.linkType, linkType, 'link type');
    const got: Golden[] = [];
    for await (const batch of cap.batches()) {
      batch.forEach((frame, ts) => {
        const r = decodeFrame(cap.linkType, frame, ts);
        if (!r.ok) {
          t.fail(`frame ${got.length + 1}: ${r.reason} ${r.detail}`);
          return;
        }
        const p = r.packet;
        got.push({
          frame: got.length + 1,
          // tshark shows no MAC for raw/loopback; SLL has a source only.
          srcMac: p.srcMac,
          dstMac: p.dstMac,
          vlans: [...p.vlans],
          srcIp: p.srcIp,
          dstIp: p.dstIp,
          srcPort: p.srcPort,
          dstPort: p.dstPort,
          tcpSeq: p.tcp ? p.tcp.seq : null,
          payloadLength: p.payload.length,
        });
      });
    }
    t.ok(golden.length > 10, 'fixture has packets');
    t.same(got, golden);
  });
}
