/** The Fields builder's light mode: what a light pass skips must still move and fail as a full one does. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Cursor, ShortRead } from "../../src/dissect/cursor.js";
import { Fields, lowestBit } from "../../src/dissect/fields.js";
import type { FieldNode } from "../../src/dissect/tree.js";

test("opaque: a node in a tree, only a move in a light pass; too few bytes fail both ways", () => {
  const buf = Buffer.from("00112233445566778899", "hex");
  const nodes: FieldNode[] = [];
  const full = new Fields(new Cursor(buf), nodes);
  full.opaque("smb2.reserved", "Reserved", 4);
  assert.equal(full.c.pos, 4);
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0]!.name, "smb2.reserved");
  assert.equal(nodes[0]!.show, "00:11:22:33");
  const light = new Fields(new Cursor(buf), [], true);
  light.opaque("smb2.reserved", "Reserved", 4);
  assert.equal(light.c.pos, 4);
  assert.equal(light.uint("x", "X", 1), 0x44);
  for (const f of [new Fields(new Cursor(buf), []), new Fields(new Cursor(buf), [], true)]) {
    assert.throws(() => f.opaque("smb2.reserved", "Reserved", 11), ShortRead);
    assert.throws(() => f.opaque("smb2.reserved", "Reserved", -1), ShortRead);
    assert.equal(f.c.pos, 0);
  }
});

test("lowestBit: the lowest set bit of masks up to 64 bits (as the loop of divisions it replaced)", () => {
  const slow = (mask: number) => {
    let b = 1;
    while (b <= mask && Math.floor(mask / b) % 2 === 0) b *= 2;
    return b;
  };
  const masks = [
    0,
    1,
    2,
    3,
    0x30,
    0x80,
    0xff00,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0xfffffffe,
    2 ** 32,
    2 ** 40 + 2 ** 35,
  ];
  for (let i = 0; i < 52; i++) masks.push(2 ** i, 2 ** i * 3, 2 ** (i + 1) - 1);
  for (const m of masks) assert.equal(lowestBit(m), slow(m), `mask ${m.toString(16)}`);
});

test("bitmask: texts cached per value are the same as built afresh, per label, size and value", () => {
  const bits = [
    { name: "x.read", label: "Read", mask: 0x1 },
    { name: "x.mode", label: "Mode", mask: 0x30, vals: { 1: "one", 2: "two" }, short: "Mode" },
    { name: "x.hi", label: "High", mask: 0x80000000, t: "Set", f: "Clear" },
  ];
  const fresh = (v: number, size: 1 | 2 | 4, at: number) =>
    bits.map((b) => {
      const fv = Math.floor(((v & b.mask) >>> 0) / lowestBit(b.mask));
      return { name: b.name, show: String(fv), value: fv, offset: at, length: size };
    });
  const seen: FieldNode[] = [];
  for (let round = 0; round < 3; round++)
    for (const [label, v, size] of [
      ["Flags", 0x11, 4],
      ["Other Flags", 0x11, 4],
      ["Flags", 0x80000021, 4],
      ["Flags", 0x11, 2],
      ["Flags", 0, 1],
    ] as const) {
      const at = round * 100 + (v % 7);
      const n = Fields.bitmaskNode("x.flags", label, v, size, at, bits);
      const want = fresh(v, size, at);
      assert.ok(n.label.startsWith(`${label}: 0x`), n.label);
      assert.equal(n.show, `0x${v.toString(16).padStart(size * 2, "0")}`);
      assert.equal(n.offset, at);
      assert.deepEqual(
        n.children!.map((c) => ({
          name: c.name,
          show: c.show,
          value: c.value,
          offset: c.offset,
          length: c.length,
        })),
        want,
      );
      for (const s of seen)
        assert.notEqual(s.children, n.children, "children are never shared between trees");
      seen.push(n);
    }
  const mode = (v: number) => Fields.bitmaskNode("x.flags", "Flags", v, 1, 0, bits).children![1]!.label;
  assert.equal(mode(0x10), "..01 .... = Mode: one (1)");
  assert.equal(mode(0x20), "..10 .... = Mode: two (2)");
  assert.equal(Fields.bitmaskNode("x.flags", "Flags", 0x11, 1, 0, bits).label, "Flags: 0x11, Read, Mode");
  assert.equal(Fields.bitmaskNode("x.flags", "Other", 0x11, 1, 0, bits).label, "Other: 0x11, Read, Mode");
  const read = (size: 1 | 2) =>
    Fields.bitmaskNode("x.flags", "Flags", 0x11, size, 0, bits).children![0]!.label;
  assert.equal(read(1), ".... ...1 = Read: True");
  assert.equal(read(2), ".... .... .... ...1 = Read: True");
});
