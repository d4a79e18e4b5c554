/**
 * The deep-mode fast path (`treesEqual`: equal rows recognized without building their diff) gives
 * exactly the slow path's result, on real captures: the example pair (a vetoed temp file) and a
 * capture against a different job's capture (many differences, ids mapped everywhere).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { diffTraces, messageTree, type OpRef } from "../../src/diff/align.js";
import { renderJson } from "../../src/diff/render/json.js";
import { countDiffs, diffTrees, treesEqual } from "../../src/diff/tree-diff.js";
import { openTrace } from "../../src/trace/index.js";
import type { Trace } from "../../src/trace/types.js";

const ex = join(import.meta.dirname, "..", "..", "examples");
const traces = new Map<string, Trace>();
before(async () => {
  for (const f of ["good", "bad", "many-commands"]) traces.set(f, await openTrace(join(ex, `${f}.pcap`)));
});
after(() => {
  for (const t of traces.values()) t.close();
});

const PAIRS: [string, string][] = [
  ["good", "bad"],
  ["bad", "good"],
  ["good", "many-commands"],
];

describe("deep fast path", () => {
  for (const [x, y] of PAIRS) {
    it(`${x} vs ${y}: same rows, kinds, field diffs and identity map as the slow path`, () => {
      const a = traces.get(x)!;
      const b = traces.get(y)!;
      const fast = diffTraces(a, b, { deep: true });
      const slow = diffTraces(a, b, { deep: true, fastPath: false });
      assert.deepEqual(
        fast.rows.map((r) => r.kind),
        slow.rows.map((r) => r.kind),
      );
      assert.deepEqual(fast.summary, slow.summary);
      assert.equal(fast.firstDivergence, slow.firstDivergence);
      // Field diffs of every row (the rendering names mapped ids: same bindings, same ordinals).
      assert.equal(renderJson(fast, { fields: "all" }), renderJson(slow, { fields: "all" }));
      assert.deepEqual(fast.errors, slow.errors);
    });
  }

  it("treesEqual on every real message pair: true only when diffTrees counts nothing, and often true", () => {
    const a = traces.get("good")!;
    const b = traces.get("bad")!;
    const r = diffTraces(a, b, { deep: true });
    const idmap = r.idmap;
    let equal = 0;
    let pairs = 0;
    const msgs = (o: OpRef) => [o.req, ...o.interim, o.resp];
    for (const row of r.rows) {
      if (!row.a || !row.b) continue;
      const ma = msgs(row.a);
      const mb = msgs(row.b);
      for (let k = 0; k < Math.min(ma.length, mb.length); k++) {
        const p = ma[k];
        const q = mb[k];
        if (!p || !q) continue;
        pairs++;
        const ta = messageTree(a, p);
        const tb = messageTree(b, q);
        const quick = treesEqual(ta, tb, { rules: r.rules, idmap });
        const count = countDiffs(diffTrees(ta, tb, { rules: r.rules, idmap }));
        if (quick) {
          equal++;
          assert.equal(count, 0, `frames ${a.packets.at(p.pkt)!.no}/${b.packets.at(q.pkt)!.no}`);
        }
      }
    }
    assert.ok(pairs > 50);
    assert.ok(equal > pairs / 2, `fast path taken for ${equal} of ${pairs} message pairs`);
  });
});
