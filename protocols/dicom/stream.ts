/**
 * The DICOM stream state machine: one instance per TCP connection, both
 * directions. PDUs (PS3.8 §9.3) are framed from a chunk list; association
 * PDUs are buffered whole under a cap; P-DATA-TF PDUs are never buffered:
 * PDV item headers are parsed as they arrive and PDV bytes pass straight
 * through to the command reassembler or the dataset walker.
 */
import type { Direction, EndReason, StreamAnalyzer } from '../common/analyzer.js';
import { ChunkQueue } from '../common/chunk-queue.js';
import {
  DICOM_DEFAULT_MAX_COMMAND_BYTES,
  DICOM_DEFAULT_MAX_DEFLATED_BYTES,
  DICOM_DEFAULT_MAX_INFLATED_BYTES,
  DICOM_DEFAULT_MAX_PDU_LENGTH,
  DICOM_DEFAULT_MAX_PREFIX_BYTES,
  DICOM_DEFAULT_MAX_VALUE_BYTES,
  DICOM_PDU_ABORT,
  DICOM_PDU_ASSOCIATE_AC,
  DICOM_PDU_ASSOCIATE_RJ,
  DICOM_PDU_ASSOCIATE_RQ,
  DICOM_PDU_HEADER_LENGTH,
  DICOM_PDU_NAMES,
  DICOM_PDU_P_DATA_TF,
  DICOM_PDU_RELEASE_RP,
  DICOM_PDU_RELEASE_RQ,
  DICOM_PDV_HEADER_LENGTH,
  DICOM_UID_NAMES,
} from './constants.js';
import { AssociationCache } from './association-cache.js';
import { EquipmentExtractor, type DatasetLimits, type DatasetResult } from './dataset.js';
import { parseCommandSet } from './dimse.js';
import type { DicomEvent, DicomStreamStats } from './events.js';
import {
  parseAbort,
  parseAssociateRj,
  parsePduHeader,
  parsePdvHeader,
  type PdvHeader,
} from './pdu-parser.js';
import { DICOM_PROBE_LOOKAHEAD, findPduHeader, plausiblePduAt } from './probe.js';

/** Limits; every length is capped before anything is buffered. */
export interface DicomOptions {
  /** Largest PDU length accepted (the 6-byte header not counted). Default 1 MiB. */
  maxPduLength?: number;
  /** Largest reassembled command set. Default 16 KiB. */
  maxCommandBytes?: number;
  /** Largest copied dataset prefix (allow-listed elements only). Default 64 KiB. */
  maxPrefixBytes?: number;
  /** Longest single equipment value copied. Default 1 KiB. */
  maxValueBytes?: number;
  /** Compressed bytes of a deflated dataset kept while looking for the equipment tags. Default 64 KiB. */
  maxDeflatedBytes?: number;
  /** Hard cap on inflated bytes of a deflated dataset. Default 4 MiB. */
  maxInflatedBytes?: number;
  /**
   * Where parses of A-ASSOCIATE-RQ/-AC bodies are remembered, so that a
   * byte-identical body (a device's every association) is parsed once.
   * Default: one bounded cache shared by all connections of the process.
   */
  associationCache?: AssociationCache;
}

/** The default association cache: a memo of pure parses, bounded (see association-cache.ts). */
const SHARED_ASSOCIATION_CACHE = new AssociationCache();

type Mode = 'hunt' | 'header' | 'body' | 'pdv-header' | 'pdv-data' | 'skip-pdu';

/** Per direction, per presentation context: the DIMSE message in flight. */
interface PcState {
  cmd: Buffer[];
  cmdLen: number;
  /** The start of the current command was lost: discard until its last fragment. */
  cmdOrphan: boolean;
  cmdOverCap: boolean;
  /** A command that announced a data set completed; the next dataset PDV starts it. */
  expectDataset: boolean;
  /** 'orphan': a dataset whose start we never saw; 'draining': finished early, skip to its last fragment. */
  ds: 'idle' | 'active' | 'draining' | 'orphan';
  extractor: EquipmentExtractor | null;
  command: string | null;
  commandSopClass: string | null;
}

interface DirState {
  q: ChunkQueue;
  mode: Mode;
  /** Bytes discarded while hunting for a PDU header. */
  skipped: number;
  /** Sync was lost (gap, bad header) since the last PDU header. */
  lostSync: boolean;
  pduType: number;
  /** PDU body bytes not yet consumed from the queue. */
  pduRemaining: number;
  pdv: PdvHeader | null;
  pdvRemaining: number;
  pcs: Map<number, PcState>;
}

/** PS3.7 §6.3.1: a command set starts with Command Group Length (0000,0000), 4 bytes long. */
const COMMAND_START = Buffer.from([0, 0, 0, 0, 4, 0, 0, 0]);

/**
 * Create the DICOM analyzer for one TCP connection.
 * Events are emitted synchronously from `data`, `gap` and `end`; nothing throws.
 */
export function createDicomAnalyzer(
  emit: (e: DicomEvent) => void,
  opts: DicomOptions = {},
): StreamAnalyzer & { stats: DicomStreamStats } {
  return new DicomStream(emit, opts);
}

class DicomStream implements StreamAnalyzer {
  readonly stats: DicomStreamStats = {
    pdus: {},
    bytes: 0,
    malformed: 0,
    capHits: 0,
    resyncs: 0,
    gaps: 0,
    retainedBytes: 0,
    peakRetainedBytes: 0,
  };
  private readonly emit: (e: DicomEvent) => void;
  private readonly maxPdu: number;
  private readonly maxCommand: number;
  private readonly limits: DatasetLimits;
  private readonly associations: AssociationCache;
  private readonly dirs: Record<Direction, DirState>;
  /** PS3.8 §9.3.3.2: accepted transfer syntax per presentation context id, from the A-ASSOCIATE-AC. */
  private readonly acceptedTs = new Map<number, string>();
  private ts = 0;
  /** An A-ASSOCIATE-RQ or -AC was seen: message boundaries on this connection are known. */
  private associated = false;

  constructor(emit: (e: DicomEvent) => void, opts: DicomOptions) {
    this.emit = emit;
    this.maxPdu = opts.maxPduLength ?? DICOM_DEFAULT_MAX_PDU_LENGTH;
    this.maxCommand = opts.maxCommandBytes ?? DICOM_DEFAULT_MAX_COMMAND_BYTES;
    this.limits = {
      maxPrefixBytes: opts.maxPrefixBytes ?? DICOM_DEFAULT_MAX_PREFIX_BYTES,
      maxValueBytes: opts.maxValueBytes ?? DICOM_DEFAULT_MAX_VALUE_BYTES,
      maxDeflatedBytes: opts.maxDeflatedBytes ?? DICOM_DEFAULT_MAX_DEFLATED_BYTES,
      maxInflatedBytes: opts.maxInflatedBytes ?? DICOM_DEFAULT_MAX_INFLATED_BYTES,
    };
    this.associations = opts.associationCache ?? SHARED_ASSOCIATION_CACHE;
    this.dirs = { orig: newDir(), resp: newDir() };
  }

  data(dir: Direction, chunk: Buffer, ts: number): number {
    this.ts = ts;
    const d = this.dirs[dir];
    this.stats.bytes += chunk.length;
    d.q.push(chunk);
    try {
      this.run(dir, d);
    } catch (err) {
      this.internal(dir, d, err);
    }
    d.q.retain(); // the caller may reuse `chunk` once we return
    this.updateRetained();
    return this.skippable(d);
  }

  /**
   * Bytes `run()` would consume without reading them: the rest of a data set
   * PDV whose context extracts nothing (its equipment prefix is done, or its
   * start was never seen), or the rest of a PDU being skipped. Only with
   * nothing queued, so they are exactly the next bytes to arrive.
   */
  private skippable(d: DirState): number {
    if (d.q.length !== 0) return 0;
    if (d.mode === 'pdv-data') {
      const pdv = d.pdv;
      if (pdv === null || pdv.isCommand) return 0;
      const pc = d.pcs.get(pdv.presentationContextId);
      return pc === undefined || pc.ds === 'active' ? 0 : d.pdvRemaining;
    }
    return d.mode === 'skip-pdu' ? d.pduRemaining : 0;
  }

  /**
   * Bytes `skippable()` allowed, passed over: the same counters move as when
   * `run()` consumes them unread, then `run()` takes the PDV's or PDU's end
   * (the next header's mode) as it would have.
   */
  skip(dir: Direction, length: number, ts: number): number {
    this.ts = ts;
    const d = this.dirs[dir];
    const n = Math.min(length, this.skippable(d));
    this.stats.bytes += n;
    if (d.mode === 'pdv-data') d.pdvRemaining -= n;
    d.pduRemaining -= n;
    try {
      this.run(dir, d);
    } catch (err) {
      this.internal(dir, d, err);
    }
    return this.skippable(d);
  }

  gap(dir: Direction, length: number, ts: number): void {
    this.ts = ts;
    const d = this.dirs[dir];
    this.stats.gaps++;
    try {
      this.onGap(dir, d, length);
    } catch (err) {
      this.internal(dir, d, err);
    }
    this.updateRetained();
  }

  end(dir: Direction, reason: EndReason, ts: number): void {
    this.ts = ts;
    const d = this.dirs[dir];
    try {
      const inPdu = d.mode !== 'hunt' && d.mode !== 'header';
      if (inPdu || (d.mode === 'header' && d.q.length > 0)) {
        this.anomaly(dir, 'truncated', `stream ended (${reason}) inside a ${DICOM_PDU_NAMES[d.pduType] ?? 'PDU'}`);
      } else if (d.mode === 'hunt' && d.skipped + d.q.length > 0) {
        this.anomaly(dir, 'resync', `stream ended (${reason}) after ${d.skipped + d.q.length} bytes without a PDU header`);
      }
      this.cutAll(dir, d, true);
    } catch (err) {
      this.internal(dir, d, err);
    }
    d.q.clear();
    d.mode = 'hunt';
    d.skipped = 0;
    this.updateRetained();
  }

  // ---- framing ----

  private run(dir: Direction, d: DirState): void {
    for (;;) {
      switch (d.mode) {
        case 'hunt':
          if (!this.hunt(dir, d)) return;
          break;
        case 'header':
          if (!this.header(dir, d)) return;
          break;
        case 'body': {
          if (d.q.length < d.pduRemaining) return;
          const body = d.q.consume(d.pduRemaining);
          d.pduRemaining = 0;
          d.mode = 'header';
          this.onPdu(dir, d.pduType, body);
          break;
        }
        case 'pdv-header':
          if (!this.pdvHeader(dir, d)) return;
          break;
        case 'pdv-data': {
          if (d.pdvRemaining > 0) {
            if (d.q.length === 0) return;
            const piece = d.q.take(d.pdvRemaining);
            d.pdvRemaining -= piece.length;
            d.pduRemaining -= piece.length;
            this.pdvData(dir, d, piece);
          }
          if (d.pdvRemaining === 0) {
            const pdv = d.pdv!;
            d.pdv = null;
            d.mode = 'pdv-header';
            this.pdvEnd(dir, d, pdv);
          }
          break;
        }
        case 'skip-pdu': {
          const n = Math.min(d.pduRemaining, d.q.length);
          d.q.skip(n);
          d.pduRemaining -= n;
          if (d.pduRemaining > 0) return;
          d.mode = 'header';
          break;
        }
      }
    }
  }

  /** Find the next plausible PDU header (probe rules). Returns true once in sync. */
  private hunt(dir: Direction, d: DirState): boolean {
    while (d.q.length > 0) {
      const first = d.q.first();
      const found = findPduHeader(first, 0, this.maxPdu);
      if (found === null) {
        d.skipped += first.length;
        d.q.skip(first.length);
        continue;
      }
      d.skipped += found.offset;
      d.q.skip(found.offset);
      const verdict = found.verdict === 'match' ? 'match' : plausiblePduAt(d.q.peek(DICOM_PROBE_LOOKAHEAD), 0, this.maxPdu);
      if (verdict === 'need-more') return false;
      if (verdict === 'no-match') {
        d.skipped++;
        d.q.skip(1);
        continue;
      }
      if (d.skipped > 0 || d.lostSync) {
        this.stats.resyncs++;
        this.anomaly(dir, 'resync', `found a PDU header after skipping ${d.skipped} bytes`);
      }
      d.skipped = 0;
      d.lostSync = false;
      d.mode = 'header';
      return true;
    }
    return false;
  }

  private header(dir: Direction, d: DirState): boolean {
    if (d.q.length < DICOM_PDU_HEADER_LENGTH) return false;
    // read in place when the header lies in the first chunk (the usual case): no view
    const r = d.q.contiguous(DICOM_PDU_HEADER_LENGTH)
      ? parsePduHeader(d.q.headChunk(), d.q.headOffset, this.maxPdu)
      : parsePduHeader(d.q.peek(DICOM_PDU_HEADER_LENGTH), 0, this.maxPdu);
    if (r.kind === 'need-more') return false;
    if (r.kind === 'error') {
      if (r.code === 'DICOM_ERR_PDU_TOO_LARGE') {
        this.stats.capHits++;
        this.anomaly(dir, 'cap', r.detail);
      } else {
        this.stats.malformed++;
        this.anomaly(dir, 'malformed', r.detail);
      }
      this.loseSync(dir, d);
      d.q.skip(1);
      d.skipped = 1;
      return true;
    }
    d.q.skip(DICOM_PDU_HEADER_LENGTH);
    const name = DICOM_PDU_NAMES[r.value.type]!;
    this.stats.pdus[name] = (this.stats.pdus[name] ?? 0) + 1;
    d.pduType = r.value.type;
    d.pduRemaining = r.value.length;
    d.mode = r.value.type === DICOM_PDU_P_DATA_TF ? 'pdv-header' : 'body';
    return true;
  }

  // ---- gaps ----

  private onGap(dir: Direction, d: DirState, n: number): void {
    const queued = d.q.length;
    if (d.mode === 'pdv-data' && queued === 0 && n <= d.pdvRemaining) {
      // The common SPAN case: bytes lost inside PDV data. The framing is intact.
      d.pdvRemaining -= n;
      d.pduRemaining -= n;
      this.cutPc(dir, d.pdv!.presentationContextId, this.pc(d, d.pdv!.presentationContextId), d.pdv!.isCommand);
      this.anomaly(dir, 'gap', `${n} bytes lost inside a PDV of presentation context ${d.pdv!.presentationContextId}; kept sync`);
      return;
    }
    const inPdu = d.mode === 'body' || d.mode === 'pdv-header' || d.mode === 'pdv-data' || d.mode === 'skip-pdu';
    if (inPdu && queued + n <= d.pduRemaining) {
      // Still inside a PDU of known length: skip to its end and stay in sync
      d.pduRemaining -= queued + n;
      d.q.clear();
      if (d.mode === 'body') {
        this.anomaly(dir, 'gap', `${n} bytes lost inside a ${DICOM_PDU_NAMES[d.pduType]}; PDU dropped, kept sync`);
      } else {
        this.cutAll(dir, d, true);
        this.anomaly(dir, 'gap', `${n} bytes lost inside a P-DATA-TF; rest of the PDU skipped, kept sync`);
      }
      d.pdv = null;
      d.mode = d.pduRemaining > 0 ? 'skip-pdu' : 'header';
      return;
    }
    this.anomaly(dir, 'gap', `${n} bytes lost; partial PDU dropped, resynchronising`);
    d.q.clear();
    this.loseSync(dir, d);
  }

  private loseSync(dir: Direction, d: DirState): void {
    this.cutAll(dir, d, true);
    d.mode = 'hunt';
    d.lostSync = true;
    d.skipped = 0;
    d.pdv = null;
    d.pduRemaining = 0;
    d.pdvRemaining = 0;
  }

  // ---- PDUs ----

  private onPdu(dir: Direction, type: number, body: Buffer): void {
    const base = { ts: this.ts, dir, protocol: 'dicom' as const };
    switch (type) {
      case DICOM_PDU_ASSOCIATE_RQ: {
        const { value, issues } = this.associations.associateRq(body);
        this.associated = true;
        this.issues(dir, issues);
        this.emit({ type: 'dicom.associate-rq', ...base, ...value });
        break;
      }
      case DICOM_PDU_ASSOCIATE_AC: {
        const { value, issues } = this.associations.associateAc(body);
        this.associated = true;
        this.issues(dir, issues);
        this.acceptedTs.clear();
        for (const pc of value.presentationContexts) {
          if (pc.result === 0 && pc.transferSyntax) this.acceptedTs.set(pc.id, pc.transferSyntax);
        }
        this.emit({ type: 'dicom.associate-ac', ...base, ...value });
        break;
      }
      case DICOM_PDU_ASSOCIATE_RJ:
        this.emit({ type: 'dicom.associate-rj', ...base, ...parseAssociateRj(body) });
        break;
      case DICOM_PDU_RELEASE_RQ:
        this.emit({ type: 'dicom.release-rq', ...base });
        break;
      case DICOM_PDU_RELEASE_RP:
        this.emit({ type: 'dicom.release-rp', ...base });
        break;
      case DICOM_PDU_ABORT:
        this.emit({ type: 'dicom.abort', ...base, ...parseAbort(body) });
        break;
    }
  }

  // ---- P-DATA ----

  private pdvHeader(dir: Direction, d: DirState): boolean {
    if (d.pduRemaining === 0) {
      d.mode = 'header';
      return true;
    }
    const r = d.q.contiguous(DICOM_PDV_HEADER_LENGTH)
      ? parsePdvHeader(d.q.headChunk(), d.q.headOffset, d.pduRemaining)
      : parsePdvHeader(d.q.peek(DICOM_PDV_HEADER_LENGTH), 0, d.pduRemaining);
    if (r.kind === 'need-more') return false;
    if (r.kind === 'error') {
      this.stats.malformed++;
      this.anomaly(dir, 'malformed', r.detail);
      this.cutAll(dir, d, true);
      d.mode = 'skip-pdu';
      return true;
    }
    d.q.skip(DICOM_PDV_HEADER_LENGTH);
    d.pduRemaining -= DICOM_PDV_HEADER_LENGTH;
    d.pdv = r.value;
    d.pdvRemaining = r.value.dataLength;
    d.mode = 'pdv-data';
    this.pdvStart(dir, d, r.value);
    return true;
  }

  private pdvStart(dir: Direction, d: DirState, pdv: PdvHeader): void {
    const pc = this.pc(d, pdv.presentationContextId);
    if (pdv.isCommand) {
      // A command while a dataset is open on this context: the dataset's last fragment was lost
      if (pc.ds === 'active') this.finishDataset(dir, pdv.presentationContextId, pc, true);
      if (pc.ds !== 'idle') pc.ds = 'idle';
      return;
    }
    if (pc.ds === 'idle') {
      if (pc.expectDataset) {
        pc.extractor = new EquipmentExtractor(this.acceptedTs.get(pdv.presentationContextId) ?? null, this.limits);
        pc.ds = 'active';
      } else {
        pc.ds = 'orphan';
      }
    }
  }

  private pdvData(dir: Direction, d: DirState, piece: Buffer): void {
    const pdv = d.pdv!;
    const pc = this.pc(d, pdv.presentationContextId);
    if (pdv.isCommand) {
      if (pc.cmdOverCap) return;
      if (pc.cmdLen + piece.length > this.maxCommand) {
        pc.cmdOverCap = true;
        pc.cmd = [];
        pc.cmdLen = 0;
        this.stats.capHits++;
        this.anomaly(dir, 'cap', `command set on presentation context ${pdv.presentationContextId} exceeds ${this.maxCommand} bytes`);
        return;
      }
      // A whole command in this piece (the usual case) is parsed by pdvEnd before the chunk is
      // given back, in this same step of run(): no copy. Fragments of a longer one must outlive the chunk.
      const parsedNow = pdv.isLast && d.pdvRemaining === 0 && pc.cmd.length === 0;
      pc.cmd.push(parsedNow ? piece : Buffer.from(piece));
      pc.cmdLen += piece.length;
      return;
    }
    if (pc.ds === 'active' && pc.extractor) {
      pc.extractor.write(piece);
      if (pc.extractor.done) {
        this.finishDataset(dir, pdv.presentationContextId, pc, false);
        pc.ds = 'draining';
      }
    }
  }

  private pdvEnd(dir: Direction, d: DirState, pdv: PdvHeader): void {
    if (!pdv.isLast) return;
    const pc = this.pc(d, pdv.presentationContextId);
    if (pdv.isCommand) {
      const buf = pc.cmd.length === 1 ? pc.cmd[0]! : Buffer.concat(pc.cmd, pc.cmdLen);
      const usable = !pc.cmdOverCap && (!pc.cmdOrphan || buf.subarray(0, 8).equals(COMMAND_START));
      pc.cmd = [];
      pc.cmdLen = 0;
      pc.cmdOverCap = false;
      pc.cmdOrphan = false;
      if (usable) this.onCommand(dir, pdv.presentationContextId, pc, buf);
      return;
    }
    if (pc.ds === 'active') this.finishDataset(dir, pdv.presentationContextId, pc, false);
    pc.ds = 'idle';
    pc.expectDataset = false;
  }

  private onCommand(dir: Direction, pcId: number, pc: PcState, buf: Buffer): void {
    const { value, issues } = parseCommandSet(buf);
    this.issues(dir, issues);
    pc.expectDataset = value.hasDataset;
    pc.command = value.name;
    pc.commandSopClass = value.sopClassUid;
    if (value.commandField === null) return;
    this.emit({
      type: 'dicom.dimse',
      ts: this.ts,
      dir,
      protocol: 'dicom',
      presentationContextId: pcId,
      commandField: value.commandField,
      name: value.name,
      messageId: value.messageId,
      messageIdBeingRespondedTo: value.messageIdBeingRespondedTo,
      sopClassUid: value.sopClassUid,
      sopClassName: value.sopClassName,
      priority: value.priority,
      moveDestination: value.moveDestination,
      status: value.status,
      statusName: value.statusName,
      hasDataset: value.hasDataset,
    });
  }

  private finishDataset(dir: Direction, pcId: number, pc: PcState, cut: boolean): void {
    const ex = pc.extractor;
    pc.extractor = null;
    if (!ex) return;
    const result = ex.finish(cut);
    for (const i of ex.issues) {
      if (i.kind === 'cap') this.stats.capHits++;
      else this.stats.malformed++;
      this.anomaly(dir, i.kind, `presentation context ${pcId}: ${i.detail}`);
    }
    if (result && result.hasEquipment) this.emitEquipment(dir, pcId, pc, result);
  }

  private emitEquipment(dir: Direction, pcId: number, pc: PcState, r: DatasetResult): void {
    const a = r.attributes;
    const sopClassUid = a.sopClassUid ?? pc.commandSopClass;
    this.emit({
      type: 'dicom.equipment',
      ts: this.ts,
      dir,
      protocol: 'dicom',
      presentationContextId: pcId,
      command: pc.command,
      sopClassUid,
      sopClassName: sopClassUid ? DICOM_UID_NAMES[sopClassUid] ?? null : null,
      transferSyntaxUid: r.transferSyntaxUid,
      transferSyntaxGuessed: r.transferSyntaxGuessed,
      modality: a.modality,
      manufacturer: a.manufacturer,
      institutionName: a.institutionName,
      stationName: a.stationName,
      modelName: a.modelName,
      deviceSerialNumber: a.deviceSerialNumber,
      deviceUid: a.deviceUid,
      udi: a.udi,
      softwareVersions: a.softwareVersions,
      patientModulePresent: r.patientModulePresent,
      partial: r.partial,
    });
  }

  /** Bytes of this context's message were lost. */
  private cutPc(dir: Direction, pcId: number, pc: PcState, command: boolean): void {
    if (command) {
      pc.cmd = [];
      pc.cmdLen = 0;
      pc.cmdOrphan = true;
      return;
    }
    if (pc.ds === 'active') {
      this.finishDataset(dir, pcId, pc, true);
      pc.ds = 'draining';
    }
  }

  /** Sync or structure lost in this direction: every message in flight is cut. */
  private cutAll(dir: Direction, d: DirState, emitPartial: boolean): void {
    for (const [id, pc] of d.pcs) {
      if (pc.ds === 'active') {
        if (emitPartial) this.finishDataset(dir, id, pc, true);
        else pc.extractor?.finish(true);
      }
      pc.extractor = null;
      pc.ds = 'orphan';
      pc.expectDataset = false;
      pc.cmd = [];
      pc.cmdLen = 0;
      pc.cmdOverCap = false;
      pc.cmdOrphan = true;
    }
  }

  private pc(d: DirState, id: number): PcState {
    let pc = d.pcs.get(id);
    if (!pc) {
      pc = {
        cmd: [],
        cmdLen: 0,
        // Joined mid-association: a command is trusted only if it starts with its group length
        cmdOrphan: !this.associated,
        cmdOverCap: false,
        expectDataset: false,
        ds: 'idle',
        extractor: null,
        command: null,
        commandSopClass: null,
      };
      d.pcs.set(id, pc);
    }
    return pc;
  }

  // ---- reporting ----

  private issues(dir: Direction, issues: string[]): void {
    for (const detail of issues) {
      this.stats.malformed++;
      this.anomaly(dir, 'malformed', detail);
    }
  }

  private anomaly(dir: Direction, kind: string, detail: string): void {
    this.emit({ type: 'anomaly', ts: this.ts, dir, protocol: 'dicom', kind, detail });
  }

  private internal(dir: Direction, d: DirState, err: unknown): void {
    this.stats.malformed++;
    try {
      this.anomaly(dir, 'internal', `analyzer error, resynchronising: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
    } catch {
      // the sink threw: nothing more we can report
    }
    d.q.clear();
    d.mode = 'hunt';
    d.lostSync = true;
    d.skipped = 0;
    d.pdv = null;
    for (const pc of d.pcs.values()) {
      pc.extractor = null;
      pc.ds = 'orphan';
      pc.cmd = [];
      pc.cmdLen = 0;
      pc.cmdOrphan = true;
    }
  }

  private updateRetained(): void {
    let n = 0;
    for (const d of [this.dirs.orig, this.dirs.resp]) {
      n += d.q.length;
      for (const pc of d.pcs.values()) n += pc.cmdLen + (pc.extractor?.retainedBytes() ?? 0);
    }
    this.stats.retainedBytes = n;
    if (n > this.stats.peakRetainedBytes) this.stats.peakRetainedBytes = n;
  }
}

function newDir(): DirState {
  return {
    q: new ChunkQueue(),
    mode: 'hunt',
    skipped: 0,
    lostSync: false,
    pduType: 0,
    pduRemaining: 0,
    pdv: null,
    pdvRemaining: 0,
    pcs: new Map(),
  };
}
