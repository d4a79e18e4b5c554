/**
 * `--nbss`: NetBIOS session requests, responses and keep-alives on port 139 are listed, shown and
 * counted only when asked for. The fixture is smbclient against Samba on 127.0.0.1:139.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { smbcmpBin } from "./bin.js";

const ROOT = join(import.meta.dirname, "../..");
const MAIN = smbcmpBin();
const CAP = join(ROOT, "test/fixtures/nbss/smbclient-139.pcap");

function smbcmp(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, SMBCMP_CONFIG: "/nonexistent", SMBCMP_KEYS: "", NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const numbers = (out: string) =>
  out
    .trim()
    .split("\n")
    .map((l) => Number(l.trim().split(/\s+/)[0]));

test("list: session request and positive response only with --nbss, as tshark shows them", () => {
  const plain = smbcmp("list", CAP);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(numbers(plain.stdout)[0], 8);
  const all = smbcmp("list", CAP, "--nbss");
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(numbers(all.stdout).slice(0, 3), [4, 6, 8]);
  const lines = all.stdout.split("\n");
  assert.match(lines[0]!, /Session request, to 127\.0\.0\.1<20> from VM<00>$/);
  assert.match(lines[1]!, /Positive session response$/);
  assert.equal(numbers(all.stdout).length, numbers(plain.stdout).length + 2);
});

test("list --json: proto nbss with the NBSS type as command", () => {
  const r = smbcmp("list", CAP, "--nbss", "--json");
  const first = JSON.parse(r.stdout.split("\n")[0]!);
  assert.equal(first.number, 4);
  assert.equal(first.messages[0].proto, "nbss");
  assert.equal(first.messages[0].command, 0x81);
});

test("show: the nbss tree of the session request, with Wireshark's field names", () => {
  const r = smbcmp("show", CAP, "4", "--nbss", "--json");
  assert.equal(r.code, 0, r.stderr);
  const pkt = JSON.parse(r.stdout);
  const flat: { name: string; show: string }[] = [];
  const walk = (ns: { name: string; show: string; children?: unknown[] }[]) => {
    for (const n of ns) {
      flat.push(n);
      walk((n.children ?? []) as typeof ns);
    }
  };
  walk(pkt.tree ?? pkt[0]?.tree);
  const get = (name: string) => flat.find((n) => n.name === name)?.show;
  assert.equal(get("nbss.type"), "0x81");
  assert.equal(get("nbss.called_name"), "127.0.0.1<20>");
  assert.equal(get("nbss.calling_name"), "VM<00>");
  // Without --nbss, frame 4 is not an SMB packet.
  const no = smbcmp("show", CAP, "4");
  assert.equal(no.code, 2);
  assert.match(no.stderr, /packet 4 is not an SMB packet/);
});

test("web: --nbss reaches the capture's load worker (its packet list has the NBSS messages)", async () => {
  const child = spawn(process.execPath, [MAIN, "web", "--no-open", "--nbss", CAP], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SMBCMP_CONFIG: "/nonexistent", SMBCMP_KEYS: "" },
  });
  try {
    let out = "";
    const url = await new Promise<URL>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        const m = /(http:\/\/\S+token=\S+)/.exec(out);
        if (m) resolve(new URL(m[1]!));
      });
      child.on("exit", (c) => reject(new Error(`smbcmp web exited (${c}): ${out}`)));
    });
    const r = await fetch(new URL("/api/call/packets", url), {
      method: "POST",
      headers: { "content-type": "application/json", "x-smbcmp-token": url.searchParams.get("token")! },
      body: JSON.stringify({ side: "a", offset: 0, limit: 3 }),
    });
    assert.equal(r.status, 200);
    // Rows are [no, time, src, dst, summary, flags] (src/web/session.ts PacketRow).
    const body = (await r.json()) as { rows: [number, number, string, string, string, number][] };
    assert.deepEqual(
      body.rows.map((p) => p[0]),
      [4, 6, 8],
    );
    assert.match(body.rows[0]![4], /Session request/);
  } finally {
    child.kill("SIGTERM");
  }
});
