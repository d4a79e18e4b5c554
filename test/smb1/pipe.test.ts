/**
 * DCE/RPC over SMB1 named pipes, as tshark 4.0.17 shows it (test/smb1/tshark-pipe.json: its Info
 * column with DCE/RPC disabled, and every visible smb_pipe and dcerpc field of chosen frames, two
 * passes):
 * - dcerpc-pipe.pcap: impacket's srvsvc NetShareEnumAll and NetShareGetInfo through Write AndX and
 *   Read AndX on \srvsvc, against smbd with a 2.7 KB share comment, so each response comes in two
 *   DCE/RPC fragments (harness scenario dcerpc-pipe.scenario.json, script
 *   tools/scenarios/impacket/smb1pipe.py);
 * - the corpus capture mapi.pcap: a Windows client's lsarpc calls through TRANSACTION
 *   TransactNmPipe, with the SMB Pipe Protocol (function, FID) in the setup words;
 * - dcerpc-transact.pcap: the same srvsvc calls through TransactNmPipe from a client whose buffer
 *   is 4 KB (dcerpc-transact.scenario.json), so each transaction reply comes in two messages and
 *   each DCE/RPC response in two fragments (the second by Read AndX). Its Infos and smb/smb_pipe
 *   fields are tshark's second pass, its Infos the first pass's (as the corpus's). tshark shows no DCE/RPC in the reply's first piece: its pipe
 *   reassembly runs on into the Read AndX and calls the joined fragment too long. We show the first
 *   fragment there, from the joined reply, and the last in the Read AndX.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { buildOps } from "../../src/diff/ops.js";
import { find } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import { DIR, loadExpect, tsharkDiffs } from "./tshark-expect.js";

const EXPECT = loadExpect("tshark-pipe.json");
const PIPE = "dcerpc-pipe.pcap";
const MAPI = "../corpus/zeek__zeek/testing/btest/Traces/dce-rpc/mapi.pcap";
const PROTOS = ["smb_pipe", "dcerpc"];
const TRANSACT = "dcerpc-transact.pcap";

test("DCE/RPC in Write AndX requests and Read AndX responses on an SMB1 pipe, fragments tied as tshark's", async () => {
  assert.deepEqual(await tsharkDiffs(PIPE, EXPECT[PIPE]!, { protos: PROTOS, noExtra: true }), []);
  const t = await openTrace(join(DIR, PIPE));
  try {
    // The first fragment of a response names the last, where the whole stub is shown.
    const first = t.tree(27).filter((n) => n.name === "dcerpc");
    assert.equal(find(first, "dcerpc.reassembled_in")?.show, "29");
    assert.equal(find(first, "dcerpc.payload_stub_data"), undefined);
    assert.equal(find(t.tree(23), "dcerpc.response_in")?.show, "27");
    assert.match(find(t.tree(23), "dcerpc.opnum")!.label, /^Opnum: 15 \(NetShareEnumAll\)$/);
    // The smb tree is as before: the pipe's data is not file data.
    assert.equal(find(t.tree(23), "smb.file_data"), undefined);
  } finally {
    t.close();
  }
});

test("TRANSACTION on \\PIPE\\: the SMB Pipe Protocol and the DCE/RPC PDU after the smb tree", async () => {
  assert.deepEqual(await tsharkDiffs(MAPI, EXPECT[MAPI]!, { protos: PROTOS, noExtra: true }), []);
  const t = await openTrace(join(DIR, MAPI));
  try {
    const names = t.tree(426).map((n) => n.name);
    assert.deepEqual(names.slice(names.indexOf("smb")), ["smb", "smb_pipe", "dcerpc", "lsarpc"]);
    const pipe = t.tree(426).find((n) => n.name === "smb_pipe")!;
    assert.equal(pipe.children![0]!.label, "Function: TransactNmPipe (0x0026)");
    assert.equal(find([pipe], "smb.fid")?.label, "FID: 0xc00f (\\lsarpc)");
    // The response repeats the request's function and FID, generated.
    const rpipe = t.tree(427).find((n) => n.name === "smb_pipe")!;
    assert.equal(rpipe.children![0]!.show, "0x0026");
  } finally {
    t.close();
  }
});

test("a pipe transaction reply in two messages is joined: segments, and the DCE/RPC fragment it carries", async () => {
  assert.deepEqual(
    await tsharkDiffs(TRANSACT, EXPECT[TRANSACT]!, {
      protos: ["smb", "smb_pipe"],
      noExtra: true,
      // tshark's Info puts the first fragment's line in the Read AndX (see above).
      infoFrames: [22, 26, 28, 32],
    }),
    [],
  );
  const t = await openTrace(join(DIR, TRANSACT));
  try {
    // Each fragment's line is in the message that carries it; the call's name in the last one's.
    const summary = (no: number) => t.packets.at(t.indexOf(no))!.summary;
    assert.equal(
      summary(22),
      "TransactNmPipe Response, FID: 0xa9f4 | Response: call_id: 1, Fragment: 1st, Ctx: 0",
    );
    assert.equal(summary(26), "Read AndX Response, FID: 0xa9f4, 1496 bytes | NetShareEnumAll response");
    const tree = t.tree(22);
    assert.equal(
      find(tree, "smb.segment.segments")?.label,
      "2 SMB Segments (4280 bytes): #22(3724), #23(556)",
    );
    const rpc = tree.filter((n) => n.name === "dcerpc");
    assert.equal(rpc.length, 1);
    assert.equal(find(rpc, "dcerpc.cn_frag_len")?.show, "4280");
    assert.equal(find(rpc, "dcerpc.request_in")?.show, "20");
    assert.equal(find(rpc, "dcerpc.reassembled_in")?.show, "26");
    // Its offsets are into the joined bytes, a byte source of the packet.
    assert.equal(t.byteSources!(22)[rpc[0]!.src!]?.label, "Reassembled SMB");
    // The last fragment, read by Read AndX, shows the stub.
    assert.ok(find(t.tree(26), "dcerpc.payload_stub_data"));
    // The second piece belongs to the call in a diff: not an operation of its own.
    const ops = buildOps(t);
    assert.equal(ops.filter((o) => o.kind === "orphan-response").length, 0);
    const call = ops.find((o) => o.req && t.packets.at(o.req.pkt)!.no === 20)!;
    assert.deepEqual(
      call.more?.map((r) => t.packets.at(r.pkt)!.no),
      [23],
    );
  } finally {
    t.close();
  }
});

test("a fragment answered STATUS_BUFFER_OVERFLOW, then read with Read AndX, is joined in the Read AndX", async () => {
  // A Windows client's winreg calls through TransactNmPipe (frames 1292 and 1294 of the corpus
  // capture filecontainer-smb.pcap): the reply holds 1024 of the fragment's 1164 bytes.
  const t = await openTrace(
    join(DIR, "../corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap"),
  );
  try {
    const first = t.tree(1292);
    assert.equal(find(first, "smb_pipe.reassembled_in")?.show, "1294");
    assert.equal(first.filter((n) => n.name === "dcerpc").length, 0);
    const last = t.tree(1294);
    assert.equal(
      find(last, "smb_pipe.fragments")?.label,
      "2 Fragments (1164 bytes): #1292(1024), #1294(140)",
    );
    assert.equal(find(last, "smb_pipe.reassembled.length")?.show, "1164");
    const rpc = last.filter((n) => n.name === "dcerpc");
    assert.equal(find(rpc, "dcerpc.cn_frag_len")?.show, "1164");
    assert.equal(t.byteSources!(1294)[rpc[0]!.src!]?.label, "Reassembled SMB Pipe");
  } finally {
    t.close();
  }
});
