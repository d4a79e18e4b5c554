/**
 * The DCE/RPC part of packet summaries: after the SMB part (tshark's Info with DCE/RPC disabled),
 * ` | ` and what tshark's Info column shows with DCE/RPC enabled (`lsa_OpenPolicy2 request`, a
 * bind's context items, `, Error: WERR_ACCESS_DENIED`, what a call's parameters add). Compared
 * with tshark run now on the Samba-made fixtures and a psexec capture, every frame.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { openTrace } from "../../src/trace/index.js";
import { infoColumn } from "../../tools/oracle/pdml.js";

const FIXTURES = join(import.meta.dirname, "../fixtures");
const CLI = join(import.meta.dirname, "../../src/cli/main.ts");

/** Frames where our Info differs from tshark's on purpose, and why. */
const EXCEPTIONS: Record<string, Record<number, string>> = {
  // tshark's Info names the PDU's interface after a call past its operations; we leave it at that.
  "smb2/dcerpc-fault.pcap": { 37: "Unknown operation 200 request" },
  // tshark shows the reply's first fragment in the Read AndX that follows (see test/smb1/pipe.test.ts).
  "smb1/dcerpc-transact.pcap": {
    22: "1st",
    26: "NetShareEnumAll response",
    28: "1st",
    32: "NetShareGetInfo response",
  },
};

const CAPTURES = [
  "smb2/dcerpc-pipe.pcap",
  "smb2/dcerpc-smallreads.pcap",
  "smb2/dcerpc-smallwrites.pcap",
  "smb2/dcerpc-fault.pcap",
  "smb2/dcerpc-lsa-samr.pcap",
  "smb2/dcerpc-lsa-lookups.pcap",
  "smb2/dcerpc-srvsvc-admin.pcap",
  "smb2/dcerpc-share-levels.pcap",
  "smb2/dcerpc-svcctl.pcap",
  "smb1/dcerpc-pipe.pcap",
  "smb1/dcerpc-transact.pcap",
  // psexec's svcctl calls: the SCM handle named after its machine, a service's not, an unknown opnum.
  "corpus/OISF__suricata-verify/tests/dcerpc-smb-test-01/input.pcap",
];

for (const rel of CAPTURES) {
  test(`packet summaries carry tshark's DCE/RPC Info: ${rel}`, async () => {
    const path = join(FIXTURES, rel);
    const tshark = infoColumn(path, ["smb", "smb2"]);
    const t = await openTrace(path);
    try {
      const rpc = [...tshark.values()].filter((s) => s.includes(" | ")).length;
      assert.ok(rpc >= 6, `${rel}: ${rpc} frames with DCE/RPC`);
      const differ: string[] = [];
      for (const p of t.packets) {
        const want = tshark.get(p.no);
        const why = EXCEPTIONS[rel]?.[p.no];
        if (why !== undefined) assert.ok(p.summary.includes(why), `${rel}#${p.no}: ${p.summary}`);
        else if (want !== undefined && want !== p.summary)
          differ.push(`#${p.no}\n  tshark: ${want}\n  ours:   ${p.summary}`);
      }
      assert.deepEqual(differ, []);
    } finally {
      t.close();
    }
  });
}

test("list shows each call's name, its parameters and its error; a display filter finds them", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8" });
  const lsa = run("list", join(FIXTURES, "smb2/dcerpc-lsa-samr.pcap"));
  assert.equal(lsa.status, 0, lsa.stderr);
  assert.match(lsa.stdout, /^ +25 .* Write Request Len:56 Off:0 File: lsarpc \| lsa_OpenPolicy2 request$/m);
  assert.match(
    lsa.stdout,
    /^ +17 .* \| Bind: call_id: 1, Fragment: Single, 1 context items: LSARPC V0\.0 \(32bit NDR\)$/m,
  );
  assert.match(lsa.stdout, /^ +67 .* File: samr \| LookupDomain request, SMBCMP-HARNESS$/m);
  assert.match(lsa.stdout, /^ +79 .* \| Close request\[Long frame \(4 bytes\)\]$/m);
  const admin = run("list", join(FIXTURES, "smb2/dcerpc-srvsvc-admin.pcap"), "-Y", "srvsvc");
  assert.equal(admin.status, 0, admin.stderr);
  assert.match(admin.stdout, /\| NetConnEnum response Level:1, Error: WERR_ACCESS_DENIED$/m);
  const psexec = run(
    "list",
    join(FIXTURES, "corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb1-data-offset/input.pcap"),
    "-Y",
    "svcctl",
  );
  assert.equal(psexec.status, 0, psexec.stderr);
  assert.match(psexec.stdout, /^ +782 .* \| OpenSCManagerW request, DUMMY, ServicesActive$/m);
  assert.match(psexec.stdout, /^ +789 .* \| OpenServiceW response, Unknown error 0x00000424$/m);
  assert.match(psexec.stdout, /^ +800 .* \| CloseServiceHandle request, \(null\)$/m);
  assert.match(psexec.stdout, /^ +804 .* \| CloseServiceHandle request, OpenSCManagerW\(DUMMY\\\)$/m);
  const json = run("list", join(FIXTURES, "smb2/dcerpc-lsa-samr.pcap"), "--json");
  const p25 = json.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .find((p) => p.number === 25);
  assert.equal(p25.summary, "Write Request Len:56 Off:0 File: lsarpc | lsa_OpenPolicy2 request");
});
