import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  alignOps,
  diffPackets,
  diffPacketsText,
  diffTraces,
  messageTree,
  opFrames,
} from "../../src/diff/align.js";
import { exitCodeFor } from "../../src/diff/exit.js";
import { IgnoreRules } from "../../src/diff/ignore.js";
import { buildOps, normalizePath, type Op } from "../../src/diff/ops.js";
import { countDiffs, walkDiff } from "../../src/diff/tree-diff.js";
import { MsgFlag } from "../../src/trace/types.js";
import { fakeTrace, leaf, modified, type OpSpec, opTrace, prng } from "./fake.js";

const CREATE = 5;
const CLOSE = 6;
const READ = 8;
const WRITE = 9;
const QINFO = 16;
const NOTIFY = 15;
const BREAK = 18;

function kinds(rows: { kind: string }[]): string {
  return rows
    .map((r) => (r.kind[0] === "o" ? (r.kind === "only-a" ? "-" : "+") : r.kind === "same" ? "=" : "!"))
    .join("");
}

describe("operations", () => {
  it("pairs requests and responses by connection and message id, with interim, compound, break and cancel", () => {
    const t = fakeTrace("a", [
      { messages: [{ cmd: NOTIFY, msgId: "1" }] },
      {
        messages: [
          { cmd: NOTIFY, msgId: "1", isResponse: true, status: 0x103, asyncId: "aa", flags: MsgFlag.Async },
        ],
      },
      // Compound create+read+close: three ops.
      {
        messages: [
          { cmd: CREATE, msgId: "2", path: "\\Dir/Foo.TXT" },
          { cmd: READ, msgId: "3" },
          { cmd: CLOSE, msgId: "4" },
        ],
      },
      {
        messages: [
          { cmd: CREATE, msgId: "2", isResponse: true, fileId: "ab".repeat(16), path: "dir\\foo.txt" },
          { cmd: READ, msgId: "3", isResponse: true },
          { cmd: CLOSE, msgId: "4", isResponse: true },
        ],
      },
      { messages: [{ cmd: BREAK, msgId: "18446744073709551615", isResponse: true }] },
      { messages: [{ cmd: 12, msgId: "1", asyncId: "aa" }] },
      {
        messages: [
          { cmd: NOTIFY, msgId: "1", isResponse: true, status: 0x120, asyncId: "aa", flags: MsgFlag.Async },
        ],
      },
      { messages: [{ cmd: READ, msgId: "9", isResponse: true }] },
      { messages: [{ cmd: WRITE, msgId: "10" }] },
      // Same message id on another connection is another op.
      { conn: 1, messages: [{ cmd: READ, msgId: "3", isResponse: true }] },
    ]);
    const ops = buildOps(t);
    const show = (o: Op) =>
      `${o.kind}:${o.cmd}:${o.req?.pkt ?? "-"}/${o.interim.map((r) => r.pkt).join(",")}/${o.resp?.pkt ?? "-"}`;
    assert.deepEqual(ops.map(show), [
      "call:15:0/1/6",
      "call:5:2//3",
      "call:8:2//3",
      "call:6:2//3",
      "break:18:-//4",
      "no-response:12:5//-",
      "orphan-response:8:-//7",
      "no-response:9:8//-",
      "orphan-response:8:-//9",
    ]);
    assert.equal(ops[0]!.status, 0x120);
    assert.equal(ops[1]!.path, "dir\\foo.txt");
    assert.equal(ops[2]!.resp!.msg, 1);
  });

  it("an SMB1 response's later pieces belong to its operation: the same rows however many pieces", () => {
    const TRANS2 = 0x32;
    const req = { proto: 1 as const, cmd: TRANS2, msgId: "7", path: "\\dir" };
    const resp = { ...req, isResponse: true };
    const one = fakeTrace("a", [{ messages: [req] }, { messages: [resp] }]);
    const three = fakeTrace("b", [
      { messages: [req] },
      { messages: [resp] },
      { messages: [{ ...resp, flags: MsgFlag.Continuation }] },
      { messages: [{ ...resp, flags: MsgFlag.Continuation }] },
    ]);
    const ops = buildOps(three);
    assert.deepEqual(
      ops.map((o) => [o.kind, o.resp?.pkt, o.more?.map((r) => r.pkt)]),
      [["call", 1, [2, 3]]],
    );
    const r = diffTraces(one, three, { deep: false });
    assert.deepEqual(r.summary, { ops: 1, same: 1, differ: 0, onlyA: 0, onlyB: 0 });
    assert.deepEqual(opFrames(three, ops[0]!), [1, 2, 3, 4]);
    // Without the flag (a response repeated, say), a later one is still an orphan of its own.
    const repeated = fakeTrace("c", [{ messages: [req] }, { messages: [resp] }, { messages: [resp] }]);
    assert.deepEqual(
      buildOps(repeated).map((o) => o.kind),
      ["call", "orphan-response"],
    );
  });

  it("normalizes paths", () => {
    assert.equal(normalizePath("\\\\Dir//Sub\\File.TXT\\"), "dir\\sub\\file.txt");
    assert.equal(normalizePath(undefined), "");
  });

  it("messageTree picks one message of a compound", () => {
    const t = fakeTrace("a", [
      {
        messages: [
          { cmd: CREATE, msgId: "1", path: "x" },
          { cmd: READ, msgId: "2" },
        ],
      },
    ]);
    const ops = buildOps(t);
    const tr = messageTree(t, ops[1]!.req!);
    assert.equal(tr.length, 1);
    assert.equal(tr[0]!.children![0]!.children![0]!.value, READ);
  });
});

describe("messageTree with SMB1", () => {
  it("an AndX chain (several messages, one `smb` node) gives each message that node", () => {
    const smb = {
      name: "smb",
      label: "SMB",
      show: "",
      value: "",
      offset: 0,
      length: 0,
      children: [leaf("smb.cmd", 0x2d)],
    };
    const t = fakeTrace("a", [
      {
        messages: [
          { proto: 1, cmd: 0x2d, msgId: "1", tree: [smb] },
          { proto: 1, cmd: 0x2e, msgId: "1", tree: [] },
        ],
      },
    ]);
    const ops = buildOps(t);
    assert.equal(messageTree(t, ops[0]!.req!)[0], smb);
    assert.equal(messageTree(t, ops[1]!.req!)[0], smb);
  });
});

describe("alignment", () => {
  const base: OpSpec[] = [
    { cmd: CREATE, path: "foo.txt", fileId: "01".repeat(16) },
    { cmd: READ, fileId: "01".repeat(16), path: "foo.txt" },
    { cmd: CLOSE, fileId: "01".repeat(16), path: "foo.txt" },
    { cmd: CREATE, path: "bar.txt", fileId: "02".repeat(16) },
    { cmd: QINFO, fileId: "02".repeat(16), path: "bar.txt", detail: "0x12" },
    { cmd: CLOSE, fileId: "02".repeat(16), path: "bar.txt" },
  ];
  const withIds = (ops: OpSpec[], salt: string) =>
    ops.map((o) => ({
      ...o,
      fileId: o.fileId ? salt + o.fileId.slice(2) : undefined,
      sesId: `00000000000000${salt}`,
    }));

  it("two runs with different per-run ids compare equal", () => {
    const r = diffTraces(opTrace("A", withIds(base, "aa")), opTrace("B", withIds(base, "bb")), {
      deep: true,
    });
    assert.equal(kinds(r.rows), "======");
    assert.equal(r.firstDivergence, -1);
    assert.deepEqual(r.summary, { ops: 6, same: 6, differ: 0, onlyA: 0, onlyB: 0 });
    assert.equal(exitCodeFor(r), 0);
    for (let i = 0; i < r.rows.length; i++) assert.equal(r.fieldDiff(i).count, 0, `row ${i}`);
  });

  it("the same request with another status is one differing pair", () => {
    const b = base.map((o, i) => (i === 3 ? { ...o, status: 0xc0000022 } : o));
    const r = diffTraces(opTrace("A", base), opTrace("B", b));
    assert.equal(kinds(r.rows), "===!==");
    assert.equal(r.firstDivergence, 3);
    const d = r.fieldDiff(3);
    assert.equal(d.count, 1);
    const resp = d.parts.find((p) => p.role === "response")!;
    const mods: string[] = [];
    walkDiff(resp.nodes, (n) => {
      if (n.kind === "modified" && n.a !== undefined) mods.push(`${n.name}: ${n.a} → ${n.b}`);
      return true;
    });
    assert.deepEqual(mods, ["smb2.nt_status: 0x00000000 → 0xc0000022"]);
    assert.equal(exitCodeFor(r), 1);
    assert.equal(exitCodeFor(r, { bisect: true }), 1);
  });

  it("inserted and deleted operations are only-b / only-a", () => {
    const b = [
      ...base.slice(0, 2),
      { cmd: WRITE, fileId: "01".repeat(16), path: "foo.txt" },
      ...base.slice(2, 4),
      ...base.slice(5),
    ];
    const r = diffTraces(opTrace("A", base), opTrace("B", b));
    assert.equal(kinds(r.rows), "==+==-=");
    assert.deepEqual(r.summary, { ops: 7, same: 5, differ: 0, onlyA: 1, onlyB: 1 });
  });

  it("a deleted op in a run of equal signatures is the one whose status makes the rest agree", () => {
    const a: OpSpec[] = [
      { cmd: CREATE, path: "x" },
      { cmd: CREATE, path: "x" },
      { cmd: CREATE, path: "x", status: 0xc00000ba },
      { cmd: CREATE, path: "x" },
      { cmd: CLOSE, path: "x" },
    ];
    const b = a.filter((_, i) => i !== 2);
    const r = diffTraces(opTrace("A", a), opTrace("B", b));
    assert.deepEqual(
      r.rows.map((x) => `${x.kind}:${x.a?.index ?? "-"}`),
      ["same:0", "same:1", "only-a:2", "same:3", "same:4"],
    );
    // Inserted on B's side: symmetric.
    const r2 = diffTraces(opTrace("B", b), opTrace("A", a));
    assert.equal(kinds(r2.rows), "==+==");
    assert.equal(r2.rows[2]!.b!.index, 2);
  });

  it("same-command ops left in a gap pair up as 'differ' (pairSimilar), or not", () => {
    const b = base.map((o, i) => (i === 4 ? { ...o, detail: "0x05" } : o));
    assert.equal(kinds(diffTraces(opTrace("A", base), opTrace("B", b)).rows), "====!=");
    assert.equal(
      kinds(diffTraces(opTrace("A", base), opTrace("B", b), { pairSimilar: false }).rows),
      "====-+=",
    );
  });

  it("an interim STATUS_PENDING response on one side only is shown but not counted", () => {
    const a = base.map((o, i) => (i === 1 ? { ...o, asyncId: "42" } : o));
    const r = diffTraces(opTrace("A", a), opTrace("B", base), { deep: true });
    assert.equal(kinds(r.rows), "======");
    const d = r.fieldDiff(1);
    const interim = d.parts.find((p) => p.role === "interim")!;
    assert.equal(interim.bFrame, undefined);
    assert.ok(
      interim.nodes.length > 0 &&
        interim.nodes.every((n) => n.kind === "removed" && n.ignored && n.diffs === 0),
    );
    assert.equal(d.count, 0);
  });

  it("deep mode turns pairs with field differences into 'differ'", () => {
    const b = base.map((o, i) => (i === 1 ? { ...o, reqBody: [leaf("smb2.read_length", 4096)] } : o));
    const a = base.map((o, i) => (i === 1 ? { ...o, reqBody: [leaf("smb2.read_length", 65536)] } : o));
    assert.equal(kinds(diffTraces(opTrace("A", a), opTrace("B", b)).rows), "======");
    const r = diffTraces(opTrace("A", a), opTrace("B", b), { deep: true });
    assert.equal(kinds(r.rows), "=!====");
    assert.equal(r.firstDivergence, 1);
  });

  it("deepens in steps, and decides again after a rules change", () => {
    const b = base.map((o, i) =>
      i === 1 || i === 4 ? { ...o, reqBody: [leaf("smb2.read_length", 4096)] } : o,
    );
    const a = base.map((o, i) =>
      i === 1 || i === 4 ? { ...o, reqBody: [leaf("smb2.read_length", 65536)] } : o,
    );
    const rules = new IgnoreRules([]);
    const r = diffTraces(opTrace("A", a), opTrace("B", b), { rules });
    assert.equal(kinds(r.rows), "======");
    // A zero budget still decides some rows per step; steps go on until every row is decided.
    let done = false;
    for (let k = 0; k < 100 && !done; k++) done = r.deepenStep(0);
    assert.equal(done, true);
    assert.equal(kinds(r.rows), "=!==!=");
    assert.deepEqual(r.summary, { ops: 6, same: 4, differ: 2, onlyA: 0, onlyB: 0 });
    assert.equal(r.firstDivergence, 1);
    assert.equal(r.deepenStep(0), true); // nothing left for these rules
    // Ignoring the field makes those rows "same" again; comparing it again, "differ".
    rules.toggle("smb2.read_length");
    r.deepen();
    assert.equal(kinds(r.rows), "======");
    assert.equal(r.firstDivergence, -1);
    assert.deepEqual(r.summary, { ops: 6, same: 6, differ: 0, onlyA: 0, onlyB: 0 });
    rules.toggle("smb2.read_length");
    r.deepen();
    assert.equal(kinds(r.rows), "=!==!=");
  });

  it("matches connections by what they do, then merges by time", () => {
    const c0: OpSpec[] = [
      { cmd: CREATE, path: "x" },
      { cmd: READ, path: "x" },
      { cmd: CLOSE, path: "x" },
    ];
    const c1: OpSpec[] = [
      { cmd: CREATE, path: "y" },
      { cmd: WRITE, path: "y" },
      { cmd: CLOSE, path: "y" },
    ];
    const inter = (p: OpSpec[], q: OpSpec[], cp: number, cq: number) =>
      p.flatMap((o, i) => [
        { ...o, conn: cp },
        { ...q[i]!, conn: cq },
      ]);
    const a = opTrace("A", inter(c0, c1, 0, 1));
    // In B the connections appear in the other order and B's clock is elsewhere.
    const b = opTrace("B", inter(c1, c0, 0, 1), 5000);
    const r = diffTraces(a, b);
    assert.deepEqual(r.connPairs.sort(), [
      [0, 1],
      [1, 0],
    ]);
    assert.equal(kinds(r.rows), "======");
    assert.deepEqual(
      r.rows.map((x) => x.a!.path + x.b!.path),
      ["xx", "yy", "xx", "yy", "xx", "yy"],
    );
  });

  it("an empty trace against a full one is all only-a", () => {
    const r = diffTraces(opTrace("A", base), fakeTrace("B", []));
    assert.equal(kinds(r.rows), "------");
    assert.equal(exitCodeFor(r), 1);
    assert.equal(exitCodeFor(diffTraces(fakeTrace("A", []), fakeTrace("B", []))), 0);
  });

  it("a tree that fails to build is trouble, not a crash", () => {
    const a = opTrace("A", base);
    const b = opTrace(
      "B",
      base.map((o, i) => (i === 0 ? { ...o, status: 1 } : o)),
    );
    b.tree = () => {
      throw new Error("boom");
    };
    const r = diffTraces(a, b);
    const d = r.fieldDiff(0);
    assert.match(d.error!, /boom/);
    assert.equal(exitCodeFor(r), 2);
    assert.equal(exitCodeFor(r, { bisect: true }), 125);
    assert.equal(exitCodeFor(new Error("x"), { bisect: true }), 125);
  });

  it("field diffs are cached and recomputed when rules change", () => {
    const b = base.map((o, i) => (i === 3 ? { ...o, status: 0xc0000022 } : o));
    const rules = new IgnoreRules(["smb2.msg_id", "smb2.sesid", "smb2.tid", "smb2.fid"]);
    const r = diffTraces(opTrace("A", base), opTrace("B", b), { rules, identity: false });
    assert.equal(r.fieldDiff(3).count, 1);
    assert.equal(r.fieldDiff(3), r.fieldDiff(3));
    rules.toggle("smb2.nt_status");
    assert.equal(r.fieldDiff(3).count, 0);
  });
});

describe("identity mapping through alignment", () => {
  it("the right handle maps; the handle of another file is a difference naming both files", () => {
    const foo = "0a".repeat(16);
    const bar = "0b".repeat(16);
    const foo2 = "1a".repeat(16);
    const bar2 = "1b".repeat(16);
    const a: OpSpec[] = [
      { cmd: CREATE, path: "foo.txt", fileId: foo },
      { cmd: CREATE, path: "bar.txt", fileId: bar },
      { cmd: READ, fileId: foo },
      { cmd: READ, fileId: bar },
    ];
    const b: OpSpec[] = [
      { cmd: CREATE, path: "foo.txt", fileId: foo2 },
      { cmd: CREATE, path: "bar.txt", fileId: bar2 },
      { cmd: READ, fileId: foo2 },
      // Bug in B: reads bar through foo's handle.
      { cmd: READ, fileId: foo2 },
    ];
    const r = diffTraces(opTrace("A", a), opTrace("B", b), { deep: true });
    assert.equal(kinds(r.rows), "===!");
    assert.equal(r.fieldDiff(2).count, 0);
    const mods = modified(r, 3);
    assert.ok(mods.length >= 1);
    for (const m of mods)
      assert.match(m, /^smb2\.fid: <handle of bar\.txt> \(.*\) → <handle of foo\.txt> \(.*\)$/);
    assert.ok(r.idmap!.size("fid") === 2);
  });

  it("a handle value given out again after a close is bound anew; a stale handle is still a difference", () => {
    const h1 = "0a".repeat(16);
    const h2 = "0b".repeat(16);
    const k1 = "1a".repeat(16);
    const k2 = "1b".repeat(16);
    // A's server reuses the closed handle's value for the next open (as Samba's SMB1 FIDs may, at
    // random); B's does not.
    const a: OpSpec[] = [
      { cmd: CREATE, path: "foo.txt", fileId: h1 },
      { cmd: WRITE, fileId: h1, path: "foo.txt" },
      { cmd: CLOSE, fileId: h1, path: "foo.txt" },
      { cmd: CREATE, path: "foo.txt", fileId: h1 },
      { cmd: READ, fileId: h1, path: "foo.txt" },
      { cmd: CLOSE, fileId: h1, path: "foo.txt" },
      { cmd: CREATE, path: "bar.txt", fileId: h2 },
      { cmd: READ, fileId: h2, path: "bar.txt" },
    ];
    const b: OpSpec[] = [
      { cmd: CREATE, path: "foo.txt", fileId: k1 },
      { cmd: WRITE, fileId: k1, path: "foo.txt" },
      { cmd: CLOSE, fileId: k1, path: "foo.txt" },
      { cmd: CREATE, path: "foo.txt", fileId: k2 },
      { cmd: READ, fileId: k2, path: "foo.txt" },
      { cmd: CLOSE, fileId: k2, path: "foo.txt" },
      { cmd: CREATE, path: "bar.txt", fileId: k1 },
      // Bug in B: reads through the closed handle of foo.txt, not bar.txt's.
      { cmd: READ, fileId: k2, path: "foo.txt" },
    ];
    const r = diffTraces(opTrace("A", a), opTrace("B", b), { deep: true });
    assert.equal(kinds(r.rows), "=======!");
    for (let i = 0; i < 7; i++) assert.equal(r.fieldDiff(i).count, 0, `row ${i}`);
    assert.equal(r.firstDivergence, 7);
    const mods = modified(r, 7);
    const fids = mods.filter((m) => m.startsWith("smb2.fid:"));
    assert.ok(fids.length >= 1, mods.join("\n"));
    for (const m of fids)
      assert.match(m, /^smb2\.fid: <handle of bar\.txt> \(.*\) → <handle of foo\.txt> \(.*\)$/);
    // Each open of A's reused value is named after its own file, at its own rows.
    assert.equal(r.idmap!.describe("a", "fid", h1, 1), "<handle of foo.txt>");
    assert.equal(r.idmap!.describe("b", "fid", k1, 1), "<handle of foo.txt>");
    assert.equal(r.idmap!.describe("b", "fid", k1, 7), "<handle of bar.txt>");
    // Earlier rows are compared as bound then, whatever order they are asked in.
    const again = diffTraces(opTrace("A", a), opTrace("B", b), { deep: true });
    for (const i of [7, 4, 1, 6, 0]) assert.equal(again.fieldDiff(i).count > 0, i === 7, `row ${i}`);
    assert.equal(again.idmap!.size("fid"), 1 + 1);
    assert.equal(again.idmap!.partner("a", "fid", h1, 1), k1);
    assert.equal(again.idmap!.partner("a", "fid", h1, 4), k2);
    assert.equal(again.idmap!.partner("a", "fid", h1), undefined);
  });

  it("a close on one side only keeps the binding: the other side's reuse is a difference", () => {
    const h1 = "0a".repeat(16);
    const k1 = "1a".repeat(16);
    const k2 = "1b".repeat(16);
    const a: OpSpec[] = [
      { cmd: CREATE, path: "foo.txt", fileId: h1 },
      { cmd: CLOSE, fileId: h1, path: "foo.txt" },
      { cmd: CREATE, path: "foo.txt", fileId: h1 },
      { cmd: READ, fileId: h1, path: "foo.txt" },
    ];
    const b: OpSpec[] = [
      { cmd: CREATE, path: "foo.txt", fileId: k1 },
      { cmd: CLOSE, fileId: k1, path: "foo.txt", status: 0xc0000008 },
      { cmd: CREATE, path: "foo.txt", fileId: k2 },
      { cmd: READ, fileId: k2, path: "foo.txt" },
    ];
    const r = diffTraces(opTrace("A", a), opTrace("B", b), { deep: true });
    assert.equal(r.rows[1]!.kind, "differ");
    assert.ok(r.fieldDiff(2).count > 0, "A's handle is still bound to B's first one");
  });

  it("diffPackets compares one packet with another (ids mapped within the pair)", () => {
    const a = opTrace("A", [
      { cmd: CREATE, path: "foo.txt", fileId: "01".repeat(16), sesId: "00000000000000aa" },
    ]);
    const b = opTrace("B", [
      {
        cmd: CREATE,
        path: "foo.txt",
        fileId: "02".repeat(16),
        sesId: "00000000000000bb",
        status: 0xc0000034,
      },
    ]);
    const d = diffPackets(a, 2, b, 2);
    assert.equal(d.count, 1);
    assert.equal(exitCodeFor(d), 1);
    assert.equal(countDiffs(diffPackets(a, 1, b, 1).nodes), 0);
    assert.equal(exitCodeFor(diffPackets(a, 1, b, 99)), 2);
  });

  it("diffPacketsText is a unified diff of the indented trees (text mode, no rules)", () => {
    const a = opTrace("A", [{ cmd: CREATE, path: "foo.txt", sesId: "00000000000000aa" }]);
    const b = opTrace("B", [{ cmd: CREATE, path: "foo.txt", sesId: "00000000000000bb" }]);
    const t = diffPacketsText(a, 1, b, 1);
    assert.match(t, /^--- A:1\n\+\+\+ B:1\n@@ /);
    assert.match(t, /^- {8}Session Id: 0x00000000000000aa$/m);
    assert.match(t, /^\+ {8}Session Id: 0x00000000000000bb$/m);
    assert.equal(diffPacketsText(a, 1, a, 1), "");
  });
});

/** Random op sequences and edits for property tests. */
function randomOps(r: () => number, n: number, distinctNeighbours = false): OpSpec[] {
  const cmds = [CREATE, READ, WRITE, CLOSE, QINFO];
  const out: OpSpec[] = [];
  while (out.length < n) {
    const o = { cmd: cmds[Math.floor(r() * cmds.length)]!, path: `f${Math.floor(r() * 20)}` };
    const p = out[out.length - 1];
    // Equal neighbours make "which one was deleted" ambiguous; exact-recovery tests avoid them.
    if (distinctNeighbours && p && p.cmd === o.cmd && p.path === o.path) continue;
    out.push(o);
  }
  return out;
}

describe("alignment properties", () => {
  it("diff(A, A) is all same", () => {
    const r = prng(1);
    for (let k = 0; k < 20; k++) {
      const ops = randomOps(r, 50 + Math.floor(r() * 200));
      const res = diffTraces(opTrace("A", ops), opTrace("B", ops));
      assert.equal(res.firstDivergence, -1);
      assert.equal(res.summary.same, ops.length);
    }
  });

  it("recovers exactly the applied edits (well separated inserts, deletes, status changes)", () => {
    const r = prng(2024);
    for (let round = 0; round < 30; round++) {
      const a = randomOps(r, 300, true);
      const b: OpSpec[] = [];
      const expect: string[] = [];
      let uniq = 0;
      for (let i = 0; i < a.length; i++) {
        // Edits at most every 8 ops, so each gap holds exactly one edit.
        const e = i % 8 === 4 ? Math.floor(r() * 4) : 3;
        if (e === 0) {
          expect.push(`-${i}`);
          continue;
        }
        if (e === 1) {
          b.push({ cmd: 99, path: `new${uniq++}` });
          expect.push(`+${b.length - 1}`);
        }
        if (e === 2) {
          b.push({ ...a[i]!, status: 0xc0000001 });
          expect.push(`!${i}:${b.length - 1}`);
          continue;
        }
        b.push(a[i]!);
      }
      const res = diffTraces(opTrace("A", a), opTrace("B", b));
      const got = res.rows
        .filter((x) => x.kind !== "same")
        .map((x) =>
          x.kind === "only-a"
            ? `-${x.a!.index}`
            : x.kind === "only-b"
              ? `+${x.b!.index}`
              : `!${x.a!.index}:${x.b!.index}`,
        );
      assert.deepEqual(got, expect, `round ${round}`);
      for (const x of res.rows) if (x.kind === "same") assert.equal(x.a!.sig, x.b!.sig);
    }
  });

  it("with dense random edits the alignment never costs more than the edits applied", () => {
    const r = prng(99);
    for (let round = 0; round < 30; round++) {
      const a = randomOps(r, 200);
      const b = a.map((o) => ({ ...o }));
      let edits = 0;
      for (let k = 0; k < 30; k++) {
        const at = Math.floor(r() * (b.length + 1));
        const t = r();
        if (t < 0.33 && b.length) b.splice(Math.min(at, b.length - 1), 1);
        else if (t < 0.66) b.splice(at, 0, randomOps(r, 1)[0]!);
        else if (b.length)
          b[Math.min(at, b.length - 1)] = { ...b[Math.min(at, b.length - 1)]!, status: 0xc0000001 };
        edits++;
      }
      const res = diffTraces(opTrace("A", a), opTrace("B", b), { pairSimilar: false });
      // Every same/differ row pairs equal signatures; unpaired ops are bounded by the edit count.
      for (const x of res.rows) if (x.a && x.b) assert.equal(x.a.sig, x.b.sig);
      assert.ok(res.summary.onlyA + res.summary.onlyB <= 2 * edits, `round ${round}`);
      assert.equal(res.summary.same + res.summary.differ + res.summary.onlyA, a.length);
      assert.equal(res.summary.same + res.summary.differ + res.summary.onlyB, b.length);
    }
  });

  it("alignOps stays valid when the Myers cost bound is hit", () => {
    const r = prng(5);
    const a = buildOps(opTrace("A", randomOps(r, 400)));
    const b = buildOps(opTrace("B", randomOps(r, 400)));
    const rows = alignOps(a, b, { maxCost: 4 });
    let ia = 0;
    let ib = 0;
    for (const x of rows) {
      if (x.a) assert.equal(x.a.index, ia++);
      if (x.b) assert.equal(x.b.index, ib++);
      if (x.kind === "same") assert.equal(x.a!.sig, x.b!.sig);
    }
    assert.equal(ia, 400);
    assert.equal(ib, 400);
  });
});
