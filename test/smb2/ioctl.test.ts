import assert from "node:assert/strict";
import { test } from "node:test";
import { find, findAll } from "../../src/dissect/tree.js";
import { ctlName, ctlSummary } from "../../src/smb2/fsctl/names.js";
import { FIXTURES } from "./info-fixtures.js";
import { fidOf, missing, pairs, run } from "./info-harness.js";

function check(name: string) {
  const fx = FIXTURES.find((x) => x.name === name)!;
  const msgs = fx.msgs.map((h) => Buffer.from(h, "hex"));
  const files: Record<string, string> = {};
  fx.info.forEach((inf, i) => {
    const m = / File: (.*?)(?: \| .*)?$/.exec(inf);
    if (m && !inf.includes(", File:")) files[fidOf(msgs[i]!)] = m[1] ?? "";
  });
  const r = run(msgs, files);
  if (fx.expect[0]![0].startsWith("smb2") || fx.expect.some(([n]) => n.startsWith("smb2."))) {
    const miss = missing(fx.expect, pairs(r.trees.at(-1)!));
    assert.deepEqual(miss, [], `${name}: fields tshark has that we lack`);
  }
  fx.info.forEach((inf, i) => {
    assert.equal(r.infos[i]![0]!.summary.trimEnd(), inf, `${name}: summary ${i}`);
  });
  return r;
}

test("FSCTL_QUERY_NETWORK_INTERFACE_INFO entries match tshark", () => {
  const r = check("network interfaces");
  assert.equal(r.infos[1]![0]!.detail, "FSCTL_QUERY_NETWORK_INTERFACE_INFO");
  assert.equal(findAll(r.trees[1]!, "smb2.ioctl.network_interfaces.index").length, 2);
  assert.equal(find(r.trees[1]!, "smb2.windows.sockaddr.in.addr")?.show, "192.168.56.101");
  assert.equal(find(r.trees[1]!, "smb2.windows.sockaddr.in6.addr")?.show, "fe80::d910:5d09:3608:b08c");
});

test("FSCTL_DFS_GET_REFERRALS request summary and referral list", () => {
  const r = check("dfs referrals");
  assert.equal(find(r.trees[1]!, "smb.dfs.referral.domain_name")?.show, "\\podtronics.org");
});

test("FSCTL_PIPE_TRANSCEIVE: CTL_CODE breakdown and File: summary", () => {
  const r = check("pipe transceive");
  const fn = find(r.trees[0]!, "smb2.ioctl.function")!;
  assert.equal(fn.label, "Function: FSCTL_PIPE_TRANSCEIVE (0x0011c017)");
  assert.deepEqual(
    fn.children!.map((c) => c.label.replace(/^[01. ]+= /, "")),
    [
      "Device: NAMED_PIPE (0x0011)",
      "Access: FILE_READ_WRITE_ACCESS (0x3)",
      "Function: 0x005",
      "Method: METHOD_NEITHER (0x3)",
    ],
  );
});

test("unknown control codes are summarised like tshark and named for alignment", () => {
  assert.equal(ctlSummary(0x00123456), "NETWORK Function:0x0d15");
  assert.equal(ctlSummary(0x00098344), "FILE_SYSTEM Function:0x00d1");
  // A device Wireshark has no name for (smbtorture smb2.ioctl sends these).
  assert.equal(ctlSummary(0x83848013), "Unknown (0x00008384) Function:0x0004");
  assert.equal(ctlSummary(0xffffffff), "Unknown (0x0000FFFF) Function:0x0fff");
  assert.equal(ctlName(0x00098344), "FSCTL_DUPLICATE_EXTENTS_TO_FILE");
  assert.equal(ctlName(0x0011c017), "FSCTL_PIPE_TRANSCEIVE");
});

test("truncated IOCTLs never throw", () => {
  const fx = FIXTURES.find((x) => x.name === "network interfaces")!;
  const req = Buffer.from(fx.msgs[0]!, "hex");
  const rsp = Buffer.from(fx.msgs[1]!, "hex");
  for (let n = 64; n < rsp.length; n += 7) assert.doesNotThrow(() => run([req, rsp.subarray(0, n)]));
  const bad = Buffer.from(rsp);
  bad.writeUInt32LE(0xffffff00, 64 + 32);
  assert.doesNotThrow(() => run([req, bad]));
});

test("random corruption of GetInfo/SetInfo/IOCTL/DCE-RPC messages never throws", () => {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (const fx of FIXTURES) {
    const msgs = fx.msgs.map((h) => Buffer.from(h, "hex"));
    for (let i = 0; i < 40; i++) {
      const bad = msgs.map((b) => {
        const c = Buffer.from(b);
        // Keep the SMB2 header sane so the body dissectors are reached.
        for (let k = 0; k < 6; k++) c[64 + (rnd() % Math.max(1, c.length - 64))] = rnd() & 0xff;
        return c;
      });
      assert.doesNotThrow(() => run(bad), fx.name);
    }
  }
});
