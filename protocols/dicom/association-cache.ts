/**
 * A bounded memo of A-ASSOCIATE-RQ/-AC body parses (PS3.8 §9.3.2, §9.3.3).
 *
 * A device opens an association for every exchange and sends the same
 * request bytes each time (same AE titles, same presentation contexts, same
 * user information): on association-heavy traffic the same bodies are
 * parsed over and over. `parseAssociateRq`/`parseAssociateAc` are pure
 * functions of the body bytes, so a parse can be shared by every
 * byte-identical body: the cache is keyed by the whole body (compared in
 * full, never by a hash alone) and returns the same, deep-frozen value, so
 * a consumer can not change what a later event carries.
 *
 * Bounded: only bodies up to `maxBodyBytes` are kept, at most `maxEntries`
 * of them, least recently used dropped first. Association PDUs carry no
 * patient data (AE titles, UIDs, implementation names; the user identity
 * sub-item's values are never read into the parse).
 */
import { parseAssociateAc, parseAssociateRq, type AssociateAcValue, type AssociateRqValue, type BodyParse } from './pdu-parser.js';

/** Bodies larger than this are parsed every time (a typical request is 1-8 KiB). */
const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
/** Distinct bodies remembered per PDU type. */
const DEFAULT_MAX_ENTRIES = 128;

class BodyMemo<T> {
  /** latin1 text of the body (one char per byte, so equal keys mean equal bytes) → frozen parse. */
  private readonly entries = new Map<string, BodyParse<T>>();

  constructor(
    private readonly parse: (body: Buffer) => BodyParse<T>,
    private readonly maxBodyBytes: number,
    private readonly maxEntries: number,
  ) {}

  get(body: Buffer): BodyParse<T> {
    if (body.length > this.maxBodyBytes) return this.parse(body);
    const key = body.toString('latin1');
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // most recently used last: Map keeps insertion order
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const parsed = deepFreeze(this.parse(body));
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, parsed);
    return parsed;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Memoised association parsers; one instance can serve every connection of a run. */
export class AssociationCache {
  private readonly rq: BodyMemo<AssociateRqValue>;
  private readonly ac: BodyMemo<AssociateAcValue>;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES, maxBodyBytes = DEFAULT_MAX_BODY_BYTES) {
    this.rq = new BodyMemo(parseAssociateRq, maxBodyBytes, maxEntries);
    this.ac = new BodyMemo(parseAssociateAc, maxBodyBytes, maxEntries);
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
