/**
 * A TRANS2 response in several messages (a Windows server's FIND_FIRST2 listing of 127 files in
 * frames 405, 413, 422 and 427 of the corpus capture filecontainer-smb.pcap, and Samba's listings
 * in test/fixtures/smb1/trans2-multipart.pcap): the first piece's
 * tree joins every piece, as tshark's second pass shows it (tshark-multipart.json: tshark 4.0.17's
 * Info column for frames 395-430 and every visible smb field of frames 405, 413 and 427), from a
 * byte source of its own; an NT Transact response the same way; a piece that is missing or does
 * not fit leaves the first piece as it is.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildOps } from "../../src/diff/ops.js";
import { find, findAll, walk } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import { DIR, loadExpect, tsharkDiffs } from "./tshark-expect.js";

const EXPECT = loadExpect("tshark-multipart.json");
const FILE = "../corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap";
const PATH = join(DIR, FILE);
/**
 * smbtorture raw.search against smbd with "max xmit = 4096" on the client side
 * (test/fixtures/smb1/trans2-multipart.scenario.json, run by tools/harness on 127.0.0.1): one
 * connection's setup and its FIND_FIRST2/FIND_NEXT2 replies, each in 2-3 messages, cut with
 * `tshark -Y "tcp.stream==2 && (frame.number <= 130 || (frame.number >= 2947 && frame.number <= 3060))"`.
 */
const SAMBA = "trans2-multipart.pcap";
/** An NT Transact response in two messages (frames 448 and 450; a fuzzed suricata capture). */
const NT_FILE = "../corpus/OISF__suricata-verify/tests/smb-filename/input.pcap";

test("the first piece of a multi-part TRANS2 response shows the whole response, as tshark's second pass", async () => {
  assert.deepEqual(await tsharkDiffs(FILE, EXPECT[FILE]!, { noExtra: true }), []);
});

test("Samba's replies to a client with a 4 KB buffer: every Info and the joined trees as tshark's", async () => {
  // Levels 260 (frame 24 and its continuation 25) and 1 (frame 104): listings cut mid-entry and
  // mid-name in their first piece (Info ends "[BoundErrorUnreassembled Packet]") and at a name's end.
  assert.deepEqual(await tsharkDiffs(SAMBA, EXPECT[SAMBA]!, { noExtra: true }), []);
  const t = await openTrace(join(DIR, SAMBA));
  try {
    // A diff counts later pieces as part of their operation, not as responses of their own.
    const ops = buildOps(t);
    assert.equal(ops.filter((o) => o.kind === "orphan-response").length, 0);
    assert.equal(ops.filter((o) => o.more?.length).length, 23);
    // Pieces cut mid-field are Wireshark's "unreassembled", not malformed (the only warnings are
    // the gap this fixture was cut with).
    assert.deepEqual(
      t.warnings.filter((w) => !/bytes missing from the capture/.test(w)),
      [],
    );
  } finally {
    t.close();
  }
});

test("an NT Transact response in two messages is joined the same way", async () => {
  const t = await openTrace(join(DIR, NT_FILE));
  try {
    const tree = t.tree(448);
    // tshark 4.0.17's second pass: the same segments and length.
    assert.equal(
      find(tree, "smb.segment.segments")?.label,
      "3 SMB Segments (4308 bytes): #448(4), #448(4280), #450(24)",
    );
    assert.equal(find(tree, "smb.reassembled.length")?.show, "4308");
    assert.ok(t.byteSources!(448).some((s) => s.label === "Reassembled SMB" && s.bytes.length === 4308));
  } finally {
    t.close();
  }
});

test("the reassembled parameters and data are a byte source of the packet, which their nodes point into", async () => {
  const t = await openTrace(PATH);
  try {
    const tree = t.tree(405);
    const segs = find(tree, "smb.segment.segments")!;
    assert.equal(
      segs.label,
      "5 SMB Segments (14978 bytes): #405(10), #405(4288), #413(4300), #422(4300), #427(2080)",
    );
    assert.equal(find(tree, "smb.search_count")?.show, "127");
    const names = findAll(tree, "smb.file").map((n) => n.show);
    assert.equal(names.length, 127);
    assert.equal(names.at(-1), "_default.pif");
    const sources = t.byteSources!(405);
    const k = sources.findIndex((s) => s.label === "Reassembled SMB");
    assert.ok(k > 0, sources.map((s) => s.label).join(", "));
    assert.equal(sources[k]!.bytes.length, 14978);
    // The last entry's name, read where its node says it is.
    const last = findAll(tree, "smb.file").at(-1)!;
    assert.equal(last.src, k);
    assert.equal(
      sources[k]!.bytes.subarray(last.offset, last.offset + last.length)
        .toString("utf16le")
        .replace(/\0+$/, ""),
      "_default.pif",
    );
    // The message's own bytes (its header, the padding) still point into its PDU.
    assert.equal(find(tree, "smb.cmd")?.src, undefined);
    walk(segs.children!, (n) => {
      assert.equal(n.src, k);
      return true;
    });
    // The index's Info stays tshark's first pass: the first piece's names, and its marker.
    assert.match(t.packets.at(t.indexOf(405))!.summary, / gspot\[BoundErrorUnreassembled Packet\]$/);
  } finally {
    t.close();
  }
});

test("a piece missing from the capture: the first piece is shown alone, as before", async () => {
  // Frames 418-422 (the TCP segments of the third piece) cut out: its bytes never arrive.
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-multipart-"));
  const cut = join(dir, "cut.pcap");
  execFileSync("editcap", [PATH, cut, "418-422"]);
  const t = await openTrace(cut);
  try {
    const tree = t.tree(405);
    assert.equal(find(tree, "smb.segment.segments"), undefined);
    assert.ok(findAll(tree, "smb.file").length < 127);
    assert.ok(!t.byteSources!(405).some((s) => s.label === "Reassembled SMB"));
  } finally {
    t.close();
  }
});
