/**
 * HL7 tokenizer + extraction throughput beside hl7-standard, same message,
 * same run. Message: shared/data/hl7/ipf_continua_wan_glucose.hl7 (IHE
 * PCD-01 based Continua WAN ORU^R01, 1174 bytes, CRLF), falling back to a
 * built PCD-01 message of similar size when the corpus is absent.
 *
 * The parsers take turns in short interleaved rounds and the figures are
 * medians over the rounds: on a shared machine, compare the ratio, not the
 * absolute rates.
 *
 *   npx tsx bench/hl7-bench.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extractMessages } from '../protocols/hl7/extract.js';
import { tokenizeMessage } from '../protocols/hl7/tokenizer.js';
import { createHl7Analyzer } from '../protocols/hl7/stream.js';

const require = createRequire(import.meta.url);
const HL7Standard = require('hl7-standard') as new (raw: string) => { transform(): void; get(p: string): unknown };

const FILE = '/work/shared/data/hl7/ipf_continua_wan_glucose.hl7';
const msg: Buffer = existsSync(FILE)
  ? readFileSync(FILE)
  : Buffer.from(
      [
        'MSH|^~\\&|AcmeInc^ACDE48234567ABCD^EUI-64|SendFac|RecApp|RecFac|20240101120000||ORU^R01^ORU_R01|MSG1|P|2.6|||NE|AL||UNICODE UTF-8|||IHE PCD ORU-R01 2006^HL7^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
        'PID|||123^^^H^PI||Doe^John',
        'OBR|1|AB12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64||528391^MDC_DEV_SPEC_PROFILE_GLUCOSE^MDC|||20240101120000',
        ...Array.from({ length: 8 }, (_, i) => `OBX|${i + 1}|NM|160184^MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD^MDC|1.0.0.${i}|${90 + i}|264274^MDC_DIM_MILLI_G_PER_DL^MDC|||||R|||20240101120000||||0123456789ABCDEF^EUI-64`),
      ].join('\r') + '\r',
    );
const text = msg.toString('latin1');

/** Calls of `fn` per second over about `ms` milliseconds, after `settleMs` untimed. */
function rate(fn: () => void, ms: number, settleMs = 30): number {
  // untimed: collection work left over by the previous parser's garbage is done here
  const settled = process.hrtime.bigint() + BigInt(settleMs) * 1_000_000n;
  while (process.hrtime.bigint() < settled) for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

let sink = 0;
const framed = Buffer.concat([Buffer.from([0x0b]), msg, Buffer.from([0x1c, 0x0d])]);
const stream = createHl7Analyzer(() => sink++);
const runs = [
  {
    label: 'auscult tokenize + extract',
    fn: () => {
      const r = extractMessages(tokenizeMessage(msg));
      sink += r.items.length;
    },
  },
  { label: 'auscult MLLP stream (frame + tokenize + extract)', fn: () => stream.data('orig', framed, 0) },
  {
    label: 'hl7-standard transform + get MSH-9',
    fn: () => {
      const h = new HL7Standard(text);
      h.transform();
      sink += h.get('MSH.9.1') ? 1 : 0;
    },
  },
];
// The machine is shared: the parsers take turns in short rounds so that a burst of load hits all of
// them alike, and the ratio is the median of the per-round ratios.
const ROUNDS = 9;
const ROUND_MS = 150;
for (const r of runs) for (let i = 0; i < 2000; i++) r.fn(); // warm up
const rates = runs.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) runs.forEach((r, k) => rates[k]!.push(rate(r.fn, ROUND_MS)));
const ratios = rates[0]!.map((ours, k) => ours / rates[2]![k]!);

console.log(`message: ${existsSync(FILE) ? FILE : 'built PCD-01 ORU^R01'} (${msg.length} bytes); median of ${ROUNDS} interleaved rounds`);
console.log('| parser | messages/s | µs/message | MB/s |');
console.log('|---|---:|---:|---:|');
runs.forEach((r, k) => {
  const m = median(rates[k]!);
  console.log(`| ${r.label} | ${Math.round(m).toLocaleString('en-US')} | ${(1e6 / m).toFixed(1)} | ${((m * msg.length) / 1e6).toFixed(1)} |`);
});
const sorted = [...ratios].sort((a, b) => a - b);
console.log(
  `ratio tokenize+extract / hl7-standard: ${median(ratios).toFixed(1)}x (rounds ${sorted[0]!.toFixed(1)}x-${sorted[sorted.length - 1]!.toFixed(1)}x; target >= 20x)`,
);
// load on a shared machine only ever slows a round down: the fastest rounds are the least disturbed
const best = (k: number) => Math.max(...rates[k]!);
console.log(`best rounds: ${Math.round(best(0)).toLocaleString('en-US')} vs ${Math.round(best(2)).toLocaleString('en-US')} messages/s, ratio ${(best(0) / best(2)).toFixed(1)}x`);
if (sink < 0) console.log(sink);
