import assert from "node:assert/strict";
import { test } from "node:test";
import { newRequest, RequestTable, Smb2State } from "../../src/smb2/state.js";

test("RequestTable: ids counting up, below the first, far ahead, beyond 2^53, per connection", () => {
  const t = new RequestTable();
  const ids: (number | string)[] = [100, 101, 105, 99, 0, 100 + 50_000, 104, "18446744073709551615", 2 ** 40];
  for (const [i, id] of ids.entries()) t.set(1, id, newRequest(i + 1, i, 5));
  for (const [i, id] of ids.entries()) assert.equal(t.get(1, id)?.frame, i + 1, String(id));
  assert.equal(t.size, ids.length);
  assert.equal(t.get(1, 102), undefined);
  assert.equal(t.get(2, 100), undefined);
  // Replacing a record does not count twice; another connection has its own ids.
  t.set(1, 101, newRequest(77, 0, 6));
  assert.equal(t.get(1, 101)?.frame, 77);
  t.set(2, 101, newRequest(88, 0, 6));
  assert.equal(t.get(2, 101)?.frame, 88);
  assert.equal(t.get(1, 101)?.frame, 77);
  assert.equal(t.size, ids.length + 1);
  // An id first kept aside (far ahead) and reached later by the dense run is found and replaced once.
  for (let id = 106; id < 100 + 50_000; id += 1000) t.set(1, id, newRequest(id, 0, 8));
  t.set(1, 100 + 50_000, newRequest(5, 0, 8));
  assert.equal(t.get(1, 100 + 50_000)?.frame, 5);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.get(1, 100), undefined);
});

test("RequestTable in a one-shot pass: answered requests are deleted and the slots stay few", () => {
  const t = new RequestTable();
  t.set(1, 5, newRequest(5, 0, 5)); // never answered
  let late = false;
  for (let id = 6; id < 300_000; id++) {
    if (id >= 9) t.delete(1, id - 3); // answered three requests later
    if (id === 150_000) continue; // sent late, out of order, after the run has moved past it
    t.set(1, id, newRequest(id, 0, 8));
    if (id === 200_000 && !late) {
      t.set(1, 150_000, newRequest(150_000, 0, 9));
      late = true;
    }
  }
  assert.ok(t.slots < 10_000, `${t.slots} slots`);
  // In flight: the last three, the never-answered one, the late one.
  for (const id of [299_997, 299_998, 299_999]) assert.equal(t.get(1, id)?.frame, id);
  assert.equal(t.get(1, 5)?.frame, 5);
  assert.equal(t.get(1, 150_000)?.cmd, 9);
  assert.equal(t.get(1, 299_990), undefined);
  assert.equal(t.size, 5);
  t.delete(1, 150_000);
  t.delete(1, 5);
  assert.equal(t.get(1, 5), undefined);
  assert.equal(t.size, 3);
});

test("Smb2State: a one-shot pass forgets closed handles' names, past the last 32768..65536 opens", () => {
  const name = (i: number) => `f${i}`;
  const hex = (i: number) => i.toString(16).padStart(32, "0");
  for (const oneShot of [true, false]) {
    const s = new Smb2State(oneShot);
    const n = 100_000;
    for (let i = 1; i <= n; i++) {
      s.nameFile(hex(i), name(i));
      // Handle 7 is never closed; 100 handles from 50_000 on stay open for 20_000 opens.
      if (i !== 7 && !(i > 50_000 && i <= 50_100)) s.retireFile(hex(i));
      if (i > 70_000 && i <= 70_100) s.retireFile(hex(i - 20_000));
    }
    // The open handles and the last closes are still named: a use after close lists the same.
    for (const i of [7, 50_050, 70_050, n, n - 1000, n - 32_000])
      assert.equal(s.file(hex(i)), name(i), `${oneShot} ${i}`);
    if (oneShot) {
      assert.ok(s.fileCount <= 2 * 32768 + 1, `${s.fileCount} entries`);
      assert.equal(s.file(hex(1)), undefined);
      assert.equal(s.file(hex(n - 70_000)), undefined);
    } else {
      assert.equal(s.fileCount, n);
      assert.equal(s.file(hex(1)), name(1));
    }
  }
  // Reopening a closed value names it again, and it stays open across generations.
  const s = new Smb2State(true);
  s.nameFile(hex(1), "old");
  s.retireFile(hex(1));
  s.nameFile(hex(1), "new");
  for (let i = 2; i < 100_000; i++) {
    s.nameFile(hex(i), name(i));
    s.retireFile(hex(i));
  }
  assert.equal(s.file(hex(1)), "new");
});

test("Smb2State: a reused FileId value has one lifetime per open, found by frame", () => {
  const s = new Smb2State();
  const h = "00000000000000010000000000000002";
  s.closeHandle(h, 3); // a close before any open seen
  s.openHandle(h, 10);
  s.nameFile(h, "a");
  s.closeHandle(h, 20);
  s.openHandle(h, 30);
  s.nameFile(h, "b");
  s.openHandle(h, 40); // opened again while open: a new lifetime
  s.closeHandle(h, 50);
  const at = (f: number) => {
    const u = s.handleAt(h, f);
    return u && [u.open, u.close];
  };
  assert.deepEqual(at(1), [undefined, 3]);
  assert.deepEqual(at(10), [10, 20]);
  assert.deepEqual(at(15), [10, 20]);
  assert.deepEqual(at(25), [30, undefined]);
  assert.deepEqual(at(45), [40, 50]);
  assert.equal(at(51), undefined);
  assert.equal(s.file(h), "b");
  assert.equal(s.handleAt("0".repeat(32), 1), undefined);
});

test("RequestTable records live in its columns: every field round-trips, unset fields read undefined", () => {
  const t = new RequestTable();
  const r = t.create(7, 1700000000.123456, 16);
  assert.deepEqual(
    [r.frame, r.time, r.cmd, r.responseFrame, r.infoType, r.infoClass, r.ioctl, r.level, r.path, r.fileId],
    [7, 1700000000.123456, 16, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
  );
  assert.equal(r.pattern, undefined);
  assert.equal(r.extra, undefined);
  r.responseFrame = 9;
  r.infoType = 1;
  r.infoClass = 0;
  r.ioctl = 0x9000_0000;
  r.level = 0x25;
  r.path = "dir\\f.txt";
  r.fileId = "ab".repeat(16);
  r.pattern = "*";
  r.extra = { cancelFrame: 8 };
  t.set(3, 42, r);
  // Rows grow past their first allocation; the early record is intact.
  for (let i = 0; i < 10_000; i++) t.set(3, 43 + i, t.create(100 + i, i, 8));
  const g = t.get(3, 42)!;
  assert.deepEqual(
    [g.frame, g.cmd, g.responseFrame, g.infoType, g.infoClass, g.ioctl, g.level, g.path, g.fileId, g.pattern],
    [7, 16, 9, 1, 0, 0x9000_0000, 0x25, "dir\\f.txt", "ab".repeat(16), "*"],
  );
  assert.deepEqual(g.extra, { cancelFrame: 8 });
  assert.equal(t.get(3, 43 + 9_999)?.frame, 100 + 9_999);
  g.infoClass = undefined;
  g.ioctl = undefined;
  g.pattern = undefined;
  assert.deepEqual(
    [t.get(3, 42)!.infoClass, t.get(3, 42)!.ioctl, t.get(3, 42)!.pattern],
    [undefined, undefined, undefined],
  );
  // A plain record (a test's, or a tree pass's) is copied in.
  t.set(4, 1, { ...newRequest(5, 0.5, 6), path: "p", level: 3 });
  assert.deepEqual([t.get(4, 1)!.frame, t.get(4, 1)!.path, t.get(4, 1)!.level], [5, "p", 3]);
});

test("RequestTable without columns (a one-shot pass) keeps the records themselves", () => {
  const t = new RequestTable(false);
  const r = t.create(1, 0.5, 5);
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  r.path = "kept";
  t.set(1, 1, r);
  assert.equal(t.get(1, 1), r);
  t.delete(1, 1);
  assert.equal(t.get(1, 1), undefined);
  assert.equal(r.path, "kept");
  // An index's table hands out views of its rows, which see each other's writes.
  const c = new RequestTable();
  const v = c.create(2, 0, 8);
  c.set(1, 2, v);
  assert.notEqual(Object.getPrototypeOf(v), Object.prototype);
  v.level = 3;
  assert.equal(c.get(1, 2)?.level, 3);
  assert.notEqual(c.get(1, 2), v);
});
