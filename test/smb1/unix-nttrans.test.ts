/**
 * SMB1 UNIX extensions and NT transact on real Samba captures (test/fixtures/smb1, made on
 * 127.0.0.1:139 with smbclient -m NT1 in posix mode and smbtorture unix.info2, unix.whoami,
 * raw.open.nttrans-create, raw.acls.sd, raw.notify.dir, raw.ioctl). tshark-unix-nttrans.json
 * holds tshark 4.0.17's Info column for every SMB frame and, for chosen frames, every visible
 * smb field (name, show) of its two-pass tree.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { find, findAll } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import { DIR, loadExpect, tsharkDiffs } from "./tshark-expect.js";

const EXPECT = loadExpect("tshark-unix-nttrans.json");

/**
 * Known differences, each deliberate or outside SMB1: tshark reads one character of a UNIX link
 * target (we show the whole UTF-16 name); it shows the FID of a double close and names an SMB2
 * IOCTL status differently.
 */
const INFO_EXCEPTIONS: Record<string, number[]> = {
  "nttrans-torture.pcap": [59, 119, 734],
};

for (const [file, exp] of Object.entries(EXPECT)) {
  test(`${file}: Info column and chosen trees equal tshark's`, async () => {
    // tshark's PDML has no show for smb.not_implemented (a text-like field).
    const x = { infoFrames: INFO_EXCEPTIONS[file], fields: new Set(["smb.not_implemented"]) };
    assert.deepEqual(await tsharkDiffs(file, exp, x), []);
  });
}

test("UNIX levels tshark leaves undecoded are dissected, not raw", async () => {
  const t = await openTrace(join(DIR, "unix-smbclient.pcap"));
  try {
    // POSIX open request and response, POSIX unlink, the whole link target.
    const open = t.tree(48);
    assert.equal(find(open, "smbcmp.smb.unix.open.flags")!.show, "0x00000014");
    assert.equal(find(open, "smbcmp.smb.unix.open.reply_level")!.show, "0xffff");
    assert.equal(find(t.tree(49), "smb.fid")!.show, "0xa430");
    assert.equal(find(t.tree(52), "smbcmp.smb.unix.unlink.flags")!.label, "Unlink flags: Directory (1)");
    assert.equal(find(t.tree(32), "smb.unix.file.link_dest")!.show, "a.txt");
    assert.equal(findAll(t.tree(48), "smb.unknown_data").length, 0);
    assert.equal(find(t.tree(26), "smb.unix.capability")!.show, "0x000000000000017b");
  } finally {
    t.close();
  }
});
