/**
 * Diffs of DCE/RPC over named pipes: the DCE/RPC trees a message carries are compared with it.
 * Two runs of the same srvsvc calls (harness scenarios test/fixtures/smb1/dcerpc-pipe.scenario.json,
 * smb1/dcerpc-transact.scenario.json, smb2/dcerpc-pipe.scenario.json and
 * smb2/dcerpc-smallreads.scenario.json, each run twice against smbd on 127.0.0.1)
 * differ only in noise: response times, request/response frames, the association group the server
 * assigns, and a pipe read's raw bytes, which hold that group and are compared through their
 * decoded DCE/RPC tree. A real DCE/RPC difference is a divergence.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { diffTraces, messageTree } from "../../src/diff/align.js";
import { buildOps } from "../../src/diff/ops.js";
import { type FieldNode, find } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import type { Trace } from "../../src/trace/types.js";
import { smbcmpBin } from "../cli/bin.js";
import { without } from "./fake.js";

const FIX = join(import.meta.dirname, "../fixtures");
const PAIRS = [
  ["smb1/dcerpc-pipe.pcap", "smb1/dcerpc-pipe-run2.pcap", 15],
  ["smb2/dcerpc-pipe.pcap", "smb2/dcerpc-pipe-run2.pcap", 15],
  // TRANSACTION replies in two messages (dcerpc-transact.scenario.json).
  ["smb1/dcerpc-transact.pcap", "smb1/dcerpc-transact-run2.pcap", 12],
  // Fragments read 1 KB at a time, joined in their last READ (dcerpc-smallreads.scenario.json).
  ["smb2/dcerpc-smallreads.pcap", "smb2/dcerpc-smallreads-run2.pcap", 25],
] as const;

for (const [a, b, ops] of PAIRS) {
  test(`two runs of the same pipe calls are the same (${a}), field by field`, () => {
    const r = spawnSync(process.execPath, [smbcmpBin(), "diff", "--deep", join(FIX, a), join(FIX, b)], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`${ops} ops: ${ops} same, 0 differ, 0 only in A, 0 only in B; no divergence`),
    );
  });
}

test("a message's DCE/RPC trees are compared with it: the bind_ack's association group is noise, shown", async () => {
  const [a, b] = await Promise.all(PAIRS[1].slice(0, 2).map((p) => openTrace(join(FIX, String(p)))));
  try {
    // Frame 23 is the (asynchronous) Read Response carrying the Bind_ack.
    const op = buildOps(a!).find((o) => o.resp && a!.packets.at(o.resp.pkt)!.no === 23)!;
    const tree = messageTree(a!, op.resp!);
    assert.deepEqual(
      tree.map((n) => n.name),
      ["smb2", "dcerpc"],
    );
    assert.equal(find(tree, "dcerpc.pkt_type")?.show, "12");
    const res = diffTraces(a!, b!, { deep: true });
    const row = res.rows.find((r) => r.a?.resp && a!.packets.at(r.a.resp.pkt)!.no === 23)!;
    assert.equal(row.kind, "same");
  } finally {
    a!.close();
    b!.close();
  }
});

/** Trace `t` with field `name` of frame `no` shown as `show`/`value`. */
function edited(t: Trace, no: number, name: string, v: number): Trace {
  const set = (nodes: FieldNode[]): FieldNode[] =>
    nodes.map((n) => ({
      ...n,
      ...(n.name === name ? { show: String(v), value: v } : {}),
      children: n.children && set(n.children),
    }));
  return {
    path: t.path,
    packets: t.packets,
    warnings: t.warnings,
    indexOf: (n) => t.indexOf(n),
    tree: (n, o) => (n === no ? set(t.tree(n, o)) : t.tree(n, o)),
    close() {},
  };
}

test("a difference in the DCE/RPC layer alone (another opnum) is a divergence", async () => {
  const [a, b] = await Promise.all(PAIRS[0].slice(0, 2).map((p) => openTrace(join(FIX, String(p)))));
  try {
    // Frame 30: the Write AndX carrying NetShareGetInfo (opnum 16); B asks for opnum 17 instead.
    const res = diffTraces(a!, edited(b!, 30, "dcerpc.opnum", 17), { deep: true });
    const differ = res.rows.filter((r) => r.kind === "differ");
    assert.equal(differ.length, 1);
    assert.equal(a!.packets.at(differ[0]!.a!.req!.pkt)!.no, 30);
  } finally {
    a!.close();
    b!.close();
  }
});

test("pipe calls align by the RPC operation they carry: a call missing on one side is only there", async () => {
  const [a, b] = await Promise.all(PAIRS[0].slice(0, 2).map((p) => openTrace(join(FIX, String(p)))));
  try {
    // B without its NetShareEnumAll call: the Write AndX carrying it (23, 25) and the two reads of
    // its response (26-29). Both sides' next write carries NetShareGetInfo.
    const bb = without(b!, new Set([23, 25, 26, 27, 28, 29]));
    const res = diffTraces(a!, bb, { deep: true });
    const rowOf = (no: number) => res.rows.find((r) => r.a?.req && a!.packets.at(r.a.req.pkt)!.no === no)!;
    assert.equal(rowOf(23).kind, "only-a");
    assert.equal(rowOf(30).kind, "same");
    assert.equal(bb.packets.at(rowOf(30).b!.req!.pkt)!.no, 30);
  } finally {
    a!.close();
    b!.close();
  }
});
