/**
 * nmap's XML output (docs/nmap.dtd in the nmap sources, nmap ≥ 7) read into
 * plain data: hosts, addresses, ports, services, NSE script output (elem and
 * table), run statistics and nmap's own error report
 * (<finished exit="error" errormsg=...>). Unknown elements are ignored, so a
 * newer nmap that adds some is still read; missing required ones are errors.
 */
import { childNamed, childrenNamed, parseXml, XmlError, type XmlElement } from './xml-reader.js';

/** NSE structured output: a string, or a table of (optionally keyed) values. */
export type NseValue = string | NseTable;
export interface NseTable {
  entries: Array<{ key: string | null; value: NseValue }>;
}

export interface NmapScript {
  id: string;
  output: string;
  /** Top-level keyed <elem> values (the common case: dicom-ping's "dicom" and "config"). */
  elems: Record<string, string>;
  /** Everything, in order, tables included. */
  structured: NseTable;
}

export interface NmapService {
  name: string | null;
  product: string | null;
  version: string | null;
  extrainfo: string | null;
  ostype: string | null;
  tunnel: string | null;
  /** 'table' (guessed from the port number) or 'probed' (a probe or script confirmed it). */
  method: string | null;
  /** 0-10, nmap's confidence. */
  conf: number | null;
  cpe: string[];
}

export interface NmapPort {
  protocol: string;
  port: number;
  state: string;
  reason: string | null;
  service: NmapService | null;
  scripts: NmapScript[];
}

export interface NmapAddress {
  addr: string;
  type: 'ipv4' | 'ipv6' | 'mac';
  vendor: string | null;
}

export interface NmapHost {
  status: { state: string; reason: string | null } | null;
  addresses: NmapAddress[];
  hostnames: string[];
  ports: NmapPort[];
  /** Ports nmap summarised instead of listing (<extraports state="closed" count="5">). */
  extraPorts: Array<{ state: string; count: number }>;
  hostScripts: NmapScript[];
  startTime: number | null;
  endTime: number | null;
}

export interface NmapRun {
  scanner: string;
  version: string | null;
  args: string | null;
  startTime: number | null;
  hosts: NmapHost[];
  /** From <runstats><finished>: 'success' or 'error'; null when the run was cut short. */
  exit: string | null;
  errorMessage: string | null;
  summary: string | null;
  elapsedSeconds: number | null;
  hostsUp: number | null;
  hostsDown: number | null;
}

export class NmapXmlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NmapXmlError';
  }
}

const opt = (el: XmlElement, a: string): string | null => (Object.hasOwn(el.attrs, a) ? el.attrs[a] : null);
const num = (el: XmlElement, a: string): number | null => {
  const v = opt(el, a);
  if (v === null || !/^-?\d+(\.\d+)?$/.test(v)) return null;
  return Number(v);
};
function req(el: XmlElement, a: string): string {
  const v = opt(el, a);
  if (v === null) throw new NmapXmlError(`<${el.name}> has no ${a} attribute`);
  return v;
}

function nseTable(el: XmlElement): NseTable {
  const entries: NseTable['entries'] = [];
  for (const c of el.children) {
    if (c.name === 'elem') entries.push({ key: opt(c, 'key'), value: c.text });
    else if (c.name === 'table') entries.push({ key: opt(c, 'key'), value: nseTable(c) });
  }
  return { entries };
}

function script(el: XmlElement): NmapScript {
  const structured = nseTable(el);
  const elems: Record<string, string> = {};
  for (const e of structured.entries) if (e.key !== null && typeof e.value === 'string') elems[e.key] = e.value;
  return { id: req(el, 'id'), output: opt(el, 'output') ?? '', elems, structured };
}

function service(el: XmlElement): NmapService {
  return {
    name: opt(el, 'name'),
    product: opt(el, 'product'),
    version: opt(el, 'version'),
    extrainfo: opt(el, 'extrainfo'),
    ostype: opt(el, 'ostype'),
    tunnel: opt(el, 'tunnel'),
    method: opt(el, 'method'),
    conf: num(el, 'conf'),
    cpe: childrenNamed(el, 'cpe').map((c) => c.text.trim()).filter(Boolean),
  };
}

function port(el: XmlElement): NmapPort {
  const portid = req(el, 'portid');
  if (!/^\d{1,5}$/.test(portid) || Number(portid) > 65535) throw new NmapXmlError(`<port portid="${portid}"> is not a port number`);
  const state = childNamed(el, 'state');
  if (!state) throw new NmapXmlError(`<port portid="${portid}"> has no <state>`);
  const svc = childNamed(el, 'service');
  return {
    protocol: req(el, 'protocol'),
    port: Number(portid),
    state: req(state, 'state'),
    reason: opt(state, 'reason'),
    service: svc ? service(svc) : null,
    scripts: childrenNamed(el, 'script').map(script),
  };
}

function host(el: XmlElement): NmapHost {
  const status = childNamed(el, 'status');
  const ports = childNamed(el, 'ports');
  const hostnames = childNamed(el, 'hostnames');
  const hostscript = childNamed(el, 'hostscript');
  return {
    status: status ? { state: req(status, 'state'), reason: opt(status, 'reason') } : null,
    addresses: childrenNamed(el, 'address').map((a) => {
      const type = opt(a, 'addrtype') ?? 'ipv4';
      if (type !== 'ipv4' && type !== 'ipv6' && type !== 'mac') throw new NmapXmlError(`<address addrtype="${type}"> is not ipv4, ipv6 or mac`);
      return { addr: req(a, 'addr'), type, vendor: opt(a, 'vendor') };
    }),
    hostnames: hostnames ? childrenNamed(hostnames, 'hostname').map((h) => opt(h, 'name') ?? '').filter(Boolean) : [],
    ports: ports ? childrenNamed(ports, 'port').map(port) : [],
    extraPorts: ports ? childrenNamed(ports, 'extraports').map((x) => ({ state: req(x, 'state'), count: num(x, 'count') ?? 0 })) : [],
    hostScripts: hostscript ? childrenNamed(hostscript, 'script').map(script) : [],
    startTime: num(el, 'starttime'),
    endTime: num(el, 'endtime'),
  };
}

/**
 * Read nmap's `-oX` output. Throws NmapXmlError when it is not XML or not an
 * nmap run. A run cut short (no <runstats>) is returned with `exit: null`.
 */
export function parseNmapXml(xml: string): NmapRun {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlError) throw new NmapXmlError(`not well-formed XML: ${err.message}`, { cause: err });
    throw err;
  }
  if (root.name !== 'nmaprun') throw new NmapXmlError(`root element is <${root.name}>, not <nmaprun>`);
  const runstats = childNamed(root, 'runstats');
  const finished = runstats ? childNamed(runstats, 'finished') : null;
  const hostsStat = runstats ? childNamed(runstats, 'hosts') : null;
  return {
    scanner: opt(root, 'scanner') ?? 'nmap',
    version: opt(root, 'version'),
    args: opt(root, 'args'),
    startTime: num(root, 'start'),
    hosts: childrenNamed(root, 'host').map(host),
    exit: finished ? opt(finished, 'exit') : null,
    errorMessage: finished ? opt(finished, 'errormsg') : null,
    summary: finished ? opt(finished, 'summary') : null,
    elapsedSeconds: finished ? num(finished, 'elapsed') : null,
    hostsUp: hostsStat ? num(hostsStat, 'up') : null,
    hostsDown: hostsStat ? num(hostsStat, 'down') : null,
  };
}
