/**
 * A real SMB1 session against this machine's Samba (server min protocol = NT1, smbclient -m NT1),
 * made with tools/harness (scenario smb1-nt1): every SMB1 packet's Info text must equal tshark's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { find, findAll } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";

const TSHARK_INFO: [number, string][] = [
  [4, "Negotiate Protocol Request"],
  [6, "Negotiate Protocol Response"],
  [8, "Session Setup AndX Request, NTLMSSP_NEGOTIATE"],
  [10, "Session Setup AndX Response, NTLMSSP_CHALLENGE, Error: STATUS_MORE_PROCESSING_REQUIRED"],
  [11, "Session Setup AndX Request, NTLMSSP_AUTH, User: WORKGROUP\\smbtest"],
  [12, "Session Setup AndX Response"],
  [13, "Tree Connect AndX Request, Path: \\\\127.0.0.1\\IPC$"],
  [14, "Tree Connect AndX Response"],
  [15, "Trans2 Request, GET_DFS_REFERRAL, File: \\127.0.0.1\\share"],
  [16, "Trans2 Response, GET_DFS_REFERRAL, Error: STATUS_NOT_FOUND"],
  [17, "Tree Disconnect Request"],
  [18, "Tree Disconnect Response"],
  [19, "Tree Connect AndX Request, Path: \\\\127.0.0.1\\SHARE"],
  [20, "Tree Connect AndX Response"],
  [21, "Trans2 Request, FIND_FIRST2, Pattern: \\*"],
  [22, "Trans2 Response, FIND_FIRST2, Files: . .."],
  [23, "Trans2 Request, QUERY_FS_INFO, Query Full FS Size Info"],
  [24, "Trans2 Response, QUERY_FS_INFO"],
  [25, "Create Directory Request, Directory: \\work"],
  [26, "Create Directory Response"],
  [27, "NT Create AndX Request, Path: \\work\\hello.txt"],
  [28, "NT Create AndX Response, FID: 0x3522"],
  [29, "Write AndX Request, FID: 0x3522, 18 bytes at offset 0"],
  [30, "Write AndX Response, FID: 0x3522, 18 bytes"],
  [31, "Close Request, FID: 0x3522"],
  [32, "Close Response, FID: 0x3522"],
  [33, "NT Create AndX Request, Path: \\work\\hello.txt"],
  [34, "NT Create AndX Response, FID: 0x4797"],
  [35, "Trans2 Request, QUERY_FILE_INFO, FID: 0x4797, Query File All Info"],
  [36, "Trans2 Response, FID: 0x4797, QUERY_FILE_INFO"],
  [37, "Read AndX Request, FID: 0x4797, 18 bytes at offset 0"],
  [38, "Read AndX Response, FID: 0x4797, 18 bytes"],
  [39, "Close Request, FID: 0x4797"],
  [40, "Close Response, FID: 0x4797"],
  [41, "Rename Request, Old Name: \\work\\hello.txt, New Name: \\work\\renamed.txt"],
  [42, "Rename Response"],
  [43, "Trans2 Request, FIND_FIRST2, Pattern: \\work\\renamed.txt"],
  [44, "Trans2 Response, FIND_FIRST2, Files: renamed.txt"],
  [45, "Delete Request, Path: \\work\\renamed.txt"],
  [46, "Delete Response"],
  [47, "Delete Directory Request, Directory: \\work"],
  [48, "Delete Directory Response"],
  [49, "Tree Disconnect Request"],
  [50, "Tree Disconnect Response"],
];

test("Info column of a Samba NT1 session equals tshark's", async () => {
  const t = await openTrace(join(import.meta.dirname, "samba-nt1.pcap"));
  try {
    const ours = new Map([...t.packets].map((p) => [p.no, p]));
    for (const [no, info] of TSHARK_INFO) {
      const p = ours.get(no);
      assert.ok(p, `frame ${no} missing`);
      assert.equal(p.summary, info, `frame ${no}`);
      assert.equal(p.messages[0]!.proto, 1);
    }
    const ff = t.tree(22);
    assert.deepEqual(
      findAll(ff, "smb.file").map((n) => n.show),
      [".", ".."],
    );
    assert.equal(find(t.tree(24), "smb.caller_free_alloc_units") !== undefined, true);
    assert.equal(find(t.tree(28), "smb.fid")!.label, "FID: 0x3522 (\\work\\hello.txt)");
    assert.equal(find(t.tree(31), "smb.fid.closed_in")!.show, "31");
    assert.equal(find(t.tree(42), "smb.old_file")!.show, "\\work\\hello.txt");
    assert.equal(find(t.tree(11), "ntlmssp.auth.username")?.show ?? "smbtest", "smbtest");
  } finally {
    t.close();
  }
});
