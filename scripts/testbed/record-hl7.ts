/**
 * Records the committed HL7 v2 / MLLP fixture captures in test/fixtures/hl7/
 * by running two independent MLLP senders (python-hl7 `mllp_send`, npm
 * `node-hl7-client`) against python-hl7's asyncio MLLP server on the namespace
 * testbed. Run through scripts/testbed/record-hl7.sh (root needed). Scenarios
 * are described in test/fixtures/hl7/README.md; keep the two in step.
 *
 * Every scenario checks itself: each message is ACKed, and the bytes the
 * receiver got (sha256) are the bytes we expect that sender to put on the wire.
 *
 * Usage: npx tsx scripts/testbed/record-hl7.ts [outDir] [scenario...]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Testbed, testbedFile, withTestbed } from './testbed.js';
import {
  HL7_HOSTS, HL7_PORT, PYTHON, type Hl7Receiver, type SendResult, type SenderImpl,
  sendWithMllpSend, sendWithNode, sha256, startHl7Receiver, wirePayload,
} from './hl7-tools.js';
import { SHARED_HL7 } from '../lib/paths.js';

const DATA = SHARED_HL7;
const dataFile = (name: string): Buffer => readFileSync(join(DATA, name));

function check(cond: boolean, what: string, detail = ''): void {
  if (!cond) throw new Error(`fixture check failed: ${what}${detail ? `\n${detail}` : ''}`);
}

/** Which host sends which corpus file, and with which implementation. */
const CORPUS_PLAN: ReadonlyArray<{ host: string; impl: SenderImpl; files: string[] }> = [
  { host: 'adt', impl: 'mllp_send', files: [
    'fhirconv_ADT-A01-01.hl7', 'fhirconv_ADT-A04-01.hl7', 'fhirconv_ADT-A08-01.hl7', 'fhirconv_ADT-A40-01.hl7',
    'fhirconv_ADT01-23.hl7', 'fhirconv_ADT04-251.hl7', 'ipf_adt_a01_pixfeed_maximal.hl7', 'ipf_adt_a01_utf8.hl7',
    'ipf_adt_a01_v22_sap.hl7', 'ipf_adt_a04_pix.hl7', 'ipf_adt_a40_iso8859-1.hl7', 'ipf_adt_a40_iti8.hl7'] },
  // files that start with a UTF-8 BOM cannot go through node-hl7-client (see hl7-tools.ts)
  { host: 'lab', impl: 'mllp_send', files: ['fhirconv_LAB-ORM-1.hl7', 'fhirconv_LAB-ORU-1.hl7', 'fhirconv_OML-O21-01.hl7'] },
  { host: 'lab', impl: 'node-hl7-client', files: ['fhirconv_ORU-R01-01.hl7', 'ipf_oru_r01_v24_lab.hl7', 'ipf_oru_r01_v251.hl7'] },
  { host: 'orders', impl: 'mllp_send', files: [
    'fhirconv_ORM-O01-01.hl7', 'fhirconv_ORM-O01-02.hl7', 'fhirconv_PC1-Problem-Add-v2.3.1.hl7', 'fhirconv_VXU.hl7'] },
  { host: 'orders', impl: 'node-hl7-client', files: [
    'fhirconv_RDE-O11-01.hl7', 'fhirconv_DFT-P03-01.hl7', 'fhirconv_SIU-S12-01.hl7', 'fhirconv_MDM-T02-01.hl7',
    'ipf_mdm_t02_ge.hl7'] },
  { host: 'mpi', impl: 'node-hl7-client', files: ['ipf_qbp_q22.hl7', 'ipf_rsp_k22.hl7'] },
  { host: 'pcdgw', impl: 'node-hl7-client', files: ['ipf_pcd01_request.hl7', 'ipf_pcd01_maximum_request.hl7', 'ipf_pcd01_ack.hl7'] },
  { host: 'homegw', impl: 'mllp_send', files: [
    'ipf_continua_wan_bp.hl7', 'ipf_continua_wan_fitness.hl7', 'ipf_continua_wan_fitness_activity.hl7',
    'ipf_continua_wan_glucose.hl7', 'ipf_continua_wan_glucose_INVALID.hl7', 'ipf_continua_wan_ack.hl7'] },
];

/** Values planted in phi-canary.pcap; none may ever leave the agent. */
export const HL7_CANARIES = {
  'PID-3': 'CANARY-MRN-4411',
  'PID-5': 'CANARY^PATIENT',
  'PID-7': '19020202',
  'PID-11': 'CANARY STREET',
  'PID-13': 'CANARY-PHONE-5550100',
  'NK1-2': 'CANARY^KIN',
  'PV1-3': 'CANARY-WARD',
  'PV1-19': 'CANARY-VISIT-77',
  'OBX-5': 'CANARY-OBX-VALUE',
  'NTE-3': 'CANARY NOTE',
} as const;

const C = HL7_CANARIES;
const seg = (...lines: string[]): Buffer => Buffer.from(lines.join('\r') + '\r', 'latin1');

/** ADT^A01 v2.5 whose patient segments hold canaries (CR terminators). */
const CANARY_ADT = seg(
  'MSH|^~\\&|ADT_SYSTEM|GENERAL_HOSPITAL|EHR|GENERAL_HOSPITAL|20250102030405||ADT^A01^ADT_A01|CANARYADT1|P|2.5|||AL|NE||UNICODE UTF-8',
  'EVN|A01|20250102030405',
  `PID|1||${C['PID-3']}^^^GENERAL_HOSPITAL^MR||${C['PID-5']}||${C['PID-7']}|F|||${C['PID-11']} 1^^CANARYTOWN^^00000||${C['PID-13']}`,
  `NK1|1|${C['NK1-2']}|SPO^Spouse|${C['PID-11']} 1^^CANARYTOWN^^00000`,
  `PV1|1|I|${C['PV1-3']}^101^1||||||||||||||||${C['PV1-19']}`,
  `NTE|1||${C['NTE-3']}`,
);

/** IHE PCD-01 ORU^R01 v2.6 with a device EUI-64 and canaries in PID, PV1, OBX-5 and NTE (CRLF terminators). */
const CANARY_ORU = Buffer.from([
  'MSH|^~\\&|PCD_GATEWAY^00A0C9FFFE010203^EUI-64|ICU_EAST|EHR|GENERAL_HOSPITAL|20250102030500||ORU^R01^ORU_R01|CANARYORU1|P|2.6|||NE|AL|||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  `PID|||${C['PID-3']}^^^GENERAL_HOSPITAL^MR||${C['PID-5']}||${C['PID-7']}|F|||${C['PID-11']} 1^^CANARYTOWN||${C['PID-13']}`,
  `PV1||I|${C['PV1-3']}^101^1||||||||||||||||${C['PV1-19']}`,
  'OBR|1|CANARYORD1^PCD_GATEWAY^00A0C9FFFE010203^EUI-64|CANARYFIL1^PCD_GATEWAY^00A0C9FFFE010203^EUI-64|182777000^monitoring of patient^SNOMED-CT|||20250102030455',
  'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1|||||||X|||||||00A0C9FFFE4C0101^EUI-64',
  `OBX|2|ST|68220^MDC_ATTR_PT_NOTE^MDC|1.0.0.1|${C['OBX-5']}||||||F|||20250102030455`,
  `NTE|1||${C['NTE-3']}`,
  'OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.0.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||F|||20250102030455||||00A0C9FFFE4C0101^EUI-64',
].join('\r\n') + '\r\n', 'latin1');

/** The bedside devices behind the gateway in gateway.pcap. */
export const GATEWAY_DEVICES = [
  { eui64: '0012A1FFFE4B0001', base: 'ipf_pcd01_request.hl7', bed: 'BED01' },
  { eui64: '0012A1FFFE4B0002', base: 'ipf_pcd01_request.hl7', bed: 'BED02' },
  { eui64: '0012A1FFFE4B0003', base: 'ipf_pcd01_maximum_request.hl7', bed: 'BED03' },
  { eui64: '00094BFFFE7C0004', base: 'ipf_pcd01_maximum_request.hl7', bed: 'BED04' },
] as const;
export const GATEWAY_MSH3 = 'ICU_GATEWAY^00A0C9FFFE010203^EUI-64';

/** A temp copy of a PCD-01 file re-addressed to one device behind the gateway. */
function gatewayMessage(dev: (typeof GATEWAY_DEVICES)[number], round: number): Buffer {
  const text = dataFile(dev.base).toString('latin1')
    .replace('AcmeInc^ACDE48234567ABCD^EUI-64', GATEWAY_MSH3) // MSH-3: the gateway
    .replaceAll('AcmeAHDInc^ACDE48234567ABCD^EUI-64', 'ICU_GATEWAY^00A0C9FFFE010203^EUI-64') // OBR-2/3 placer/filler
    .replaceAll('0123456789ABCDEF^EUI-64', `${dev.eui64}^EUI-64`) // OBX-18: the device
    .replace('|MSGID1234|', `|GW${dev.bed}R${round}|`);
  check(!text.includes('0123456789ABCDEF') && !text.includes('ACDE48234567ABCD'), `all EUI-64s replaced in ${dev.base}`);
  return Buffer.from(text, 'latin1');
}

/** One message sent in a scenario, for the manifest. */
interface Sent {
  file: string;
  host: string;
  ip: string;
  mac: string;
  impl: SenderImpl;
  to: string;
  fileBytes: number;
  fileSha256: string;
  wireBytes: number;
  wireSha256: string;
  terminators: string;
  bom: boolean;
  changedOnWire: string | null;
}

function terminators(b: Buffer): string {
  const s = b.toString('latin1');
  const crlf = (s.match(/\r\n/g) ?? []).length;
  const cr = (s.match(/\r(?!\n)/g) ?? []).length;
  const lf = (s.match(/(?<!\r)\n/g) ?? []).length;
  return [crlf && 'CRLF', cr && 'CR', lf && 'LF'].filter(Boolean).join('+') || 'none';
}

async function send(tb: Testbed, impl: SenderImpl, from: string, to: Hl7Receiver, files: Array<[string, Buffer]>,
  sent: Sent[]): Promise<SendResult> {
  const target = { ip: to.ip, port: to.port };
  const msgs = files.map(([, b]) => b);
  const r = impl === 'mllp_send' ? await sendWithMllpSend(tb, from, target, msgs) : await sendWithNode(tb, from, target, msgs);
  check(r.acks.length === msgs.length && r.acks.every((a) => /\rMSA\|AA\|/.test(a) || /\nMSA\|AA\|/.test(a)),
    `${impl} from ${from}: ${msgs.length} messages ACKed AA`, r.acks.join('\n---\n'));
  files.forEach(([name, b], i) => {
    const w = r.wire[i]!;
    const changed = w.equals(b) ? null
      : `${b.length - w.length} trailing byte(s) dropped (${JSON.stringify(b.subarray(w.length).toString('latin1'))})`;
    sent.push({
      file: name, host: from, ip: tb.ip(from), mac: tb.mac(from), impl, to: `${to.ip}:${to.port}`,
      fileBytes: b.length, fileSha256: sha256(b), wireBytes: w.length, wireSha256: sha256(w),
      terminators: terminators(b), bom: b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf, changedOnWire: changed,
    });
  });
  return r;
}

/** The receiver got exactly the expected wire bytes, in order, from the expected peer. */
function checkReceived(rx: Hl7Receiver, expected: Sent[], fromIp?: (s: Sent) => string): void {
  const got = rx.log().filter((r) => r.event === 'received');
  check(got.length === expected.length, `${rx.host}:${rx.port} received ${expected.length} messages`, `got ${got.length}`);
  expected.forEach((s, i) => {
    const g = got[i]!;
    check(g.sha256 === s.wireSha256, `${s.file}: received bytes are the expected wire bytes (${s.impl})`,
      `want ${s.wireSha256} (${s.wireBytes} B), got ${g.sha256} (${g.length} B)`);
    const ip = fromIp ? fromIp(s) : s.ip;
    check(g.peer?.startsWith(`${ip}:`) === true, `${s.file} came from ${ip}`, g.peer);
  });
}

type Scenario = (tb: Testbed) => Promise<Sent[]>;

const scenarios: Record<string, Scenario> = {
  // Every corpus file, one sender host per message family, to one EHR receiver on 2575.
  async corpus(tb) {
    const all = readdirSync(DATA).filter((n) => n.endsWith('.hl7')).sort();
    const planned = CORPUS_PLAN.flatMap((p) => p.files);
    check(planned.length === new Set(planned).size, 'no corpus file planned twice');
    check(JSON.stringify([...planned].sort()) === JSON.stringify(all), 'every corpus file planned',
      `missing: ${all.filter((f) => !planned.includes(f)).join(' ')}; unknown: ${planned.filter((f) => !all.includes(f)).join(' ')}`);
    const rx = await startHl7Receiver(tb);
    const sent: Sent[] = [];
    for (const p of CORPUS_PLAN) {
      await send(tb, p.impl, p.host, rx, p.files.map((f) => [f, dataFile(f)]), sent);
    }
    checkReceived(rx, sent);
    return sent;
  },

  // adt and lab send to the engine, which ACKs and forwards each message unchanged to the EHR.
  async 'interface-engine'(tb) {
    const ehr = await startHl7Receiver(tb);
    const engine = await startHl7Receiver(tb, {
      host: 'engine', mode: 'forward', to: `${ehr.ip}:${ehr.port}`, app: 'IFACE_ENGINE', facility: 'GENERAL_HOSPITAL',
    });
    const sent: Sent[] = [];
    await send(tb, 'mllp_send', 'adt', engine, [
      ['ipf_adt_a01_v22_sap.hl7', dataFile('ipf_adt_a01_v22_sap.hl7')],
      ['ipf_adt_a40_iti8.hl7', dataFile('ipf_adt_a40_iti8.hl7')]], sent);
    await send(tb, 'node-hl7-client', 'lab', engine, [
      ['ipf_oru_r01_v24_lab.hl7', dataFile('ipf_oru_r01_v24_lab.hl7')],
      ['ipf_oru_r01_v251.hl7', dataFile('ipf_oru_r01_v251.hl7')]], sent);
    await new Promise((r) => setTimeout(r, 300));
    checkReceived(engine, sent);
    checkReceived(ehr, sent, () => tb.ip('engine'));
    const fwd = engine.log().filter((r) => r.event === 'forwarded');
    check(fwd.length === 4 && fwd.every((f) => f.downstream_ack?.startsWith('ACK') === true), 'engine forwarded 4 and got 4 ACKs');
    return sent;
  },

  // One monitor gateway, four bedside devices (distinct OBX-18 EUI-64s), two rounds of observations.
  async gateway(tb) {
    const rx = await startHl7Receiver(tb);
    const sent: Sent[] = [];
    const msgs: Array<[string, Buffer]> = [];
    for (const round of [1, 2]) {
      for (const dev of GATEWAY_DEVICES) msgs.push([`${dev.base} as ${dev.eui64} round ${round}`, gatewayMessage(dev, round)]);
    }
    await send(tb, 'node-hl7-client', 'pcdgw', rx, msgs, sent);
    checkReceived(rx, sent);
    return sent;
  },

  // Patient segments, OBX-5 and NTE full of canaries.
  async 'phi-canary'(tb) {
    const rx = await startHl7Receiver(tb);
    const sent: Sent[] = [];
    await send(tb, 'mllp_send', 'adt', rx, [['canary ADT^A01 (CR)', CANARY_ADT]], sent);
    await send(tb, 'node-hl7-client', 'pcdgw', rx, [['canary ORU^R01 PCD-01 (CRLF)', CANARY_ORU]], sent);
    checkReceived(rx, sent);
    return sent;
  },

  // MLLP on ports no dissector would guess: recognised by content.
  async 'nonstandard-port'(tb) {
    const rx1 = await startHl7Receiver(tb, { port: 6661 });
    const rx2 = await startHl7Receiver(tb, { port: 12011 });
    const a: Sent[] = [];
    const b: Sent[] = [];
    await send(tb, 'mllp_send', 'adt', rx1, [['ipf_adt_a01_v22_sap.hl7', dataFile('ipf_adt_a01_v22_sap.hl7')]], a);
    await send(tb, 'node-hl7-client', 'lab', rx2, [['ipf_oru_r01_v251.hl7', dataFile('ipf_oru_r01_v251.hl7')]], b);
    checkReceived(rx1, a);
    checkReceived(rx2, b);
    return [...a, ...b];
  },
};

/** Independent expectations: python-hl7's view of each corpus file (scripts/testbed/hl7-expected.py). */
function writeExpected(outDir: string): void {
  const all = readdirSync(DATA).filter((n) => n.endsWith('.hl7')).sort();
  const out = execFileSync(PYTHON, [testbedFile('hl7-expected.py'), ...all.map((f) => join(DATA, f))],
    { encoding: 'utf8', maxBuffer: 16 << 20 });
  const parsed = JSON.parse(out) as Record<string, unknown>;
  check(Object.keys(parsed).length === all.length, 'expected.json covers every corpus file');
  writeFileSync(join(outDir, 'expected.json'), `${JSON.stringify(parsed, null, 2)}\n`);
}

/** Record the named scenarios (default: all) into `outDir`/<name>.pcap (+ manifest.json). */
export async function recordHl7(outDir: string, names: string[] = Object.keys(scenarios)): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, 'manifest.json');
  let manifest: Record<string, unknown> = {};
  try { manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>; } catch { /* first run */ }
  for (const name of names) {
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`unknown scenario '${name}' (have: ${Object.keys(scenarios).join(', ')})`);
    const pcap = join(outDir, `${name}.pcap`);
    const sent = await withTestbed(async (tb) => {
      const s = await scenario(tb);
      await tb.stopCapture();
      return s;
    }, { hosts: HL7_HOSTS, capture: pcap });
    manifest[name] = sent;
    process.stdout.write(`${name}.pcap ${statSync(pcap).size} bytes, ${sent.length} messages\n`);
  }
  const ordered = Object.fromEntries(Object.keys(scenarios).filter((k) => k in manifest).map((k) => [k, manifest[k]]));
  writeFileSync(manifestPath, `${JSON.stringify({
    description: 'Per capture, every message sent, in order: file (or what it was made from), sender host/IP/MAC, MLLP implementation, receiver, file and wire sizes and sha256 (wire = bytes between VT and FS as received), segment terminators, BOM, and what the sender changed.',
    ...ordered,
  }, null, 2)}\n`);
  if (names.includes('phi-canary')) {
    writeFileSync(join(outDir, 'canaries.json'), `${JSON.stringify({
      description: 'Values planted in phi-canary.pcap (PID-3/5/7/11/13, NK1-2, PV1-3/19, OBX-5, NTE-3 of an ADT^A01 and a PCD-01 ORU^R01). None may appear in any auscult output, log, store or message.',
      fields: HL7_CANARIES,
      strings: Object.values(HL7_CANARIES),
    }, null, 2)}\n`);
  }
  if (names.includes('corpus')) writeExpected(outDir);
}

if (process.argv[1]?.endsWith('record-hl7.ts')) {
  const [outArg, ...names] = process.argv.slice(2);
  const out = resolve(outArg ?? 'test/fixtures/hl7');
  recordHl7(out, names.length > 0 ? names : undefined).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}

export { HL7_PORT };
