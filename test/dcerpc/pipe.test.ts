import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { dcerpcObserver, takeDcerpcTrees } from "../../src/dcerpc/pipe.js";
import { type FieldNode, find, walk } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import { FIXTURES } from "../smb2/info-fixtures.js";
import { missing, pairs, run } from "../smb2/info-harness.js";

/** A capture of the corpus, opened. */
const corpus = (rel: string) => openTrace(join(import.meta.dirname, "../fixtures/corpus", rel));

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
  assert.equal(find(req, "dcerpc.opnum")?.label, "Opnum: 64 (Connect5)");
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

test("DCE/RPC in SMB2 WRITE requests and READ responses on a named pipe, as tshark shows it", async () => {
  const t = await corpus("OISF__suricata-verify/tests/dcerpc-smb-test-01/input.pcap");
  try {
    // Frame 16: Write Request on \svcctl carrying a Bind; frame 19: Read Response with its Bind_ack.
    const bind = t.tree(16).filter((n) => n.name === "dcerpc");
    assert.equal(bind.length, 1);
    assert.equal(find(bind, "dcerpc.pkt_type")?.show, "11");
    assert.equal(find(bind, "dcerpc.cn_num_ctx_items")?.show, "2");
    assert.equal(find(bind, "dcerpc.cn_bind_to_uuid")?.show, "367abb81-9844-35f1-ad32-98f038001003");
    const ack = t.tree(19).filter((n) => n.name === "dcerpc");
    assert.equal(find(ack, "dcerpc.pkt_type")?.show, "12");
    assert.equal(find(ack, "dcerpc.cn_max_xmit")?.show, "4280");
    assert.equal(find(ack, "dcerpc.cn_sec_addr")?.show, "\\pipe\\ntsvcs");
    // The SMB2 part and the Info column are unchanged (tshark's column with DCE/RPC disabled).
    assert.equal(t.packets.at(t.indexOf(18))!.summary, "Read Request Len:1024 Off:0 File: svcctl");
    // Pipe data that is not DCE/RPC (PsExec's own messages on \\PSEXESVC) is left alone, as in tshark.
    const disk = [...t.packets].find(
      (p) => p.summary.startsWith("Write Request") && p.summary.includes("PSEXESVC"),
    );
    if (disk) assert.equal(t.tree(disk.no).filter((n) => n.name === "dcerpc").length, 0);
  } finally {
    t.close();
  }
});

test("bind time feature negotiation, in a bind's transfer syntax and its ack's result, as tshark shows it", async () => {
  const t = await corpus("OISF__suricata-verify/tests/dcerpc-smb-test-01/input.pcap");
  try {
    for (const no of [134, 137]) {
      const rpc = t.tree(no).filter((n) => n.name === "dcerpc");
      const f = find(rpc, "dcerpc.cn_bind_trans_btfn")!;
      assert.equal(f.show, "0x0003");
      assert.equal(
        f.label,
        "Bind Time Features: 0x0003, Security Context Multiplexing Supported, Keep Connection On Orphan Supported",
      );
      assert.deepEqual(
        f.children!.map((c) => `${c.name}=${c.show}`),
        ["dcerpc.cn_bind_trans_btfn.01=1", "dcerpc.cn_bind_trans_btfn.02=1"],
      );
    }
    // The ack's result 3 carries the features in place of a reason.
    assert.equal(find(t.tree(137), "dcerpc.cn_ack_reason"), undefined);
  } finally {
    t.close();
  }
});

test("an IOCTL pipe transceive response uses its request's handle for the bindings (opnum names)", async () => {
  // Spotlight (mdssvc) calls whose responses carry another FileId than their requests.
  const t = await corpus("OISF__suricata-verify/tests/smb-length-5770/input.pcap");
  try {
    const req = t.tree(402).filter((n) => n.name === "dcerpc");
    assert.equal(find(req, "dcerpc.opnum")?.label, "Opnum: 0 (open)");
    const resp = t.tree(412).filter((n) => n.name === "dcerpc");
    assert.equal(find(resp, "dcerpc.request_in")?.show, "402");
    assert.equal(find(resp, "dcerpc.cn_ctx_id.no_bind"), undefined);
    assert.ok(find(resp, "dcerpc.payload_stub_data"));
  } finally {
    t.close();
  }
});

test("authenticated DCE/RPC: NTLMSSP in the bind, verifiers on calls, the request's verification trailer", async () => {
  // samr calls with NTLMSSP packet integrity (RPC_C_AUTHN_WINNT) over SMB2.
  const t = await corpus("zeek__zeek/testing/btest/Traces/dce-rpc/20-fids.pcap");
  try {
    const rpc = (no: number) => t.tree(no).filter((n) => n.name === "dcerpc");
    // Frame 24: the bind carries an NTLMSSP_NEGOTIATE.
    assert.equal(find(rpc(24), "ntlmssp.messagetype")?.show, "0x00000001");
    assert.equal(find(rpc(24), "ntlmssp.negotiateflags")?.show, "0x62088215");
    // Frame 34: a response's NTLMSSP verifier (MS-NLMP 2.2.2.9.1).
    const verf = find(rpc(34), "ntlmssp.verf")!;
    assert.equal(verf.label, "NTLMSSP Verifier");
    assert.deepEqual(
      verf.children!.map((c) => `${c.name}=${c.show}`),
      ["ntlmssp.verf.vers=1", "ntlmssp.verf.body=b6:32:e6:78:07:bc:af:ca:00:00:00:00"],
    );
    // Frame 32: samr Connect5 with a verification trailer (bitmask, then the presentation context)
    // between its stub and the auth padding.
    const r32 = rpc(32);
    assert.equal(find(r32, "dcerpc.rpc_sec_vt.signature")?.show, "8a:e3:13:71:02:f4:36:71");
    assert.equal(find(r32, "dcerpc.payload_stub_data")?.label, "Payload stub data (60 bytes)");
    const cmds: string[] = [];
    walk(r32, (n) => {
      if (n.name === "dcerpc.rpc_sec_vt.command") cmds.push(n.label);
      return true;
    });
    assert.deepEqual(cmds, [
      "Command: 0x0001, Cmd: BITMASK_1",
      "Command: 0x4002, Cmd: PCONTEXT, SEC_VT_COMMAND_END",
    ]);
    assert.equal(find(r32, "dcerpc.rpc_sec_vt.pcontext.interface.uuid")?.label, "Abstract Syntax: SAMR");
    // The auth padding follows the stub: in the samr tree decoded from it, as in Wireshark.
    const samr = t.tree(32).filter((n) => n.name === "samr");
    assert.equal(find(samr, "dcerpc.auth_padding")?.show, "00:00:00:00:00:00:00:00");
  } finally {
    t.close();
  }
});

test("a fault response: flags, status by name and the reserved bytes, as tshark shows them", async () => {
  // impacket calls an opnum srvsvc lacks (test/fixtures/smb2/dcerpc-fault.scenario.json).
  const t = await openTrace(join(import.meta.dirname, "../fixtures/smb2/dcerpc-fault.pcap"));
  try {
    const rpc = t.tree(40).filter((n) => n.name === "dcerpc");
    assert.equal(find(rpc, "dcerpc.pkt_type")?.show, "3");
    assert.equal(find(rpc, "dcerpc.cn_fault_flags.extended_error")?.show, "0");
    const st = find(rpc, "dcerpc.cn_status")!;
    assert.equal(st.label, "Status: nca_op_rng_error (0x1c010002)");
    assert.equal(st.children?.[0]?.label, "Fault: nca_op_rng_error");
    assert.equal(find(rpc, "dcerpc.reserved")?.show, "00:00:00:00");
    assert.equal(find(rpc, "dcerpc.request_in")?.show, "37");
  } finally {
    t.close();
  }
});

test("a DCE/RPC fragment read in several SMB2 READs is joined in the last, as tshark's second pass", async () => {
  const { readFileSync } = await import("node:fs");
  const { missingFields } = await import("../smb1/tshark-expect.js");
  // impacket reading srvsvc 1 KB at a time (test/fixtures/smb2/dcerpc-smallreads.scenario.json):
  // the first response fragment (4280 bytes) in READs 28-36, the last (1496) in 38 and 40.
  const t = await openTrace(join(import.meta.dirname, "../fixtures/smb2/dcerpc-smallreads.pcap"));
  try {
    // Every smb2 and dcerpc field tshark 4.0.17 shows in these frames (tshark-smallreads.json).
    const want = JSON.parse(
      readFileSync(join(import.meta.dirname, "tshark-smallreads.json"), "utf8"),
    ) as Record<string, [string, string][]>;
    assert.deepEqual(
      Object.entries(want).flatMap(([no, fields]) =>
        missingFields(Number(no), t.tree(Number(no)), fields, ["smb2", "dcerpc"]),
      ),
      [],
    );
    // A piece names the READ its fragment is joined in; it shows no DCE/RPC of its own.
    assert.equal(find(t.tree(28), "smb2.pipe.reassembled_in")?.show, "36");
    assert.equal(t.tree(30).filter((n) => n.name === "dcerpc").length, 0);
    // The joined fragment: its pieces, and its fields' bytes in a source of their own.
    const tree = t.tree(36);
    assert.equal(
      find(tree, "smb2.pipe.fragments")?.label,
      "5 Reassembled SMB2 Named Pipe fragments (4280 bytes): #28(1024), #30(1024), #32(1024), #34(1024), #36(184)",
    );
    const rpc = tree.filter((n) => n.name === "dcerpc");
    assert.equal(find(rpc, "dcerpc.cn_frag_len")?.show, "4280");
    assert.equal(find(rpc, "dcerpc.reassembled_in")?.show, "40");
    assert.equal(t.byteSources!(36)[rpc[0]!.src!]?.label, "Reassembled SMB2 Named Pipe");
    // The request names the READ where its response's first fragment is whole.
    assert.equal(find(t.tree(25), "dcerpc.response_in")?.show, "36");
  } finally {
    t.close();
  }
});

test("a DCE/RPC fragment written in several SMB2 WRITEs is joined in the last, as tshark's second pass", async () => {
  const { pdmlFields } = await import("../../tools/oracle/pdml.js");
  const { missingFields } = await import("../smb1/tshark-expect.js");
  // impacket writing srvsvc 40 bytes at a time (test/fixtures/smb2/dcerpc-smallwrites.scenario.json):
  // the bind in WRITEs 17 and 20, NetShareEnumAll in 27 and 29, NetShareGetInfo in 33 and 35.
  const path = join(import.meta.dirname, "../fixtures/smb2/dcerpc-smallwrites.pcap");
  const tshark = await pdmlFields(path, ["smb2"]);
  const t = await openTrace(path);
  try {
    const protos = ["smb2", "dcerpc", "srvsvc"];
    const shown = (no: number) =>
      (tshark.get(no) ?? [])
        .filter((x) => !x.hidden && protos.includes(x.name.split(".")[0]!))
        .map((x) => [x.name, x.show] as const);
    assert.deepEqual(
      [17, 20, 27, 29, 33, 35].flatMap((no) => missingFields(no, t.tree(no), shown(no), protos)),
      [],
    );
    assert.equal(find(t.tree(27), "smb2.pipe.reassembled_in")?.show, "29");
    assert.equal(t.tree(27).filter((n) => n.name === "dcerpc").length, 0);
    const tree = t.tree(29);
    assert.equal(
      find(tree, "smb2.pipe.fragments")?.label,
      "2 Reassembled SMB2 Named Pipe fragments (76 bytes): #27(40), #29(36)",
    );
    assert.equal(find(tree, "srvsvc.opnum")?.show, "15");
    assert.match(t.packets.at(t.indexOf(29))!.summary, / \| NetShareEnumAll request$/);
  } finally {
    t.close();
  }
});
