/** `--engine tshark`: the same Trace interface from tshark's PDML, interchangeable with ours. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { find } from "../../src/dissect/tree.js";
import { openTsharkTrace } from "../../src/engine/tshark.js";
import { detectAndParse } from "../../src/keys/index.js";
import { openTrace } from "../../src/trace/index.js";
import type { Trace } from "../../src/trace/types.js";
import { smbcmpBin } from "../cli/bin.js";

const ROOT = join(import.meta.dirname, "../..");
const SMB2 = join(ROOT, "test/fixtures/corpus/zeek__zeek/testing/btest/Traces/smb/smb2_100_small_files.pcap");

test("tshark engine lists the same SMB2 frames, commands and statuses as the native engine", async () => {
  const [a, b] = await Promise.all([openTrace(SMB2), openTsharkTrace(SMB2)]);
  assert.deepEqual(
    [...b.packets].map((p) => p.no),
    [...a.packets].map((p) => p.no),
  );
  const sig = (t: Trace) =>
    [...t.packets].map((p) => p.messages.map((m) => `${m.cmd}/${m.isResponse}/${m.status}`).join(","));
  assert.deepEqual(sig(b), sig(a));
  const same = [...a.packets].filter((p, i) => p.summary === b.packets.at(i)!.summary).length;
  assert.ok(same / a.packets.length > 0.95, `${same}/${a.packets.length} summaries equal`);
  const tree = b.tree(a.packets.at(0)!.no);
  assert.equal(find(tree, "smb2.cmd")?.show, String(a.packets.at(0)!.messages[0]!.cmd));
  a.close();
  b.close();
});

test("tshark engine decrypts with the same key file", async () => {
  const keys = detectAndParse(readFileSync(join(ROOT, "examples/encrypted.keys"), "utf8"), "keys");
  const t = await openTsharkTrace(join(ROOT, "examples/encrypted.pcap"), { keys });
  assert.ok([...t.packets].filter((p) => p.summary.startsWith("Decrypted SMB3")).length > 10);
});

test("smbcmp list --engine tshark, and a clear error when tshark cannot run", () => {
  const cli = smbcmpBin();
  const r = spawnSync(
    process.execPath,
    [cli, "list", "--engine", "tshark", join(ROOT, "examples/good.pcap")],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Negotiate Protocol Request/);
  const bad = spawnSync(
    process.execPath,
    [cli, "list", "--engine", "tsark", join(ROOT, "examples/good.pcap")],
    { encoding: "utf8" },
  );
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /tshark/);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
});

test("tshark engine keeps compact packets: a tree evicted from its cache is rebuilt identical", async () => {
  const t = await openTsharkTrace(SMB2);
  const first = t.packets.at(0)!.no;
  const before = JSON.stringify(t.tree(first, { allLayers: true }));
  const smb = JSON.stringify(t.tree(first));
  // More distinct trees than the cache holds, so the first one is parsed again from its PDML.
  for (const p of [...t.packets].slice(1, 200)) assert.ok(t.tree(p.no).length > 0);
  assert.equal(JSON.stringify(t.tree(first, { allLayers: true })), before);
  assert.equal(JSON.stringify(t.tree(first)), smb);
  assert.ok(find(t.tree(first, { allLayers: true }), "tcp.srcport"), "all layers are kept");
  t.close();
});
