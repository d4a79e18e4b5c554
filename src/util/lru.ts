/**
 * A least-recently-used cache for large values (packet trees, field diffs, rows), O(1) per call.
 *
 * A Map used as the LRU itself (delete its first key, set the new one) keeps evicted values alive
 * across young-generation collections: the churn rehashes its table, and a superseded table that
 * has been promoted still points at the values it held, which the scavenger takes as live until
 * the next full collection. A CLI diff of two 10k-packet captures spent 1.0 s of its 2.7 s in
 * scavenges that way (0.27 s with this class). Here the Map holds slot numbers only; values sit in
 * an array whose slots are overwritten in place, in a doubly linked recency list. Small caches
 * (up to SCAN entries) have no Map at all: a scan of their keys costs less than its upkeep.
 */
const SCAN = 16;

export class Lru<K, V> {
  /** Key → slot, for caches larger than SCAN. */
  private readonly slots: Map<K, number> | null;
  private count = 0;
  private readonly keys: (K | undefined)[] = [];
  private readonly vals: (V | undefined)[] = [];
  private readonly prev: number[] = [];
  private readonly next: number[] = [];
  /** Most and least recently used slots (-1: none). */
  private head = -1;
  private tail = -1;
  /** Slots emptied by delete(), reused first. */
  private readonly spare: number[] = [];

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError("Lru: max must be at least 1");
    this.slots = max > SCAN ? new Map() : null;
  }

  get size(): number {
    return this.count;
  }

  has(k: K): boolean {
    return this.find(k) >= 0;
  }

  /** The slot of key k, or -1. */
  private find(k: K): number {
    if (this.slots) return this.slots.get(k) ?? -1;
    const keys = this.keys;
    // Spare slots hold no key (delete() clears it).
    for (let i = 0; i < keys.length; i++) if (keys[i] === k) return i;
    return -1;
  }

  get(k: K): V | undefined {
    const i = this.find(k);
    if (i < 0) return undefined;
    this.touch(i);
    return this.vals[i];
  }

  set(k: K, v: V): void {
    let i = this.find(k);
    if (i < 0) {
      i = this.slot();
      this.slots?.set(k, i);
      this.keys[i] = k;
      this.link(i);
      this.count++;
    } else this.touch(i);
    this.vals[i] = v;
  }

  delete(k: K): boolean {
    const i = this.find(k);
    if (i < 0) return false;
    this.slots?.delete(k);
    this.unlink(i);
    this.count--;
    this.keys[i] = undefined;
    this.vals[i] = undefined;
    this.spare.push(i);
    return true;
  }

  clear(): void {
    this.slots?.clear();
    this.count = 0;
    for (const a of [this.keys, this.vals, this.prev, this.next, this.spare]) a.length = 0;
    this.head = this.tail = -1;
  }

  /** A slot for a new key: a spare one, a new one, else the least recently used (evicted). */
  private slot(): number {
    const s = this.spare.pop();
    if (s !== undefined) return s;
    if (this.keys.length < this.max) {
      this.vals.push(undefined);
      this.prev.push(-1);
      this.next.push(-1);
      return this.keys.push(undefined) - 1;
    }
    const i = this.tail;
    this.slots?.delete(this.keys[i]!);
    this.unlink(i);
    this.count--;
    return i;
  }

  private touch(i: number): void {
    if (i === this.head) return;
    this.unlink(i);
    this.link(i);
  }

  /** Makes slot i the most recently used. */
  private link(i: number): void {
    this.prev[i] = -1;
    this.next[i] = this.head;
    if (this.head >= 0) this.prev[this.head] = i;
    this.head = i;
    if (this.tail < 0) this.tail = i;
  }

  private unlink(i: number): void {
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }
}
