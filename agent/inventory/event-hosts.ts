/**
 * The two ends of one protocol event, for the observers' many observations
 * of it: the sender's and the receiver's inventory hosts are each resolved
 * once per event (not once per observation), and each observation is
 * passed to the inventory field by field (no source object per
 * observation). The bookkeeping is exactly `Inventory.observe`'s and
 * `Inventory.peer`'s: every observation still counts its source MAC, and a
 * host refused by the device cap is asked for (and counted) again.
 */
import type { Endpoint } from '../../protocols/common/analyzer.js';
import type { Evidence } from './types.js';
import type { HostRef, Inventory } from './inventory.js';

export class EventHosts {
  private from: Endpoint = { ip: '', port: 0, mac: null };
  private to: Endpoint = { ip: '', port: 0, mac: null };
  private flow = '';
  private ts = 0;
  private fromRef: HostRef | null = null;
  private toRef: HostRef | null = null;

  constructor(
    private readonly inventory: Inventory,
    private readonly protocol: string,
  ) {}

  /** Start an event sent by `from` to `to` on connection `flow` at `ts`. */
  begin(from: Endpoint, to: Endpoint, flow: string, ts: number): void {
    this.from = from;
    this.to = to;
    this.flow = flow;
    this.ts = ts;
    this.fromRef = null;
    this.toRef = null;
  }

  /** The sender showed `attribute = value` (nothing is recorded for an empty value). */
  self(attribute: string, value: string | null | undefined, field: string, confidence: Evidence['confidence'] = 'high'): void {
    if (!value) return;
    const h = this.fromRef ?? (this.fromRef = this.inventory.hostRef(this.from.ip, this.ts));
    if (h !== null) this.inventory.note(h, this.from.ip, this.from.mac, attribute, value, this.protocol, field, this.flow, this.ts, confidence);
  }

  /** The receiver showed `attribute = value` (nothing is recorded for an empty value). */
  other(attribute: string, value: string | null | undefined, field: string, confidence: Evidence['confidence']): void {
    if (!value) return;
    const h = this.toRef ?? (this.toRef = this.inventory.hostRef(this.to.ip, this.ts));
    if (h !== null) this.inventory.note(h, this.to.ip, this.to.mac, attribute, value, this.protocol, field, this.flow, this.ts, confidence);
  }

  /** The two ends talked to each other: `Inventory.peer` each way, sender first. */
  peers(): void {
    const inv = this.inventory;
    const f = this.fromRef ?? (this.fromRef = inv.hostRef(this.from.ip, this.ts));
    if (f !== null) inv.notePeer(f, this.from.ip, this.from.mac, this.to.ip);
    const t = this.toRef ?? (this.toRef = inv.hostRef(this.to.ip, this.ts));
    if (t !== null) inv.notePeer(t, this.to.ip, this.to.mac, this.from.ip);
  }
}
