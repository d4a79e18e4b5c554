/** Skeleton trees (names, values, children) stand in for full trees in the diff engine's equality tests. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { IgnoreRules } from "../../src/diff/ignore.js";
import { treesEqual } from "../../src/diff/tree-diff.js";
import { type FieldNode, fromSkeleton, type Skeleton, skeletonJson } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";

const ROOT = join(import.meta.dirname, "../..");

const shape = (ns: readonly FieldNode[]): unknown =>
  ns.map((n) => [n.name, n.value, n.children?.length ? shape(n.children) : []]);

test("a skeleton keeps every name, value and child; equality tests agree with the full trees", async () => {
  const good = await openTrace(join(ROOT, "examples/good.pcap"));
  const bad = await openTrace(join(ROOT, "examples/bad.pcap"));
  const rules = new IgnoreRules([]);
  try {
    const trees = (t: typeof good) =>
      Array.from({ length: t.packets.length }, (_, i) => t.tree(t.packets.at(i)!.no));
    const ga = trees(good);
    const gb = trees(bad);
    const sk = (t: FieldNode[]) => fromSkeleton(JSON.parse(skeletonJson(t)) as Skeleton[]);
    for (const t of ga) assert.deepEqual(shape(sk(t)), shape(t));
    let equal = 0;
    for (let i = 0; i < Math.min(ga.length, gb.length); i++) {
      const full = treesEqual(ga[i]!, gb[i]!, { rules });
      assert.equal(treesEqual(sk(ga[i]!), sk(gb[i]!), { rules }), full, `packet index ${i}`);
      assert.equal(treesEqual(ga[i]!, sk(ga[i]!), { rules }), true);
      if (full) equal++;
    }
    assert.ok(equal < Math.min(ga.length, gb.length));
  } finally {
    good.close();
    bad.close();
  }
});
