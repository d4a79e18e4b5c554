/**
 * NBSS non-message PDUs against tshark 4.0.17: tshark-nbss.json holds, per frame, the NBSS bytes
 * (tcp.payload), tshark's nbss fields (depth, name, show, showname) and its Info column. Sources:
 * real smbclient and Samba traffic on 127.0.0.1:139 (session request, positive response,
 * keep-alive) and a synthetic capture for what Samba never sends (negative and retarget responses,
 * scopes, illegal names, truncation).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Cursor } from "../../src/dissect/cursor.js";
import { Fields } from "../../src/dissect/fields.js";
import { FieldFlag, type FieldNode } from "../../src/dissect/tree.js";
import { decodeNetbiosName, dissectNbss, nbssSummary } from "../../src/nbss/session.js";

interface Case {
  src: string;
  frame: number;
  info: string;
  fields: [number, string, string, string][];
  hex: string;
}

const CASES: Case[] = JSON.parse(readFileSync(new URL("./tshark-nbss.json", import.meta.url), "utf8"));

function flat(nodes: FieldNode[], depth = 0, out: [number, string, string, string][] = []) {
  for (const n of nodes) {
    if (n.name !== "_ws.malformed") out.push([depth, n.name, n.show, n.label]);
    if (n.children) flat(n.children, depth + 1, out);
  }
  return out;
}

function run(c: Case): { nodes: FieldNode[]; summary: string } {
  const b = Buffer.from(c.hex, "hex");
  const type = b[0]!;
  // The capture layer frames PDUs by the header's 17-bit length.
  const body = b.subarray(4, 4 + (((b[1]! & 1) << 16) | b.readUInt16BE(2)));
  const nodes: FieldNode[] = [];
  const f = new Fields(new Cursor(Buffer.alloc(0)), nodes);
  dissectNbss(type, body, f);
  return { nodes, summary: nbssSummary(type, body) };
}

test("every NBSS frame: fields and Info equal tshark's", () => {
  assert.ok(CASES.length >= 30);
  for (const c of CASES) {
    const { nodes, summary } = run(c);
    const where = `${c.src} frame ${c.frame}`;
    assert.equal(summary, c.info, where);
    assert.equal(nodes.length, 1, where);
    assert.equal(nodes[0]!.name, "nbss");
    assert.deepEqual(flat(nodes[0]!.children!), c.fields, where);
  }
});

test("truncated names are flagged malformed, not thrown", () => {
  const bad = CASES.filter((c) => c.info.includes("[Malformed Packet]"));
  assert.ok(bad.length >= 3);
  for (const c of bad) {
    const { nodes } = run(c);
    assert.ok(nodes[0]!.flags! & FieldFlag.Malformed, `${c.src} frame ${c.frame}`);
    assert.ok(nodes[0]!.children!.some((n) => n.name === "_ws.malformed"));
  }
  // Retarget and negative responses cut short.
  for (const [t, body] of [
    [0x84, "0a00"],
    [0x83, ""],
  ] as const) {
    const nodes: FieldNode[] = [];
    dissectNbss(t, Buffer.from(body, "hex"), new Fields(new Cursor(Buffer.alloc(0)), nodes));
    assert.ok(nodes[0]!.flags! & FieldFlag.Malformed);
    assert.match(nbssSummary(t, Buffer.from(body, "hex")), /\[Malformed Packet\]$/);
  }
});

test("first-level decoding, scope and the extend flag", () => {
  const n = decodeNetbiosName(
    Buffer.from("2045424341434143414341434143414341434143414341434143414341434143410341424300", "hex"),
    0,
  );
  assert.deepEqual(n, { text: "A<20>.ABC", type: 0x20, size: 38 });
  // Light mode builds nothing.
  const nodes: FieldNode[] = [];
  dissectNbss(0x85, Buffer.alloc(0), new Fields(new Cursor(Buffer.alloc(0)), nodes, true));
  assert.equal(nodes.length, 0);
  // A body over 64 KiB sets the extend bit.
  const big: FieldNode[] = [];
  dissectNbss(0x82, Buffer.alloc(0x10001), new Fields(new Cursor(Buffer.alloc(0)), big));
  const flags = big[0]!.children!.find((x) => x.name === "nbss.flags")!;
  assert.equal(flags.children![0]!.label, ".... ...1 = Extend: Add 65536 to length");
  assert.equal(nbssSummary(0x86, Buffer.alloc(0)), "Unknown NBSS message type 0x86");
});
