import assert from "node:assert/strict";
import { test } from "node:test";
import { Lru } from "../../src/util/lru.js";

/** The reference: a Map in recency order (what the cache replaced). */
class ModelLru<K, V> {
  readonly m = new Map<K, V>();
  constructor(private max: number) {}
  get(k: K): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
  delete(k: K): boolean {
    return this.m.delete(k);
  }
}

test("evicts the least recently used entry; get refreshes, set replaces", () => {
  const c = new Lru<string, number>(2);
  c.set("a", 1);
  c.set("b", 2);
  assert.equal(c.get("a"), 1); // b is now the oldest
  c.set("c", 3);
  assert.equal(c.has("b"), false);
  assert.equal(c.get("a"), 1);
  assert.equal(c.get("c"), 3);
  c.set("a", 10);
  assert.equal(c.size, 2);
  c.set("d", 4); // c was the oldest
  assert.deepEqual([c.get("a"), c.get("c"), c.get("d")], [10, undefined, 4]);
  assert.equal(c.delete("a"), true);
  assert.equal(c.delete("a"), false);
  assert.equal(c.size, 1);
  c.clear();
  assert.equal(c.size, 0);
  assert.equal(c.get("d"), undefined);
  c.set("e", 5);
  assert.equal(c.get("e"), 5);
  assert.throws(() => new Lru(0), /at least 1/);
});

test("matches a Map-ordered LRU over 20k random operations", () => {
  for (const max of [1, 3, 16, 17, 40]) {
    const c = new Lru<number, number>(max);
    const m = new ModelLru<number, number>(max);
    let seed = 12345 + max;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 20000; i++) {
      const k = rnd(max * 3);
      const op = rnd(10);
      if (op < 5) assert.equal(c.get(k), m.get(k), `get ${k} at ${i}`);
      else if (op < 9) {
        c.set(k, i);
        m.set(k, i);
      } else assert.equal(c.delete(k), m.delete(k));
      assert.equal(c.size, m.m.size);
    }
    for (const [k, v] of m.m) assert.equal(c.get(k), v);
  }
});
