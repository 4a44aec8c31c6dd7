/**
 * Turns HL7 v2 events into inventory observations.
 *
 * Who is credited with what: the sender of a message is described by its
 * MSH-3/4 (sending application and facility), MSH-12, MSH-21 and SFT; the
 * peer it sent to is an HL7 receiver, confirmed when that peer returns an
 * acknowledgement (MSA). Equipment identified in OBX-18 or PRT-10 by an
 * EUI-64 that is not the sender's own becomes a device of its own, seen
 * only through the sender (a gateway), with a link back to it.
 */
import type { ConnectionInfo, EventBase } from '../../protocols/common/analyzer.js';
import type { Hl7Event, Hl7HierarchicDesignator } from '../../protocols/hl7/events.js';
import { Derived } from './derived-text.js';
import { EventHosts } from './event-hosts.js';
import { equipmentId, type Inventory, type ObservationSource } from './inventory.js';

export interface Hl7ObserverStats {
  messages: number;
  acks: number;
  gatewayDevices: number;
  anomalies: Record<string, number>;
}

/** IEEE 11073-10101 device-type mnemonics → inventory device class (a small seed; rules refine it). */
const MDC_DEVICE_CLASSES: Array<[RegExp, string]> = [
  [/^MDC_DEV_PUMP_INFUS/, 'infusion-pump'],
  [/^MDC_DEV_SYS_PT_VENT/, 'ventilator'],
  [/^MDC_DEV_ANALY_SAT_O2/, 'pulse-oximeter'],
  [/^MDC_DEV_ANALY_PRESS_BLD/, 'blood-pressure-monitor'],
  [/^MDC_DEV_ANALY_GLUCOSE|^MDC_DEV_SPEC_PROFILE_GLUCOSE/, 'glucose-meter'],
  [/^MDC_DEV_SPEC_PROFILE_PULS_OXIM/, 'pulse-oximeter'],
  [/^MDC_DEV_SPEC_PROFILE_BP/, 'blood-pressure-monitor'],
  [/^MDC_DEV_SPEC_PROFILE_SCALE/, 'weighing-scale'],
  [/^MDC_DEV_SPEC_PROFILE_HF/, 'fitness-monitor'],
  [/^MDC_DEV_ANALY_ECG|^MDC_DEV_ECG/, 'ecg-monitor'],
  [/^MDC_DEV_MON_PHYSIO|^MDC_DEV_METER_PHYSIO|^MDC_DEV_SYS_PT_MON/, 'patient-monitor'],
];

/** Device class named by an MDC device code, if the seed table knows it. */
export function mdcDeviceClass(code: string): string | null {
  for (const [re, cls] of MDC_DEVICE_CLASSES) if (re.test(code)) return cls;
  return null;
}

const EUI64 = /^[0-9A-F]{16}$/;

/** An equipment id as compared with EUI-64s: separators dropped, upper case (an id already so, the common case, is not copied). */
function normalizedId(id: string): string {
  for (let k = 0; k < id.length; k++) {
    const c = id.charCodeAt(k);
    if (c === 0x2d || c === 0x3a || (c >= 0x61 && c <= 0x7a) || c >= 0x80) return id.replace(/[-:]/g, '').toUpperCase();
  }
  return id;
}

/** Text of an HD: its namespace id, else its universal id. */
function hdText(hd: Hl7HierarchicDesignator | null): string | null {
  if (!hd) return null;
  return hd.namespaceId || hd.universalId || null;
}

/** The EUI-64 an HD declares (universal id of type EUI-64, or 16 hex digits). */
function hdEui64(hd: Hl7HierarchicDesignator | null): string | null {
  const u = hd?.universalId?.replace(/[-:]/g, '').toUpperCase();
  if (!u) return null;
  return hd?.universalIdType?.toUpperCase() === 'EUI-64' || EUI64.test(u) ? (EUI64.test(u) ? u : null) : null;
}

export class Hl7Observer {
  readonly stats: Hl7ObserverStats = { messages: 0, acks: 0, gatewayDevices: 0, anomalies: {} };
  private readonly gatewayDevices = new Set<string>();
  /** The sender and receiver of the message being observed. */
  private readonly hosts: EventHosts;
  private readonly ackSentField = new Derived((code) => `MSA-1 acknowledgement (${code}) sent`);
  private readonly cleartextValue = new Derived((ip) => `to ${ip}`);
  private readonly mdcClass = new Derived(mdcDeviceClass);
  private readonly mdcClassField = new Derived((code) => `IEEE 11073 ${code}`);
  private readonly sourceFields = new Derived((source) => ({
    equipmentId: `${source} equipment instance identifier`,
    eui64: `${source} equipment instance identifier (EUI-64)`,
    namespace: `${source} namespace id`,
    deviceCode: `OBX-3 device code on ${source}`,
    reportedBy: new Derived((ip) => `reported in ${source} by ${ip}`),
  }));

  constructor(private readonly inventory: Inventory) {
    this.hosts = new EventHosts(inventory, 'hl7');
  }

  /** Feed one event from the HL7 analyzer of `conn`. */
  observe(conn: ConnectionInfo, event: EventBase): void {
    const e = event as Hl7Event;
    if (e.type === 'anomaly') {
      this.stats.anomalies[e.kind] = (this.stats.anomalies[e.kind] ?? 0) + 1;
      return;
    }
    const from = e.dir === 'orig' ? conn.orig : conn.resp;
    const to = e.dir === 'orig' ? conn.resp : conn.orig;
    const inv = this.inventory;
    const src = (field: string, confidence: ObservationSource['confidence'] = 'high'): ObservationSource => ({
      protocol: 'hl7',
      field,
      flow: conn.id,
      ts: e.ts,
      confidence,
    });
    const hosts = this.hosts;
    hosts.begin(from, to, conn.id, e.ts);
    hosts.peers();

    if (e.type === 'hl7.batch') {
      hosts.self('role', 'hl7-sender', `${e.header} batch header sent`);
      hosts.self('hl7SendingApplication', hdText(e.sendingApplication), `${e.header}-3 sending application`);
      hosts.self('hl7SendingFacility', hdText(e.sendingFacility), `${e.header}-4 sending facility`);
      return;
    }

    const isAck = e.ackCode !== null;
    if (isAck) {
      // MSA marks the receiver of an acknowledged message.
      this.stats.acks++;
      hosts.self('role', 'hl7-receiver', this.ackSentField.get(e.ackCode!));
      hosts.other('role', 'hl7-sender', 'MSA-1 acknowledgement received', 'high');
    } else {
      this.stats.messages++;
      hosts.self('role', 'hl7-sender', 'MSH message sent');
      hosts.other('role', 'hl7-receiver', 'MSH message received', 'medium');
      hosts.self('hl7SentTo', to.ip, 'MLLP peer of messages sent', 'medium');
      hosts.other('hl7ReceivedFrom', from.ip, 'MLLP peer of messages received', 'medium');
      if (e.messageType) hosts.other('hl7MessageTypeReceived', e.messageType, 'MSH-9 of messages received', 'medium');
    }
    if (e.patientDataPresent) {
      // MLLP we can parse is cleartext: the patient segments crossed the network unencrypted.
      hosts.self('hl7PatientDataCleartext', this.cleartextValue.get(to.ip), 'patient segments (PID/PV1/...) present in a message sent over plain MLLP', 'high');
    }
    hosts.self('hl7SendingApplication', hdText(e.sendingApplication), 'MSH-3 sending application');
    hosts.self('hl7SendingFacility', hdText(e.sendingFacility), 'MSH-4 sending facility');
    hosts.other('hl7ReceivingApplication', hdText(e.receivingApplication), 'MSH-5 receiving application', 'medium');
    hosts.self('hl7Version', e.version, 'MSH-12 version id');
    hosts.self('hl7MessageType', e.messageType, 'MSH-9 message type');
    for (const p of e.profileIds) hosts.self('hl7Profile', p, 'MSH-21 message profile identifier');
    for (const sft of e.software) {
      hosts.self('softwareVendor', sft.vendorOrganization, 'SFT-1 software vendor organization');
      hosts.self('softwareProduct', sft.productName, 'SFT-3 software product name');
      hosts.self('softwareVersion', sft.version, 'SFT-2 software certified version or release number');
      hosts.self('softwareBinaryId', sft.binaryId, 'SFT-4 software binary id');
    }
    // The sender's own EUI-64 (the device observation reporter in IHE PCD-01).
    const ownEui = hdEui64(e.sendingApplication);
    if (ownEui) hosts.self('equipmentId', ownEui, 'MSH-3 universal id (EUI-64)');

    let reported = 0;
    for (const eq of e.equipment) {
      const id = normalizedId(eq.id);
      const isEui = eq.idType?.toUpperCase() === 'EUI-64' || EUI64.test(id);
      const fields = this.sourceFields.get(eq.source);
      if (!isEui || !EUI64.test(id)) {
        hosts.self('reportedEquipmentId', eq.namespace ? `${eq.id} (${eq.namespace})` : eq.id, fields.equipmentId, 'medium');
        continue;
      }
      // The MDC mnemonic (MDC_DEV_...) when the message gives one, else the numeric code.
      const mdc = eq.mdcText || eq.mdcCode;
      if (id === ownEui) {
        if (mdc) hosts.self('mdcCode', mdc, fields.deviceCode);
        continue;
      }
      reported++;
      const dev = equipmentId('eui64', id);
      if (!this.gatewayDevices.has(dev)) {
        this.gatewayDevices.add(dev);
        this.stats.gatewayDevices++;
      }
      const s = (field: string, c: ObservationSource['confidence'] = 'high'): ObservationSource => src(field, c);
      inv.observeDevice(dev, 'equipmentId', id, s(fields.eui64), from.ip);
      inv.observeDevice(dev, 'role', 'hl7-reported-device', s(fields.reportedBy.get(from.ip)), from.ip);
      if (eq.namespace) inv.observeDevice(dev, 'hl7EquipmentNamespace', eq.namespace, s(fields.namespace, 'medium'), from.ip);
      if (mdc) {
        inv.observeDevice(dev, 'mdcCode', mdc, s(fields.deviceCode), from.ip);
        const cls = this.mdcClass.get(mdc);
        if (cls) inv.observeDevice(dev, 'deviceClass', cls, s(this.mdcClassField.get(mdc), 'medium'), from.ip);
      }
      if (eq.udi) inv.observeDevice(dev, 'udi', eq.udi, s('PRT-16 UDI'), from.ip);
      if (eq.serialNumber) inv.observeDevice(dev, 'serialNumber', eq.serialNumber, s('PRT-20 device serial number'), from.ip);
    }
    if (reported > 0) hosts.self('role', 'hl7-gateway', `reports ${reported} device(s) by EUI-64 in OBX-18/PRT-10`);
    for (const code of e.deviceTypeCodes) {
      // describes a device named in OBX-18, not the sender
      if (e.equipment.some((eq) => (eq.mdcText || null) === code || (eq.mdcCode || null) === code)) continue;
      hosts.self('mdcCode', code, 'OBX-3 device type code', 'medium');
      const cls = this.mdcClass.get(code);
      if (cls && reported === 0) hosts.self('deviceClass', cls, this.mdcClassField.get(code), 'medium');
    }
  }
}
