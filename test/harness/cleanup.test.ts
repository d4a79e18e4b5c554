// The harness must leave nothing behind: not after success, not after a failing scenario,
// not when the CLI is interrupted with SIGINT in the middle of a run.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runScenario, type Scenario } from "../../tools/harness/index.js";
import { alive, assertCleanedUp, captureSkipReason, processesMentioning } from "./util.js";

const skip = captureSkipReason();

const out = mkdtempSync(join(tmpdir(), "smbcmp-harness-out-"));
after(() => rmSync(out, { recursive: true, force: true }));
const repo = join(import.meta.dirname, "..", "..");

test("a failing scenario rejects and still cleans up", { skip }, async () => {
  const bad: Scenario = {
    name: "bad-share",
    steps: [{ smbclient: ["ls"], share: "nosuchshare" }],
  };
  let info = { tmpDir: "", pids: [] as number[] };
  await assert.rejects(
    runScenario(bad, { outDir: out, onStart: (i) => (info = i) }),
    /step 0 \(smbclient\) exited with 1/,
  );
  assert.notEqual(info.tmpDir, "");
  assert.deepEqual(assertCleanedUp(info), []);
});

test("invalid scenarios are refused before anything starts", async () => {
  await assert.rejects(runScenario({ name: "x", steps: [] } as Scenario, { outDir: out }), /non-empty/);
  await assert.rejects(
    runScenario(
      { name: "x", server: { global: { "a\nb": 1 } }, steps: [{ smbclient: ["ls"] }] },
      { outDir: out },
    ),
    /newline/,
  );
  await assert.rejects(runScenario("no-such-scenario", { outDir: out }), /not found/);
  await assert.rejects(
    runScenario({ name: "x", steps: [{ smbclient: ["ls; rm x"] }] }, { outDir: out }),
    /';'/,
  );
  await assert.rejects(
    runScenario({ name: "x", steps: [{ smbtorture: ["--help"] }] }, { outDir: out }),
    /test names/,
  );
  await assert.rejects(
    runScenario({ name: "x", steps: [{ impacket: "../x.py" }] }, { outDir: out }),
    /impacket/,
  );
  await assert.rejects(
    runScenario({ name: "../x", steps: [{ smbclient: ["ls"] }] }, { outDir: out }),
    /name/,
  );
});

test("SIGINT to the CLI mid-scenario kills smbd/tcpdump/clients and removes the temp dir", {
  skip,
}, async () => {
  // A client that blocks (change notify waits forever) keeps the run busy until we interrupt it.
  const sc: Scenario = {
    name: "blocks",
    setup: [{ path: "watched", dir: true }],
    steps: [{ smbclient: ["notify watched"], timeoutMs: 60_000 }],
  };
  const file = join(out, "blocks.json");
  writeFileSync(file, JSON.stringify(sc));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "tools/harness/cli.ts", "run", file, "--out", out, "--verbose"],
    { cwd: repo, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  const started = new Promise<{ tmpDir: string; pids: number[] }>((res, rej) => {
    child.stdout.on("data", (d: Buffer) => {
      text += d.toString();
      const m = /started tmp=(\S+) pids=([\d,]+)/.exec(text);
      if (m) res({ tmpDir: m[1], pids: m[2].split(",").map(Number) });
    });
    child.on("exit", () => rej(new Error(`cli exited before starting: ${text}`)));
  });
  const info = await started;
  await new Promise((r) => setTimeout(r, 1500)); // let smbclient connect and block in notify
  const exited = new Promise<NodeJS.Signals | number | null>((res) =>
    child.on("exit", (code, sig) => res(sig ?? code)),
  );
  assert.ok(existsSync(info.tmpDir), "temp dir exists while running");
  for (const p of info.pids) assert.ok(alive(p), `pid ${p} alive while running`);
  assert.ok(processesMentioning(info.tmpDir).length >= 1, "smbd runs from the temp dir");
  child.kill("SIGINT");
  const how = await exited;
  assert.ok(how === "SIGINT" || how === 130, `cli ended by SIGINT (got ${how})`);
  assert.deepEqual(assertCleanedUp(info), []);
  // The interrupted run still leaves its log and the partial capture (port rewritten to 445).
  assert.match(readFileSync(join(out, "blocks.log"), "utf8"), /# smbd output/);
  assert.ok(existsSync(join(out, "blocks.pcap")));
});
