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
