/**
 * Real DHCP exchanges (dnsmasq, busybox udhcpc, ISC dhclient; see
 * test/fixtures/dhcp/README.md): every DHCP packet decoded by our link
 * decoder and DHCP parser, compared field by field with tshark's reading
 * stored next to the capture (`*.tshark.json`). When tshark is installed the
 * stored golden is also checked against a fresh tshark run, so it cannot go
 * stale. `*.events.json` is the baseline of the events themselves.
 *
 *   npx tsx test/dhcp/tshark-fields.ts --write                # tshark goldens
 *   UPDATE_GOLDEN=1 npx tap test/dhcp/real-captures.test.ts   # event baselines
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readPcap } from '../../scripts/lib/pcap-file.js';
import { decodeFrame } from '../../protocols/link/decode.js';
import {
  DHCP_MESSAGE_TYPE_NAMES,
  dhcpEventFromPacket,
  parseDhcpMessage,
  type DhcpEvent,
  type DhcpMessageEvent,
} from '../../protocols/dhcp/index.js';
import { dhcpCaptures, goldenPath, tsharkAvailable, tsharkDhcp, type TsharkDhcp } from './tshark-fields.js';

interface Decoded {
  frame: number;
  events: DhcpEvent[];
  optionValues: string[];
}

function decodeCapture(path: string): Decoded[] {
  const pcap = readPcap(path);
  const out: Decoded[] = [];
  pcap.records.forEach((rec, i) => {
    const r = decodeFrame(pcap.linkType, rec.frame, rec.sec + rec.usec / 1e6);
    if (!r.ok || r.packet.ipProto !== 17) return;
    const events = dhcpEventFromPacket(r.packet);
    if (events.length === 0) return;
    const parsed = parseDhcpMessage(r.packet.payload)!;
    out.push({ frame: i + 1, events, optionValues: parsed.value.options.map((o) => o.data.toString('hex')) });
  });
  return out;
}

const captures = dhcpCaptures();
t.ok(captures.length >= 2, 'fixture captures present');

for (const pcap of captures) {
  t.test(basename(pcap), async (t) => {
    const golden = JSON.parse(readFileSync(goldenPath(pcap), 'utf8')) as TsharkDhcp[];
    const ours = decodeCapture(pcap);

    if (tsharkAvailable()) t.same(tsharkDhcp(pcap), golden, 'stored tshark golden matches tshark today');

    t.same(ours.map((d) => d.frame), golden.map((g) => g.frame), 'the same packets are DHCP for both');
    for (const [i, g] of golden.entries()) {
      const d = ours[i];
      if (!d) break;
      const e = d.events[0] as DhcpMessageEvent;
      t.same(d.events.slice(1), [], `frame ${g.frame}: no anomalies in real traffic`);
      t.same(
        {
          op: e.op,
          xid: e.xid,
          clientMac: e.clientMac,
          clientIp: e.clientIp,
          yourIp: e.yourIp,
          relayIp: e.relayIp,
          messageType: e.messageType,
          hostName: e.hostName,
          vendorClass: e.vendorClass,
          parameterRequestList: e.parameterRequestList,
          fqdn: e.fqdn,
          requestedIp: e.requestedIp,
          serverId: e.serverId,
          leaseTime: e.leaseTime,
          optionCodes: e.optionCodes,
          optionValues: d.optionValues,
          clientId: e.clientId,
        },
        {
          op: g.op,
          xid: g.xid,
          clientMac: g.chaddr,
          clientIp: g.ciaddr === '0.0.0.0' ? null : g.ciaddr,
          yourIp: g.yiaddr === '0.0.0.0' ? null : g.yiaddr,
          relayIp: g.giaddr === '0.0.0.0' ? null : g.giaddr,
          messageType: g.messageType === null ? null : DHCP_MESSAGE_TYPE_NAMES[g.messageType],
          hostName: g.hostName,
          vendorClass: g.vendorClass,
          parameterRequestList: g.requestList,
          fqdn: g.fqdn,
          requestedIp: g.requestedIp,
          serverId: g.serverId,
          leaseTime: g.leaseTime,
          optionCodes: g.optionCodes.join(','),
          optionValues: g.optionValues,
          clientId: g.optionCodes.includes(61) ? g.optionValues[g.optionCodes.indexOf(61)] : null,
        },
        `frame ${g.frame} (${e.messageType}) agrees with tshark`,
      );
    }

    // Baseline of the events themselves (catches changes tshark has no field for).
    const baseline = pcap.replace(/\.pcap$/, '.events.json');
    const events = ours.flatMap((d) => d.events);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(baseline, JSON.stringify(events, null, 1) + '\n');
    if (!existsSync(baseline)) {
      t.fail(`no baseline ${baseline}: create it with UPDATE_GOLDEN=1 and review it`);
      return;
    }
    t.same(events, JSON.parse(readFileSync(baseline, 'utf8')), 'events match the checked-in baseline');
  });
}

t.test('the scenarios the captures were recorded for', async (t) => {
  const byName = new Map(captures.map((p) => [basename(p), decodeCapture(p).flatMap((d) => d.events) as DhcpMessageEvent[]]));
  const leases = byName.get('leases.pcap') ?? [];
  const seq = (mac: string) => leases.filter((e) => e.clientMac === mac).map((e) => e.messageType);
  t.same(seq('02:00:00:00:02:07').slice(0, 4), ['DISCOVER', 'OFFER', 'REQUEST', 'ACK'], 'pump: full exchange');
  const renew = leases.find((e) => e.clientMac === '02:00:00:00:02:07' && e.messageType === 'REQUEST' && e.clientIp !== null && e.dstIp !== '255.255.255.255');
  t.ok(renew, 'pump: a unicast renewal with ciaddr set (RFC 2131 §4.4.5)');
  const pump = leases.find((e) => e.clientMac === '02:00:00:00:02:07' && e.messageType === 'DISCOVER')!;
  t.match(pump, { hostName: 'INFUSION-PUMP-07', vendorClass: 'AlarisPC 9.19', fqdn: 'pump07.icu.example', clientId: '01020000000207' });
  const mon = leases.find((e) => e.clientMac === '00:09:fb:00:02:02' && e.messageType === 'DISCOVER')!;
  t.match(mon, { hostName: 'PATIENT-MONITOR-3', vendorClass: 'IntelliVue MX450', fqdn: 'pm3.ward4.example', clientId: '010009fb000202' });
  t.not(mon.parameterRequestList, pump.parameterRequestList, 'dhclient and udhcpc have different fingerprints');

  const moves = (byName.get('address-change.pcap') ?? []).filter((e) => e.messageType === 'ACK' && e.clientMac === '02:00:00:00:02:03');
  t.same(moves.map((e) => e.yourIp), ['192.0.2.150', '192.0.2.160'], 'ventilator: one MAC, two addresses over time');
  t.ok((byName.get('address-change.pcap') ?? []).some((e) => e.messageType === 'RELEASE' && e.clientIp === '192.0.2.150'), 'release of the first');
});
