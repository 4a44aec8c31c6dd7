/**
 * tshark's reading of the DHCP packets in a capture, as the golden the DHCP
 * parser is compared with. Goldens are stored next to each capture
 * (`<name>.tshark.json`) so the test runs without tshark; when tshark is
 * installed the test also regenerates them in memory and checks the stored
 * ones still match.
 *
 *   npx tsx test/dhcp/tshark-fields.ts --write     # rewrite the goldens
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/paths.js';

export const DHCP_FIXTURES = join(FIXTURES, 'dhcp');

/** One DHCP packet as tshark reads it. Empty fields are null. */
export interface TsharkDhcp {
  frame: number;
  op: number;
  xid: string;
  /** First dhcp.hw.mac_addr of the packet: chaddr (a client id of type 1 repeats it). */
  chaddr: string | null;
  ciaddr: string;
  yiaddr: string;
  giaddr: string;
  messageType: number | null;
  hostName: string | null;
  vendorClass: string | null;
  requestList: string | null;
  fqdn: string | null;
  requestedIp: string | null;
  serverId: string | null;
  leaseTime: number | null;
  /** Option codes in order, end left out. */
  optionCodes: number[];
  /** Option values as hex, aligned with optionCodes. */
  optionValues: string[];
}

const FIELDS = [
  'frame.number', 'dhcp.type', 'dhcp.id', 'dhcp.hw.mac_addr', 'dhcp.ip.client', 'dhcp.ip.your', 'dhcp.ip.relay',
  'dhcp.option.dhcp', 'dhcp.option.hostname', 'dhcp.option.vendor_class_id', 'dhcp.option.request_list_item',
  'dhcp.fqdn.name', 'dhcp.option.requested_ip_address', 'dhcp.option.dhcp_server_id',
  'dhcp.option.ip_address_lease_time', 'dhcp.option.type', 'dhcp.option.value',
];

export function tsharkAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v tshark'], { stdio: 'ignore' }).status === 0;
}

/** Runs tshark over `pcap` and returns one record per DHCP packet. */
export function tsharkDhcp(pcap: string): TsharkDhcp[] {
  const out = execFileSync('tshark', [
    '-r', pcap, '-Y', 'dhcp', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    ...FIELDS.flatMap((f) => ['-e', f]),
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const rows: TsharkDhcp[] = [];
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const c = line.split('\t');
    const s = (i: number): string | null => (c[i] === undefined || c[i] === '' ? null : c[i]!);
    const types = (s(15) ?? '').split(',').filter((x) => x !== '').map(Number);
    // tshark shows the end option's type as 0 and gives it no value: drop it.
    if (types.length > 0 && types[types.length - 1] === 0) types.pop();
    rows.push({
      frame: Number(c[0]),
      op: Number(c[1]),
      xid: (s(2) ?? '').replace(/^0x/, ''),
      chaddr: s(3)?.split(',')[0] ?? null,
      ciaddr: s(4) ?? '',
      yiaddr: s(5) ?? '',
      giaddr: s(6) ?? '',
      messageType: s(7) === null ? null : Number(s(7)),
      hostName: s(8),
      vendorClass: s(9),
      requestList: s(10),
      fqdn: s(11),
      requestedIp: s(12),
      serverId: s(13),
      leaseTime: s(14) === null ? null : Number(s(14)),
      optionCodes: types,
      optionValues: (s(16) ?? '').split(',').filter((x) => x !== '').map((v) => v.replaceAll(':', '')),
    });
  }
  return rows;
}

/** The captures under test/fixtures/dhcp. */
export function dhcpCaptures(): string[] {
  return readdirSync(DHCP_FIXTURES).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(DHCP_FIXTURES, f));
}

export function goldenPath(pcap: string): string {
  return pcap.replace(/\.pcap$/, '.tshark.json');
}

if (process.argv.includes('--write')) {
  for (const pcap of dhcpCaptures()) {
    writeFileSync(goldenPath(pcap), JSON.stringify(tsharkDhcp(pcap), null, 1) + '\n');
    console.log(`wrote ${goldenPath(pcap)}`);
  }
}
