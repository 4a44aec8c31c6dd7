/**
 * Corpus harness: sends every file of the DICOM corpus through storescu →
 * storescp on the testbed, once per transfer syntax DCMTK can negotiate for it,
 * each in its own association with a calling AE title naming file and syntax,
 * and records one pcap. The expected equipment attributes per file come from
 * dcmdump, so a test can match what auscult extracts from the capture.
 *
 * Usage: npx tsx scripts/testbed/corpus.ts [outDir]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_HOSTS, macFor, withTestbed } from './testbed.js';
import { TS_LABEL, UNCOMPRESSED_SYNTAXES, canPropose, convertTo, fileTransferSyntax, readEquipment, storescu } from './dicom-tools.js';
import { SHARED_DICOM } from '../lib/paths.js';

export const CORPUS_DIR = SHARED_DICOM;

const UNCOMPRESSED = new Set(UNCOMPRESSED_SYNTAXES);

export interface CorpusEntry {
  /** file name inside the corpus directory */
  file: string;
  /** transfer syntax UID negotiated for the association */
  transferSyntax: string;
  /** calling AE title of the association that carried this file */
  callingAe: string;
  /** testbed host that sent it: one host per corpus file, so one device per file */
  host: string;
  ip: string;
  mac: string;
  /** equipment attributes of the top-level dataset (see readEquipment) */
  attrs: Record<string, string | string[]>;
}

export interface CorpusResult {
  pcap: string;
  expected: CorpusEntry[];
  /** files not sent, and why */
  skipped: Array<{ file: string; why: string }>;
}

/**
 * Calling AE title for a file and syntax: 6 hex digits of a hash of the file
 * name, `_`, the syntax label (e.g. `3F2A1B_EB`). Stable across runs and corpus
 * changes, at most 16 characters.
 */
export function corpusAe(file: string, transferSyntax: string): string {
  const h = createHash('sha1').update(file).digest('hex').slice(0, 6).toUpperCase();
  return `${h}_${TS_LABEL[transferSyntax] ?? 'XX'}`;
}

/** Syntaxes to send a file in: the four uncompressed ones, or its own compressed one. */
export function syntaxesFor(path: string): string[] | { why: string } {
  const own = fileTransferSyntax(path);
  // No file meta: storescu detects implicit/explicit LE datasets itself.
  if (own === undefined || UNCOMPRESSED.has(own)) return [...UNCOMPRESSED_SYNTAXES];
  if (canPropose(own)) return [own];
  return { why: `storescu cannot propose its transfer syntax ${own}` };
}

/**
 * Record the corpus into `outDir` (corpus.pcap, expected.json). Files storescu
 * cannot read or send are reported in `skipped` (e.g. no_meta.dcm, whose
 * dataset DCMTK cannot parse without a transfer syntax hint).
 */
export async function recordCorpus(outDir: string): Promise<CorpusResult> {
  mkdirSync(outDir, { recursive: true });
  const pcap = join(outDir, 'corpus.pcap');
  const files = readdirSync(CORPUS_DIR).filter((n) => n.endsWith('.dcm')).sort();
  const expected: CorpusEntry[] = [];
  const skipped: Array<{ file: string; why: string }> = [];
  const scratch = mkdtempSync(join(tmpdir(), 'auscult-corpus-'));

  // One sending host per file (192.0.2.101...), so each simulated device
  // sends the equipment of exactly one file and is not taken for an archive.
  if (files.length > 150) throw new Error('corpus too large for one /24 testbed');
  const senders = files.map((_, i) => {
    const ip = `192.0.2.${101 + i}`;
    return { name: `c${String(i + 1).padStart(3, '0')}`, ip, mac: macFor(ip) };
  });
  const pacsHost = DEFAULT_HOSTS.find((h) => h.name === 'pacs')!;

  await withTestbed(async (tb) => {
    const pacs = await tb.startPacs();
    for (const [i, file] of files.entries()) {
      const sender = senders[i]!;
      const path = join(CORPUS_DIR, file);
      const syntaxes = syntaxesFor(path);
      if (!Array.isArray(syntaxes)) {
        skipped.push({ file, why: syntaxes.why });
        continue;
      }
      const attrs = readEquipment(path);
      const own = fileTransferSyntax(path);
      for (const ts of syntaxes) {
        const callingAe = corpusAe(file, ts);
        // Convert first so storescu sends the file in the context of `ts`
        // rather than in another accepted context matching the file's syntax.
        let send = path;
        if (UNCOMPRESSED.has(ts) && ts !== own) {
          send = join(scratch, `${callingAe}.dcm`);
          try {
            convertTo(path, ts, send);
          } catch (err) {
            skipped.push({ file, why: `${TS_LABEL[ts] ?? ts}: dcmconv failed: ${String(err).slice(0, 200)}` });
            continue;
          }
        }
        const r = await storescu(tb, sender.name, pacs, [send], { aet: callingAe, syntax: ts, allowFail: true });
        if (r.code !== 0) {
          const why = (r.stderr.match(/^[EF]: .*$/m)?.[0] ?? `storescu exit ${r.code}`).slice(0, 200);
          skipped.push({ file, why: `${TS_LABEL[ts] ?? ts}: ${why}` });
          continue;
        }
        if (!r.accepted.includes(ts)) {
          skipped.push({ file, why: `${TS_LABEL[ts] ?? ts}: PACS did not accept it (${r.accepted.join(' ')})` });
          continue;
        }
        expected.push({ file, transferSyntax: ts, callingAe, host: sender.name, ip: sender.ip, mac: sender.mac, attrs });
      }
    }
    await tb.stopCapture();
  }, { capture: pcap, hosts: [pacsHost, ...senders] }).finally(() => rmSync(scratch, { recursive: true, force: true }));

  writeFileSync(join(outDir, 'expected.json'), `${JSON.stringify({ expected, skipped }, null, 2)}\n`);
  return { pcap, expected, skipped };
}

if (process.argv[1]?.endsWith('corpus.ts')) {
  const out = resolve(process.argv[2] ?? 'corpus-out');
  recordCorpus(out).then((r) => {
    process.stdout.write(`${r.pcap}: ${r.expected.length} associations, ${r.skipped.length} skipped\n`);
    for (const s of r.skipped) process.stdout.write(`  skipped ${s.file}: ${s.why}\n`);
  }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
