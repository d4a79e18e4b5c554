/**
 * The packet summary (Info column, SMB part) of frames carrying several NBSS PDUs or cut by the
 * snap length, against tshark 4.0.17's Info column for the same corpus bytes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { find } from "../../src/dissect/tree.js";
import { Smb1State } from "../../src/smb1/dissect.js";
import { Smb2State } from "../../src/smb2/state.js";
import { openTrace } from "../../src/trace/index.js";
import { dissectPdu, type PacketLayout, type PduCtx, packetSummary } from "../../src/trace/pdu.js";
import { Security } from "../../src/trace/security.js";
import { blankMessage, type MessageInfo, MsgFlag } from "../../src/trace/types.js";

const CORPUS = join(import.meta.dirname, "../fixtures/corpus");

/** Dissects the PDUs of one frame (light, first pass, as the index does) and returns its summary. */
function summaryOf(pdus: string[], layout?: PacketLayout): string {
  const ctx: PduCtx = {
    smb2: new Smb2State(),
    smb1: new Smb1State(),
    frame: 1,
    conn: 0,
    time: 0,
    light: true,
    first: true,
    security: new Security(),
  };
  const infos: MessageInfo[] = [];
  for (const hex of pdus) dissectPdu(Buffer.from(hex, "hex"), ctx, [], infos);
  return packetSummary(infos, layout);
}

// smb-length-5770 frame 920: a Lease Break Notification PDU, then a SetInfo Response PDU.
const LEASE_BREAK =
  "fe534d424000000000000000120000000100000000000000ffffffffffffffff00000000000000000000000000000000000000000000000000000000000000002c00020001000000fbbc791fc3034c0986cc6e8b2d0180970300000000000000000000000000000000000000";
const SETINFO_RESPONSE =
  "fe534d424000010000000000110000010900000000000000db00000000000000fffe000001000000050000006bdb719b9c6689f91209d83b75d00a465ae353f60200";
// smb-length-5770 frame 127: a Notify Request PDU, then a Create/GetInfo/Close compound PDU.
const NOTIFY_REQUEST =
  "fe534d4240000100000000000f00000108000000000000000e00000000000000fffe000001000000050000006bdb719b2a97ebba8c8da55eee98454fca1a26492000000000000100ffffffffffffffffffffffffffffffffff0f000000000000";
const COMPOUND =
  "fe534d4240000100000000000500000108000000980000000f00000000000000fffe000001000000050000006bdb719bb641ab99ae254fe6132cac342f366cd439000000020000000000000000000000000000000000000080001000100000000700000001000000010000007800000080000000180000000000000000000000000000001000040000000000000000004d78416300000000fe534d424000010000000000100000010c000000680000001000000000000000fffe000001000000050000006bdb719bbea3d65654dd401691fd5ecc34e1181d290002031800000000000000000000000000000000000000fffffffffffffffffffffffffffffffffe534d424000010000000000060000010c000000000000001100000000000000fffe000001000000050000006bdb719b99baf322f361dc124c8fc52c1f997df91800000000000000ffffffffffffffffffffffffffffffff";

test("several PDUs in one frame: Info shows the last PDU only", () => {
  assert.equal(summaryOf([LEASE_BREAK, SETINFO_RESPONSE]), "SetInfo Response");
  assert.equal(
    summaryOf([NOTIFY_REQUEST, COMPOUND]),
    "Create Request File: ;GetInfo Request FS_INFO/FileFsSizeInformation;Close Request",
  );
});

test("a compound PDU joins its messages with ';'", () => {
  assert.equal(
    summaryOf([COMPOUND]),
    "Create Request File: ;GetInfo Request FS_INFO/FileFsSizeInformation;Close Request",
  );
});

test("a reassembled first PDU is followed, without separator, by the frame's own last PDU", () => {
  // As tshark shows smb-filename frame 28 ("NT Trans Request, NT RENAME" + "NT Trans Secondary ...").
  assert.equal(
    summaryOf([LEASE_BREAK, NOTIFY_REQUEST, SETINFO_RESPONSE], { firstReassembled: true }),
    "Lease Break NotificationSetInfo Response",
  );
  assert.equal(summaryOf([SETINFO_RESPONSE], { firstReassembled: true }), "SetInfo Response");
});

test("a reassembled PDU then the start of the next one: 'Session message' is appended", () => {
  // zeek smb2.pcap frame 86: "Write Request Len:65536 Off:0 File: WP_SMBPlugin.pdfSession message".
  assert.equal(
    summaryOf([SETINFO_RESPONSE], { firstReassembled: true, trailingStart: true }),
    "SetInfo ResponseSession message",
  );
  // Without a reassembly the started PDU is part of the same NBSS pass and leaves no trace.
  assert.equal(summaryOf([SETINFO_RESPONSE], { trailingStart: true }), "SetInfo Response");
});

test("a compound cut by the snap length says so in Info", async () => {
  // smb2_krb frame 43: a Find Response whose chained second message is beyond the snap length.
  const t = await openTrace(join(CORPUS, "zeek__zeek/testing/btest/Traces/krb/smb2_krb.pcap"));
  try {
    const p = t.packets.at(t.indexOf(43))!;
    assert.equal(
      p.summary,
      "Find Response SMB2_FIND_ID_BOTH_DIRECTORY_INFO Pattern: *[Packet size limited during capture]",
    );
    const tree = t.tree(43);
    assert.ok(tree.some((n) => n.name === "_ws.short"));
    // The bytes lost to the snap length (read as zeros) are not decoded as directory entries.
    assert.equal(find(tree, "smb2.find.id_both_directory_info"), undefined);
    assert.equal(find(tree, "smb2.buffer_code")?.show, "0x0009");
  } finally {
    t.close();
  }
});

test("a create response whose request was not captured: File: [unknown], on its handle's later uses too", async () => {
  // examples/good.pcap frames 1-40 without frame 21 (the Create Request of the share's root); the
  // texts are tshark 4.0.17's Info column for those frames.
  const t = await openTrace(join(import.meta.dirname, "../fixtures/smb2/lost-create-request.pcap"));
  try {
    const info = (no: number) => t.packets.at(t.indexOf(no))!.summary;
    assert.equal(info(21), "Create Response File: [unknown]");
    assert.equal(info(22), "Find Request File: [unknown] SMB2_FIND_ID_BOTH_DIRECTORY_INFO Pattern: *");
    assert.equal(info(26), "Close Request File: [unknown]");
    // A create of the root that was captured keeps its empty name.
    assert.equal(info(29), "Create Response File: ");
    assert.equal(info(32), "Close Request File: ");
  } finally {
    t.close();
  }
});

test("an empty read or write still shows its (missing) data field, as Wireshark does", async () => {
  // smbtorture smb2.rw frames 205-228, 230-253, 260-275 (tools/harness on 127.0.0.1).
  const t = await openTrace(join(import.meta.dirname, "../fixtures/smb2/zero-length-rw.pcap"));
  try {
    assert.equal(find(t.tree(31), "smb2.read.blob")?.label, "Info: <MISSING>: NO DATA");
    assert.equal(find(t.tree(52), "smb2.write_data")?.label, "Write Data: <MISSING>");
    assert.equal(find(t.tree(27), "smb2.read.blob")?.length, 10);
  } finally {
    t.close();
  }
});

test("a durable reconnect names its handle's file in the Info only on the tree connect that opened it", async () => {
  // smbtorture smb2.durable-open.reopen1a, frames 789-857 (three connections); tshark 4.0.17's Info.
  const t = await openTrace(join(import.meta.dirname, "../fixtures/smb2/durable-reconnect.pcap"));
  try {
    const info = (no: number) => t.packets.at(t.indexOf(no))!.summary;
    const name = "durable_open_reopen1a_sd5fUWky.dat";
    assert.equal(info(31), `Create Request File: ${name} File: ${name}`);
    assert.equal(info(34), `Create Request File: ${name}`);
    assert.equal(info(51), `Create Request File: ${name} File: ${name}`);
    // Its tree does the same.
    assert.equal(find(t.tree(31), "smbcmp.smb2.handle")?.label, `GUID handle File: ${name}`);
    assert.equal(find(t.tree(34), "smbcmp.smb2.handle")?.label, "GUID handle");
  } finally {
    t.close();
  }
});

test("an SMB1 AndX chain's commands are joined by '; ' (SMB2 compounds by ';')", () => {
  // As tshark shows smb-eicar-andx frame 24.
  const chain = [
    blankMessage(1, "Locking AndX Response, FID: 0x4002", MsgFlag.PduStart),
    blankMessage(1, "Write AndX, FID: 0x4002, 68 bytes", 0),
    blankMessage(1, "Close, FID: 0x4002", 0),
  ];
  assert.equal(
    packetSummary(chain),
    "Locking AndX Response, FID: 0x4002; Write AndX, FID: 0x4002, 68 bytes; Close, FID: 0x4002",
  );
  const compound = [
    blankMessage(2, "Create Request File: ", MsgFlag.PduStart),
    blankMessage(2, "Close Request", 0),
  ];
  assert.equal(packetSummary(compound), "Create Request File: ;Close Request");
});
