/**
 * Turns DHCP events into inventory observations. DHCP is where a device
 * names itself (host name, vendor class) and where its MAC is bound to an
 * address: a server's ACK ties the two together, so a device that moves to
 * another address stays one device.
 */
import type { DhcpEvent } from '../../protocols/dhcp/events.js';
import { Derived } from './derived-text.js';
import type { Inventory, ObservationSource } from './inventory.js';

export interface DhcpObserverStats {
  messages: number;
  bindings: number;
  anomalies: Record<string, number>;
}

export class DhcpObserver {
  readonly stats: DhcpObserverStats = { messages: 0, bindings: 0, anomalies: {} };
  /** Field texts per message type (DISCOVER, REQUEST, ...), made once each. */
  private readonly fields = new Derived((type) => ({
    sent: `DHCP${type} sent`,
    hostName: `option 12 host name in DHCP${type}`,
    fqdn: `option 81 client FQDN in DHCP${type}`,
    vendorClass: `option 60 vendor class identifier in DHCP${type}`,
    parameterRequestList: `option 55 parameter request list in DHCP${type}`,
    clientId: `option 61 client identifier in DHCP${type}`,
    ciaddr: `ciaddr of DHCP${type}`,
  }));
  private readonly leaseField = new Derived((server) => `yiaddr of DHCPACK from ${server}`);
  /** Per source address, the last 'udp:<src>-<dst>' made (a client and a server each send to one or two addresses). */
  private readonly flows = new Derived((_srcIp) => ({ dstIp: '', text: '' }));

  constructor(private readonly inventory: Inventory) {}

  /** Feed one DHCP event (from the pipeline's UDP hook). */
  observe(e: DhcpEvent): void {
    if (e.type === 'anomaly') {
      this.stats.anomalies[e.kind] = (this.stats.anomalies[e.kind] ?? 0) + 1;
      return;
    }
    this.stats.messages++;
    const inv = this.inventory;
    const last = this.flows.get(e.srcIp);
    if (last.dstIp !== e.dstIp || last.text === '') {
      last.dstIp = e.dstIp;
      last.text = `udp:${e.srcIp}-${e.dstIp}`;
    }
    const flow = last.text;
    const src = (field: string, confidence: ObservationSource['confidence'] = 'high'): ObservationSource => ({
      protocol: 'dhcp',
      field,
      flow,
      ts: e.ts,
      confidence,
    });
    const type = e.messageType ?? 'BOOTP';
    const f = this.fields.get(type);
    if (e.op === 1 && e.clientMac) {
      // RFC 2131: a client speaks for itself in DISCOVER/REQUEST/INFORM.
      const mac = e.clientMac;
      inv.observeMac(mac, 'role', 'dhcp-client', src(f.sent));
      if (e.hostName) inv.observeMac(mac, 'hostName', e.hostName, src(f.hostName));
      if (e.fqdn) inv.observeMac(mac, 'hostName', e.fqdn, src(f.fqdn));
      if (e.vendorClass) inv.observeMac(mac, 'dhcpVendorClass', e.vendorClass, src(f.vendorClass));
      if (e.parameterRequestList) inv.observeMac(mac, 'dhcpFingerprint', e.parameterRequestList, src(f.parameterRequestList));
      if (e.clientId) inv.observeMac(mac, 'dhcpClientId', e.clientId, src(f.clientId));
      if (e.clientIp) inv.observe(e.clientIp, mac, 'role', 'dhcp-client', src(f.ciaddr, 'medium'));
      return;
    }
    if (e.op === 2) {
      inv.observe(e.srcIp, e.srcMac, 'role', 'dhcp-server', src(f.sent));
      if (type === 'ACK' && e.clientMac && e.yourIp) {
        this.stats.bindings++;
        inv.bindDhcp(e.clientMac, e.yourIp, e.ts);
        inv.observeMac(e.clientMac, 'dhcpLease', e.yourIp, src(this.leaseField.get(e.serverId ?? e.srcIp)));
      }
    }
  }
}
