/**
 * TRANS2 OPEN2, NT Cancel, SMB1 security descriptors and trees on real Samba captures
 * (test/fixtures/smb1, made on 127.0.0.1:445 by tools/harness with "server min protocol = NT1"):
 * trans2-open2.pcap is smbtorture raw.open frames 1231-1345 (one connection from its negotiate:
 * OPEN2 opens, their closes, a failed OPEN2), raw-mux.pcap all of raw.mux (NT Cancel of a pending
 * create and of a pending lock), raw-acls.pcap raw.acls frames 1-30, 66-76 and 108-118 (a file's
 * and a directory's descriptors, one of a FID opened before the cut, one set by NT Trans create),
 * raw-context.pcap all of raw.context (a failed Tree Connect that maps its TID again, a FID used
 * on another tree). tshark-raw-torture.json holds tshark 4.0.17's Info column for every SMB frame and, for chosen
 * frames, every visible smb field (name, show) of its two-pass tree.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { find } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import { DIR, loadExpect, tsharkDiffs } from "./tshark-expect.js";

const EXPECT = loadExpect("tshark-raw-torture.json");

for (const [file, exp] of Object.entries(EXPECT)) {
  test(`${file}: Info column and chosen trees equal tshark's`, async () => {
    assert.deepEqual(await tsharkDiffs(file, exp, { noExtra: true }), []);
  });
}

test("OPEN2 registers its FID: the close names the file, and a cancel points at the cancelled request's response", async () => {
  const t = await openTrace(join(DIR, "trans2-open2.pcap"));
  try {
    const close = t.packets.at(t.indexOf(38))!;
    assert.equal(close.summary, "Close Request, FID: 0x5484");
    // The Info is tshark's, but the message carries the file for alignment and filters.
    assert.equal(close.messages[0]!.path, "\\rawopen\\torture_t2open_yes.txt");
    assert.equal(find(t.tree(37), "smb.create.time")?.show, "Sep 30, 2041 11:50:54.000000000 UTC");
  } finally {
    t.close();
  }
  const mux = await openTrace(join(DIR, "raw-mux.pcap"));
  try {
    assert.equal(find(mux.tree(34), "smb.response_in")?.show, "41");
    assert.equal(find(mux.tree(83), "smb.response_in")?.show, "87");
  } finally {
    mux.close();
  }
});

test("security descriptors name FILE or DIR specific rights after the FID's open, generic bits otherwise", async () => {
  const t = await openTrace(join(DIR, "raw-acls.pcap"));
  try {
    const label = (no: number) => find(t.tree(no), "smbcmp.nt.access_mask.specific")?.label;
    assert.equal(label(23), "FILE specific rights: 0x000001ff");
    assert.equal(label(49), "DIR specific rights: 0x000001ff");
    // Opened before the capture's cut, and set by NT Trans create: no FID known.
    assert.match(label(32) ?? "", /^Specific rights/);
    assert.match(label(37) ?? "", /^Specific rights/);
  } finally {
    t.close();
  }
});

test("a FID names its file on the tree it was opened on only; a failed tree connect maps its TID", async () => {
  const t = await openTrace(join(DIR, "raw-context.pcap"));
  try {
    // Frame 71 writes FID 0x5f37 on another TID than its open (70): the server refuses it.
    assert.equal(t.packets.at(t.indexOf(72))!.summary, "Write AndX Response, Error: STATUS_INVALID_HANDLE");
    assert.equal(find(t.tree(71), "smb.fid.opened_in"), undefined);
    assert.equal(find(t.tree(73), "smb.fid.opened_in")?.show, "70");
    assert.equal(find(t.tree(70), "smb.fid.mapped_in")?.show, "68");
  } finally {
    t.close();
  }
});
