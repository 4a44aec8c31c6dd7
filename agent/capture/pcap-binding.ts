/**
 * Typed access to the `pcap` package's native session.
 *
 * We call the binding under `pcap.js` rather than its PcapSession wrapper
 * because the wrapper drops the return value of `dispatch()`: libpcap's
 * -1 ("truncated dump file") becomes an ordinary "complete" event and a
 * truncated capture would look whole. The wrapper also emits one
 * EventEmitter event per packet, which the read loop does not need.
 */
import { createRequire } from 'node:module';

/** The native PcapSession of pcap@3 (pcap_session.cc). */
export interface NativePcapSession {
  open_live(
    device: string,
    filter: string,
    bufferSize: number,
    snapLength: number,
    outfile: string,
    onPacket: () => void,
    monitor: boolean,
    bufferTimeoutMs: number,
    onWarning: (message: string) => void,
    promiscuous: boolean,
  ): string;
  open_offline(
    path: string,
    filter: string,
    bufferSize: number,
    snapLength: number,
    outfile: string,
    onPacket: () => void,
    monitor: boolean,
    bufferTimeoutMs: number,
    onWarning: (message: string) => void,
    promiscuous: boolean,
  ): string;
  /** Reads packets into `buf`/`header` until none is ready: >0 count, 0 none/EOF, -1 error, -2 break. */
  dispatch(buf: Buffer, header: Buffer): number;
  start_polling(): void;
  /** pcap_breakloop: the handle is closed by the next dispatch, which then returns -2. */
  close(): void;
  stats(): { ps_recv: number; ps_drop: number; ps_ifdrop: number };
  read_callback?: () => void;
}

interface Binding {
  PcapSession: new () => NativePcapSession;
  lib_version(): string;
}

const require = createRequire(import.meta.url);
const binding = require('pcap/build/Release/pcap_binding.node') as Binding;

/** A new, unopened native session. */
export function newNativeSession(): NativePcapSession {
  return new binding.PcapSession();
}

/** libpcap's version string, e.g. "libpcap version 1.10.3 (with TPACKET_V3)". */
export function libpcapVersion(): string {
  return binding.lib_version();
}

/**
 * The binding names five DLT values and reports the rest as
 * "Unknown linktype N" with N the DLT_ value; this maps both to LINKTYPE_
 * numbers (tcpdump.org/linktypes.html). DLT_RAW is 12 (14 on OpenBSD) but
 * LINKTYPE_RAW is 101.
 */
export function linkTypeFromName(name: string): number {
  switch (name) {
    case 'LINKTYPE_NULL':
      return 0;
    case 'LINKTYPE_ETHERNET':
      return 1;
    case 'LINKTYPE_RAW':
      return 101;
    case 'LINKTYPE_LINUX_SLL':
      return 113;
    case 'LINKTYPE_IEEE802_11_RADIO':
      return 127;
  }
  const m = /^Unknown linktype (\d+)$/.exec(name);
  if (m === null) return -1;
  const dlt = Number(m[1]);
  if (dlt === 12 || dlt === 14) return 101;
  return dlt;
}
