/**
 * Texts derived from a small varying part (an ack code, an address, a DHCP
 * message type), made once per distinct part: each observation then carries
 * the same string as the last one, which the inventory's maps find by
 * identity instead of hashing and comparing a new string every time.
 */

/** Entries a memo holds before it starts over (a bound on memory, not a tuning knob). */
const MEMO_MAX = 4096;

export class Derived<T> {
  private readonly memo = new Map<string, T>();
  constructor(private readonly make: (part: string) => T) {}

  get(part: string): T {
    let v = this.memo.get(part);
    if (v === undefined && !this.memo.has(part)) {
      v = this.make(part);
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(part, v);
    }
    return v as T;
  }
}
