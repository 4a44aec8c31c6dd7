/**
 * What each active-check profile sends, as nmap argv. One host per nmap
 * invocation, always a single IP literal that passed the policy.
 *
 * Flags every profile carries, and why:
 *   -n             no DNS: a reverse lookup would go to a resolver nobody allowed
 *   -Pn            no host discovery (no ICMP echo/timestamp, no probes to 80/443)
 *   -sT            TCP connect only: the kernel's own handshake, no raw SYN packets
 *   --unprivileged nmap assumes it cannot craft raw packets even when run as root,
 *                  so no ARP/ICMP ping, no raw scan type can slip in
 *   --max-retries 1, --max-parallelism 1, --max-rate: one probe at a time, slowly
 *   --host-timeout, --script-timeout: a hung device never holds the run
 *   -p LIST        an explicit short port list, nothing else
 */
import type { IpAddress } from './cidr.js';

export type ProfileName = 'safe' | 'extended';
export const PROFILES: readonly ProfileName[] = ['safe', 'extended'];

/**
 * The safe profile's ports. Each is a port hospitals run medical protocols on:
 *   104    DICOM (PS3.8 §9.1 well-known port; IANA "acr-nema")
 *   11112  DICOM (IANA "dicom"; the usual non-privileged DICOM port)
 *   4242   DICOM on many PACS and viewers (Orthanc, dcm4che defaults)
 *   2761   DICOM ISCL (IANA "dicom-iscl"), 2762 DICOM over TLS (IANA "dicom-tls", PS3.15 B.1)
 *   2575   HL7 v2 over MLLP (IANA "hl7")
 */
export const SAFE_PORTS: readonly number[] = [104, 2575, 2761, 2762, 4242, 11112];

/**
 * Ports that speak the DICOM Upper Layer in clear, where the C-ECHO-level
 * check (nmap's dicom-ping: one A-ASSOCIATE-RQ for the Verification SOP
 * class, then close) is sent. TLS ports (2761/2762) and HL7 are connect-only.
 */
export const DICOM_PORTS: readonly number[] = [104, 4242, 11112];

/** Calling AE title the DICOM check announces, so a device's log names who asked. */
export const CALLING_AE = 'AUSCULT';

export interface ProfileOptions {
  /** Ports to connect to (default SAFE_PORTS). */
  ports?: readonly number[];
  /** Of those (or added to them), the clear-text DICOM ports that get the association check (default DICOM_PORTS). */
  dicomPorts?: readonly number[];
  /** Per nmap run, seconds (default 120). */
  hostTimeoutS?: number;
  /** Probes per second within one host (default 5). */
  maxRate?: number;
}

/** Why a host gets less than the profile asked for, or null. */
export interface EffectiveProfile {
  profile: ProfileName;
  cappedBecause: string | null;
}

/**
 * The profile a host actually gets. A life-critical class is never probed
 * beyond safe. A host whose class nobody knows is capped too, unless the
 * operator said otherwise (`extendedUnknown`): passive listening could not
 * name it, so it may be a pump.
 */
export function effectiveProfile(
  requested: ProfileName,
  deviceClass: string | null,
  lifeCritical: ReadonlySet<string>,
  extendedUnknown = false,
): EffectiveProfile {
  if (requested === 'safe') return { profile: 'safe', cappedBecause: null };
  if (deviceClass && lifeCritical.has(deviceClass)) return { profile: 'safe', cappedBecause: `device class ${deviceClass} is life-critical (rules/packs/device-classes.json)` };
  if (!deviceClass && !extendedUnknown) return { profile: 'safe', cappedBecause: 'device class unknown (see --extended-unknown)' };
  return { profile: requested, cappedBecause: null };
}

/** Checked port list: integers 1-65535, sorted, unique, at most 64. */
export function parsePorts(list: readonly (string | number)[]): number[] | { error: string } {
  const out = new Set<number>();
  for (const item of list) {
    for (const p of String(item).split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) return { error: `'${p}' is not a TCP port (1-65535)` };
      out.add(Number(p));
    }
  }
  if (out.size > 64) return { error: `${out.size} ports; active checks take at most 64` };
  return [...out].sort((a, b) => a - b);
}

/** One nmap invocation of a probe. */
export interface NmapInvocation {
  /** 'dicom': DICOM ports with the association check; 'tcp': the other ports. */
  phase: 'dicom' | 'tcp';
  argv: string[];
}

/**
 * The nmap invocations for one host: the clear-text DICOM ports with
 * dicom-ping forced onto them (`+`, past its port-number rule, so a DICOM
 * service on any listed port is checked), then the other ports with no
 * script at all. Every port is connected to once.
 */
export function nmapInvocations(target: IpAddress, profile: ProfileName, opts: ProfileOptions = {}): NmapInvocation[] {
  const dicom = [...new Set(opts.dicomPorts ?? DICOM_PORTS)].sort((a, b) => a - b);
  const ports = [...new Set([...(opts.ports ?? SAFE_PORTS), ...dicom])].sort((a, b) => a - b);
  const other = ports.filter((p) => !dicom.includes(p));
  const common = [
    '-n',
    '-Pn',
    '-sT',
    '--unprivileged',
    '--noninteractive',
    '--max-retries', '1',
    '--max-parallelism', '1',
    '--max-rate', String(opts.maxRate ?? 5),
    '--host-timeout', `${opts.hostTimeoutS ?? 120}s`,
  ];
  // -sV at its lightest: the probes most likely to name the service, no OS detection, no -A.
  const extended = profile === 'extended' ? ['-sV', '--version-light'] : [];
  const tail = [...(target.family === 6 ? ['-6'] : []), '-oX', '-', target.text];
  const out: NmapInvocation[] = [];
  if (dicom.length > 0) {
    out.push({
      phase: 'dicom',
      argv: [...common, ...extended, '-p', dicom.join(','), '--script', '+dicom-ping', '--script-args', `dicom.calling_aet=${CALLING_AE}`, '--script-timeout', '30s', ...tail],
    });
  }
  if (other.length > 0) out.push({ phase: 'tcp', argv: [...common, ...extended, '-p', other.join(','), ...tail] });
  return out;
}
