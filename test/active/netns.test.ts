/**
 * The proof that active checks touch only what the operator allowed: a
 * namespace testbed (scripts/testbed/testbed.ts: a bridge "switch" and one
 * namespace per host, 192.0.2.0/24, IPv6 off, no route out) with
 *
 *   scanner   192.0.2.5   runs `auscult scan`
 *   allowed   192.0.2.10  storescp on 104, inside --allow
 *   allowed2  192.0.2.11  storescp on 104, inside --allow
 *   denied    192.0.2.20  storescp on 104, inside --allow but in --deny
 *   unlisted  192.0.2.40  storescp on 104, outside --allow
 *
 * All three are named as targets. tcpdump on the bridge sees every frame any
 * host sends. Expected: zero frames to or from the denied and the unlisted
 * address (IPv4 or ARP), every frame the scanner sends is for the allowed
 * hosts, and the allowed hosts did get a connect and a DICOM A-ASSOCIATE-RQ.
 * The rate limit is measured on the wire: at --rate 30 (one host every 2 s,
 * one at a time) the second host's first frame comes 2 s after the first
 * host's, and after the last frame the scanner sent to the first.
 * Needs root; skips with the reason otherwise. Namespaces are removed
 * whatever happens (withTestbed).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPcap } from '../../scripts/lib/pcap-file.js';
import { macFor, testbedAvailable, withTestbed } from '../../scripts/testbed/testbed.js';
import { REPO } from '../helpers/paths.js';

const BIN = join(REPO, 'bin', 'auscult.js');
const avail = testbedAvailable({ tools: ['nmap'] });
const HOSTS = [
  { name: 'scanner', ip: '192.0.2.5', mac: macFor('192.0.2.5') },
  { name: 'allowed', ip: '192.0.2.10', mac: macFor('192.0.2.10') },
  { name: 'allowed2', ip: '192.0.2.11', mac: macFor('192.0.2.11') },
  { name: 'denied', ip: '192.0.2.20', mac: macFor('192.0.2.20') },
  { name: 'unlisted', ip: '192.0.2.40', mac: macFor('192.0.2.40') },
];

interface Frame {
  /** Capture time, seconds. */
  ts: number;
  srcMac: string;
  dstMac: string;
  kind: 'arp' | 'ipv4' | 'other';
  src?: string;
  dst?: string;
  proto?: number;
  dport?: number;
  payload?: Buffer;
}

const ip4 = (b: Buffer, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const mac = (b: Buffer, o: number): string => [...b.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** Ethernet II → ARP (sender/target protocol address) or IPv4 (+ TCP port and payload). */
function decode(f: Buffer, ts: number): Frame {
  const type = f.readUInt16BE(12);
  const base = { ts, srcMac: mac(f, 6), dstMac: mac(f, 0) };
  if (type === 0x0806) return { ...base, kind: 'arp', src: ip4(f, 28), dst: ip4(f, 38) };
  if (type !== 0x0800) return { ...base, kind: 'other' };
  const ihl = (f[14] & 0x0f) * 4;
  const proto = f[23];
  const fr: Frame = { ...base, kind: 'ipv4', src: ip4(f, 26), dst: ip4(f, 30), proto };
  if (proto === 6 || proto === 17) fr.dport = f.readUInt16BE(14 + ihl + 2);
  if (proto === 6) {
    const tcpLen = (f[14 + ihl + 12] >> 4) * 4;
    const total = f.readUInt16BE(16);
    fr.payload = f.subarray(14 + ihl + tcpLen, 14 + total);
  }
  return fr;
}

t.test('active scan in namespaces: nothing reaches a denied or unlisted address', { skip: avail.ok ? false : avail.why }, async (t) => {
  const started = performance.now();
  const { frames, scan, audit } = await withTestbed(
    async (tb) => {
      for (const h of ['allowed', 'allowed2', 'denied', 'unlisted']) await tb.startPacs({ host: h, port: 104, aet: 'PACS' });
      const auditPath = join(tb.workDir, 'audit.jsonl');
      const scan = await tb.run('scanner', process.execPath, [
        BIN, 'scan', '--allow', '192.0.2.0/27', '--deny', '192.0.2.20',
        '--target', '192.0.2.10,192.0.2.20,192.0.2.11,192.0.2.40',
        '--ports', '104,2575', '--dicom-ports', '104', '--rate', '30',
        '--audit', auditPath, '--operator', 'netns-test', '--format', 'json',
      ], { cwd: tb.workDir, allowFail: true, timeoutMs: 60_000 });
      const pcap = await tb.stopCapture();
      return { frames: readPcap(pcap).records.map((r) => decode(r.frame, r.sec + r.usec / 1e6)), scan, audit: readFileSync(auditPath, 'utf8') };
    },
    { hosts: HOSTS },
  );
  t.equal(scan.code, 0, scan.stderr);
  const touches = (ip: string) => frames.filter((f) => f.src === ip || f.dst === ip);
  t.equal(touches('192.0.2.20').length, 0, `frames to or from the denied address: ${touches('192.0.2.20').length} (of ${frames.length} on the bridge)`);
  t.equal(touches('192.0.2.40').length, 0, `frames to or from the unlisted address: ${touches('192.0.2.40').length}`);
  const fromScanner = frames.filter((f) => f.srcMac === HOSTS[0].mac);
  const notForAllowed = fromScanner.filter((f) => !((f.dst === '192.0.2.10' || f.dst === '192.0.2.11') && (f.kind === 'ipv4' || f.kind === 'arp')));
  t.same(notForAllowed, [], `every one of the scanner's ${fromScanner.length} frames is for 192.0.2.10 or .11`);
  t.equal(frames.filter((f) => f.kind === 'ipv4' && f.proto === 17).length, 0, 'no UDP at all (no DNS)');
  t.equal(frames.filter((f) => f.kind === 'ipv4' && f.proto === 1).length, 0, 'no ICMP (no ping sweep)');
  for (const ip of ['192.0.2.10', '192.0.2.11']) {
    const syns = fromScanner.filter((f) => f.dst === ip && f.proto === 6 && f.payload?.length === 0);
    t.ok(syns.some((f) => f.dport === 104) && syns.some((f) => f.dport === 2575), `${ip} was probed on 104 and 2575`);
  }
  const assoc = fromScanner.filter((f) => f.dport === 104 && f.payload && f.payload.length > 74 && f.payload[0] === 0x01);
  t.same(assoc.map((f) => f.dst), ['192.0.2.10', '192.0.2.11'], 'one A-ASSOCIATE-RQ (PS3.8 §9.3.2) to each allowed host');
  const ipv4To = (ip: string) => fromScanner.filter((f) => f.kind === 'ipv4' && f.dst === ip);
  const gap = ipv4To('192.0.2.11')[0].ts - ipv4To('192.0.2.10')[0].ts;
  // nmap's own start-up (NSE loading) varies by a few hundred ms, so the wire gap is looser than the start spacing.
  t.ok(gap >= 1.5 && gap < 6, `rate 30/min: the second host's first packet ${gap.toFixed(2)} s after the first host's`);
  const lastToFirst = ipv4To('192.0.2.10').at(-1)!.ts;
  t.ok(lastToFirst < ipv4To('192.0.2.11')[0].ts, `one at a time: the first host's last packet (${(lastToFirst - ipv4To('192.0.2.10')[0].ts).toFixed(2)} s) precedes the second host's first`);
  t.equal(assoc[0]?.payload?.subarray(10, 26).toString('latin1').trim(), 'ANY-SCP', 'called AE ANY-SCP');
  t.equal(assoc[0]?.payload?.subarray(26, 42).toString('latin1').trim(), 'AUSCULT', 'calling AE AUSCULT');

  const out = JSON.parse(scan.stdout) as { devices: Array<{ ip: string; evidence: Array<{ attribute: string; value: string; protocol: string }> }> };
  t.same(out.devices.map((d) => d.ip), ['192.0.2.10', '192.0.2.11']);
  t.ok(out.devices[0].evidence.some((e) => e.protocol === 'active' && e.attribute === 'dicomCalledAeCheck' && e.value === 'any-ae-accepted'));
  const log = audit.trim().split('\n').map((l) => JSON.parse(l));
  t.same(log.map((l) => [l.event, l.target ?? null, l.reason ?? null]), [
    ['session-start', null, null],
    ['refused', '192.0.2.20', 'denied'],
    ['refused', '192.0.2.40', 'not-allowed'],
    ['probe', '192.0.2.10', null],
    ['probe', '192.0.2.11', null],
    ['session-end', null, null],
  ]);
  const probes = log.filter((l) => l.event === 'probe');
  const spacing = (Date.parse(probes[1].startedAt) - Date.parse(probes[0].startedAt)) / 1000;
  t.ok(spacing >= 2, `rate 30/min: probe starts ${spacing.toFixed(3)} s apart (audit log)`);
  t.comment(`bridge frames: ${frames.length}, from the scanner: ${fromScanner.length}, host gap ${gap.toFixed(2)} s, to/from denied: ${touches('192.0.2.20').length}, to/from unlisted: ${touches('192.0.2.40').length}; ${Math.round(performance.now() - started)} ms`);
});
