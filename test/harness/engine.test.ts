/**
 * The engine on fresh captures from real Samba: our packet list against tshark's (same frames, same
 * Info summaries, decryption with the harness's keys), and the diff engine on a scenario pair (the
 * documented difference is the first divergence) and on two runs of one job (no difference).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { diffTraces } from "../../src/diff/index.js";
import { openTrace } from "../../src/trace/index.js";
import { runPair, runScenario } from "../../tools/harness/index.js";
import { infoColumn } from "../../tools/oracle/pdml.js";
import { smbcmpBin } from "../cli/bin.js";
import { captureSkipReason } from "./util.js";

captureSkipReason();
const out = mkdtempSync(join(tmpdir(), "smbcmp-engine-e2e-"));
after(() => rmSync(out, { recursive: true, force: true }));

const keyEntries = (keys: { sesId: string; sessionKey?: string }[]) =>
  keys
    .filter((k) => k.sessionKey)
    .map((k) => ({ sesId: k.sesId, sessionKey: Buffer.from(k.sessionKey!, "hex"), source: "harness" }));

for (const scenario of ["file-ops-311", "enc-aes128gcm"]) {
  test(`${scenario}: our list equals tshark's on a fresh Samba capture`, async () => {
    const r = await runScenario(scenario, { outDir: join(out, scenario) });
    const keys = keyEntries(r.keys);
    const extra = keys.flatMap((k) => [
      "-o",
      `uat:smb2_seskey_list:${Buffer.from(k.sesId, "hex").reverse().toString("hex")},${k.sessionKey.toString("hex")},"",""`,
    ]);
    const tshark = infoColumn(r.pcap, ["smb2"], extra);
    const t = await openTrace(r.pcap, { keys });
    try {
      const ours = new Map([...t.packets].map((p) => [p.no, p.summary]));
      assert.deepEqual([...ours.keys()], [...tshark.keys()], "same SMB2 frames");
      const differ = [...tshark].filter(([no, s]) => ours.get(no) !== s);
      assert.ok(
        differ.length <= Math.floor(tshark.size / 50),
        `summaries differ: ${JSON.stringify(differ.slice(0, 5))}`,
      );
      if (scenario.startsWith("enc"))
        assert.ok([...t.packets].filter((p) => p.summary.startsWith("Decrypted SMB3")).length > 10);
    } finally {
      t.close();
    }
  });
}

test("pair veto-tmp: the vetoed create is the first divergence under the default profile", async () => {
  const pair = await runPair("veto-tmp", join(out, "pair"));
  const a = await openTrace(pair.a.pcap);
  const b = await openTrace(pair.b.pcap);
  try {
    const res = diffTraces(a, b, {});
    const first = res.firstDivergence;
    assert.ok(first !== undefined && first >= 0, "a divergence is found");
    const row = res.rows[first!]!;
    const path = row.b?.path ?? row.a?.path ?? "";
    assert.match(
      path,
      /\.tmp$/,
      `first divergence is about the .tmp file: ${JSON.stringify(row).slice(0, 300)}`,
    );
    assert.equal(row.b?.status, 0xc0000034, "STATUS_OBJECT_NAME_NOT_FOUND in B");
  } finally {
    a.close();
    b.close();
  }
});

test("two runs of the same job compare equal (exit 0) under the default profile", async () => {
  const r1 = await runScenario("file-ops-311", { outDir: join(out, "run1") });
  const r2 = await runScenario("file-ops-311", { outDir: join(out, "run2") });
  const cli = smbcmpBin();
  const p = spawnSync(process.execPath, [cli, "diff", "--deep", "--color", "never", r1.pcap, r2.pcap], {
    encoding: "utf8",
  });
  assert.equal(p.status, 0, `expected no difference:\n${p.stdout.slice(-3000)}\n${p.stderr}`);
});
