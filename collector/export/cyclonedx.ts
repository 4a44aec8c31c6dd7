/**
 * The device inventory as a CycloneDX 1.6 BOM (GET /api/export/cyclonedx.json).
 *
 * Each device is a component of type `device` (CycloneDX 1.6 §component.type):
 * name and version from the fingerprint identity (else what the device said),
 * `supplier` and `manufacturer` (1.6 adds component.manufacturer) from the
 * vendor, `cpe`/`purl` when the identity has them, and the software the rules
 * recognised inside it (e.g. the DICOM toolkit) as nested components.
 * CycloneDX has no serial-number field on a component (`serialNumber` is the
 * BOM's own URN), so the serial and the network facts go in `auscult:*`
 * properties (CycloneDX property taxonomy: a name space per tool).
 *
 * Built with @cyclonedx/cyclonedx-library models and its 1.6 JSON normaliser,
 * so the output follows the schema the library ships; the test validates it
 * with the library's strict 1.6 JSON validator.
 */
import { createHash } from 'node:crypto';
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import type { CollectorDevice } from '../api-types.js';

export interface CycloneDxMeta {
  collectorVersion: string;
  /** ISO 8601; the BOM's metadata.timestamp. */
  timestamp: string;
}

/** A CPE 2.3 formatted string as the CycloneDX schema and the library accept it. */
const CPE_23 = /^cpe:2\.3:[aho*-](?::[^:\s]+){10}$/;

/** The best human name for a device: product, model, what it called itself, else its id. */
export function deviceDisplayName(d: CollectorDevice): string {
  return (
    d.identity?.product ??
    d.model ??
    d.identity?.model ??
    d.dicom?.stationName ??
    d.dicom?.aeTitles[0] ??
    d.hl7?.sendingApplications[0] ??
    d.dhcp?.hostNames[0] ??
    d.id
  );
}

function vendorOf(d: CollectorDevice): string | null {
  return d.identity?.vendor ?? d.manufacturer ?? null;
}

function prop(name: string, value: string | number | boolean | null | undefined): Models.Property[] {
  return value === null || value === undefined || value === '' ? [] : [new Models.Property(`auscult:${name}`, String(value))];
}

function props(name: string, values: readonly string[]): Models.Property[] {
  return values.flatMap((v) => prop(name, v));
}

function deviceProperties(d: CollectorDevice): Models.Property[] {
  const ips = d.ips.length ? d.ips : d.ip ? [d.ip] : [];
  return [
    ...prop('deviceId', d.id),
    ...props('ip', ips),
    ...prop('mac', d.mac),
    ...prop('macVendor', d.macVendor),
    ...prop('serialNumber', d.serialNumber),
    ...prop('deviceClass', d.identity?.deviceClass ?? d.deviceClass),
    ...props('role', d.roles),
    ...props('softwareVersion', d.softwareVersions),
    ...props('aeTitle', d.dicom?.aeTitles ?? []),
    ...props('equipmentId', d.hl7?.equipmentIds ?? []),
    ...props('agent', d.agents),
    ...prop('evidenceCount', d.evidence.length),
    ...prop('openFindings', d.openFindings),
    ...prop('maxSeverity', d.maxSeverity),
    ...prop('kev', d.kev),
    ...prop('identityConfidence', d.identity ? d.identity.confidence : null),
    ...prop('firstSeen', d.firstSeen),
    ...prop('lastSeen', d.lastSeen),
  ];
}

function cpeOrUndefined(cpe: string | null | undefined): string | undefined {
  return cpe && CPE_23.test(cpe) ? cpe : undefined;
}

/** The software the rules found inside the device (e.g. DCMTK in a modality), as nested components. */
function embeddedComponents(d: CollectorDevice): Models.ComponentRepository {
  const repo = new Models.ComponentRepository();
  const embedded = (d.identity as { components?: Array<Record<string, unknown>> } | null | undefined)?.components ?? [];
  const seen = new Set<string>();
  for (const c of embedded) {
    const product = typeof c.product === 'string' ? c.product : null;
    if (!product) continue;
    const version = typeof c.version === 'string' ? c.version : undefined;
    const ref = `${d.id}#${product}@${version ?? ''}`;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const vendor = typeof c.vendor === 'string' ? c.vendor : undefined;
    repo.add(
      new Models.Component(Enums.ComponentType.Library, product, {
        bomRef: ref,
        version,
        supplier: vendor ? new Models.OrganizationalEntity({ name: vendor }) : undefined,
        cpe: cpeOrUndefined(typeof c.cpe === 'string' ? c.cpe : null),
        purl: typeof c.purl === 'string' ? c.purl : undefined,
      }),
    );
  }
  return repo;
}

function deviceComponent(d: CollectorDevice): Models.Component {
  const vendor = vendorOf(d);
  const cls = d.identity?.deviceClass ?? d.deviceClass;
  const where = d.ip ?? d.mac ?? d.id;
  return new Models.Component(Enums.ComponentType.Device, deviceDisplayName(d), {
    bomRef: d.id,
    version: d.identity?.version ?? d.softwareVersions[0] ?? undefined,
    supplier: vendor ? new Models.OrganizationalEntity({ name: vendor }) : undefined,
    description: `${cls ?? 'device'} at ${where}, observed passively by auscult`,
    cpe: cpeOrUndefined(d.identity?.cpe),
    purl: d.identity?.purl ?? undefined,
    properties: new Models.PropertyRepository(deviceProperties(d)),
    components: embeddedComponents(d),
  });
}

/** A UUID-shaped URN derived from the content, so the same inventory at the same time gives the same BOM. */
function serialNumberFor(devices: CollectorDevice[], meta: CycloneDxMeta): string {
  const h = createHash('sha256').update(meta.timestamp).update('\0');
  for (const d of devices) h.update(d.id).update('\0').update(d.storedLast ?? '').update('\0');
  const hex = h.digest('hex');
  // RFC 9562 layout: version 8 (custom), variant 10xx.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The devices as a CycloneDX 1.6 BOM (a plain JSON object). Pure: the same
 * devices and meta give the same document.
 */
export function devicesToCycloneDx(devices: CollectorDevice[], meta: CycloneDxMeta): Record<string, unknown> {
  const tool = new Models.Component(Enums.ComponentType.Application, 'auscult', {
    version: meta.collectorVersion,
    description: 'passive medical-device discovery (collector)',
  });
  const bom = new Models.Bom({
    serialNumber: serialNumberFor(devices, meta),
    metadata: new Models.Metadata({
      timestamp: new Date(meta.timestamp),
      tools: new Models.Tools({ components: new Models.ComponentRepository([tool]) }),
      properties: new Models.PropertyRepository([new Models.Property('auscult:deviceCount', String(devices.length))]),
    }),
    components: new Models.ComponentRepository(devices.map(deviceComponent)),
  });
  const normalized = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6)
    .makeForBom()
    .normalize(bom, { sortLists: true }) as unknown as Record<string, unknown>;

  // CycloneDX 1.6 component.manufacturer: the library models `supplier` but
  // not yet `manufacturer`; for a device seen on the wire both are the vendor.
  const vendorById = new Map(devices.map((d) => [d.id, vendorOf(d)]));
  for (const c of (normalized.components as Array<Record<string, unknown>> | undefined) ?? []) {
    const vendor = vendorById.get(String(c['bom-ref']));
    if (vendor) c.manufacturer = { name: vendor };
  }
  return JSON.parse(JSON.stringify(normalized)) as Record<string, unknown>;
}
