/**
 * Active-check options, declared once for `auscult scan` (as `--deny`,
 * `--rate`, ...) and for `auscult agent` (the same, prefixed: `--active-deny`,
 * `--active-rate`, ...). Options whose meaning or default differs between the
 * two (allow, every, audit, and each command's own) stay with the command.
 */
import { DICOM_PORTS, SAFE_PORTS } from '../active/profiles.js';

export const ACTIVE_OPTIONS = {
  deny: { type: 'string', array: true, describe: 'do-not-probe CIDR block or address (repeatable); wins over the allow list' },
  profile: {
    choices: ['safe', 'extended'],
    default: 'safe',
    describe: 'safe: TCP connect to medical ports + DICOM association check; extended: also nmap -sV (never for life-critical classes)',
  },
  rate: { type: 'number', default: 6, describe: 'hosts started per minute' },
  window: { type: 'string', describe: 'only start probes inside this daily local-time window, HH:MM-HH:MM' },
  operator: { type: 'string', describe: 'who enables the checks, for the audit log (default $SUDO_USER, else $USER)' },
  ports: { type: 'string', array: true, describe: `TCP ports to check (default ${SAFE_PORTS.join(',')})` },
  'dicom-ports': { type: 'string', array: true, describe: `ports that get the DICOM association check (default ${DICOM_PORTS.join(',')})` },
  'max-hosts': { type: 'number', default: 256, describe: 'refuse a run with more targets than this' },
  'extended-unknown': { type: 'boolean', default: false, describe: 'let hosts of unknown device class get the extended profile (default: capped at safe)' },
} as const;

type ActiveOptions = typeof ACTIVE_OPTIONS;

/** The agent's help group for its active-check options. */
export const AGENT_GROUP = 'Active checks (off by default):';

/** `ACTIVE_OPTIONS` as the agent spells them (`--active-NAME`), in its help group. */
export function agentActiveOptions(): { [K in keyof ActiveOptions as `active-${K}`]: ActiveOptions[K] & { group: string } } {
  return Object.fromEntries(Object.entries(ACTIVE_OPTIONS).map(([name, spec]) => [`active-${name}`, { ...spec, group: AGENT_GROUP }])) as never;
}
