/**
 * The collector's own correlation: it watches its knowledge base (the
 * SQLite file `auscult kb import` writes) and, when the KB version changes,
 * re-matches the whole stored inventory with rules/correlate (identities
 * from the seed rule pack, as agent/inventory/enrich.ts does), records new
 * findings (source 'collector'), closes those that no longer hold
 * (closedReason 'kb-update') and hands the newly imported documents to the
 * agents. Devices stored between KB changes are correlated in small
 * batches on the same timer.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuscultError } from '../agent/errors.js';
import { KbStore } from '../agent/kb/store.js';
import { correlate } from '../rules/correlate/index.js';
import { identify, normalizeVendor, type RulePack } from '../rules/fingerprint/index.js';
import { loadRulePack } from '../rules/fingerprint/load.js';
import type { DeviceRecord } from '../rules/inventory.js';
import type { DeviceIdentity, KnowledgeBase } from '../rules/types.js';
import type { Logger } from './log.js';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type KbUpdateMessage } from './protocol.js';
import { COLLECTOR_SOURCE, type CollectorStore } from './store.js';

const SEED_PACK = fileURLToPath(new URL('../rules/packs/seed.json', import.meta.url));

/** Room left in a kb-update frame for everything but the documents' JSON. */
const KB_UPDATE_OVERHEAD = 4096;

export interface CorrelationResult {
  kbVersion: string;
  opened: string[];
  closed: string[];
  devices: number;
  ms: number;
}

export interface KbDocumentText {
  name: string;
  sha256: string;
  json: string;
}

/** The identity of a device under the seed pack (enrich.ts identityOf). */
function identityOf(device: DeviceRecord, pack: RulePack): DeviceIdentity | null {
  const id = identify(device, pack);
  return id.vendorId || id.product || id.deviceClass || id.rules.length ? id : null;
}

export class Correlator {
  private kbStore: KbStore | null = null;
  private kb: KnowledgeBase | null = null;
  private pack: RulePack | null = null;
  /** sha256 → source name of the documents in the loaded KB. */
  private docs = new Map<string, { name: string; path: string }>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly store: CollectorStore,
    private readonly kbFile: string | null,
    private readonly log: Logger,
  ) {}

  /** Opens the KB (it must exist: an empty one would read as "nothing vulnerable"). */
  open(): void {
    if (!this.kbFile) return;
    const path = resolve(this.kbFile);
    if (!existsSync(path)) {
      throw new AuscultError('AUSCULT_ERR_KB_MISSING', `${this.kbFile}: no knowledge base there; build one with: auscult kb import ../shared/data/advisories/csaf --db ${this.kbFile}`);
    }
    this.kbStore = KbStore.open(path);
    this.pack = loadRulePack(SEED_PACK);
  }

  close(): void {
    this.kbStore?.close();
    this.kbStore = null;
  }

  get enabled(): boolean {
    return this.kbStore !== null;
  }

  /** The loaded KB version, or 'none'. */
  get kbVersion(): string {
    return this.kb?.version ?? 'none';
  }

  /** Devices stored since the last tick: correlated on the next one. */
  markDirty(ids: Iterable<string>): void {
    if (!this.kbStore) return;
    for (const id of ids) this.dirty.add(id);
  }

  /**
   * One tick: when the KB version changed, reload it and re-correlate
   * everything (returns the result and the new documents); otherwise
   * correlate the devices stored since the last tick.
   */
  tick(): { full: CorrelationResult; newDocuments: KbDocumentText[] } | { partial: CorrelationResult } | null {
    if (!this.kbStore) return null;
    const version = this.kbStore.version();
    if (version !== this.kb?.version) {
      const t0 = performance.now();
      const before = new Set(this.kb ? this.docs.keys() : (this.store.getMeta('kb_documents') ?? '').split(',').filter(Boolean));
      this.kb = this.kbStore.load();
      this.docs = new Map(this.kbStore.list().documents.map((d) => [d.sha256, { name: d.source, path: d.path }]));
      this.dirty.clear();
      const devices = this.store.allDevices();
      const r = this.apply(devices, null, 'kb-update');
      this.store.setMeta('kb_version', this.kb.version);
      this.store.setMeta('kb_documents', [...this.docs.keys()].join(','));
      const added = [...this.docs.keys()].filter((s) => !before.has(s));
      const full = { kbVersion: this.kb.version, ...r, devices: devices.length, ms: Math.round(performance.now() - t0) };
      this.log('info', 'kb-recorrelated', { kbVersion: full.kbVersion, devices: full.devices, opened: r.opened.length, closed: r.closed.length, newDocuments: added.length, ms: full.ms });
      return { full, newDocuments: this.documents(added) };
    }
    if (this.dirty.size === 0 || !this.kb) return null;
    const t0 = performance.now();
    const ids = new Set(this.dirty);
    this.dirty.clear();
    const devices = this.store.devicesByIds(ids);
    const r = this.apply(devices, ids, 'no-longer-matches');
    return { partial: { kbVersion: this.kb.version, ...r, devices: devices.length, ms: Math.round(performance.now() - t0) } };
  }

  private apply(devices: DeviceRecord[], scope: Set<string> | null, closeReason: string): { opened: string[]; closed: string[] } {
    const pack = this.pack!;
    const ids = new Map<string, DeviceIdentity | null>();
    for (const d of devices) {
      const id = identityOf(d, pack);
      ids.set(d.id, id);
      if (!d.identity && id && this.store.fillIdentity(d.id, id)) d.identity = id;
    }
    const findings = correlate(devices, this.kb!, {
      identify: (d) => ids.get(d.id) ?? (d.identity as DeviceIdentity | null | undefined) ?? null,
      normalizeVendor: (text) => normalizeVendor(text)?.id ?? null,
    });
    return this.store.applyCorrelation(findings, scope, closeReason);
  }

  /**
   * The JSON of KB documents, read back from the files they were imported
   * from (the KB keeps their path and sha256, not their bytes). A file that
   * moved or changed since is skipped and logged.
   */
  documents(shas: string[]): KbDocumentText[] {
    const out: KbDocumentText[] = [];
    for (const sha of shas) {
      const d = this.docs.get(sha);
      if (!d) continue;
      let bytes: Buffer;
      try {
        bytes = readFileSync(d.path);
      } catch (err) {
        this.log('warn', 'kb-document-unavailable', { name: d.name, path: d.path, reason: (err as Error).message });
        continue;
      }
      if (createHash('sha256').update(bytes).digest('hex') !== sha) {
        this.log('warn', 'kb-document-unavailable', { name: d.name, path: d.path, reason: 'the file changed since it was imported' });
        continue;
      }
      out.push({ name: d.name, sha256: sha, json: bytes.toString('utf8') });
    }
    return out;
  }

  /** Every document of the loaded KB (for an agent whose kbVersion differs). */
  allDocuments(): KbDocumentText[] {
    return this.documents([...this.docs.keys()]);
  }

  /**
   * kb-update messages carrying `docs`, each frame within MAX_MESSAGE_BYTES
   * (agents refuse larger ones). A single document over the limit (the
   * full KEV catalog is about 1.5 MB) cannot be sent and is logged.
   */
  kbUpdates(docs: KbDocumentText[]): KbUpdateMessage[] {
    const out: KbUpdateMessage[] = [];
    let cur: KbDocumentText[] = [];
    let size = 0;
    const flush = () => {
      if (cur.length) out.push({ type: 'kb-update', v: PROTOCOL_VERSION, kbVersion: this.kbVersion, documents: cur });
      cur = [];
      size = 0;
    };
    for (const d of docs) {
      const n = Buffer.byteLength(JSON.stringify(d));
      if (n > MAX_MESSAGE_BYTES - KB_UPDATE_OVERHEAD) {
        this.log('warn', 'kb-document-too-large', { name: d.name, bytes: n, limit: MAX_MESSAGE_BYTES });
        continue;
      }
      if (size + n > MAX_MESSAGE_BYTES - KB_UPDATE_OVERHEAD) flush();
      cur.push(d);
      size += n;
    }
    flush();
    if (out.length === 0) out.push({ type: 'kb-update', v: PROTOCOL_VERSION, kbVersion: this.kbVersion, documents: [] });
    return out;
  }
}

export { COLLECTOR_SOURCE };
