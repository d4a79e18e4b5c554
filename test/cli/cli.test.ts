/**
 * The CLI users run (the bundle, package.json "bin", rebuilt by ./bin.ts when stale) as a subprocess: every subcommand, the documented
 * options, error paths, exit codes, JSON shapes (docs/json.md), pipe and signal behaviour.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { smbcmpBin } from "./bin.js";

const ROOT = join(import.meta.dirname, "../..");
const MAIN = smbcmpBin();
const GOOD = join(ROOT, "examples/good.pcap");
const BAD = join(ROOT, "examples/bad.pcap");
const ENC = join(ROOT, "examples/encrypted.pcap");
const ENC_KEY = "0x0000000061ddacfc,ae2468118c424ca366084302f4392ba1";
const MANY = join(ROOT, "examples/many-commands.pcap");
const TMP = mkdtempSync(join(tmpdir(), "smbcmp-cli-"));
// No user config or key files from the machine running the tests.
const ENV = { ...process.env, SMBCMP_CONFIG: join(TMP, "none.ini"), SMBCMP_KEYS: "", NO_COLOR: "" };

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...ENV, ...env } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** An error is one line on stderr, never a stack trace. */
function oneLineError(r: Run, code = 2, re?: RegExp): void {
  assert.equal(r.code, code, `exit ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^smbcmp: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.doesNotMatch(r.stderr, /internal error/);
  if (re) assert.match(r.stderr, re);
}

// --- tiny schema checker for docs/json.md ---
type Shape = "string" | "number" | "boolean" | "array" | "object" | "null" | Shape[];
function check(obj: unknown, shape: Record<string, Shape>, where = "$"): void {
  assert.equal(typeof obj, "object", `${where} is not an object`);
  for (const [k, want] of Object.entries(shape)) {
    const v = (obj as Record<string, unknown>)[k];
    const kinds = Array.isArray(want) ? want : [want];
    const got = v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
    assert.ok(kinds.includes(got as Shape), `${where}.${k}: ${got}, expected ${kinds.join("|")}`);
  }
}

const ENC_KEYS = join(TMP, "enc.keys");
const CAP_MISSING = join(TMP, "missing.pcap");
const CAP_TEXT = join(TMP, "text.pcap");
const CAP_EMPTY = join(TMP, "empty.pcap");
const CAP_NOSMB = join(TMP, "nosmb.pcap");

function pcapHeader(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16);
  b.writeUInt32LE(1, 20);
  return b;
}

before(() => {
  writeFileSync(CAP_TEXT, "this is not a capture\n");
  writeFileSync(ENC_KEYS, `# smbcmp key file\n${ENC_KEY.replace(",", " ")}\n`);
  writeFileSync(CAP_EMPTY, pcapHeader());
  // One UDP packet, no SMB.
  const eth = Buffer.concat([Buffer.alloc(12), Buffer.from([8, 0])]);
  const ip = Buffer.from([0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
  const udp = Buffer.from([0, 53, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4]);
  const pkt = Buffer.concat([eth, ip, udp]);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(1, 0);
  rec.writeUInt32LE(pkt.length, 8);
  rec.writeUInt32LE(pkt.length, 12);
  writeFileSync(CAP_NOSMB, Buffer.concat([pcapHeader(), rec, pkt]));
});

describe("help, version, usage errors", { concurrency: 3 }, () => {
  test("top-level help lists every command", async () => {
    const r = await run(["-h"]);
    assert.equal(r.code, 0);
    for (const c of ["diff", "list", "show", "stats", "keys", "tui", "completion"])
      assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  });
  test("--version", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const r = await run(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `smbcmp ${pkg.version}\n`);
  });
  for (const c of ["diff", "list", "show", "stats", "keys", "completion"])
    test(`${c} -h has usage, options and examples`, async () => {
      const r = await run([c, "-h"]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^usage: smbcmp /);
      assert.match(r.stdout, /\noptions:\n/);
      assert.match(r.stdout, /\nExamples:\n/);
      assert.equal(r.stderr, "");
    });
  test("unknown command suggests the closest", async () => {
    oneLineError(await run(["dif"]), 2, /did you mean 'diff'/);
    oneLineError(await run(["stast", "x"]), 2, /did you mean 'stats'/);
  });
  test("unknown option suggests the closest", async () => {
    oneLineError(await run(["diff", "--contxt", "3", GOOD, BAD]), 2, /did you mean --context/);
    oneLineError(await run(["list", "--jsn", GOOD]), 2, /did you mean --json/);
    oneLineError(await run(["--verison"]), 2, /did you mean --version/);
  });
  test("bad option values", async () => {
    oneLineError(await run(["diff", GOOD, BAD, "--color", "sometimes"]), 2, /auto, always, never/);
    oneLineError(await run(["diff", GOOD, BAD, "--format", "xml"]), 2, /text, json, html/);
    oneLineError(await run(["diff", GOOD, BAD, "--context", "-x"]), 2);
    oneLineError(await run(["diff", GOOD, BAD, "-C", "two"]), 2, /--context/);
    oneLineError(await run(["list", GOOD, "--port", "99999"]), 2, /bad port/);
    oneLineError(await run(["diff", GOOD]), 2, /two captures/);
    oneLineError(await run(["diff", `${GOOD}:75`, BAD]), 2, /both sides/);
    oneLineError(await run(["completion", "fish"]), 2, /bash.*zsh/);
  });
  test("bad keys", async () => {
    oneLineError(await run(["list", GOOD, "-k", "garbage"]), 2, /SESSID,KEY/);
    oneLineError(await run(["keys", ENC, "-k", "0x12,zz"]), 2, /not hex/);
    oneLineError(await run(["list", GOOD, "--keys", CAP_MISSING]), 2, /cannot read key file/);
  });
  test("bad ignore rule and profile", async () => {
    oneLineError(await run(["diff", GOOD, BAD, "-i", "smb2.x=bogus:1"]), 2, /bad --ignore rule/);
    oneLineError(await run(["diff", GOOD, BAD, "-p", "nosuch"]), 2, /unknown profile "nosuch"/);
  });
  test("an ignore rule that matches no field: a warning with the nearest name (it would ignore nothing)", async () => {
    const r = await run([
      "diff",
      GOOD,
      BAD,
      "-i",
      "smb2.create.tme",
      "-i",
      "smb2.credits.granted",
      "-i",
      "tcp.x",
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "smbcmp: warning: --ignore smb2.create.tme: no field is named smb2.create.tme (did you mean smb2.create.time?)\n",
    );
    assert.ok(r.stdout.includes("differ"));
    assert.equal((await run(["diff", "-q", GOOD, BAD, "-i", "smb2.create.tme"])).stderr, "");
  });
  test("bad filters: one line with the column", async () => {
    oneLineError(await run(["list", GOOD, "-Y", "smb2.cmd == 5 &&"]), 2, /column 17: expected a field name/);
    oneLineError(await run(["list", GOOD, "-Y", "smb2.cmd = 5"]), 2, /column 10/);
    oneLineError(await run(["diff", GOOD, BAD, "-Y", "(smb2.cmd == 5"]), 2, /expected '\)'/);
    oneLineError(await run(["stats", GOOD, "-Y", 'smb2.filename matches "("']), 2, /regular expression/);
  });
  test("a filter field no packet has: a warning naming it (a typo would match nothing silently)", async () => {
    const typo = await run(["list", GOOD, "-Y", 'smb2.cmd == 5 && smb2.filname contains "tmp"']);
    assert.equal(typo.code, 0);
    assert.equal(typo.stdout, "");
    assert.match(
      typo.stderr,
      /^smbcmp: warning: .*good\.pcap: no packet has a field named smb2\.filname \(did you mean smb2\.filename\?\)$/m,
    );
    assert.equal(typo.stderr.trim().split("\n").length, 1);
    const diff = await run(["diff", GOOD, BAD, "-Y", "smb2.nosuch || smb2.cmd == 5"]);
    assert.equal(diff.stderr.match(/no packet has a field named smb2\.nosuch/g)?.length, 1, "once per name");
    const right = await run(["list", GOOD, "-Y", "smb2.cmd == 5 && smb2.create.disposition == 1"]);
    assert.ok(right.stdout.includes("Create Request"));
    assert.equal(right.stderr, "");
    assert.equal((await run(["list", "-q", GOOD, "-Y", "smb2.filname"])).stderr, "");
  });
});

describe("capture errors", { concurrency: 3 }, () => {
  const cases: [string, string, RegExp][] = [
    ["missing file", CAP_MISSING, /cannot open .*ENOENT/],
    ["not a capture", CAP_TEXT, /not a capture file/],
    ["empty capture", CAP_EMPTY, /No SMB packet/],
    ["no SMB packet", CAP_NOSMB, /No SMB packet/],
  ];
  for (const [what, cap, re] of cases) {
    test(`${what}: every command exits 2 with one line`, async () => {
      oneLineError(await run(["list", cap]), 2, re);
      oneLineError(await run(["stats", cap]), 2, re);
      oneLineError(await run(["diff", GOOD, cap, "--shallow"]), 2, re);
      oneLineError(await run([cap, GOOD, "--bisect"]), 125, re);
    });
  }
  test("show: missing packet, not SMB", async () => {
    oneLineError(await run(["show", GOOD, "99999"]), 2, /not an SMB packet/);
    oneLineError(await run(["show", CAP_MISSING, "1"]), 2, /ENOENT/);
    oneLineError(await run(["diff", `${GOOD}:99999`, `${BAD}:79`]), 2, /not an SMB packet/);
  });
  test("--debug shows the stack", async () => {
    const r = await run(["list", CAP_TEXT, "--debug"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\n\s+at /);
  });
  test("--bisect turns usage trouble into 125 too", async () => {
    assert.equal((await run(["diff", GOOD, BAD, "--bisect", "--nope"])).code, 125);
  });
});

describe("diff", { concurrency: 3 }, () => {
  test("good vs bad: exit 1, the data.tmp create failing is the first divergence", async () => {
    const r = await run(["diff", GOOD, BAD]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, "");
    const first = r.stdout.split("\n").find((l) => /^[!+-] /.test(l));
    assert.match(
      first!,
      /^! .*Create Request File: incoming\\batch1\\data\.tmp .*\| .*data\.tmp → 0xc0000034/,
    );
    assert.match(
      r.stdout,
      /NT Status: STATUS_SUCCESS \(0x00000000\) → STATUS_OBJECT_NAME_NOT_FOUND \(0xc0000034\)/,
    );
    assert.match(r.stdout, /first divergence at row \d+/);
    assert.doesNotMatch(r.stdout, /\x1b\[/);
  });
  test("a capture with itself: exit 0", async () => {
    for (const f of [MANY]) {
      const r = await run(["diff", f, f]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /no divergence/);
    }
    const e = await run(["diff", ENC, ENC, "--keys", ENC_KEYS, "--shallow"]);
    assert.equal(e.code, 0, e.stderr);
  });
  test("--json follows docs/json.md", async () => {
    const r = await run(["diff", GOOD, BAD, "--json"]);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    check(j, {
      version: "number",
      type: "string",
      a: "object",
      b: "object",
      summary: "object",
      firstDivergence: ["number", "null"],
      rules: "array",
      connections: "array",
      rows: "array",
      errors: "array",
      deep: "boolean",
      first: "boolean",
      filter: ["string", "null"],
    });
    assert.equal(j.version, 1);
    assert.equal(j.type, "traces");
    assert.equal(j.deep, true);
    check(j.summary, { ops: "number", same: "number", differ: "number", onlyA: "number", onlyB: "number" });
    for (const row of j.rows) {
      check(row, { index: "number", kind: "string", a: ["object", "null"], b: ["object", "null"] });
      assert.ok(["same", "differ", "only-a", "only-b"].includes(row.kind));
      for (const op of [row.a, row.b].filter(Boolean))
        check(op, {
          index: "number",
          proto: "number",
          cmd: "number",
          msgId: "string",
          frames: "array",
          path: "string",
          status: ["number", "null"],
          text: "string",
        });
    }
    const first = j.rows[j.firstDivergence];
    assert.equal(first.kind, "differ");
    assert.equal(first.b.cmd, 5);
    assert.match(first.b.path, /data\.tmp$/);
    assert.equal(first.b.status, 0xc0000034);
    check(first.fields, { count: "number", parts: "array" });
  });
  test("--first stops at the first divergence", async () => {
    const j = JSON.parse((await run(["diff", GOOD, BAD, "--first", "--json"])).stdout);
    assert.equal(j.first, true);
    assert.equal(j.rows.length, j.firstDivergence + 1);
    const t = await run(["diff", GOOD, BAD, "--first", "--shallow"]);
    assert.equal(t.code, 1);
    assert.equal(t.stdout.split("\n").filter((l) => /^[!+-] /.test(l)).length, 1);
  });
  test("--shallow / --deep / default", async () => {
    const sh = JSON.parse((await run(["diff", GOOD, BAD, "--json", "--shallow"])).stdout);
    const dp = JSON.parse((await run(["diff", GOOD, BAD, "--json"])).stdout);
    assert.equal(sh.deep, false);
    assert.equal(dp.deep, true);
    // Deep finds pairs that differ only in fields.
    assert.ok(dp.summary.differ > sh.summary.differ, `${dp.summary.differ} vs ${sh.summary.differ}`);
    oneLineError(await run(["diff", GOOD, BAD, "--deep", "--shallow"]), 2, /exclude/);
  });
  test("profiles and ignore rules change what counts", async () => {
    const def = JSON.parse((await run(["diff", GOOD, BAD, "--json", "-Y", "smb2.cmd == 5"])).stdout);
    const none = JSON.parse(
      (await run(["diff", GOOD, BAD, "--json", "-Y", "smb2.cmd == 5", "-p", "none"])).stdout,
    );
    assert.deepEqual(none.rules, []);
    // Without the default profile, ids, times and credits count: every create pair differs.
    assert.ok(none.summary.differ > def.summary.differ, `${none.summary.differ} vs ${def.summary.differ}`);
    const more = JSON.parse(
      (
        await run([
          "diff",
          GOOD,
          BAD,
          "--json",
          "--shallow",
          "-i",
          "smb2.credits.granted",
          "--ignore",
          "smb2.nt_status=both-success",
        ])
      ).stdout,
    );
    assert.deepEqual(more.rules.slice(-2), ["smb2.credits.granted", "smb2.nt_status=both-success"]);
    // A user profile from ~/.smbcmp (SMBCMP_CONFIG), the original smbcmp's file with [global] keys.
    const cfg = join(TMP, "smbcmp.ini");
    writeFileSync(
      cfg,
      "[global]\nvsplit_ratio = 0.5\nkey_lwin_next = d\n\n[profile mine]\nignore = @default, smb2.*\n",
    );
    const mine = await run(["diff", GOOD, BAD, "--json", "--shallow", "-p", "mine"], { SMBCMP_CONFIG: cfg });
    assert.equal(mine.code, 1, mine.stderr);
    assert.ok(JSON.parse(mine.stdout).rules.includes("smb2.*"));
    const viaC = await run(["diff", GOOD, BAD, "--json", "--shallow", "-c", cfg, "-p", "mine"]);
    assert.ok(JSON.parse(viaC.stdout).rules.includes("smb2.*"));
    oneLineError(await run(["diff", GOOD, BAD, "-c", join(TMP, "nope.ini")]), 2, /cannot read config file/);
  });
  test("-Y filters both traces before alignment", async () => {
    const r = await run(["diff", GOOD, BAD, "--json", "-Y", "smb2.cmd == 5"]);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.filter, "smb2.cmd == 5");
    for (const row of j.rows) for (const op of [row.a, row.b].filter(Boolean)) assert.equal(op.cmd, 5);
    const same = await run(["diff", GOOD, BAD, "-Y", "smb2.cmd == 0"]);
    assert.equal(same.code, 0, same.stdout);
    oneLineError(await run(["diff", GOOD, BAD, "-Y", "smb2.cmd == 99"]), 2, /matches the filter/);
  });
  test("packet pair A:NO B:NO (tree, text, json, html)", async () => {
    const t = await run(["diff", `${GOOD}:76`, `${BAD}:80`]);
    assert.equal(t.code, 1);
    assert.match(t.stdout, /STATUS_OBJECT_NAME_NOT_FOUND/);
    const x = await run(["diff", `${GOOD}:75`, `${BAD}:79`, "-m", "text"]);
    assert.equal(x.code, 1);
    assert.match(x.stdout, /^--- .*good\.pcap:75\n\+\+\+ .*bad\.pcap:79\n@@/);
    const same = await run(["diff", `${GOOD}:75`, `${GOOD}:75`, "-m", "pdml"]);
    assert.equal(same.code, 0);
    const j = JSON.parse((await run(["diff", `${GOOD}:76`, `${BAD}:80`, "--json"])).stdout);
    check(j, {
      version: "number",
      type: "string",
      a: "object",
      b: "object",
      count: "number",
      rules: "array",
      error: ["string", "null"],
      nodes: "array",
    });
    assert.equal(j.type, "packets");
    const h = join(TMP, "pair.html");
    assert.equal((await run(["diff", `${GOOD}:76`, `${BAD}:80`, "--format", "html", "-o", h])).code, 1);
    assert.match(readFileSync(h, "utf8"), /<html/i);
  });
  test("--format html -o FILE", async () => {
    const h = join(TMP, "r.html");
    const r = await run(["diff", GOOD, BAD, "--format", "html", "-o", h]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const html = readFileSync(h, "utf8");
    assert.match(html, /<html/i);
    assert.match(html, /data\.tmp/);
    oneLineError(
      await run(["diff", GOOD, BAD, "--format", "html", "-o", join(TMP, "no/such/dir.html")]),
      2,
      /cannot write/,
    );
  });
  test("--color always/never/auto and NO_COLOR", async () => {
    assert.match((await run(["diff", GOOD, BAD, "--shallow", "--color", "always"])).stdout, /\x1b\[33m/);
    assert.doesNotMatch((await run(["diff", GOOD, BAD, "--shallow", "--color", "never"])).stdout, /\x1b\[/);
    assert.doesNotMatch(
      (await run(["diff", GOOD, BAD, "--shallow", "--color", "auto"], { NO_COLOR: "1" })).stdout,
      /\x1b\[/,
    );
    assert.match((await run(["list", BAD, "--color", "always"])).stdout, /\x1b\[31m.*OBJECT_NAME_NOT_FOUND/);
  });
  test("--bisect: 0 same, 1 different, 125 trouble", async () => {
    assert.equal((await run(["diff", GOOD, GOOD, "--bisect", "-q", "--shallow"])).code, 0);
    assert.equal((await run(["diff", GOOD, BAD, "--bisect", "-q", "--shallow"])).code, 1);
    assert.equal((await run(["diff", GOOD, CAP_TEXT, "--bisect", "-q"])).code, 125);
  });
  test("original calling form: smbcmp A B and smbcmp -k ... A B", async () => {
    const r = await run([GOOD, BAD, "--shallow"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /data\.tmp → 0xc0000034/);
    const e = await run(["-k", ENC_KEY, ENC, ENC, "--shallow"]);
    assert.equal(e.code, 0, e.stderr);
    assert.equal((await run([`${GOOD}:76`, `${BAD}:80`])).code, 1);
  });
});

describe("list, show, keys, stats, completion", { concurrency: 3 }, () => {
  test("list: text and --json lines", async () => {
    const r = await run(["list", GOOD]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.ok(r.stdout.split("\n").length > 100);
    const j = await run(["list", GOOD, "--json"]);
    for (const line of j.stdout.trimEnd().split("\n")) {
      const p = JSON.parse(line);
      check(p, {
        number: "number",
        time: "number",
        src: "string",
        dst: "string",
        summary: "string",
        messages: "array",
      });
      for (const m of p.messages)
        check(m, {
          proto: "string",
          command: "number",
          is_response: "boolean",
          status: "number",
          msg_id: "string",
          session_id: "string",
          tree_id: "number",
          summary: "string",
        });
    }
  });
  test("list streams (no tree field in -Y) the lines the indexed path prints: text, --json, --color", async () => {
    // smb2.pcap has frames whose Info a later frame amends ("...Session message").
    const file = join(ROOT, "test/fixtures/corpus/zeek__zeek/testing/btest/Traces/smb/smb2.pcap");
    // smb2.fid is a tree field: the filter (true for every packet) makes list build the index.
    const all = ["-Y", "smb2.fid || !smb2.fid"];
    for (const extra of [[], ["--json"], ["--color", "always"]]) {
      const streamed = await run(["list", file, ...extra]);
      const indexed = await run(["list", file, ...extra, ...all]);
      assert.equal(streamed.code, 0);
      assert.equal(streamed.stderr, indexed.stderr);
      assert.equal(streamed.stdout, indexed.stdout);
      assert.ok(streamed.stdout.includes("Session message"));
    }
    assert.match((await run(["list", BAD, "--color", "always"])).stdout, /\x1b\[31m/);
    // An RPC call on a pipe: its message's detail names the operation, in either path.
    const pipe = join(ROOT, "test/fixtures/smb1/dcerpc-pipe.pcap");
    const pj = await run(["list", pipe, "--json"]);
    assert.equal(pj.stdout, (await run(["list", pipe, "--json", "-Y", "smb.fid || !smb.fid"])).stdout);
    const call = pj.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { number: number; messages: { detail?: string }[] })
      .find((p) => p.number === 23)!;
    assert.equal(call.messages[0]!.detail, "SRVSVC.NetShareEnumAll");
    // A filter on summary fields streams too, and picks what the indexed path picks.
    const fast = "smb2.cmd == 5 && smb2.nt_status != 0 && frame.number > 10";
    const a = await run(["list", BAD, "-Y", fast]);
    const b = await run(["list", BAD, "-Y", `(${fast}) && (smb2.fid || !smb2.fid)`]);
    assert.equal(a.stdout, b.stdout);
    assert.equal(a.stdout.trimEnd().split("\n").length, 4);
  });
  test("list -Y: fast fields, tree fields, logic", async () => {
    const lines = (r: Run) => r.stdout.trimEnd().split("\n").filter(Boolean);
    const creates = lines(await run(["list", BAD, "-Y", "smb2.cmd == 5 && smb2.nt_status != 0"]));
    assert.equal(creates.length, 4);
    for (const l of creates) assert.match(l, /Create Response, Error: STATUS_OBJECT_NAME_NOT_FOUND/);
    const named = lines(
      await run(["list", BAD, "-Y", 'smb2.filename contains "data.tmp" and smb2.flags.response == 0']),
    );
    assert.ok(named.length >= 1);
    for (const l of named) assert.match(l, /Request/);
    const tree = lines(await run(["list", GOOD, "-Y", "smb2.fid && (smb2.cmd == 6 || smb2.cmd == 8)"]));
    for (const l of tree) assert.match(l, /Close|Read/);
    assert.ok(tree.length > 0);
    const none = await run(["list", GOOD, "-Y", "smb2.cmd == 99"]);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, "");
  });
  test("show: DCE/RPC carried by an SMB1 pipe transaction, joined from the reply's two messages", async () => {
    const cap = join(ROOT, "test/fixtures/smb1/dcerpc-transact.pcap");
    const req = await run(["show", cap, "20"]);
    assert.equal(req.code, 0);
    assert.match(req.stdout, /^SMB Pipe Protocol\n {4}Function: TransactNmPipe \(0x0026\)$/m);
    assert.match(req.stdout, /^Distributed Computing Environment .*Request, Fragment: Single/m);
    assert.match(req.stdout, /Opnum: 15 \(NetShareEnumAll\)/);
    const resp = await run(["show", cap, "22"]);
    assert.match(resp.stdout, /2 SMB Segments \(4280 bytes\): #22\(3724\), #23\(556\)/);
    assert.match(resp.stdout, /Response, Fragment: First, FragLen: 4280, Call: 1/);
    assert.match(resp.stdout, /Reassembled PDU in frame: 26/);
  });
  test("show: text and --json tree", async () => {
    const r = await run(["show", `${BAD}:80`]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /STATUS_OBJECT_NAME_NOT_FOUND/);
    const j = JSON.parse((await run(["show", BAD, "80", "--json"])).stdout);
    check(j, { no: "number", summary: "string", tree: "array" });
    check(j.tree[0], {
      name: "string",
      show: "string",
      label: "string",
      offset: "number",
      length: "number",
      children: "array",
    });
  });
  test("keys: encrypted example with its key file", async () => {
    const r = await run(["keys", ENC, "--keys", ENC_KEYS]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok \(\d+ decrypted\)/);
    const j = JSON.parse((await run(["keys", ENC, "--keys", ENC_KEYS, "--json"])).stdout.split("\n")[0]!);
    check(j, {
      session_id: "string",
      dialect: "string",
      key_known: "boolean",
      key_works: ["boolean", "null"],
      errors: "array",
    });
  });
  test("stats: one capture", async () => {
    const r = await run(["stats", GOOD]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\nCommands\n/);
    assert.match(r.stdout, /SMB2 Create\s+26\s+26/);
    assert.match(r.stdout, /Service response time \(ms\)\ncommand\s+count\s+min\s+p50\s+p90\s+p99\s+max/);
    assert.match(r.stdout, /Dialects: 3\.1\.1/);
  });
  test("stats streams (no tree field in -Y) what the indexed path computes", async () => {
    const smb2 = join(ROOT, "test/fixtures/corpus/zeek__zeek/testing/btest/Traces/smb/smb2.pcap");
    const always = "(smb2.fid || !smb2.fid)"; // a tree field, true of every packet: the index is built
    for (const [args, filter] of [
      [[GOOD], ""],
      [[GOOD, BAD, "--json"], ""],
      [[smb2, ENC, "--keys", ENC_KEYS], ""],
      [[BAD, "--json"], "smb2.nt_status != 0"],
      // RPC calls come from the SMB2 and SMB1 states of either path.
      [
        [
          join(ROOT, "test/fixtures/smb2/dcerpc-fault.pcap"),
          join(ROOT, "test/fixtures/smb1/dcerpc-transact.pcap"),
        ],
        "",
      ],
    ] as const) {
      const streamed = await run(["stats", ...args, ...(filter ? ["-Y", filter] : [])]);
      const indexed = await run(["stats", ...args, "-Y", filter ? `(${filter}) && ${always}` : always]);
      assert.equal(streamed.code, 0, streamed.stderr);
      assert.equal(streamed.stdout, indexed.stdout, args.join(" "));
    }
    const none = await run(["stats", GOOD, "-Y", "smb2.cmd == 99"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no packet of .* matches the filter/);
  });
  test("stats: RPC calls on named pipes by operation, with the fault", async () => {
    const r = await run(["stats", join(ROOT, "test/fixtures/smb2/dcerpc-fault.pcap")]);
    assert.equal(r.code, 0);
    assert.match(
      r.stdout,
      /\nRPC calls on named pipes \(ms from request to response\)\noperation\s+calls\s+answered\s+faults\s+min\s+p50\s+p90\s+max\nSRVSVC\.200\s+1\s+1\s+1\s/,
    );
    assert.match(r.stdout, /\nSRVSVC\.NetShareEnumAll\s+1\s+1\s+0\s/);
  });
  test("stats --json: schema, two captures with deltas", async () => {
    const j = JSON.parse((await run(["stats", GOOD, BAD, "--json"])).stdout);
    check(j, { version: "number", type: "string", traces: "array", comparison: "object" });
    assert.equal(j.traces.length, 2);
    for (const t of j.traces) {
      check(t, {
        path: "string",
        packets: "number",
        messages: "number",
        duration: "number",
        connections: "number",
        commands: "array",
        statuses: "array",
        srt: "array",
        sessions: "array",
        trees: "array",
        dialects: "array",
        unanswered: "number",
      });
      for (const s of t.srt) {
        check(s, {
          name: "string",
          count: "number",
          min: "number",
          p50: "number",
          p90: "number",
          p99: "number",
          max: "number",
          avg: "number",
        });
        assert.ok(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max);
      }
    }
    const nf = j.comparison.statuses.find((s: { name: string }) =>
      s.name.startsWith("STATUS_OBJECT_NAME_NOT_FOUND"),
    );
    assert.deepEqual([nf.a, nf.b, nf.delta], [0, 4, 4]);
    const t = await run(["stats", GOOD, BAD]);
    assert.match(t.stdout, /STATUS_OBJECT_NAME_NOT_FOUND \(0xc0000034\)\s+0\s+4\s+\+4/);
  });
  test("completion scripts: generated files are current and bash parses them", async () => {
    const b = await run(["completion", "bash"]);
    assert.equal(b.code, 0);
    assert.equal(b.stdout, readFileSync(join(ROOT, "completions/smbcmp.bash"), "utf8"));
    const z = await run(["completion", "zsh"]);
    assert.equal(z.stdout, readFileSync(join(ROOT, "completions/_smbcmp"), "utf8"));
    assert.match(z.stdout, /^#compdef smbcmp/);
    for (const c of ["diff", "stats", "list"]) assert.match(z.stdout, new RegExp(`_smbcmp_${c}\\(\\)`));
    const f = join(TMP, "c.bash");
    writeFileSync(f, b.stdout);
    assert.equal(spawnSync("bash", ["-n", f]).status, 0);
    // Complete `smbcmp diff --col` and `smbcmp diff --color a` in a real bash.
    const probe = spawnSync("bash", [
      "-c",
      `source ${f}; COMP_WORDS=(smbcmp diff --col); COMP_CWORD=2; _smbcmp; echo "\${COMPREPLY[*]}"; COMP_WORDS=(smbcmp diff --color a); COMP_CWORD=3; _smbcmp; echo "\${COMPREPLY[*]}"`,
    ]);
    assert.equal(probe.stdout.toString(), "--color\nauto always\n");
  });
  test("man page is current", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools/gen-docs.ts"), "--check"], {
      cwd: ROOT,
    });
    assert.equal(r.status, 0, r.stderr.toString());
  });
});

describe("corpus captures", { concurrency: 3 }, () => {
  const C = join(ROOT, "test/fixtures/corpus");
  const sample = [
    "zeek__zeek/testing/btest/Traces/smb/smb1-logoff-andx-advance.pcap",
    "OISF__suricata-verify/tests/smb1-03-midstream/smb1_osx-s1-midstream-modified.pcap",
    "zeek__zeek/testing/btest/Traces/dce-rpc/kerberos445_auth.pcapng",
    "zeek__zeek/testing/btest/Traces/smb/smb311.pcap",
    "zeek__zeek/testing/btest/Traces/smb/smb_many_open_files_500.pcap.gz",
    "zeek__zeek/testing/btest/Traces/smb/smb2-zero-byte-error-ioctl.pcapng",
  ];
  for (const rel of sample)
    test(rel.split("/").pop()!, async () => {
      const f = join(C, rel);
      const d = await run(["diff", "-q", "--deep", f, f]);
      assert.equal(d.code, 0, `${d.stdout.slice(-500)}${d.stderr}`);
      assert.equal(d.stderr, "");
      const s = await run(["stats", "-q", "--json", f]);
      assert.equal(s.code, 0, s.stderr);
      const j = JSON.parse(s.stdout);
      assert.ok(j.traces[0].packets > 0);
      assert.equal(
        j.traces[0].commands.reduce(
          (n: number, c: { requests: number; responses: number }) => n + c.requests + c.responses,
          0,
        ),
        j.traces[0].messages,
      );
    });
});

describe("pipes, signals, stderr", { concurrency: 3 }, () => {
  test("| head: silent, exit 0", async () => {
    const r = spawnSync(
      "bash",
      [
        "-o",
        "pipefail",
        "-c",
        `node ${MAIN} diff --shallow --json ${GOOD} ${MANY} | head -c 100 >/dev/null; echo $?`,
      ],
      {
        cwd: ROOT,
        env: ENV,
      },
    );
    assert.equal(r.stderr.toString(), "");
    assert.equal(r.stdout.toString().trim(), "0");
    const l = spawnSync(
      "bash",
      ["-o", "pipefail", "-c", `node ${MAIN} list --json ${GOOD} | head -1 >/dev/null; echo $?`],
      { env: ENV },
    );
    assert.equal(l.stderr.toString(), "");
    assert.equal(l.stdout.toString().trim(), "0");
  });
  test("a reader that stops reading: the output waits in the pipe, nothing is lost or doubled", async () => {
    const big = join(
      ROOT,
      "test/fixtures/corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap",
    );
    const file = join(TMP, "list.json");
    const direct = spawnSync("bash", ["-c", `node ${MAIN} list --json ${big} > ${file}`], { env: ENV });
    assert.equal(direct.status, 0);
    const want = readFileSync(file, "utf8");
    assert.ok(want.length > 1 << 20, "the listing must be much larger than a pipe's buffer");
    // The child fills the pipe while nobody reads: its writes meet a full pipe (EAGAIN) and wait.
    const p = spawn(process.execPath, [MAIN, "list", "--json", big], { env: ENV });
    p.stdout.pause();
    await new Promise((r) => setTimeout(r, 300));
    let got = "";
    p.stdout.on("data", (d) => (got += d));
    p.stdout.resume();
    const code = await new Promise((r) => p.on("close", r));
    assert.equal(code, 0);
    assert.equal(got, want);
  });
  test("no progress or chatter on stderr when it is not a terminal", async () => {
    for (const args of [
      ["list", MANY],
      ["stats", GOOD, BAD],
      ["diff", GOOD, BAD, "--shallow"],
    ])
      assert.equal((await run(args)).stderr, "");
  });
  test("Ctrl-C stops promptly (SIGINT, the shell's 130)", async () => {
    const big = join(
      ROOT,
      "test/fixtures/corpus/OISF__suricata-verify/tests/filestore-filecontainer-smb/filecontainer-smb.pcap",
    );
    const p = spawn(process.execPath, [MAIN, "diff", "--deep", big, big], { env: ENV, stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 400));
    const t0 = Date.now();
    p.kill("SIGINT");
    const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
      p.on("close", (c, s) => r([c, s])),
    );
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
    assert.ok(signal === "SIGINT" || code === 130, `code ${code} signal ${signal}`);
    const sh = spawnSync(
      "bash",
      ["-c", `node ${MAIN} diff --deep ${big} ${big} & sleep 0.4; kill -INT $!; wait $!; echo $?`],
      { env: ENV },
    );
    assert.equal(sh.stdout.toString().trim(), "130");
  });
});
