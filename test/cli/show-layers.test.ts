/** `smbcmp show --all-layers`: frame, link, IP and TCP trees before the NBSS and SMB layers. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { smbcmpBin } from "./bin.js";

const ROOT = join(import.meta.dirname, "../..");
const MAIN = smbcmpBin();
const GOOD = join(ROOT, "examples/good.pcap");

interface J {
  name: string;
  show: string;
  children?: J[];
}

function show(...args: string[]): J[] {
  const r = spawnSync(process.execPath, [MAIN, "show", GOOD, "10", "--json", ...args], {
    encoding: "utf8",
    env: { ...process.env, SMBCMP_CONFIG: "/nonexistent", SMBCMP_KEYS: "" },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).tree;
}

const find = (ns: J[], name: string): J | undefined => {
  for (const n of ns) {
    if (n.name === name) return n;
    const c = find(n.children ?? [], name);
    if (c) return c;
  }
  return undefined;
};

test("--all-layers: frame/eth/ip/tcp/nbss then smb2, with tshark's field names and values", () => {
  const tree = show("--all-layers");
  assert.deepEqual(
    tree.map((n) => n.name),
    ["frame", "eth", "ip", "tcp", "nbss", "smb2"],
  );
  assert.equal(find(tree, "frame.number")?.show, "10");
  assert.equal(find(tree, "ip.src")?.show, "127.0.0.1");
  assert.equal(find(tree, "tcp.srcport")?.show, "445");
  assert.ok(Number(find(tree, "nbss.length")?.show) > 64);
});

test("without --all-layers: the SMB layers only", () => {
  assert.deepEqual(
    show().map((n) => n.name),
    ["smb2"],
  );
});
