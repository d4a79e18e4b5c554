/**
 * SMB2 file-level commands (CREATE + contexts, CLOSE, READ, WRITE, LOCK, QUERY_DIRECTORY,
 * CHANGE_NOTIFY) against tshark 4.0.17's PDML for the same bytes: the fixture holds, per SMB2
 * message, its bytes and tshark's body fields as `name=show` keys (text nodes as `=label`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { type FieldNode, find, walk } from "../../src/dissect/tree.js";
import { dissectSmb2, type Smb2Ctx } from "../../src/smb2/dissect.js";
import { Smb2State } from "../../src/smb2/state.js";
import type { MessageInfo } from "../../src/trace/types.js";

interface Msg {
  frame: number;
  time: number;
  stream: number;
  hex: string;
  keys: string[] | null;
}
const FIX: { name: string; msgs: Msg[] }[] = JSON.parse(
  readFileSync(new URL("../fixtures/smb2/files/tshark-bodies.json", import.meta.url), "utf8"),
);

function run(state: Smb2State, m: Msg, light: boolean): { out: FieldNode[]; infos: MessageInfo[] } {
  const ctx: Smb2Ctx = { state, frame: m.frame, conn: m.stream, time: m.time, light, first: light };
  const out: FieldNode[] = [];
  const infos: MessageInfo[] = [];
  dissectSmb2(Buffer.from(m.hex, "hex"), 0, ctx, out, infos);
  return { out, infos };
}

function ourKeys(nodes: readonly FieldNode[]): string[] {
  const keys: string[] = [];
  walk(nodes, (n) => {
    keys.push(n.name.startsWith("smbcmp.") ? `=${n.label}` : `${n.name}=${n.show}`);
    return true;
  });
  return keys;
}

/** Two passes like the trace engine: light indexing (state), then full trees. */
function compare(fx: { msgs: Msg[] }) {
  const state = new Smb2State();
  const light = fx.msgs.map((m) => run(state, m, true));
  let theirs = 0;
  let ours = 0;
  let matched = 0;
  const missing: string[] = [];
  fx.msgs.forEach((m, i) => {
    const { out, infos } = run(state, m, false);
    assert.deepEqual(
      infos.map((x) => x.summary),
      light[i]!.infos.map((x) => x.summary),
      "light and full mode agree on summaries",
    );
    if (!m.keys) return;
    const body = find(out, "smbcmp.smb2.body");
    const mine = ourKeys(body?.children ?? []);
    const pool = new Map<string, number>();
    for (const k of mine) pool.set(k, (pool.get(k) ?? 0) + 1);
    for (const k of m.keys) {
      const v = pool.get(k) ?? 0;
      if (v) {
        matched++;
        pool.set(k, v - 1);
      } else missing.push(`#${m.frame} ${k}`);
    }
    theirs += m.keys.length;
    ours += mine.length;
  });
  return { recall: matched / theirs, precision: matched / ours, missing };
}

for (const fx of FIX) {
  test(`tshark fields: ${fx.name}`, () => {
    const r = compare(fx);
    const min = fx.name === "ctx" || fx.name === "find" ? 0.85 : 0.99;
    assert.ok(r.recall >= min, `recall ${r.recall}: ${r.missing.slice(0, 10).join("; ")}`);
    assert.ok(r.precision >= min, `precision ${r.precision}`);
  });
}

test("create summaries, paths and handle state", () => {
  const fx = FIX.find((f) => f.name.includes("multichannel"))!;
  const state = new Smb2State();
  const sums = new Map<number, MessageInfo[]>();
  for (const m of fx.msgs) sums.set(m.frame, run(state, m, true).infos);
  assert.equal(sums.get(25)![0]!.summary, "Create Request File: 00bfsvc.exe");
  assert.equal(sums.get(26)![0]!.summary, "Create Response File: 00bfsvc.exe");
  assert.equal(sums.get(26)![0]!.path, "00bfsvc.exe");
  assert.match(sums.get(25)![0]!.detail ?? "", /^disp=1 /);
  assert.equal(state.file("19010000070000000900000007000000"), "00bfsvc.exe");
  assert.equal(state.handleAt("19010000070000000900000007000000", 26)?.open, 26);
  // Root opens show an empty name, as tshark does.
  assert.equal(sums.get(13)![0]!.summary, "Create Request File: ");
});

test("find and notify summaries", () => {
  const fx = FIX.find((f) => f.name === "find")!;
  const state = new Smb2State();
  const s = fx.msgs.map((m) => run(state, m, true).infos[0]!.summary);
  assert.equal(s[0], "Find Request SMB2_FIND_DIRECTORY_INFO Pattern: *");
  assert.equal(s[1], "Find Response SMB2_FIND_DIRECTORY_INFO Pattern: *");
  assert.equal(s[12], "Find Request (Level:0x3c) Pattern: *");
});

test("truncated and garbage bodies never throw", () => {
  for (const fx of FIX) {
    for (const m of fx.msgs.slice(0, 40)) {
      const b = Buffer.from(m.hex, "hex");
      for (const cut of [66, 70, 80, 100, 130, b.length - 1]) {
        if (cut <= 64 || cut >= b.length) continue;
        const state = new Smb2State();
        const ctx: Smb2Ctx = { state, frame: 1, conn: 0, time: 0, light: false, first: true };
        dissectSmb2(b.subarray(0, cut), 0, ctx, [], []);
        const junk = Buffer.from(b);
        for (let i = 64; i < junk.length; i += 7) junk[i] = 0xff;
        dissectSmb2(junk, 0, { ...ctx, state: new Smb2State() }, [], []);
      }
    }
  }
});
