import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IdentityMap } from "../../src/diff/identity.js";
import { IgnoreRules } from "../../src/diff/ignore.js";
import { profileRules } from "../../src/diff/profiles.js";
import {
  countDiffs,
  type DiffNode,
  diffLines,
  diffText,
  diffTrees,
  walkDiff,
} from "../../src/diff/tree-diff.js";
import type { FieldNode } from "../../src/dissect/tree.js";
import { leaf, prng, tree } from "./fake.js";

const none = { rules: new IgnoreRules() };

function node0(name: string, value: string | number | boolean): FieldNode {
  return { name, label: "", show: String(value), value, offset: -1, length: 0 };
}

function flat(d: DiffNode[]): string[] {
  const out: string[] = [];
  walkDiff(d, (n, depth) => {
    if (n.kind !== "same")
      out.push(`${"  ".repeat(depth)}${n.kind} ${n.name}${n.ignored ? " (ignored)" : ""}`);
    return true;
  });
  return out;
}

function createCtx(name: string, data: string): FieldNode {
  return tree("smb2.create.chain", `Chain Element: ${name}`, [
    leaf("smb2.create.context_name", name),
    leaf("smb2.create.data", data),
  ]);
}

function createReq(contexts: FieldNode[], file = "foo.txt"): FieldNode[] {
  return [
    tree("smb2", "SMB2", [
      tree("smbcmp.smb2.header", "SMB2 Header", [leaf("smb2.cmd", 5), leaf("smb2.msg_id", 7)]),
      tree("smbcmp.smb2.body", "Create Request", [
        leaf("smb2.filename", file),
        tree("smb2.create.extrainfo", "ExtraInfo", contexts),
      ]),
    ]),
  ];
}

describe("diffTrees", () => {
  it("identical trees have no differences and keep every node as SAME", () => {
    const a = createReq([createCtx("MxAc", "00"), createCtx("QFid", "")]);
    const d = diffTrees(a, structuredClone(a), none);
    assert.equal(countDiffs(d), 0);
    let n = 0;
    walkDiff(d, (x) => {
      assert.equal(x.kind, "same");
      n++;
      return true;
    });
    assert.equal(n, 13);
  });

  it("a leaf value change is MODIFIED with both values", () => {
    const d = diffTrees(createReq([], "foo.txt"), createReq([], "bar.txt"), none);
    assert.equal(countDiffs(d), 1);
    const f = d[0]!.children![1]!.children![0]!;
    assert.equal(f.kind, "modified");
    assert.equal(f.a, "foo.txt");
    assert.equal(f.b, "bar.txt");
    assert.equal(d[0]!.kind, "modified");
  });

  it("an extra create context in the middle is ADDED, the others stay SAME", () => {
    const a = createReq([createCtx("MxAc", "00"), createCtx("QFid", "")]);
    const b = createReq([createCtx("MxAc", "00"), createCtx("RqLs", "lease"), createCtx("QFid", "")]);
    const d = diffTrees(a, b, none);
    assert.equal(countDiffs(d), 1);
    const ctx = d[0]!.children![1]!.children![1]!.children!;
    assert.deepEqual(
      ctx.map((c) => c.kind),
      ["same", "added", "same"],
    );
    assert.equal(ctx[1]!.label, "Chain Element: RqLs");
    // The added subtree comes with its children, not counted separately.
    assert.equal(ctx[1]!.children!.length, 2);
    assert.ok(ctx[1]!.children!.every((c) => c.kind === "added" && c.diffs === 0));
  });

  it("a removed ACE among identical ACEs is REMOVED (not a cascade of modifications)", () => {
    const ace = (sid: string) =>
      tree("nt.ace", `ACE: ${sid}`, [leaf("nt.sid", sid), leaf("nt.access_mask", 0x1f01ff)]);
    const a = [
      tree("nt.acl", "DACL", [ace("S-1-1-0"), ace("S-1-5-18"), ace("S-1-5-32-544"), ace("S-1-3-0")]),
    ];
    const b = [tree("nt.acl", "DACL", [ace("S-1-1-0"), ace("S-1-5-32-544"), ace("S-1-3-0")])];
    const d = diffTrees(a, b, none);
    assert.deepEqual(flat(d), [
      "modified nt.acl",
      "  removed nt.ace",
      "    removed nt.sid",
      "    removed nt.access_mask",
    ]);
    assert.equal(countDiffs(d), 1);
  });

  it("a subtree with changed content pairs up as MODIFIED inside a gap", () => {
    const a = createReq([createCtx("MxAc", "00"), createCtx("QFid", "")]);
    const b = createReq([createCtx("MxAc", "01"), createCtx("QFid", "")]);
    const d = diffTrees(a, b, none);
    assert.deepEqual(flat(d).slice(-2), [
      "      modified smb2.create.chain",
      "        modified smb2.create.data",
    ]);
    assert.equal(countDiffs(d), 1);
  });

  it("ignored differences stay in the output, flagged, and are not counted", () => {
    const a = createReq([]);
    const b = createReq([]);
    b[0]!.children![0]!.children![1] = leaf("smb2.msg_id", 9);
    const d = diffTrees(a, b, { rules: new IgnoreRules(["smb2.msg_id"]) });
    assert.equal(countDiffs(d), 0);
    const m = d[0]!.children![0]!.children![1]!;
    assert.equal(m.kind, "modified");
    assert.equal(m.ignored, true);
    assert.equal(d[0]!.ignored, true, "a parent whose only changes are noise is dim too");
    assert.equal(countDiffs(diffTrees(a, b, none)), 1);
  });

  it("value predicates: both-success and within", () => {
    const rules = new IgnoreRules(["smb2.nt_status=both-success", "smb2.credits.granted=within:8"]);
    const t = (st: number, cr: number) => [leaf("smb2.nt_status", st), leaf("smb2.credits.granted", cr)];
    assert.equal(countDiffs(diffTrees(t(0, 10), t(0, 17), { rules })), 0);
    assert.equal(countDiffs(diffTrees(t(0, 10), t(0, 19), { rules })), 1);
    assert.equal(countDiffs(diffTrees(t(0, 10), t(0xc0000022, 10), { rules })), 1);
  });

  it("added/removed fields are ignored only by an always rule", () => {
    const a = [leaf("smb2.cmd", 5)];
    const b = [leaf("smb2.cmd", 5), leaf("smb2.credits.granted", 3)];
    assert.equal(
      countDiffs(diffTrees(a, b, { rules: new IgnoreRules(["smb2.credits.granted=within:8"]) })),
      1,
    );
    assert.equal(countDiffs(diffTrees(a, b, { rules: new IgnoreRules(["smb2.credits.*"]) })), 0);
  });

  it("a flags field and its changed bit count as one difference", () => {
    const fl = (v: number) =>
      tree(
        "smb2.flags",
        `Flags: 0x${v.toString(16)}`,
        [leaf("smb2.flags.response", v & 1), leaf("smb2.flags.async", (v >> 1) & 1)],
        v,
      );
    const d = diffTrees([fl(1)], [fl(3)], none);
    assert.equal(countDiffs(d), 1);
    assert.equal(d[0]!.kind, "modified");
    assert.equal(d[0]!.children![1]!.kind, "modified");
  });

  it("multi-line values are diffed line by line", () => {
    const a = [leaf("smbcmp.text", "line1\nline2\nline3")];
    const b = [leaf("smbcmp.text", "line1\nLINE2\nline3\nline4")];
    const d = diffTrees(a, b, none);
    assert.equal(countDiffs(d), 1);
    assert.deepEqual(d[0]!.lines, [
      { op: " ", text: "line1" },
      { op: "-", text: "line2" },
      { op: "+", text: "LINE2" },
      { op: " ", text: "line3" },
      { op: "+", text: "line4" },
    ]);
  });

  it("ids compare through the identity map: same handle equal, another handle a difference", () => {
    const idmap = new IdentityMap();
    idmap.name("a", "fid", "11".repeat(16), "foo.txt");
    idmap.name("a", "fid", "22".repeat(16), "bar.txt");
    idmap.name("b", "fid", "33".repeat(16), "foo.txt");
    idmap.name("b", "fid", "44".repeat(16), "bar.txt");
    idmap.bind("fid", "11".repeat(16), "33".repeat(16));
    idmap.bind("fid", "22".repeat(16), "44".repeat(16));
    const rules = profileRules("default");
    const ok = diffTrees([leaf("smb2.fid", "11".repeat(16))], [leaf("smb2.fid", "33".repeat(16))], {
      rules,
      idmap,
    });
    assert.equal(countDiffs(ok), 0);
    assert.equal(ok[0]!.identity?.result, "mapped");
    const bad = diffTrees([leaf("smb2.fid", "11".repeat(16))], [leaf("smb2.fid", "44".repeat(16))], {
      rules,
      idmap,
    });
    assert.equal(countDiffs(bad), 1, "not blanket-ignored by the default profile when the map is used");
    assert.match(bad[0]!.a!, /^<handle of foo\.txt>/);
    assert.match(bad[0]!.b!, /^<handle of bar\.txt>/);
    // Without a map the default profile ignores FileIds.
    assert.equal(
      countDiffs(
        diffTrees([leaf("smb2.fid", "11".repeat(16))], [leaf("smb2.fid", "44".repeat(16))], { rules }),
      ),
      0,
    );
  });

  it("a long child list (5k directory entries) with one extra entry: one ADDED, quickly", () => {
    const entry = (i: number) =>
      tree("smb2.fs_info", `File: f${i}`, [leaf("smb2.filename", `f${i}`), leaf("smb2.end_of_file", i)]);
    const a = Array.from({ length: 5000 }, (_, i) => entry(i));
    const b = [...a.slice(0, 1234), entry(99999), ...a.slice(1234)];
    const t0 = performance.now();
    const d = diffTrees([tree("smb2", "SMB2", a)], [tree("smb2", "SMB2", b)], none);
    assert.equal(countDiffs(d), 1);
    assert.equal(d[0]!.children![1234]!.kind, "added");
    assert.ok(performance.now() - t0 < 20000);
  });

  it("odd values never throw: empty labels, NaN, booleans, missing children", () => {
    const a = [node0("x", Number.NaN), node0("y", true), { ...node0("z", ""), children: [] }];
    const b = [node0("x", Number.NaN), node0("y", false), node0("z", "")];
    const d = diffTrees(a, b, { rules: new IgnoreRules(["y=within:1"]) });
    assert.equal(countDiffs(d), 0, "NaN equals NaN as text; true/false within 1");
  });

  it("property: diff(A, A) is empty for random trees", () => {
    const r = prng(42);
    const names = ["smb2.a", "smb2.b", "smb2.c", "smb2.d"];
    const gen = (depth: number): FieldNode[] => {
      const n = Math.floor(r() * 5);
      return Array.from({ length: n }, () => {
        const name = names[Math.floor(r() * names.length)]!;
        return depth < 3 && r() < 0.4 ? tree(name, name, gen(depth + 1)) : leaf(name, Math.floor(r() * 3));
      });
    };
    for (let i = 0; i < 200; i++) {
      const t = gen(0);
      const d = diffTrees(t, structuredClone(t), none);
      assert.equal(countDiffs(d), 0);
      walkDiff(d, (x) => {
        assert.equal(x.kind, "same");
        return true;
      });
    }
  });

  it("property: one random leaf edit gives exactly one difference", () => {
    const r = prng(7);
    for (let i = 0; i < 100; i++) {
      const kids = Array.from({ length: 3 + Math.floor(r() * 10) }, (_, k) => leaf(`smb2.f${k % 4}`, k));
      const b = structuredClone(kids);
      const at = Math.floor(r() * b.length);
      b[at] = leaf(b[at]!.name, 1000);
      assert.equal(countDiffs(diffTrees([tree("smb2", "SMB2", kids)], [tree("smb2", "SMB2", b)], none)), 1);
    }
  });
});

describe("diffText / diffLines", () => {
  it("produces a unified diff with hunk headers", () => {
    const a = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].join("\n");
    const b = ["a", "b", "c", "d", "E", "f", "g", "h", "i", "j", "k"].join("\n");
    assert.equal(
      diffText(a, b, { aName: "A:12", bName: "B:14", context: 2 }),
      "--- A:12\n+++ B:14\n@@ -3,5 +3,5 @@\n c\n d\n-e\n+E\n f\n g\n@@ -9,2 +9,3 @@\n i\n j\n+k\n",
    );
    assert.equal(diffText(a, a), "");
  });

  it("merges nearby changes into one hunk", () => {
    const a = "1\n2\n3\n4\n5";
    const b = "1\nX\n3\nY\n5";
    const out = diffText(a, b, { context: 1 });
    assert.equal(out.match(/@@/g)!.length, 2, "one hunk header (two @@ markers)");
  });

  it("diffLines keeps every line once", () => {
    const ops = diffLines("a\nb\nc", "b\nc\nd");
    assert.deepEqual(
      ops.map((o) => o.op + o.text),
      ["-a", " b", " c", "+d"],
    );
  });
});
