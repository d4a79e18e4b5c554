import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ndrTree } from "../../src/dcerpc/ndr.js";
import { ndrLimits } from "../../src/dcerpc/pipe.js";
import { SRVSVC } from "../../src/dcerpc/srvsvc.js";
import { DECODED_PROTOS } from "../../src/dcerpc/stubs.js";
import { Cursor } from "../../src/dissect/cursor.js";
import { Fields } from "../../src/dissect/fields.js";
import { FieldFlag, type FieldNode, find, renderText, walk } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";

const FIXTURES = join(import.meta.dirname, "../fixtures");
const CORPUS = join(FIXTURES, "corpus");
/**
 * tshark 4.0.17's fields (two passes) of the calls decoded from NDR (srvsvc, wkssvc), in tree order
 * (tools/oracle/gen-ndr.ts): corpus captures and Samba fixtures whose responses come in several
 * DCE/RPC fragments (SMB1 and SMB2, and SMB2 READs of 1 KB), the stub joined.
 */
const TSHARK: Record<string, Record<string, [string, string][]>> = JSON.parse(
  readFileSync(join(import.meta.dirname, "tshark-ndr.json"), "utf8"),
);

function ndrFields(top: FieldNode[]): [string, string][] {
  const out: [string, string][] = [];
  for (const t of top.filter((n) => DECODED_PROTOS.includes(n.name)))
    walk(t.children ?? [], (n) => {
      if (!(n.flags && n.flags & FieldFlag.Text) && n.name && !n.name.startsWith("smbcmp."))
        out.push([n.name, n.show]);
      return true;
    });
  return out;
}

for (const [path, frames] of Object.entries(TSHARK)) {
  test(`calls decoded from NDR as tshark shows them: ${path.split("/").slice(-2).join("/")}`, async () => {
    const t = await openTrace(join(FIXTURES, path));
    try {
      for (const [no, want] of Object.entries(frames)) {
        assert.ok(want.length >= 3, `frame ${no}: the oracle has fields`);
        assert.deepEqual(ndrFields(t.tree(Number(no))), want, `frame ${no}`);
      }
    } finally {
      t.close();
    }
  });
}

test("a pipe handle reopened on another interface: each call is decoded with the binding of its time", async () => {
  // FID 0x0006 is bound to SRVSVC at frame 1750, and to WKSSVC later in the capture.
  const t = await openTrace(
    join(CORPUS, "OISF__suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap"),
  );
  try {
    const req = t.tree(1754);
    assert.equal(find(req, "dcerpc.opnum")?.label, "Opnum: 21 (NetSrvGetInfo)");
    const rsp = t.tree(1755);
    const info = find(rsp, "srvsvc.srvsvc_NetSrvInfo.info101")!;
    assert.equal(find(info.children!, "srvsvc.srvsvc_NetSrvInfo101.server_name")?.show, "192.168.24.100");
    assert.equal(
      find(rsp, "browser.server_type")?.label,
      "Server Type: 0x00001003, Workstation, Server, NT Workstation",
    );
    assert.equal(find(rsp, "srvsvc.werror")?.label, "Windows Error: WERR_OK (0x00000000)");
    // The same handle later, bound to the Workstation Service; its pointers name their strings.
    const wks = t.tree(3002);
    assert.equal(find(wks, "wkssvc.wkssvc_NetWkstaInfo100.domain_name")?.show, "WORKGROUP");
    assert.ok(
      wks.some(
        (n) => n.name === "wkssvc" && renderText([n]).includes("Pointer to Domain Name (uint16): WORKGROUP"),
      ),
    );
  } finally {
    t.close();
  }
});

const CLI = join(import.meta.dirname, "../../src/cli/main.ts");
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8" });

test("smbcmp show: a share enumeration's shares, names and types", () => {
  const r = cli("show", join(CORPUS, "zeek__zeek/testing/btest/Traces/smb/raw_ntlm_in_smb.pcap"), "35");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Server Service, NetShareEnumAll$/m);
  assert.match(r.stdout, /^ +Name: IPC\$\n +Type: STYPE_IPC_HIDDEN \(2147483651\)$/m);
  assert.match(r.stdout, /^ +Name: SharedDocs$/m);
  assert.match(r.stdout, /Type: STYPE_IPC_HIDDEN \(2147483651\)/);
  assert.match(r.stdout, /Windows Error: WERR_OK \(0x00000000\)/);
});

test("smbcmp diff: srvsvc trees are compared, referent ids are noise", () => {
  const a = join(import.meta.dirname, "../fixtures/smb2/dcerpc-pipe.pcap");
  const b = join(import.meta.dirname, "../fixtures/smb2/dcerpc-pipe-run2.pcap");
  const quiet = cli("diff", a, b, "--deep");
  assert.equal(quiet.status, 0, quiet.stdout + quiet.stderr);
  assert.match(quiet.stdout, /no divergence/);
  // impacket draws referent ids at random: without the rule, the NetShareEnumAll request differs.
  const loud = cli("diff", a, b, "--deep", "-i", "!dcerpc.referent_id");
  assert.equal(loud.status, 1, loud.stdout + loud.stderr);
  assert.match(loud.stdout, /Referent ID: 0x[0-9a-f]{8} → 0x[0-9a-f]{8}/);
});

/** The frame numbers of `smbcmp list` lines. */
const frames = (out: string) =>
  out
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0]);

test("smbcmp list -Y: a display filter on a decoded share name or status", () => {
  const r = cli(
    "list",
    join(CORPUS, "zeek__zeek/testing/btest/Traces/smb/raw_ntlm_in_smb.pcap"),
    "-Y",
    'srvsvc.srvsvc_NetShareInfo1.name == "SharedDocs"',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(frames(r.stdout), ["35"]);
  // The joined stub of a response in two fragments carries the status.
  const j = cli("list", join(FIXTURES, "smb2/dcerpc-pipe.pcap"), "-Y", "srvsvc.werror == 0");
  assert.equal(j.status, 0, j.stderr);
  assert.deepEqual(frames(j.stdout), ["30", "36"]);
});

test("hostile NDR: huge counts and a truncated stub end in a malformed mark, quickly", () => {
  // NetShareEnumAll response: level 1, ctr 1 -> Ctr1 {count 0xffffffff, array -> max count 0xffffffff}.
  const u32 = (...v: number[]) => Buffer.concat(v.map((x) => Buffer.from(Uint32Array.of(x >>> 0).buffer)));
  const stub = u32(1, 1, 0x20000, 0xffffffff, 0x20004, 0xffffffff, 0x20008, 5, 0x2000c);
  const t0 = performance.now();
  const tree = ndrTree(SRVSVC, new Fields(new Cursor(stub)), stub.length, 15, true)!;
  assert.ok(performance.now() - t0 < 1000);
  assert.ok(find([tree], "_ws.malformed"), renderText([tree]));
  assert.equal(find([tree], "srvsvc.srvsvc_NetShareCtr1.count")?.show, "4294967295");
  // A string whose count runs past the stub.
  const req = Buffer.concat([u32(0x20000, 0x7fffffff, 0, 0x7fffffff), Buffer.from("a\0b\0")]);
  const rq = ndrTree(SRVSVC, new Fields(new Cursor(req)), req.length, 16, false)!;
  assert.ok(find([rq], "_ws.malformed"));
  // An opnum not decoded: no tree.
  assert.equal(ndrTree(SRVSVC, new Fields(new Cursor(req)), req.length, 99, false), undefined);
});

test("smbcmp diff: a share comment that differs is the divergence, named by its field", () => {
  const a = join(FIXTURES, "smb2/dcerpc-pipe.pcap");
  // B: the same run, the IPC$ comment in the NetShareEnumAll response (its second fragment) edited.
  const bytes = readFileSync(a);
  const at = bytes.indexOf(Buffer.from("IPC Service", "utf16le"));
  assert.ok(at > 0);
  bytes.write("X", at + 4, "utf16le");
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-ndr-"));
  try {
    const b = join(dir, "b.pcap");
    writeFileSync(b, bytes);
    const r = cli("diff", a, b, "--deep");
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /1 differ/);
    assert.match(r.stdout, /Comment: IPC Service \(Samba [^)]*\) → IPX Service/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("smbcmp diff: two Samba runs of LSA and SAMR calls are the same; their handles differ, as noise", () => {
  const a = join(FIXTURES, "smb2/dcerpc-lsa-samr.pcap");
  const b = join(FIXTURES, "smb2/dcerpc-lsa-samr-run2.pcap");
  const quiet = cli("diff", a, b, "--deep");
  assert.equal(quiet.status, 0, quiet.stdout + quiet.stderr);
  assert.match(quiet.stdout, /40 ops: 40 same, 0 differ/);
  // smbd draws policy handles at random: without the rules, every call passing one differs.
  const loud = cli("diff", a, b, "--deep", "-i", "!lsarpc.*.handle", "-i", "!samr.domain_handle");
  assert.equal(loud.status, 1, loud.stdout + loud.stderr);
  assert.match(loud.stdout, /Handle: [0-9a-f]{40} → [0-9a-f]{40}/);
  assert.match(loud.stdout, /Domain Handle: [0-9a-f]{40} → [0-9a-f]{40}/);
});

test("the joined-stub budget: past it a response in several fragments stays bytes, and the trace warns", async () => {
  const saved = ndrLimits.joinedBytes;
  ndrLimits.joinedBytes = 1000;
  try {
    const t = await openTrace(join(FIXTURES, "smb2/dcerpc-pipe.pcap"));
    try {
      // The NetShareEnumAll response comes in two fragments (frames 28 and 30), 5728 stub bytes.
      assert.equal(t.tree(30).filter((n) => n.name === "srvsvc").length, 0);
      assert.ok(find(t.tree(30), "dcerpc.payload_stub_data"));
      assert.ok(
        t.warnings.some((w) =>
          /^frame 28: DCE\/RPC: responses in several fragments past the 1000 bytes/.test(w),
        ),
        t.warnings.join("\n"),
      );
      // Single-fragment calls are still decoded.
      assert.equal(t.tree(25).filter((n) => n.name === "srvsvc").length, 1);
    } finally {
      t.close();
    }
  } finally {
    ndrLimits.joinedBytes = saved;
  }
  const t = await openTrace(join(FIXTURES, "smb2/dcerpc-pipe.pcap"));
  try {
    assert.deepEqual(t.warnings, []);
    assert.equal(t.tree(30).filter((n) => n.name === "srvsvc").length, 1);
  } finally {
    t.close();
  }
});
