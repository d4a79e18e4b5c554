/**
 * Per-run ids that only the detail trees carry (lease keys, create GUIDs, client GUIDs) and async
 * ids: paired A↔B in order of first appearance within aligned operations, whatever order rows are
 * diffed in; an id used where the other side used another one is a difference naming both.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffTraces } from "../../src/diff/align.js";
import { canonicalId, IdentityMap } from "../../src/diff/identity.js";
import { MsgFlag } from "../../src/trace/types.js";
import { fakeTrace, guidText, leaf, modified, type OpSpec, opTrace } from "./fake.js";

const NEGOTIATE = 0;
const CREATE = 5;
const CLOSE = 6;
const CANCEL = 12;
const NOTIFY = 15;
const BREAK = 18;

const key = (n: number) => guidText(n.toString(16).padStart(32, "0"));
const leaseCreate = (path: string, k: number, fileId: string): OpSpec => ({
  cmd: CREATE,
  path,
  fileId,
  reqBody: [leaf("smb2.lease.lease_key", key(k))],
  respBody: [leaf("smb2.lease.lease_key", key(k))],
});
const leaseAck = (k: number, fileId: string): OpSpec => ({
  cmd: BREAK,
  fileId,
  reqBody: [leaf("smb2.lease.lease_key", key(k))],
  respBody: [leaf("smb2.lease.lease_key", key(k))],
});

describe("tree-only ids are bound in row order, lazily", () => {
  // A leases foo with key 1 and bar with key 2; B with keys 0x11 and 0x12. B acknowledges a break
  // with bar's key where A used foo's.
  const a = [
    leaseCreate("foo.txt", 1, "0a".repeat(16)),
    leaseCreate("bar.txt", 2, "0b".repeat(16)),
    leaseAck(1, "0a".repeat(16)),
  ];
  const b = [
    leaseCreate("foo.txt", 0x11, "1a".repeat(16)),
    leaseCreate("bar.txt", 0x12, "1b".repeat(16)),
    leaseAck(0x12, "1a".repeat(16)),
  ];

  it("lease keys: the wrong key is a difference naming both files, even when that row is diffed first", () => {
    const r = diffTraces(opTrace("A", a), opTrace("B", b));
    // Not deep: nothing is bound yet. Diffing the last row first must not pair key 1 with 0x12.
    const m = modified(r, 2);
    assert.ok(m.length >= 1, "the acknowledgment differs");
    for (const x of m)
      assert.match(x, /^smb2\.lease\.lease_key: <lease of foo\.txt> \(.*\) → <lease of bar\.txt> \(.*\)$/);
    assert.deepEqual(modified(r, 0), [], "foo's create: keys 1 and 0x11 are paired");
    assert.deepEqual(modified(r, 1), [], "bar's create: keys 2 and 0x12 are paired");
    assert.equal(r.idmap!.size("lease"), 2);
  });

  it("the same result in deep mode (rows diffed in order)", () => {
    const r = diffTraces(opTrace("A", a), opTrace("B", b), { deep: true });
    assert.deepEqual(
      r.rows.map((x) => x.kind),
      ["same", "same", "differ"],
    );
    assert.equal(r.firstDivergence, 2);
  });

  it("create GUIDs: a durable reopen with another open's GUID", () => {
    const g = (n: number) => [leaf("smb2.dh2x.create_guid", key(n))];
    const ops = (g1: number, g2: number, again: number, fid: string): OpSpec[] => [
      { cmd: CREATE, path: "one.txt", fileId: `${fid}1`.padEnd(32, "0"), reqBody: g(g1) },
      { cmd: CREATE, path: "two.txt", fileId: `${fid}2`.padEnd(32, "0"), reqBody: g(g2) },
      { cmd: CLOSE, fileId: `${fid}1`.padEnd(32, "0") },
      { cmd: CREATE, path: "one.txt", fileId: `${fid}3`.padEnd(32, "0"), reqBody: g(again) },
    ];
    const r = diffTraces(opTrace("A", ops(1, 2, 1, "a")), opTrace("B", ops(0x21, 0x22, 0x22, "b")));
    const m = modified(r, 3);
    assert.equal(m.length, 1, m.join("\n"));
    assert.match(
      m[0]!,
      /^smb2\.dh2x\.create_guid: <create guid of one\.txt> \(.*\) → <create guid of two\.txt> \(.*\)$/,
    );
    assert.deepEqual(modified(r, 0), []);
    assert.deepEqual(modified(r, 1), []);
  });

  it("client GUIDs: a second connection of the same client must reuse its GUID", () => {
    const neg = (g: number, conn: number): OpSpec => ({
      cmd: NEGOTIATE,
      conn,
      time: 1000 + conn,
      reqBody: [leaf("smb2.client_guid", key(g))],
    });
    const r = diffTraces(opTrace("A", [neg(7, 0), neg(7, 1)]), opTrace("B", [neg(0x37, 0), neg(0x38, 1)]));
    // Diff the second connection first: the first connection's NEGOTIATE still binds first.
    const i2 = r.rows.findIndex((x) => x.a?.conn === 1);
    const i1 = r.rows.findIndex((x) => x.a?.conn === 0);
    const m = modified(r, i2);
    assert.equal(m.length, 1, m.join("\n"));
    assert.match(m[0]!, /^smb2\.client_guid: <client guid #1> \(.*\) → <client guid #2> \(.*\)$/);
    assert.deepEqual(modified(r, i1), []);
  });
});

describe("async ids", () => {
  // Two pending NOTIFYs (dir1, dir2) go async; B cancels dir2's where A cancels dir1's.
  const trace = (name: string, ids: [string, string], cancel: string) =>
    fakeTrace(name, [
      { messages: [{ cmd: NOTIFY, msgId: "1", path: "dir1" }] },
      {
        messages: [
          {
            cmd: NOTIFY,
            msgId: "1",
            isResponse: true,
            status: 0x103,
            asyncId: ids[0],
            flags: MsgFlag.Async,
            path: "dir1",
          },
        ],
      },
      { messages: [{ cmd: NOTIFY, msgId: "2", path: "dir2" }] },
      {
        messages: [
          {
            cmd: NOTIFY,
            msgId: "2",
            isResponse: true,
            status: 0x103,
            asyncId: ids[1],
            flags: MsgFlag.Async,
            path: "dir2",
          },
        ],
      },
      { messages: [{ cmd: CANCEL, msgId: "3", asyncId: cancel, flags: MsgFlag.Async }] },
    ]);

  it("a cancel of the other async op is a difference naming both operations", () => {
    const r = diffTraces(trace("A", ["a1", "a2"], "a1"), trace("B", ["b1", "b2"], "b2"));
    const cancel = r.rows.findIndex((x) => x.a?.cmd === CANCEL);
    assert.ok(cancel >= 0 && r.rows[cancel]!.b?.cmd === CANCEL, "the cancels are aligned");
    const m = modified(r, cancel);
    assert.ok(m.length >= 1, "the cancel differs");
    for (const x of m)
      assert.match(x, /^smb2\.async_id: <async op of dir1> \(.*\) → <async op of dir2> \(.*\)$/);
    assert.equal(r.idmap!.size("async"), 2);
  });

  it("the right async id maps", () => {
    const r = diffTraces(trace("A", ["a1", "a2"], "a2"), trace("B", ["b1", "b2"], "b2"), { deep: true });
    assert.equal(r.firstDivergence, -1);
  });
});

describe("canonical ids", () => {
  it("an SMB1 FID is one id as a tree number and as MessageInfo's 4 hex digits", () => {
    for (const fid of [0x1, 0x188, 0xabc, 0xf188])
      assert.equal(canonicalId("fid", fid), canonicalId("fid", fid.toString(16).padStart(4, "0")));
    assert.equal(canonicalId("session", 0x188), canonicalId("session", "0000000000000188"));
    const m = new IdentityMap();
    assert.ok(m.bind("fid", "0188", "f188"));
    assert.equal(m.compare("fid", 0x188, 0xf188), "mapped");
    assert.equal(m.compare("fid", 0x188, 0x7294), "mismatch");
  });
});
