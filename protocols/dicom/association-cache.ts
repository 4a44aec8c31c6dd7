/**
 * A bounded memo of A-ASSOCIATE-RQ/-AC body parses (PS3.8 §9.3.2, §9.3.3).
 *
 * A device opens an association for every exchange and sends the same
 * request bytes each time (same AE titles, same presentation contexts, same
 * user information): on association-heavy traffic the same bodies are
 * parsed over and over. `parseAssociateRq`/`parseAssociateAc` are pure
 * functions of the body bytes, so a parse can be shared by every
 * byte-identical body: a body is found by a hash of its bytes and confirmed
 * by comparing them all (never by the hash alone); the same deep-frozen
 * value is returned, so a consumer can not change what a later event carries.
 *
 * Bounded: only bodies up to `maxBodyBytes` are kept (a copy each), at most
 * `maxEntries` of them, the oldest dropped first. Association PDUs carry no
 * patient data (AE titles, UIDs, implementation names), but a user identity
 * sub-item (PS3.7 D.3.3.7) carries credentials: a body with one, or with the
 * server's response to one, is parsed every time and never kept.
 */
import { parseAssociateAc, parseAssociateRq, type AssociateAcValue, type AssociateRqValue, type BodyParse } from './pdu-parser.js';

/** Bodies larger than this are parsed every time (a typical request is 1-8 KiB). */
const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
/** Distinct bodies remembered per PDU type. */
const DEFAULT_MAX_ENTRIES = 128;

/** One remembered body: its own copy of the bytes, and their parse. */
interface Entry<T> {
  body: Buffer;
  parsed: BodyParse<T>;
}

class BodyMemo<T> {
  /** Bodies by a hash of their bytes; a hit is confirmed by comparing every byte. */
  private readonly byHash = new Map<number, Entry<T>[]>();
  /** Insertion order, for dropping the oldest when full. */
  private readonly order: Entry<T>[] = [];

  constructor(
    private readonly parse: (body: Buffer) => BodyParse<T>,
    /** May this parse's body be kept? */
    private readonly keepable: (value: T) => boolean,
    private readonly maxBodyBytes: number,
    private readonly maxEntries: number,
  ) {}

  get(body: Buffer): BodyParse<T> {
    if (body.length > this.maxBodyBytes) return this.parse(body);
    const h = sampledHash(body);
    const bucket = this.byHash.get(h);
    if (bucket !== undefined) {
      for (const e of bucket) if (e.body.equals(body)) return e.parsed;
    }
    const parsed = this.parse(body);
    if (!this.keepable(parsed.value)) return parsed;
    const entry: Entry<T> = { body: Buffer.from(body), parsed: deepFreeze(parsed) };
    if (this.order.length >= this.maxEntries) this.evictOldest();
    this.order.push(entry);
    if (bucket !== undefined) bucket.push(entry);
    else this.byHash.set(h, [entry]);
    return entry.parsed;
  }

  get size(): number {
    return this.order.length;
  }

  private evictOldest(): void {
    const old = this.order.shift()!;
    const h = sampledHash(old.body);
    const bucket = this.byHash.get(h)!;
    bucket.splice(bucket.indexOf(old), 1);
    if (bucket.length === 0) this.byHash.delete(h);
  }
}

/**
 * FNV-1a over the length, the first and last 64 bytes and every 16th byte
 * between: cheap for a multi-KiB body, and bodies that differ (AE titles and
 * UIDs sit near the start; presentation contexts change the length) rarely
 * collide. A collision only costs a byte comparison: hits are confirmed whole.
 */
function sampledHash(b: Buffer): number {
  const n = b.length;
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
  const head = Math.min(n, 64);
  for (let i = 0; i < head; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  for (let i = head; i < n - 64; i += 16) h = Math.imul(h ^ b[i]!, 0x01000193);
  for (let i = Math.max(head, n - 64); i < n; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h | 0;
}

/** Memoised association parsers; one instance can serve every connection of a run. */
export class AssociationCache {
  private readonly rq: BodyMemo<AssociateRqValue>;
  private readonly ac: BodyMemo<AssociateAcValue>;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES, maxBodyBytes = DEFAULT_MAX_BODY_BYTES) {
    this.rq = new BodyMemo(parseAssociateRq, (v) => !v.userInfo?.userIdentity, maxBodyBytes, maxEntries);
    this.ac = new BodyMemo(parseAssociateAc, (v) => !v.userInfo?.userIdentityResponsePresent, maxBodyBytes, maxEntries);
  }

  /** `parseAssociateRq(body)`, frozen, shared with earlier identical bodies. */
  associateRq(body: Buffer): BodyParse<AssociateRqValue> {
    return this.rq.get(body);
  }

  /** `parseAssociateAc(body)`, frozen, shared with earlier identical bodies. */
  associateAc(body: Buffer): BodyParse<AssociateAcValue> {
    return this.ac.get(body);
  }

  /** Bodies remembered (both types). */
  get size(): number {
    return this.rq.size + this.ac.size;
  }
}

/** Freeze a parse result and everything in it (plain objects and arrays only). */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
