import assert from "node:assert/strict";
import { test } from "node:test";
import { dcerpcObserver, takeDcerpcTrees } from "../../src/dcerpc/pipe.js";
import { type FieldNode, find } from "../../src/dissect/tree.js";
import { FIXTURES } from "../smb2/info-fixtures.js";
import { missing, pairs, run } from "../smb2/info-harness.js";

function dce(name: string): FieldNode[][] {
  const fx = FIXTURES.find((x) => x.name === name)!;
  const msgs = fx.msgs.map((h) => Buffer.from(h, "hex"));
  const got: FieldNode[][] = [];
  dcerpcObserver.fn = (t) => got.push(t);
  try {
    run(msgs);
  } finally {
    dcerpcObserver.fn = undefined;
  }
  return got;
}

test("DCE/RPC bind_ack over FSCTL_PIPE_TRANSCEIVE matches tshark's dcerpc fields", () => {
  const fx = FIXTURES.find((x) => x.name === "dcerpc bind")!;
  const trees = dce("dcerpc bind");
  assert.equal(trees.length, 2, "bind and bind_ack");
  const miss = missing(fx.expect, pairs(trees[1]!));
  assert.deepEqual(miss, []);
  const bind = trees[0]!;
  assert.match(
    find(bind, "dcerpc.cn_bind_to_uuid")!.label,
    /^Interface: SAMR UUID: 12345778-1234-abcd-ef00-0123456789ac$/,
  );
  assert.equal(find(bind, "dcerpc.cn_ctx_item")!.label, "Ctx Item[1]: Context ID:0, SAMR, 32bit NDR");
});

test("DCE/RPC request/response after a bind: opnum name, request frame, time", () => {
  const fx = FIXTURES.find((x) => x.name === "dcerpc call")!;
  const trees = dce("dcerpc call");
  assert.equal(trees.length, 4);
  const [, , req, rsp] = trees as [FieldNode[], FieldNode[], FieldNode[], FieldNode[]];
  assert.equal(find(req, "dcerpc.opnum")?.label, "Opnum: 64 (samr_Connect5)");
  assert.equal(find(rsp, "dcerpc.request_in")?.show, "4");
  assert.deepEqual(
    missing(fx.expect, pairs(rsp)).filter(
      (k) => !k.startsWith("dcerpc.request_in") && !k.startsWith("dcerpc.time"),
    ),
    [],
  );
});

test("DCE/RPC without the bind: raw stub data with a no-bind note, like tshark", () => {
  const trees = dce("pipe transceive");
  assert.equal(trees.length, 2);
  assert.equal(find(trees[0]!, "dcerpc.opnum")?.show, "16");
  assert.ok(find(trees[0]!, "dcerpc.cn_ctx_id.no_bind"));
  assert.ok(find(trees[0]!, "dcerpc.stub_data"));
});

test("non-DCE/RPC pipe data is ignored and nothing is left queued", () => {
  assert.deepEqual(takeDcerpcTrees({}), []);
});
