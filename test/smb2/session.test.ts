/**
 * Session-level commands and the header against tshark 4.0.17: messages from corpus captures with
 * every field tshark shows (name + show), in capture order so the session/tree state builds up.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { type FieldNode, find } from "../../src/dissect/tree.js";
import { dissectSmb2, type Smb2Ctx } from "../../src/smb2/dissect.js";
import { Smb2State } from "../../src/smb2/state.js";
import type { MessageInfo } from "../../src/trace/types.js";

interface Fixture {
  group: string;
  frame: number;
  conn: number;
  time: number;
  hex: string;
  info: string | null;
  header: boolean;
  expect: [string, string][];
  /** FileId names come from CREATE (another module): compare without the handle subtree. */
  handle?: boolean;
}

const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL("../fixtures/smb2/session/messages.json", import.meta.url), "utf8"),
);

function flat(nodes: readonly FieldNode[] | undefined, out: string[], noHandle = false): void {
  for (const n of nodes ?? []) {
    // Tree connect contexts (3.1.1) are ours: Wireshark 4.0 does not dissect them.
    if (n.name === "smbcmp.smb2.tc.context") continue;
    if (noHandle && n.name === "smbcmp.smb2.handle") {
      flat(
        n.children?.filter((c) => c.name === "smb2.fid"),
        out,
      );
      continue;
    }
    // These fixtures are tshark's single pass; the header's "Authenticated in Frame" and the
    // TreeId's share follow its second pass in our trees (checked below and by the conformance suite).
    if (n.name === "smb2.auth_frame") continue;
    if (n.name === "smb2.tid") {
      out.push(`${n.name}|${n.show}`);
      continue;
    }
    if (n.name.startsWith("smbcmp.")) out.push(`TEXT|${n.label}`);
    // tshark's single pass cannot know the response frame of a request.
    else if (!n.name.startsWith("_ws.") && n.name !== "smb2.response_in") out.push(`${n.name}|${n.show}`);
    flat(n.children, out, noHandle);
  }
}

/** Runs the indexing pass then the tree pass over a group, like the trace engine does. */
function run(group: Fixture[]): { tree: FieldNode; info: MessageInfo }[] {
  const state = new Smb2State();
  const out: { tree: FieldNode; info: MessageInfo }[] = [];
  for (const pass of [0, 1]) {
    for (const fx of group) {
      const ctx: Smb2Ctx = {
        state,
        frame: fx.frame,
        conn: fx.conn,
        time: fx.time,
        light: pass === 0,
        first: pass === 0,
      };
      const nodes: FieldNode[] = [];
      const infos: MessageInfo[] = [];
      dissectSmb2(Buffer.from(fx.hex, "hex"), 0, ctx, nodes, infos);
      if (pass === 1) out.push({ tree: nodes[0]!, info: infos[0]! });
      else assert.equal(nodes.length, 0, "light mode builds no nodes");
    }
  }
  return out;
}

const groups = [...new Set(fixtures.map((f) => f.group))];

describe("SMB2 session commands vs tshark", () => {
  for (const g of groups) {
    const group = fixtures.filter((f) => f.group === g);
    it(`${g}: every tshark field, nothing extra, same Info`, () => {
      const res = run(group);
      group.forEach((fx, i) => {
        const r = res[i]!;
        const ours: string[] = [];
        flat(fx.header ? r.tree.children : r.tree.children?.slice(1), ours, fx.handle);
        // Drop auth_frame and the TreeId's generated children (right after smb2.tid).
        const tidKids = ["smb2.tree", "smb2.share_type", "smb2.tcon_frame"];
        const want: string[] = [];
        let inTid = false;
        for (const [n, v] of fx.expect) {
          inTid = n === "smb2.tid" || (inTid && tidKids.includes(n));
          if (n === "smb2.auth_frame" || (inTid && n !== "smb2.tid")) continue;
          want.push(`${n}|${v}`);
        }

        const bag = new Map<string, number>();
        for (const x of ours) bag.set(x, (bag.get(x) ?? 0) + 1);
        const missing: string[] = [];
        for (const x of want) {
          const k = bag.get(x) ?? 0;
          if (k) bag.set(x, k - 1);
          else missing.push(x);
        }
        const extra = [...bag].filter(([, v]) => v > 0).map(([k]) => k);
        assert.deepEqual(missing, [], `frame ${fx.frame}: missing`);
        assert.deepEqual(extra, [], `frame ${fx.frame}: extra`);
        if (fx.info !== null) assert.equal(r.info.summary, fx.info, `frame ${fx.frame}: Info`);
      });
    });
  }

  it("auth frame and TreeId share as tshark's second pass shows them", () => {
    const group = fixtures.filter((f) => f.group === "ntlm");
    const res = run(group);
    const at = (frame: number) => res[group.findIndex((f) => f.frame === frame)]!.tree;
    // tshark -2: every message of the session shows the frame of the successful SESSION_SETUP.
    for (const frame of [10, 11, 12, 13, 14]) assert.equal(find([at(frame)], "smb2.auth_frame")?.show, "12");
    const tid = find([at(14)], "smb2.tid");
    assert.deepEqual(
      tid?.children?.map((c) => `${c.name}|${c.show}`),
      ["smb2.tree|\\\\172.31.112.16\\IPC$", "smb2.share_type|0x02", "smb2.tcon_frame|14"],
    );
  });

  it("records session identity, tree and connection state", () => {
    const state = new Smb2State();
    for (const fx of fixtures.filter((f) => f.group === "ntlm")) {
      const ctx: Smb2Ctx = { state, frame: fx.frame, conn: fx.conn, time: fx.time, light: true, first: true };
      dissectSmb2(Buffer.from(fx.hex, "hex"), 0, ctx, [], []);
    }
    const ses = state.sessions.get("00012c0000000025");
    assert.equal(ses?.user, "Administrator");
    assert.equal(ses?.domain, "WIN-I82B81NSLLJ");
    assert.equal(ses?.host, "WIN-I82B81NSLLJ");
    const trees = [...state.trees.values()].map((t) => t.name);
    assert.deepEqual(trees, ["\\\\172.31.112.16\\IPC$"]);
    assert.equal([...state.connections.values()].find((c) => c.dialect)?.dialect, 0x0311);
  });

  it("truncated and corrupted messages are flagged, never thrown", () => {
    for (const fx of fixtures) {
      const full = Buffer.from(fx.hex, "hex");
      for (let cut = 64; cut < full.length; cut += Math.max(1, Math.floor(full.length / 40))) {
        for (const light of [true, false]) {
          const buf = Buffer.from(full.subarray(0, cut));
          if (cut > 80) buf[cut - 7] ^= 0xff; // also corrupt a byte near the end
          const ctx: Smb2Ctx = { state: new Smb2State(), frame: 1, conn: 0, time: 0, light, first: light };
          assert.doesNotThrow(() => dissectSmb2(buf, 0, ctx, [], []), `frame ${fx.frame} cut ${cut}`);
        }
      }
    }
  });
});

describe("TREE_CONNECT 3.1.1 extension", () => {
  it("shows tree connect contexts (offset from the request body)", () => {
    const hdr = Buffer.alloc(64);
    hdr.writeUInt32BE(0xfe534d42, 0);
    hdr.writeUInt16LE(64, 4);
    hdr.writeUInt16LE(3, 12);
    const path = Buffer.from("\\\\srv\\share", "utf16le");
    const body = Buffer.alloc(24);
    body.writeUInt16LE(9, 0);
    body.writeUInt16LE(4, 2); // EXTENSION_PRESENT
    body.writeUInt16LE(64 + 24, 4);
    body.writeUInt16LE(path.length, 6);
    const ctxAt = 24 + path.length + ((8 - ((24 + path.length) % 8)) % 8);
    body.writeUInt32LE(ctxAt, 8);
    body.writeUInt16LE(1, 12);
    const ctx = Buffer.concat([Buffer.from([1, 0, 4, 0, 0, 0, 0, 0]), Buffer.from("abcd")]);
    const pad = Buffer.alloc(ctxAt - 24 - path.length);
    const msg = Buffer.concat([hdr, body, path, pad, ctx]);
    const nodes: FieldNode[] = [];
    const infos: MessageInfo[] = [];
    const ctxt: Smb2Ctx = { state: new Smb2State(), frame: 1, conn: 0, time: 0, light: false, first: true };
    dissectSmb2(msg, 0, ctxt, nodes, infos);
    const out: string[] = [];
    flat(nodes, out);
    assert.equal(infos[0]?.summary, "Tree Connect Request Tree: \\\\srv\\share");
    assert.ok(out.includes("TEXT|Tree Connect Request (0x03), EXTENSION_PRESENT"));
    assert.equal(
      find(nodes, "smbcmp.smb2.tc.context")?.label,
      "Tree Connect Context: SMB2_REMOTED_IDENTITY_TREE_CONNECT_CONTEXT_ID",
    );
  });
});
