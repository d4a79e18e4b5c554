import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffPackets, diffTraces } from "../../src/diff/align.js";
import { IgnoreRules } from "../../src/diff/ignore.js";
import { esc, renderAlignHtml, renderPacketHtml } from "../../src/diff/render/html.js";
import { JSON_SCHEMA_VERSION, renderJson } from "../../src/diff/render/json.js";
import { renderAlign, renderPacketDiff, renderTreeDiff } from "../../src/diff/render/text.js";
import { diffTrees } from "../../src/diff/tree-diff.js";
import { leaf, type OpSpec, opTrace, tree } from "./fake.js";

const EVIL = `<script>alert("x")</script>&'`;

const opsA: OpSpec[] = [
  { cmd: 5, path: "foo.txt", fileId: "01".repeat(16) },
  { cmd: 8, fileId: "01".repeat(16), path: "foo.txt", respBody: [leaf("smb2.read_data", "abc")] },
  { cmd: 5, path: EVIL, fileId: "02".repeat(16) },
  { cmd: 6, fileId: "01".repeat(16) },
];
const opsB: OpSpec[] = [
  { cmd: 5, path: "foo.txt", fileId: "11".repeat(16) },
  { cmd: 8, fileId: "11".repeat(16), path: "foo.txt", respBody: [leaf("smb2.read_data", EVIL)] },
  { cmd: 5, path: EVIL, fileId: "12".repeat(16), status: 0xc0000022 },
  { cmd: 9, fileId: "11".repeat(16) },
  { cmd: 6, fileId: "11".repeat(16) },
];

function result() {
  return diffTraces(opTrace("a<b>.pcap", opsA), opTrace("b.pcap", opsB), { deep: true });
}

/** A minimal structural check of the JSON schema documented in SCHEMA.md. */
function checkNode(n: Record<string, unknown>): void {
  assert.ok(["same", "modified", "added", "removed"].includes(n.kind as string));
  assert.equal(typeof n.name, "string");
  assert.equal(typeof n.label, "string");
  assert.equal(typeof n.ignored, "boolean");
  assert.equal(typeof n.diffs, "number");
  if (n.children) for (const c of n.children as Record<string, unknown>[]) checkNode(c);
}

function checkOp(o: Record<string, unknown> | null): void {
  if (o === null) return;
  for (const k of ["index", "cmd", "conn", "time", "proto"]) assert.equal(typeof o[k], "number", k);
  for (const k of ["kind", "msgId", "path", "detail", "text"]) assert.equal(typeof o[k], "string", k);
  assert.ok(Array.isArray(o.frames));
  assert.ok(o.status === null || typeof o.status === "number");
}

describe("JSON renderer", () => {
  it("parses and matches the documented schema", () => {
    const j = JSON.parse(renderJson(result()));
    assert.equal(j.version, JSON_SCHEMA_VERSION);
    assert.equal(j.version, 1);
    assert.equal(j.type, "traces");
    assert.deepEqual(Object.keys(j.summary).sort(), ["differ", "onlyA", "onlyB", "ops", "same"]);
    assert.equal(j.firstDivergence, 1);
    assert.ok(Array.isArray(j.rules) && j.rules.includes("smb2.msg_id"));
    assert.equal(j.rows.length, j.summary.ops);
    for (const row of j.rows) {
      assert.ok(["same", "differ", "only-a", "only-b"].includes(row.kind));
      checkOp(row.a);
      checkOp(row.b);
      if (row.kind === "differ") {
        assert.equal(typeof row.fields.count, "number");
        for (const p of row.fields.parts) {
          assert.ok(["request", "interim", "response"].includes(p.role));
          for (const n of p.nodes) checkNode(n);
        }
      } else assert.equal(row.fields, undefined);
    }
    assert.deepEqual(
      j.rows.map((r: { kind: string }) => r.kind),
      ["same", "differ", "differ", "only-b", "same"],
    );
  });

  it("packet diffs have their own shape", () => {
    const a = opTrace("a", opsA);
    const b = opTrace("b", opsB);
    const j = JSON.parse(renderJson(diffPackets(a, 4, b, 4)));
    assert.equal(j.version, 1);
    assert.equal(j.type, "packets");
    assert.equal(j.count, 1);
    assert.equal(j.error, null);
    for (const n of j.nodes) checkNode(n);
  });
});

describe("HTML renderer", () => {
  const html = renderAlignHtml(result());

  it("is self-contained: no external URL, no script", () => {
    assert.ok(html.startsWith("<!DOCTYPE html>"));
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /\b(src|href)\s*=\s*"(?!#)/i);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /@import|url\(/i);
  });

  it("escapes values and paths", () => {
    assert.ok(html.includes(esc(EVIL)));
    assert.ok(html.includes("a&#60;b&#62;.pcap"));
    assert.equal(esc(`<a href="x">&'`), "&#60;a href=&#34;x&#34;&#62;&#38;&#39;");
  });

  it("shows aligned rows side by side with collapsible differing fields", () => {
    assert.equal((html.match(/<tr class="(same|differ|only-a|only-b)/g) ?? []).length, 5);
    assert.match(html, /<tr class="differ first"/);
    assert.match(html, /<details/);
    assert.match(html, /class="modified"/);
  });

  it("packet report escapes too", () => {
    const d = diffTrees([leaf("smb2.filename", "a")], [leaf("smb2.filename", EVIL)], {
      rules: new IgnoreRules(),
    });
    const h = renderPacketHtml({ aFrame: 1, bFrame: 2, nodes: d, count: 1, rules: new IgnoreRules() });
    assert.doesNotMatch(h, /<script/i);
  });
});

describe("text renderer", () => {
  const nodes = diffTrees(
    [
      tree("smb2", "SMB2", [
        leaf("smb2.msg_id", 1, "Message ID: 1"),
        leaf("smb2.cmd", 5, "Command: Create (5)"),
        leaf("smb2.x", 1, "X: 1"),
      ]),
    ],
    [
      tree("smb2", "SMB2", [
        leaf("smb2.msg_id", 2, "Message ID: 2"),
        leaf("smb2.cmd", 6, "Command: Close (6)"),
        leaf("smb2.y", 1, "Y: 1"),
      ]),
    ],
    { rules: new IgnoreRules(["smb2.msg_id"]) },
  );

  it("plain text: modified as `name: a → b`, added +, removed -, ignored kept", () => {
    const t = renderTreeDiff(nodes, { color: false, showSame: true });
    assert.equal(
      t,
      [
        "~ SMB2",
        "~     Message ID: 1 → 2  (ignored)",
        "~     Command: Create (5) → Close (6)",
        "-     X: 1",
        "+     Y: 1",
      ].join("\n"),
    );
    assert.doesNotMatch(t, /\x1b/);
  });

  it("colors: dim ignored, yellow modified, green added, red removed", () => {
    const t = renderTreeDiff(nodes, { color: true, showSame: true });
    assert.ok(t.includes("\x1b[2m~     Message ID: 1 → 2\x1b[0m"));
    assert.ok(t.includes("\x1b[33m~     Command: Create (5) → Close (6)\x1b[0m"));
    assert.ok(t.includes("\x1b[31m-     X: 1\x1b[0m"));
    assert.ok(t.includes("\x1b[32m+     Y: 1\x1b[0m"));
  });

  it("NO_COLOR turns the default color off", () => {
    const old = process.env.NO_COLOR;
    process.env.NO_COLOR = "1";
    try {
      assert.doesNotMatch(renderTreeDiff(nodes), /\x1b/);
    } finally {
      if (old === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = old;
    }
  });

  it("hides SAME lines beyond the context", () => {
    const kids = Array.from({ length: 20 }, (_, i) => leaf(`smb2.f${i}`, i, `F${i}: ${i}`));
    const b = kids.map((k, i) => (i === 10 ? leaf(k.name, 99, `F10: 99`) : k));
    const d = diffTrees([tree("smb2", "SMB2", kids)], [tree("smb2", "SMB2", b)], {
      rules: new IgnoreRules(),
    });
    const t = renderTreeDiff(d, { color: false, context: 1 });
    assert.equal(
      t,
      ["~ SMB2", "  ...", "      F9: 9", "~     F10: 10 → 99", "      F11: 11", "  ..."].join("\n"),
    );
  });

  it("alignment listing and packet diff", () => {
    const t = renderAlign(result(), { color: false });
    assert.match(t, /^--- A a<b>\.pcap\n\+\+\+ B b\.pcap\n/);
    assert.match(t, /^! .*\| .*0xc0000022/m);
    assert.match(t, /^\+ {62}\| /m);
    assert.match(t, /5 ops: 2 same, 2 differ, 0 only in A, 1 only in B; first divergence at row 1/);
    const p = renderPacketDiff(diffPackets(opTrace("a", opsA), 6, opTrace("b", opsB), 6), { color: false });
    assert.match(p, /NT Status: 0x00000000 → 0xc0000022/);
    assert.match(p, /1 difference\n$/);
  });
});
