import assert from "node:assert/strict";
import { test } from "node:test";
import { find } from "../../src/dissect/tree.js";
import { infoDetail } from "../../src/smb2/info/classes.js";
import { FIXTURES } from "./info-fixtures.js";
import { fidOf, missing, pairs, run } from "./info-harness.js";

/** Runs a fixture with the file names tshark knew (from its Info column) and checks everything. */
function check(name: string): ReturnType<typeof run> {
  const fx = FIXTURES.find((x) => x.name === name)!;
  const msgs = fx.msgs.map((h) => Buffer.from(h, "hex"));
  const files: Record<string, string> = {};
  fx.info.forEach((inf, i) => {
    const m = / File: ?(.*)$/.exec(inf);
    const fid = fidOf(msgs[i]!);
    if (m && fid && !inf.includes(", File:")) files[fid] = m[1] ?? "";
  });
  const r = run(msgs, files);
  const last = r.trees.at(-1)!;
  const miss = missing(fx.expect, pairs(last)).filter((k) => !k.startsWith("smb2.response_in"));
  assert.deepEqual(miss, [], `${name}: fields tshark has that we lack`);
  fx.info.forEach((inf, i) => {
    const ours = r.infos[i]![0]!.summary;
    // tshark -T fields trims the trailing space of "File: " for an empty name.
    assert.equal(ours.trimEnd(), inf, `${name}: summary of message ${i}`);
    assert.equal(r.lightInfos[i]![0]!.summary, ours, `${name}: light and full summaries agree`);
  });
  return r;
}

test("FileFsVolumeInformation request and response match tshark", () => {
  const r = check("fs volume");
  assert.equal(r.infos[0]![0]!.detail, "FS_INFO/FileFsVolumeInformation");
  assert.equal(r.infos[1]![0]!.detail, "FS_INFO/FileFsVolumeInformation");
  assert.equal(find(r.trees[1]!, "smb.volume.label")?.show, "public");
});

test("FileFsAttributeInformation shows the attribute flags and FS name", () => {
  const r = check("fs attribute");
  assert.match(find(r.trees[1]!, "smb.fs_attr")!.label, /Case Sensitive Search, Case Preserving/);
});

test("FileFsDeviceInformation", () => {
  check("fs device");
});

test("SetInfo disposition with the file name in the summary", () => {
  const r = check("set disposition");
  assert.equal(r.infos[0]![0]!.detail, "FILE_INFO/SMB2_FILE_DISPOSITION_INFO");
  assert.equal(find(r.trees[0]!, "smb2.disposition.delete_on_close")?.show, "1");
});

test("info detail texts follow tshark for unknown classes and levels", () => {
  assert.equal(infoDetail(1, 0x12), "FILE_INFO/SMB2_FILE_ALL_INFO");
  assert.equal(infoDetail(1, 0x3b), "FILE_INFO/(Level:0x3b)");
  assert.equal(infoDetail(3, 0), "SEC_INFO/SMB2_SEC_INFO_00");
  assert.equal(infoDetail(4, 0), "QUOTA_INFO/(Level:0x00)");
  assert.equal(infoDetail(5, 3), "(Class:0x05)/(Level:0x03)");
});

test("truncated GetInfo responses never throw and are flagged", () => {
  const fx = FIXTURES.find((x) => x.name === "fs attribute")!;
  const req = Buffer.from(fx.msgs[0]!, "hex");
  const rsp = Buffer.from(fx.msgs[1]!, "hex");
  for (let n = 64; n < rsp.length; n += 3) {
    const r = run([req, rsp.subarray(0, n)]);
    assert.ok(r.trees[1]!.length > 0);
  }
  // A response whose blob offset points outside the message.
  const bad = Buffer.from(rsp);
  bad.writeUInt16LE(0xfff0, 64 + 2);
  assert.doesNotThrow(() => run([req, bad]));
});

test("errorPrefix shows the request's class and level on an error response", async () => {
  const { Fields } = await import("../../src/dissect/fields.js");
  const { Cursor } = await import("../../src/dissect/cursor.js");
  const { queryInfo } = await import("../../src/smb2/commands/query-info.js");
  const { Smb2State } = await import("../../src/smb2/state.js");
  const nodes: import("../../src/dissect/tree.js").FieldNode[] = [];
  const f = new Fields(new Cursor(Buffer.alloc(9), 0), nodes);
  const m = {
    rec: { frame: 1, time: 0, cmd: 16, infoType: 1, infoClass: 0x12 },
    info: { summary: "" },
    ctx: { state: new Smb2State() },
  } as unknown as Parameters<typeof queryInfo.errorPrefix>[1];
  queryInfo.errorPrefix(f, m);
  assert.deepEqual(
    nodes.map((n) => [n.name, n.show, n.offset]),
    [
      ["smb2.class", "0x01", 0],
      ["smb2.file_info.infolevel", "0x12", 1],
    ],
  );
  assert.equal(f.c.pos, 0, "nothing consumed");
  assert.equal(m.info.detail, "FILE_INFO/SMB2_FILE_ALL_INFO");
});
