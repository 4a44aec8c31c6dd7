/**
 * Devices as CSV for spreadsheets and CMMS imports (GET /api/export/devices.csv).
 *
 * RFC 4180: CRLF line ends, a header row, fields holding a comma, a quote,
 * CR or LF are quoted and their quotes doubled. Every value comes off the
 * wire (an agent reports what a device said about itself), so a cell that a
 * spreadsheet would run as a formula (OWASP "CSV injection": it starts with
 * = + - @, a tab or a CR) is prefixed with a single quote.
 */
import type { CollectorDevice } from '../api-types.js';

/** Column names, in order. */
export const DEVICE_CSV_COLUMNS = [
  'id',
  'ip',
  'mac',
  'macVendor',
  'vendor',
  'product',
  'model',
  'softwareVersions',
  'serialNumber',
  'deviceClass',
  'roles',
  'agents',
  'openFindings',
  'maxSeverity',
  'kev',
  'firstSeen',
  'lastSeen',
] as const;

/** Separator inside one cell for list values (roles, versions, agents). */
const LIST_SEPARATOR = '; ';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: formula-safe, then RFC 4180 quoted when needed. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function deviceRow(d: CollectorDevice): Array<string | number | boolean | null> {
  const identity = d.identity ?? null;
  return [
    d.id,
    d.ip,
    d.mac,
    d.macVendor,
    identity?.vendor ?? d.manufacturer,
    identity?.product ?? d.model,
    d.model ?? identity?.model ?? null,
    d.softwareVersions.join(LIST_SEPARATOR),
    d.serialNumber,
    identity?.deviceClass ?? d.deviceClass,
    d.roles.join(LIST_SEPARATOR),
    d.agents.join(LIST_SEPARATOR),
    d.openFindings,
    d.maxSeverity,
    d.kev,
    d.firstSeen,
    d.lastSeen,
  ];
}

/** The devices as one CSV document (header + one row per device, CRLF line ends). */
export function devicesToCsv(devices: CollectorDevice[]): string {
  const lines = [DEVICE_CSV_COLUMNS.join(',')];
  for (const d of devices) lines.push(deviceRow(d).map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}
