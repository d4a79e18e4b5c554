/**
 * "Frame handle opened/closed" (dcerpc.nt.open_frame / close_frame) as tshark 4.0.17 shows them
 * for the FileIds of smb-length-5770 (a capture with every packet twice and FileIds reused).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Smb2State } from "../../src/smb2/state.js";

const show = (s: Smb2State, hex: string, frame: number) => {
  const u = s.handleAt(hex, frame);
  return `${u?.open ?? "-"}/${u?.close ?? "-"}`;
};

test("a FileId opened twice (duplicate response) then closed twice", () => {
  // 287, 289: Create Response for ...cd; 292-314: reads; 314, 316: Close Request.
  const s = new Smb2State();
  const cd = "cd000000000000001300000000000000";
  s.openHandle(cd, 287);
  s.openHandle(cd, 289);
  s.closeHandle(cd, 314);
  s.closeHandle(cd, 316);
  assert.equal(show(s, cd, 287), "287/-");
  assert.equal(show(s, cd, 289), "287/-");
  assert.equal(show(s, cd, 292), "289/314");
  assert.equal(show(s, cd, 314), "289/314");
  assert.equal(show(s, cd, 316), "-/316");
});

test("the all-ones FileId of related compounds shows the next close, never an open", () => {
  const s = new Smb2State();
  const ff = "ff".repeat(16);
  for (const f of [99, 101, 124, 127, 248, 248]) s.closeHandle(ff, f);
  assert.equal(show(s, ff, 91), "-/99"); // an Ioctl before any close
  assert.equal(show(s, ff, 99), "-/99");
  assert.equal(show(s, ff, 101), "-/101");
  assert.equal(show(s, ff, 123), "-/124"); // a Notify between two compounds
  assert.equal(show(s, ff, 248), "-/248"); // two closing compounds in one frame
  assert.equal(show(s, ff, 300), "-/-");
});

test("the null FileId is not tracked", () => {
  const s = new Smb2State();
  const zero = "00".repeat(16);
  s.openHandle(zero, 5);
  s.closeHandle(zero, 6);
  assert.equal(s.handleAt(zero, 5), undefined);
});

test("fileIdText: the id's hex text, also for ids that share a cache slot", () => {
  const state = new Smb2State(true);
  const b = Buffer.alloc(64);
  const seen = new Map<string, string>();
  // 2000 ids in 256 slots: most share a slot with another, and each is asked twice, at two offsets.
  for (let i = 0; i < 2000; i++) {
    b.writeUInt32LE((i * 2654435761) >>> 0, 4);
    b.writeUInt32LE(i, 12);
    b.writeUInt32LE(i >> 3, 20);
    const hex = b.toString("hex", 4, 20);
    assert.equal(state.fileIdText(b, 4), hex);
    b.copy(b, 40, 4, 20);
    const again = state.fileIdText(b, 40);
    assert.equal(again, hex);
    seen.set(hex, again);
  }
  assert.equal(seen.size, 2000);
});
