/**
 * SMB1 core commands (Search/Find, Open AndX, and the older file commands) on real Samba captures
 * in test/fixtures/smb1, made on loopback by tools/harness with smbtorture raw.* tests against
 * `server min protocol = NT1` and trimmed with `editcap -r` (session setup and tree connect kept):
 * core-search.pcap is raw.search (frames 1-60, 125-150, 699-702, 1061-1066, 2925-2945),
 * core-open.pcap raw.open (60-101, 1405-1530, 1800-1806, 2080-2095), core-read.pcap raw.read
 * (20-40, 195-210, 295-302), core-write.pcap raw.write (18-30, 80-90, 150-160), core-lock.pcap
 * raw.lock (114-130, 250-265), core-seek.pcap all of raw.seek, core-unlink.pcap raw.unlink
 * (320-340), core-chkpath.pcap raw.chkpath (310-345); each with the first 16 frames of every TCP
 * connection those ranges touch; core-context.pcap is raw.context frames 1-40; raw-streams.pcap is all
 * of raw.streams (its failed creates return FID 0, which a later close response does not repeat),
 * raw-mkdir.pcap all of raw.mkdir (TRANS2 CREATE_DIRECTORY).
 * tshark-core-commands.json holds tshark 4.0.17's Info column for every SMB frame and, for chosen
 * frames, every visible smb field (name, show) of its two-pass tree.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { type FieldNode, find, findAll } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import { DIR, loadExpect, tsharkDiffs } from "./tshark-expect.js";

const EXPECT = loadExpect("tshark-core-commands.json");

for (const [file, exp] of Object.entries(EXPECT)) {
  test(`${file}: Info column and chosen trees equal tshark's`, async () => {
    assert.deepEqual(await tsharkDiffs(file, exp, { noExtra: true }), []);
  });
}

test("Search and Find: resume keys and directory entries; Open AndX labels", async () => {
  const t = await openTrace(join(DIR, "core-search.pcap"));
  try {
    // Find keeps a find ID byte in the resume key, Search a 5-byte server cookie.
    const t44 = t.tree(44);
    assert.equal(find_(t44, "smb.resume.find_id"), "0x01");
    assert.equal(find_(t.tree(54), "smb.resume.server.cookie"), "01:ff:ff:ff:ff");
    assert.equal(findAll(t.tree(54), "smb.resume.find_id").length, 0);
    assert.deepEqual(
      findAll(t44, "smb.file").map((n) => n.show),
      ["torture_txt", "TOR0GA~L.TXT"],
    );
    assert.equal(findAll(t44, "smbcmp.smb.dir_info").length, 1);
    assert.equal(findAll(t44, "smb.unknown_data").length, 0);
    // Open AndX: the AccessMode label names its fields like Wireshark's.
    assert.equal(
      find(t.tree(67), "smb.access.desired")?.label,
      "Desired Access: 0x0042, Locality: Locality of reference unknown, Sharing Mode: Deny none, Access Mode: Open for reading and writing",
    );
    assert.equal(
      find(t.tree(67), "smb.open.function")?.label,
      "Open Function: 0x0011, Create, Open: Open file if it exists",
    );
  } finally {
    t.close();
  }
});

function find_(tree: FieldNode[], name: string): string | undefined {
  return find(tree, name)?.show;
}
