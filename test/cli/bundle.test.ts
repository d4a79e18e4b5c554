/**
 * The bundled bin (package.json "bin", scripts/bundle.mjs): it starts, knows its version, runs the
 * engine, finds its worker threads, maps --debug stack traces to src/, and the package ships every
 * file it loads.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { ROOT, smbcmpBin } from "./bin.js";

const BIN = smbcmpBin({ web: true });
const GOOD = join(ROOT, "examples/good.pcap");
const BAD = join(ROOT, "examples/bad.pcap");
const ENV = { ...process.env, SMBCMP_CONFIG: "/nonexistent", SMBCMP_KEYS: "", NO_COLOR: "" };
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  bin: { smbcmp: string };
};

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", env: ENV });
}

test("the bin is the bundle, executable, and --version is package.json's", () => {
  assert.equal(relative(ROOT, BIN), PKG.bin.smbcmp);
  assert.match(PKG.bin.smbcmp, /^dist\/bundle\//);
  assert.match(readFileSync(BIN, "utf8"), /^#!\/usr\/bin\/env node\n/);
  accessSync(BIN, constants.X_OK);
  // Run directly, as npx and a global install do: shebang and execute bit.
  const direct = spawnSync(BIN, ["--version"], { encoding: "utf8", env: ENV });
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(direct.stdout, `smbcmp ${PKG.version}\n`);
  const r = run(["-V"]);
  assert.equal(r.stdout, `smbcmp ${PKG.version}\n`);
});

test("list and diff run the engine (README command 1: diff exits 1 and prints the diff)", () => {
  const l = run(["list", GOOD]);
  assert.equal(l.status, 0, l.stderr);
  const lines = l.stdout.trimEnd().split("\n");
  assert.ok(lines.length > 50, `${lines.length} lines`);
  assert.match(lines[0]!, /^\s+\d+\s+0\.000000 .*Negotiate Protocol Request$/);
  assert.equal(l.stderr, "");
  const d = run(["diff", GOOD, BAD]);
  assert.equal(d.status, 1, d.stderr);
  assert.match(d.stdout, /^--- A .*good\.pcap\n\+\+\+ B .*bad\.pcap\n/);
  assert.match(d.stdout, /STATUS_OBJECT_NAME_NOT_FOUND/);
});

test("usage errors and --debug: one line without a stack; with --debug the stack points into src/", () => {
  const u = run(["dif"]);
  assert.equal(u.status, 2);
  assert.equal(u.stderr, "smbcmp: unknown command 'dif' (did you mean 'diff'?); see smbcmp -h\n");
  const e = run(["list", "--debug", "/nonexistent.pcap"]);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /smbcmp: cannot open \/nonexistent\.pcap/);
  assert.match(e.stderr, /\n\s+at .*src\/capture\/\w+\.ts:\d+:\d+\)/);
});

test("smbcmp web from the bundle: the page, and heavy calls answered by the bundled compute worker", async () => {
  const child = spawn(process.execPath, [BIN, "web", GOOD, BAD, "--no-open"], {
    cwd: ROOT,
    env: ENV,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
        if (m) resolve(m[0]);
      });
      child.on("exit", (c) => reject(new Error(`exited ${c}: ${out}${err}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /content="server"/);
    const token = url.replace(/.*token=/, "");
    const call = async (method: string, params: object) => {
      const r = await fetch(new URL(`/api/call/${method}`, url), {
        method: "POST",
        headers: { "X-Smbcmp-Token": token },
        body: JSON.stringify(params),
      });
      const text = await r.text();
      assert.equal(r.status, 200, text);
      return JSON.parse(text);
    };
    // "stats" and "report" are HEAVY (src/web/compute.ts): computed in compute-worker.mjs.
    const stats = await call("stats", {});
    assert.equal(typeof stats.total, "number");
    assert.ok(stats.total > 100, JSON.stringify(stats).slice(0, 200));
    const report = await call("report", {});
    assert.match(report.html, /good\.pcap vs bad\.pcap/);
    assert.equal(err, "");
  } finally {
    const done = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await done;
  }
});

test("the package ships the bin, every chunk and worker it imports, and the web page", () => {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set(
    (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path),
  );
  assert.ok(files.has(PKG.bin.smbcmp));
  assert.ok(files.has("dist/web/index.html"));
  const dir = dirname(PKG.bin.smbcmp);
  // Worker entries are loaded by URL (src/worker/spawn.ts, src/web/compute.ts), not by import.
  const need = ["main", "load-worker", "align-worker", "compute-worker"].map((n) => `${dir}/${n}.mjs`);
  for (let i = 0; i < need.length; i++) {
    const f = need[i]!;
    assert.ok(files.has(f), `${f} is not in the package`);
    const src = readFileSync(join(ROOT, f), "utf8");
    for (const m of src.matchAll(/(?:from|import)\s*\(?"\.\/([\w.-]+\.mjs)"/g)) {
      const dep = `${dir}/${m[1]}`;
      if (!need.includes(dep)) need.push(dep);
    }
  }
  assert.ok(need.length > 10, need.join(" "));
});
