/**
 * One probe: the nmap invocations of a host's profile, run one after the
 * other, merged into one result. Errors are results too (the audit log and
 * the caller see them), never exceptions, except a missing nmap.
 */
import { AuscultError } from '../errors.js';
import { parseIp, type IpAddress } from './cidr.js';
import type { NmapPort } from './nmap-xml.js';
import { runNmap, type RunNmapOptions } from './nmap-runner.js';
import { nmapInvocations, type ProfileName, type ProfileOptions } from './profiles.js';

export interface DicomCheck {
  port: number;
  /** dicom-ping "Called AET check enabled" (A-ASSOCIATE-RJ to ANY-SCP) vs "Any AET is accepted". */
  calledAeCheck: 'enabled' | 'any-ae-accepted' | 'unknown';
}

export interface ProbeResult {
  session: string;
  target: string;
  profile: ProfileName;
  portsChecked: number[];
  status: 'up' | 'no-open-port' | 'error' | 'stopped';
  ports: NmapPort[];
  openPorts: number[];
  dicom: DicomCheck[];
  argv: string[][];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  error: { code: string; message: string } | null;
}

export interface ProbeHostOptions extends ProfileOptions, RunNmapOptions {
  session: string;
  now?: () => number;
}

/** What dicom-ping's output says about one port, or null when it found no DICOM service. */
export function readDicomPing(port: NmapPort): DicomCheck | null {
  const s = port.scripts.find((x) => x.id === 'dicom-ping');
  if (!s) return null;
  const found = s.elems.dicom ?? '';
  if (!/DICOM Service Provider discovered/i.test(found)) return null;
  const config = s.elems.config ?? '';
  const calledAeCheck = /Called AET check enabled/i.test(config) ? 'enabled' : /Any AET is accepted/i.test(config) ? 'any-ae-accepted' : 'unknown';
  return { port: port.port, calledAeCheck };
}

/** Probe one host (already allowed by the policy) with one profile. */
export async function probeHost(target: IpAddress, profile: ProfileName, opts: ProbeHostOptions): Promise<ProbeResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const invocations = nmapInvocations(target, profile, opts);
  const result: ProbeResult = {
    session: opts.session,
    target: target.text,
    profile,
    portsChecked: [...new Set(invocations.flatMap((i) => i.argv[i.argv.indexOf('-p') + 1].split(',').map(Number)))].sort((a, b) => a - b),
    status: 'no-open-port',
    ports: [],
    openPorts: [],
    dicom: [],
    argv: invocations.map((i) => i.argv),
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationMs: 0,
    error: null,
  };
  try {
    for (const inv of invocations) {
      if (opts.signal?.aborted) throw new AuscultError('AUSCULT_ERR_NMAP_FAILED', 'stopped');
      const { run } = await runNmap(inv.argv, opts);
      // One host per invocation: anything else in the output is not ours to credit.
      const mine = run.hosts.filter((h) => h.addresses.some((a) => a.type !== 'mac' && parseIp(a.addr)?.text === target.text));
      if (mine.length === 0) throw new AuscultError('AUSCULT_ERR_NMAP_OUTPUT', `nmap reported nothing about ${target.text} (host timeout?)`);
      for (const h of mine) {
        for (const p of h.ports) {
          result.ports.push(p);
          if (p.state === 'open') result.openPorts.push(p.port);
          const d = readDicomPing(p);
          if (d) result.dicom.push(d);
        }
      }
    }
    result.openPorts.sort((a, b) => a - b);
    result.status = result.openPorts.length > 0 ? 'up' : 'no-open-port';
  } catch (err) {
    if (err instanceof AuscultError && err.code === 'AUSCULT_ERR_NMAP_MISSING') throw err;
    const stopped = opts.signal?.aborted === true;
    result.status = stopped ? 'stopped' : 'error';
    result.error = err instanceof AuscultError ? { code: err.code, message: err.message } : { code: 'AUSCULT_ERR_INTERNAL', message: (err as Error).message };
  }
  const finished = now();
  result.finishedAt = new Date(finished).toISOString();
  result.durationMs = Math.max(0, Math.round(finished - started));
  return result;
}
