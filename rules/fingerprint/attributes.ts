/**
 * Where each rule attribute comes from in an inventory DeviceRecord. Values
 * of equipment a host only relayed (an archive's `relayedEquipment`) are
 * never the host's own and are not read.
 */
import type { DeviceRecord } from '../../agent/inventory/types.js';
import type { Attribute, DeviceFragment } from './types.js';
import { normalizeVendor } from './vendors.js';

function evidenceValues(d: DeviceRecord, attribute: string): string[] {
  return d.evidence.filter((e) => e.attribute === attribute).map((e) => e.value);
}

function uniq(values: Array<string | null | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) if (typeof v === 'string' && v.trim() !== '' && !out.includes(v)) out.push(v);
  return out;
}

const EUI64 = /^[0-9A-F]{16}$/i;

/** Every value the device has for `attribute` (empty when none). */
export function attributeValues(d: DeviceRecord, attribute: Attribute): string[] {
  switch (attribute) {
    case 'implementationClassUid':
      return uniq([d.dicom?.implementationClassUid, ...evidenceValues(d, 'implementationClassUid')]);
    case 'implementationVersionName':
      return uniq([d.dicom?.implementationVersionName, ...evidenceValues(d, 'implementationVersionName')]);
    case 'manufacturer':
      return uniq([d.manufacturer, ...evidenceValues(d, 'manufacturer')]);
    case 'vendorId':
      return uniq(attributeValues(d, 'manufacturer').map((m) => normalizeVendor(m)?.id));
    case 'model':
      return uniq([d.model, ...evidenceValues(d, 'model')]);
    case 'softwareVersion':
      return uniq([...d.softwareVersions, ...evidenceValues(d, 'softwareVersion')]);
    case 'aeTitle':
      return uniq(d.dicom?.aeTitles ?? []);
    case 'modality':
      return uniq(d.dicom?.modalities ?? []);
    case 'stationName':
      return uniq([d.dicom?.stationName]);
    case 'sopClass':
      return uniq(d.dicom?.sopClasses ?? []);
    case 'hl7SendingApplication':
      return uniq(d.hl7?.sendingApplications ?? []);
    case 'hl7Profile':
      return uniq(d.hl7?.profiles ?? []);
    case 'softwareProduct':
      return uniq(evidenceValues(d, 'softwareProduct'));
    case 'softwareVendor':
      return uniq(evidenceValues(d, 'softwareVendor'));
    case 'mdcCode':
      return uniq(d.hl7?.mdcCodes ?? []);
    case 'macVendor':
      return uniq([d.macVendor]);
    case 'macOui':
      return d.mac ? [d.mac.replace(/[^0-9a-f]/gi, '').slice(0, 6).toUpperCase()].filter((o) => o.length === 6) : [];
    case 'equipmentIdOui':
      // IEEE EUI-64: the first 24 bits are the company's OUI.
      return uniq((d.hl7?.equipmentIds ?? []).filter((id) => EUI64.test(id)).map((id) => id.slice(0, 6).toUpperCase()));
    case 'dhcpVendorClass':
      return uniq(d.dhcp?.vendorClasses ?? []);
    case 'dhcpHostName':
      return uniq(d.dhcp?.hostNames ?? []);
    case 'role':
      return uniq(d.roles);
    case 'deviceClass':
      return uniq([d.deviceClass]);
  }
}

/** A whole DeviceRecord from a fragment (rule examples, tests): absent fields empty. */
export function deviceFromFragment(f: DeviceFragment, id = 'example'): DeviceRecord {
  return {
    id: f.id ?? id,
    ip: f.ip ?? null,
    mac: f.mac ?? null,
    macVendor: f.macVendor ?? null,
    macLocallyAdministered: f.macLocallyAdministered ?? null,
    ips: f.ips ?? [],
    manufacturer: f.manufacturer ?? null,
    model: f.model ?? null,
    softwareVersions: f.softwareVersions ?? [],
    serialNumber: f.serialNumber ?? null,
    deviceClass: f.deviceClass ?? null,
    roles: f.roles ?? [],
    dicom: f.dicom
      ? {
          aeTitles: [],
          implementationClassUid: null,
          implementationVersionName: null,
          sopClasses: [],
          modalities: [],
          relayedEquipment: [],
          transferSyntaxes: [],
          stationName: null,
          institutionName: null,
          deviceUid: null,
          udi: null,
          userIdentityTypes: [],
          ...f.dicom,
        }
      : null,
    hl7: f.hl7
      ? {
          sendingApplications: [],
          sendingFacilities: [],
          receivingApplications: [],
          versions: [],
          messageTypes: [],
          equipmentIds: [],
          mdcCodes: [],
          profiles: [],
          ...f.hl7,
        }
      : null,
    dhcp: f.dhcp ? { hostNames: [], vendorClasses: [], fingerprints: [], clientIds: [], ...f.dhcp } : null,
    peers: f.peers ?? [],
    gateways: f.gateways ?? [],
    firstSeen: f.firstSeen ?? '1970-01-01T00:00:00.000Z',
    lastSeen: f.lastSeen ?? '1970-01-01T00:00:00.000Z',
    evidence: (f.evidence ?? []).map((e) => ({
      protocol: 'example',
      field: 'example',
      flow: 'example',
      firstSeen: '1970-01-01T00:00:00.000Z',
      lastSeen: '1970-01-01T00:00:00.000Z',
      count: 1,
      confidence: 'high' as const,
      ...e,
    })),
  };
}
