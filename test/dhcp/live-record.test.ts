/**
 * Records a fresh DHCP exchange with scripts/testbed/record-dhcp.ts (dnsmasq,
 * udhcpc, dhclient inside throwaway namespaces) and checks our reading of it
 * against tshark's, and that no namespace is left behind. Skipped unless
 * root with the tools installed. About 8 s.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordDhcp } from '../../scripts/testbed/record-dhcp.js';
import { readPcap } from '../../scripts/lib/pcap-file.js';
import { decodeFrame } from '../../protocols/link/decode.js';
import { dhcpEventFromPacket, type DhcpMessageEvent } from '../../protocols/dhcp/index.js';
import { tsharkAvailable, tsharkDhcp } from './tshark-fields.js';

const tools = ['ip', 'tcpdump', 'dnsmasq', 'busybox', 'dhclient'];
const missing = tools.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status !== 0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip = !isRoot ? 'needs root (network namespaces)' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;

t.test('record a live exchange and read it', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'auscult-dhcp-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [leases, moved] = await recordDhcp(dir);
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  t.notMatch(left, new RegExp(`auscult-dhcp-${process.pid}-`), 'namespaces removed');

  const events = (path: string): DhcpMessageEvent[] => {
    const f = readPcap(path);
    return f.records.flatMap((r) => {
      const d = decodeFrame(f.linkType, r.frame, r.sec);
      return d.ok ? dhcpEventFromPacket(d.packet) : [];
    }).filter((e): e is DhcpMessageEvent => e.type === 'dhcp.message');
  };
  const a = events(leases!);
  const b = events(moved!);
  t.ok(a.length >= 10, `${a.length} messages in the lease capture`);
  t.same(
    b.filter((e) => e.messageType === 'ACK').map((e) => e.yourIp),
    ['192.0.2.150', '192.0.2.160'],
    'the ventilator moved',
  );
  if (tsharkAvailable()) {
    const ts = tsharkDhcp(leases!);
    t.same(a.map((e) => e.hostName), ts.map((r) => r.hostName), 'host names agree with tshark');
    t.same(a.map((e) => e.parameterRequestList), ts.map((r) => r.requestList), 'request lists agree with tshark');
  }
});
