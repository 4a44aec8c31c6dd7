/**
 * `auscult correlate --inventory INV.json --kb DB`: findings for an inventory
 * that came from elsewhere (another agent, a CMMS export) in the inventory
 * JSON shape. Devices may leave out fields auscult would have filled; they
 * are read as unknown, never invented.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { DeviceRecord, InventoryReport } from '../../rules/inventory.js';
import { AuscultError } from '../errors.js';
import { enrichReport } from '../inventory/enrich.js';
import { formatTable } from '../inventory/format-table.js';
import { loadKnowledgeBaseFile } from '../kb/load-kb.js';

export interface CorrelateArgs {
  inventory: string;
  kb: string;
  format: 'table' | 'json';
  output?: string;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : null);

/** One device of a foreign inventory, in the full shape (missing = unknown). */
export function normalizeDevice(raw: unknown, index: number): DeviceRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AuscultError('AUSCULT_ERR_BAD_INVENTORY', `devices[${index}] is not an object`);
  }
  const d = raw as Record<string, unknown>;
  const id = str(d.id) ?? str(d.ip) ?? str(d.mac) ?? str(d.serialNumber);
  if (!id) throw new AuscultError('AUSCULT_ERR_BAD_INVENTORY', `devices[${index}] has no id, ip, mac or serialNumber to name it by`);
  const evidence = Array.isArray(d.evidence) ? (d.evidence as DeviceRecord['evidence']).filter((e) => e && typeof e.attribute === 'string' && typeof e.value === 'string') : [];
  return {
    id,
    ip: str(d.ip),
    mac: str(d.mac),
    macVendor: str(d.macVendor),
    macLocallyAdministered: typeof d.macLocallyAdministered === 'boolean' ? d.macLocallyAdministered : null,
    ips: strings(d.ips),
    manufacturer: str(d.manufacturer),
    model: str(d.model),
    softwareVersions: strings(d.softwareVersions ?? d.softwareVersion ?? d.version),
    serialNumber: str(d.serialNumber),
    deviceClass: str(d.deviceClass),
    roles: strings(d.roles),
    dicom: (d.dicom as DeviceRecord['dicom']) ?? null,
    hl7: (d.hl7 as DeviceRecord['hl7']) ?? null,
    dhcp: (d.dhcp as DeviceRecord['dhcp']) ?? null,
    peers: strings(d.peers),
    gateways: strings(d.gateways),
    firstSeen: str(d.firstSeen) ?? '',
    lastSeen: str(d.lastSeen) ?? '',
    evidence,
  };
}

/** Read and check an inventory JSON file. */
export function readInventory(path: string): InventoryReport {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AuscultError(code === 'ENOENT' ? 'AUSCULT_ERR_FILE_NOT_FOUND' : 'AUSCULT_ERR_FILE_UNREADABLE', `${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AuscultError('AUSCULT_ERR_BAD_INVENTORY', `${path}: not JSON (${(err as Error).message})`);
  }
  const devices = Array.isArray(json) ? json : (json as { devices?: unknown })?.devices;
  if (!Array.isArray(devices)) throw new AuscultError('AUSCULT_ERR_BAD_INVENTORY', `${path}: no "devices" array`);
  const stats = (json as { stats?: InventoryReport['stats'] }).stats ?? { packets: 0, bytes: 0, flows: 0, malformed: 0, gaps: 0, capHits: 0 };
  return { devices: devices.map(normalizeDevice), findings: [], stats };
}

/** Runs the command; returns the exit code. */
export function correlateCommand(args: CorrelateArgs): number {
  const report = readInventory(args.inventory);
  const kb = loadKnowledgeBaseFile(args.kb);
  enrichReport(report, { kb });
  const text = args.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatTable(report);
  if (args.output) writeFileSync(args.output, text);
  else process.stdout.write(text);
  return 0;
}
