/**
 * Where the main thread's time goes, stage by stage, on one capture held in
 * memory (no libpcap, no worker): decode only; decode + TCP reassembly into a
 * sink; + protocol parsing (DICOM, HL7, DHCP events, not observed); the whole
 * pipeline (events become inventory evidence); and the end-of-run report.
 * Each figure is the fastest of BENCH_REPS rounds (warm JIT), on the compiled
 * build (npm run build), as `auscult inventory` runs.
 *
 *   npx tsx bench/stages.ts CAPTURE.pcap
 *
 * `npm run bench` runs it on each workload's smaller capture.
 */
import { readPcap } from '../scripts/lib/pcap-file.js';

interface StageModules {
  decodeFrame: typeof import('../protocols/link/decode.js').decodeFrame;
  FlowTable: typeof import('../agent/flow/flow-table.js').FlowTable;
  Pipeline: typeof import('../agent/pipeline.js').Pipeline;
}

export interface StageResult {
  stage: string;
  ms: number;
  packetsPerSecond: number;
}

async function loadCompiled(): Promise<StageModules> {
  const dist = new URL('../dist/', import.meta.url);
  const decode = (await import(new URL('protocols/link/decode.js', dist).href)) as typeof import('../protocols/link/decode.js');
  const flow = (await import(new URL('agent/flow/flow-table.js', dist).href)) as typeof import('../agent/flow/flow-table.js');
  const pipeline = (await import(new URL('agent/pipeline.js', dist).href)) as typeof import('../agent/pipeline.js');
  return { decodeFrame: decode.decodeFrame, FlowTable: flow.FlowTable, Pipeline: pipeline.Pipeline };
}

export async function measureStages(path: string, reps = Number(process.env.BENCH_REPS ?? 8)): Promise<StageResult[]> {
  const m = await loadCompiled();
  const cap = readPcap(path);
  const recs = cap.records.map((r) => ({ frame: r.frame, ts: r.sec + r.usec / 1e6, origLen: r.origLen }));
  const linkType = cap.linkType;
  const best = new Map<string, number>();
  const time = (stage: string, fn: () => void): void => {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    best.set(stage, Math.min(best.get(stage) ?? Infinity, dt));
  };
  const sink = { data() {}, gap() {}, end() {} };
  for (let rep = 0; rep < reps; rep++) {
    time('decode', () => {
      for (const r of recs) m.decodeFrame(linkType, r.frame, r.ts);
    });
    time('decode + reassembly', () => {
      const ft = new m.FlowTable(() => sink);
      for (const r of recs) {
        const d = m.decodeFrame(linkType, r.frame, r.ts);
        if (d.ok) ft.packet(d.packet);
      }
      ft.flush(Number.MAX_SAFE_INTEGER);
    });
    time('+ protocol parsing', () => {
      const p = new m.Pipeline({ observe: false });
      for (const r of recs) p.packet(linkType, r.frame, r.ts, r.origLen);
      p.finish();
    });
    const p = new m.Pipeline();
    time('+ inventory (whole pipeline)', () => {
      for (const r of recs) p.packet(linkType, r.frame, r.ts, r.origLen);
    });
    time('report (end of run)', () => p.finish());
  }
  return [...best].map(([stage, ms]) => ({ stage, ms, packetsPerSecond: recs.length / (ms / 1000) }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const path = process.argv[2];
  if (!path) throw new Error('usage: npx tsx bench/stages.ts CAPTURE.pcap');
  for (const r of await measureStages(path)) {
    console.log(`${r.stage.padEnd(30)} ${r.ms.toFixed(0).padStart(6)} ms ${Math.round(r.packetsPerSecond).toLocaleString('en-US').padStart(12)} packets/s`);
  }
}
