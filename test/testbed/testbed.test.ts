// Proves the namespace testbed works: a C-ECHO between two simulated hosts is
// captured on the bridge with the hosts' fixed MACs and addresses, at wire size.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { testbedAvailable, withTestbed } from '../../scripts/testbed/testbed.js';

const avail = testbedAvailable({ tools: ['tshark'] });

t.test('C-ECHO across the testbed is captured on the SPAN port', { skip: avail.ok ? false : avail.why }, async (t) => {
  const rows = await withTestbed(async (tb) => {
    const pacs = await tb.startPacs();
    const echo = await tb.run('ct1', 'echoscu', ['-aet', 'CT_SCANNER1', '-aec', pacs.aet, pacs.ip, String(pacs.port)]);
    t.equal(echo.code, 0, 'echoscu succeeded');
    const pcap = await tb.stopCapture();
    // tshark reads the pcap before withTestbed removes its scratch directory.
    const out = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=|',
      '-e', 'eth.src', '-e', 'ip.src', '-e', 'frame.len', '-e', 'dicom.assoc.item.type', '-e', 'ipv6.src'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim().split('\n').map((l) => l.split('|'));
  });
  t.ok(rows.length > 8, `captured ${rows.length} frames`);
  const senders = new Set(rows.filter((r) => r[1]).map((r) => `${r[0]} ${r[1]}`));
  t.ok(senders.has('02:00:00:00:00:15 192.0.2.21'), 'frames from ct1 (MAC and IP)');
  t.ok(senders.has('02:00:00:00:00:0a 192.0.2.10'), 'frames from pacs (MAC and IP)');
  t.same([...senders].filter((s) => !/^02:00:00:00:00:(15|0a) /.test(s)), [], 'no other IPv4 senders');
  t.ok(rows.every((r) => Number(r[2]) <= 1514), 'no frame larger than Ethernet MTU (offloads are off)');
  t.ok(rows.every((r) => !r[4]), 'no IPv6 noise');
  t.ok(rows.some((r) => r[3] !== undefined && r[3] !== ''), 'tshark decodes a DICOM association');
});

t.test('testbedAvailable explains itself', async (t) => {
  const a = testbedAvailable();
  t.equal(typeof a.ok, 'boolean');
  if (!a.ok) t.match(a.why, /\w/, 'gives a reason');
});
