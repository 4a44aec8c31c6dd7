/**
 * Turns DHCP events into inventory observations. DHCP is where a device
 * names itself (host name, vendor class) and where its MAC is bound to an
 * address: a server's ACK ties the two together, so a device that moves to
 * another address stays one device.
 */
import type { DhcpEvent } from '../../protocols/dhcp/events.js';
import type { Inventory, ObservationSource } from './inventory.js';

export interface DhcpObserverStats {
  messages: number;
  bindings: number;
  anomalies: Record<string, number>;
}

export class DhcpObserver {
  readonly stats: DhcpObserverStats = { messages: 0, bindings: 0, anomalies: {} };

  constructor(private readonly inventory: Inventory) {}

  /** Feed one DHCP event (from the pipeline's UDP hook). */
  observe(e: DhcpEvent): void {
    if (e.type === 'anomaly') {
      this.stats.anomalies[e.kind] = (this.stats.anomalies[e.kind] ?? 0) + 1;
      return;
    }
    this.stats.messages++;
    const inv = this.inventory;
    const flow = `udp:${e.srcIp}-${e.dstIp}`;
    const src = (field: string, confidence: ObservationSource['confidence'] = 'high'): ObservationSource => ({
      protocol: 'dhcp',
      field,
      flow,
      ts: e.ts,
      confidence,
    });
    const type = e.messageType ?? 'BOOTP';
    if (e.op === 1 && e.clientMac) {
      // RFC 2131: a client speaks for itself in DISCOVER/REQUEST/INFORM.
      const mac = e.clientMac;
      inv.observeMac(mac, 'role', 'dhcp-client', src(`DHCP${type} sent`));
      if (e.hostName) inv.observeMac(mac, 'hostName', e.hostName, src(`option 12 host name in DHCP${type}`));
      if (e.fqdn) inv.observeMac(mac, 'hostName', e.fqdn, src(`option 81 client FQDN in DHCP${type}`));
      if (e.vendorClass) inv.observeMac(mac, 'dhcpVendorClass', e.vendorClass, src(`option 60 vendor class identifier in DHCP${type}`));
      if (e.parameterRequestList) inv.observeMac(mac, 'dhcpFingerprint', e.parameterRequestList, src(`option 55 parameter request list in DHCP${type}`));
      if (e.clientId) inv.observeMac(mac, 'dhcpClientId', e.clientId, src(`option 61 client identifier in DHCP${type}`));
      if (e.clientIp) inv.observe(e.clientIp, mac, 'role', 'dhcp-client', src(`ciaddr of DHCP${type}`, 'medium'));
      return;
    }
    if (e.op === 2) {
      inv.observe(e.srcIp, e.srcMac, 'role', 'dhcp-server', src(`DHCP${type} sent`));
      if (type === 'ACK' && e.clientMac && e.yourIp) {
        this.stats.bindings++;
        inv.bindDhcp(e.clientMac, e.yourIp, e.ts);
        inv.observeMac(e.clientMac, 'dhcpLease', e.yourIp, src(`yiaddr of DHCPACK from ${e.serverId ?? e.srcIp}`));
      }
    }
  }
}
