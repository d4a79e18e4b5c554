/**
 * SMB1 dissector tests on real PDUs from the corpus (filecontainer-smb.pcap, smb1_osx.pcap), with
 * the names, values and Info text tshark 4.0.17 shows for them (`tshark -2`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type FieldNode, find, findAll } from "../../src/dissect/tree.js";
import { dissectSmb1, Smb1State } from "../../src/smb1/dissect.js";
import type { MessageInfo } from "../../src/trace/types.js";

interface Pdu {
  frame: number;
  hex: string;
  time?: number;
}

// filecontainer-smb.pcap, TCP stream 0: tree connect to IPC$, open \winreg, write, transact.
const WINREG: Pdu[] = [
  {
    frame: 1278,
    hex: "ff534d4275000000001807c80000000000000000000000000000fffe000821f204ff005e00080001003300005c005c003100390032002e003100360038002e00320034002e003100300030005c00490050004300240000003f3f3f3f3f00",
  },
  {
    frame: 1279,
    hex: "ff534d4275000000009807c80000000000000000000000000108fffe000821f207ff0038000100ff010000ff010000070049504300000000",
  },
  {
    frame: 1280,
    hex: "ff534d42a2000000001807c800000000000000000000000001085409000831f218ff00dede000e0016000000000000009f01020000000000000000000000000003000000010000004000000002000000031100005c00770069006e007200650067000000",
  },
  {
    frame: 1281,
    hex: "ff534d42a2000000009807c800000000000000000000000001085409000831f22aff008700000cc001000000000000000000000000000000000000000000000000000000000000000000000080000000001000000000000000000000000000000200ff05000000000000000000000000000000000000000000000000009b0112009b0112000000",
  },
  {
    frame: 1282,
    hex: "ff534d422f000000001807c80000000000000000000000000108fffe000841f20eff00dede0cc000000000ffffffff08004800000048004000000000004900ee05000b03100000004800000001000000b810b81000000000010000000000010001d08cff534d4231aaaa90003800100301000000045d888aeb1cc9119fe808002b10486002000000",
  },
  {
    frame: 1283,
    hex: "ff534d422f000000009807c80000000000000000000000000108fffe000841f206ff002f004800ffff000000000000",
  },
  {
    frame: 1286,
    hex: "ff534d4225000000001807c800000000000000000000000001085409000861f2100000240000000004000000000000000000000000540024005400020026000cc03500005c0050004900500045005c0000000000050000031000000024000000010000000c000000000003000000020058d6010000000002",
  },
  {
    frame: 1288,
    hex: "ff534d4225000000009807c800000000000000000000000001085409000861f20a0000300000000000380000003000380000000000310000050002031000000030000000010000001800000000000000000000000e64926de4fabf48aac7ff534d425c3400000000",
  },
];

const INFO: Record<number, string> = {
  1278: "Tree Connect AndX Request, Path: \\\\192.168.24.100\\IPC$",
  1279: "Tree Connect AndX Response",
  1280: "NT Create AndX Request, Path: \\winreg",
  1281: "NT Create AndX Response, FID: 0xc00c",
  // The bind's interface UUID was altered in this excerpt: tshark names none.
  1282: "Write AndX Request, FID: 0xc00c, 72 bytes at offset 0 | Bind: call_id: 1, Fragment: Single, 1 context items: ff8cd001-4d53-3142-aaaa-900038001003 V1.0 (32bit NDR)",
  1283: "Write AndX Response, FID: 0xc00c, 72 bytes",
  1286: "TransactNmPipe Request, FID: 0xc00c | Request: call_id: 1, Fragment: Single, opnum: 3, Ctx: 0",
  1288: "TransactNmPipe Response, FID: 0xc00c | Response: call_id: 1, Fragment: Single, Ctx: 0",
};

/** Two passes like the trace builder: a light indexing pass, then full trees. */
function run(pdus: Pdu[]): { infos: Map<number, MessageInfo[]>; trees: Map<number, FieldNode[]> } {
  const state = new Smb1State();
  const infos = new Map<number, MessageInfo[]>();
  const trees = new Map<number, FieldNode[]>();
  for (const p of pdus) {
    const i: MessageInfo[] = [];
    const ctx = { state, frame: p.frame, conn: 0, time: p.time ?? p.frame, light: true, first: true };
    dissectSmb1(Buffer.from(p.hex, "hex"), 0, ctx, [], i);
    infos.set(p.frame, i);
  }
  for (const p of pdus) {
    const out: FieldNode[] = [];
    const i: MessageInfo[] = [];
    const ctx = { state, frame: p.frame, conn: 0, time: p.time ?? p.frame, light: false, first: false };
    dissectSmb1(Buffer.from(p.hex, "hex"), 0, ctx, out, i);
    trees.set(p.frame, out);
    assert.equal(
      i.map((x) => x.summary).join("; "),
      infos
        .get(p.frame)!
        .map((x) => x.summary)
        .join("; "),
    );
  }
  return { infos, trees };
}

test("Info summaries match tshark for a pipe open/write/transact sequence", () => {
  const { infos } = run(WINREG);
  for (const [frame, text] of Object.entries(INFO))
    assert.equal(
      infos
        .get(Number(frame))!
        .map((i) => i.summary)
        .join("; "),
      text,
      `frame ${frame}`,
    );
  const create = infos.get(1281)![0]!;
  assert.equal(create.proto, 1);
  assert.equal(create.cmd, 0xa2);
  assert.equal(create.isResponse, true);
  assert.equal(create.fileId, "c00c");
  assert.equal(create.path, "\\winreg");
  assert.equal(create.msgId, String(0xf231));
  assert.equal(create.sesId, "0000000000000800");
  assert.equal(create.tid, 0x0801);
  assert.equal(infos.get(1282)![0]!.path, "\\winreg");
});

test("header, tree mapping and FID tracking fields as tshark shows them", () => {
  const { trees } = run(WINREG);
  const t = trees.get(1282)!;
  assert.equal(t[0]!.name, "smb");
  assert.equal(t[0]!.label, "SMB (Server Message Block Protocol)");
  const tid = find(t, "smb.tid")!;
  assert.equal(tid.label, "Tree ID: 2049  (\\\\192.168.24.100\\IPC$)");
  assert.equal(find(tid.children!, "smb.fid.mapped_in")!.show, "1279");
  assert.equal(
    find(t, "smb.flags2")!.label.startsWith("Flags2: 0xc807, Unicode Strings, Error Code Type"),
    true,
  );
  const fid = find(t, "smb.fid")!;
  assert.equal(fid.label, "FID: 0xc00c (\\winreg)");
  assert.equal(find(fid.children!, "smb.fid.opened_in")!.show, "1281");
  assert.equal(find(fid.children!, "smb.access_mask")!.show, "0x0002019f");
  assert.equal(find(t, "smb.write.mode")!.label, "Write Mode: 0x0008");
  assert.equal(find(t, "smb.file.rw.length")!.show, "72");
  const resp = trees.get(1281)!;
  assert.equal(find(resp, "smb.response_to")!.show, "1280");
  assert.equal(
    find(resp, "smb.ipc_state")!.label.startsWith("IPC State: 0x05ff, Endpoint: Consumer end of pipe"),
    true,
  );
  assert.equal(find(resp, "smb.file_type")!.label, "File Type: Named pipe in message mode (2)");
  assert.equal(findAll(resp, "smb.access_mask").length, 3);
  assert.equal(find(trees.get(1280)!, "smb.response_in")!.show, "1281");
  assert.equal(find(trees.get(1286)!, "smb.trans_name")!.show, "\\PIPE\\");
});

test("negotiate, NTLMSSP session setup and DOS errors (smb1_osx.pcap)", () => {
  const neg =
    "ff534d4272000000000801c8000000000000000000000000ffff0100ffff0000000c00024e54204c4d20302e313200";
  const ss =
    "ff534d4273000000000801c8000000000000000000000000ffff0100000001000cff000000044132000e00507800004a00000000005cc000808100604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d5353500001000000050a0002000000000000000000000000000000000601b01d0f000000004d006100630020004f005300200058002000310030002e0031003000000053004d00420046005300200033002e0030002e0030000000";
  const logoff = "ff534d427402005b00880388000000000000000000000000ffff0100e66b0200000000";
  const { infos, trees } = run([
    { frame: 35, hex: neg },
    { frame: 16, hex: ss },
    { frame: 22, hex: logoff },
  ]);
  assert.equal(infos.get(35)![0]!.summary, "Negotiate Protocol Request");
  assert.equal(find(trees.get(35)!, "smb.dialect.name")!.show, "NT LM 0.12");
  assert.equal(infos.get(16)![0]!.summary, "Session Setup AndX Request, NTLMSSP_NEGOTIATE");
  assert.equal(find(trees.get(16)!, "smb.native_os")!.show, "Mac OS X 10.10");
  assert.equal(find(trees.get(16)!, "smb.security_blob_len")!.show, "74");
  const l = infos.get(22)![0]!;
  assert.equal(l.summary, "Logoff AndX Response, Error: Bad userid");
  assert.equal(l.status, 0xe002005b);
  const code = find(trees.get(22)!, "smb.error_code")!;
  assert.equal(code.show, "0x005b");
  assert.equal(code.label, "Error Code: Bad userid");
  assert.equal(find(trees.get(22)!, "smb.error_class")!.label, "Error Class: Server Error (0x02)");
});

test("truncated and garbage input never throws", () => {
  const full = Buffer.from(WINREG[4]!.hex, "hex");
  for (let n = 0; n <= full.length; n++) {
    const state = new Smb1State();
    for (const light of [true, false]) {
      const out: FieldNode[] = [];
      const infos: MessageInfo[] = [];
      dissectSmb1(
        full.subarray(0, n),
        0,
        { state, frame: 1, conn: 0, time: 0, light, first: light },
        out,
        infos,
      );
      assert.equal(infos.length >= 1, true);
    }
  }
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xff;
  };
  for (let i = 0; i < 300; i++) {
    const b = Buffer.from(WINREG[i % WINREG.length]!.hex, "hex");
    for (let k = 0; k < 6; k++) b[32 + (rnd() % (b.length - 32))] = rnd();
    dissectSmb1(
      b,
      0,
      { state: new Smb1State(), frame: 1, conn: 0, time: 0, light: false, first: true },
      [],
      [],
    );
  }
});
