/**
 * Drives the real `smbcmp tui` in tmux (one private tmux server per test process) and checks what
 * the terminal shows after each key.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { smbcmpBin } from "../cli/bin.js";

const ROOT = new URL("../../", import.meta.url).pathname;
// The bundle users run, with its load and align worker threads.
const BIN = smbcmpBin();
const SOCK = `smbcmp-test-${process.pid}`;
const GOOD = join(ROOT, "examples/good.pcap");
const BAD = join(ROOT, "examples/bad.pcap");
const BIG = join(ROOT, "test/fixtures/corpus/zeek__zeek/testing/btest/Traces/smb/smb2_100_small_files.pcap");
const SEALED = join(ROOT, "test/fixtures/corpus/zeek__zeek/testing/btest/Traces/smb/smb3.pcap");
const SEALED_KEY = "3d00009400480000,28f2847263c83dc00621f742dd3f2e7b";
const TMP = mkdtempSync(join(tmpdir(), "smbcmp-tui-"));
const CONFIG = join(TMP, "smbcmp.ini");
writeFileSync(CONFIG, "[global]\nvsplit_ratio = 0.3\nkey_next = t\n");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tmux(...args: string[]): string {
  const r = spawnSync("tmux", ["-L", SOCK, ...args], { encoding: "utf8" });
  return r.stdout;
}

after(() => {
  spawnSync("tmux", ["-L", SOCK, "kill-server"]);
});

class Term {
  constructor(readonly name: string) {}

  static async start(name: string, args: string, env = ""): Promise<Term> {
    const cmd = `cd ${ROOT} && SMBCMP_CONFIG=${CONFIG} ${env} node ${BIN} ${args}; echo EXIT=$?; sleep 120`;
    tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "50", cmd);
    return new Term(name);
  }

  screen(): string {
    return tmux("capture-pane", "-p", "-t", this.name);
  }

  lines(): string[] {
    return this.screen().split("\n");
  }

  async waitFor(re: RegExp, ms = 40_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (re.test(s)) return s;
      if (Date.now() > end) assert.fail(`timed out waiting for ${re} in:\n${s}`);
      await sleep(100);
    }
  }

  /** Sends keys (tmux key names) and waits until the screen settles. */
  async keys(...k: string[]): Promise<string> {
    tmux("send-keys", "-t", this.name, ...k);
    return this.settle();
  }

  async type(text: string): Promise<string> {
    tmux("send-keys", "-t", this.name, "-l", text);
    return this.settle();
  }

  async settle(): Promise<string> {
    let prev = "";
    for (let i = 0; i < 40; i++) {
      await sleep(60);
      const s = this.screen();
      if (s === prev) return s;
      prev = s;
    }
    return prev;
  }

  /** The row the cursor (reverse video) is on, from tmux's escape-coded capture. */
  cursorLine(): string {
    // tmux only emits attribute changes, carried across lines: follow the SGR state.
    const esc = tmux("capture-pane", "-p", "-e", "-t", this.name).split("\n");
    const plain = this.lines();
    let rev = false;
    for (let i = 0; i < esc.length; i++) {
      let hit = false;
      for (const m of esc[i]!.matchAll(/\x1b\[([0-9;]*)m|([^\x1b]+)/g)) {
        if (m[2] !== undefined) {
          if (rev && m[2].trim()) hit = true;
          continue;
        }
        for (const p of (m[1] || "0").split(";")) {
          if (p === "0" || p === "") rev = false;
          else if (p === "7") rev = true;
          else if (p === "27") rev = false;
        }
      }
      if (hit && i > 0) return plain[i] ?? "";
    }
    return "";
  }

  /** Per screen line, the text of its reverse-video cells (hex pane highlights, the cursor line). */
  reversed(): string[] {
    const esc = tmux("capture-pane", "-p", "-e", "-t", this.name).split("\n");
    let rev = false;
    return esc.map((line) => {
      let out = "";
      for (const m of line.matchAll(/\x1b\[([0-9;]*)m|([^\x1b]+)/g)) {
        if (m[2] !== undefined) {
          if (rev) out += m[2];
          continue;
        }
        for (const p of (m[1] || "0").split(";")) {
          if (p === "0" || p === "") rev = false;
          else if (p === "7") rev = true;
          else if (p === "27") rev = false;
        }
      }
      return out;
    });
  }

  kill(): void {
    tmux("kill-session", "-t", this.name);
  }
}

describe("smbcmp tui", { concurrency: true }, () => {
  test("single-trace mode: list, detail tree, fold, hex, search, filter, errors, help, quit", async () => {
    const t = await Term.start("single", `tui ${GOOD}`);
    let s = await t.waitFor(/press \? for help/);
    assert.match(s, /good\.pcap \(176 pkts\)/);
    assert.match(s, /^\s+4\s+0\.000000\s+Negotiate Protocol Request/m);
    assert.match(s, /── detail/);
    assert.match(s, /▾ SMB2 \(Server Message Block Protocol version 2\)/);
    // vsplit_ratio 0.3 of 47 rows: the list is 14 rows.
    assert.equal(
      t.lines().findIndex((l) => l.startsWith("── detail")),
      15,
    );
    // j/k and arrows move; the detail follows the selected packet.
    s = await t.keys("j", "j", "Down");
    assert.match(t.cursorLine(), /^\s+10 .*Session Setup Response/);
    assert.match(s, /▸ Session Setup Response \(0x01\)/);
    s = await t.keys("k", "Up");
    assert.match(t.cursorLine(), /^\s+6 .*Negotiate Protocol Response/);
    // d/f (f rebound to t by the config) = previous/next packet.
    await t.keys("t");
    assert.match(t.cursorLine(), /^\s+8 /);
    await t.keys("d");
    assert.match(t.cursorLine(), /^\s+6 /);
    // ] jumps to the next error packet.
    await t.keys("]");
    assert.match(t.cursorLine(), /^\s+16 .*STATUS_NOT_FOUND/);
    await t.keys("[");
    assert.match(t.cursorLine(), /^\s+16 |^\s+10 /);
    // tab to the tree, expand the header with Enter.
    await t.keys("g", "Tab", "j", "j");
    assert.match(t.cursorLine(), /SMB2 Header/);
    s = await t.keys("Enter");
    assert.match(s, /▾ SMB2 Header/);
    assert.match(s, /ProtocolId: 0xfe534d42/);
    s = await t.keys("Space");
    assert.doesNotMatch(s, /ProtocolId/);
    // e expands everything, c collapses everything.
    s = await t.keys("e");
    assert.match(s, /ProtocolId/);
    s = await t.keys("c");
    assert.doesNotMatch(s, /ProtocolId/);
    // x: hex pane with the PDU bytes.
    s = await t.keys("x");
    assert.match(s, /── bytes/);
    assert.match(s, /^0000 {2}fe 53 4d 42 /m);
    s = await t.keys("x");
    assert.doesNotMatch(s, /── bytes/);
    // Search in the tree unfolds the hit; n/N step; Esc clears.
    await t.keys("/");
    await t.type("Credit Chargex");
    await t.keys("BSpace");
    s = await t.keys("Enter");
    assert.match(s, /search "Credit Charge"/);
    assert.match(t.cursorLine(), /Credit Charge: /);
    await t.keys("n");
    assert.match(t.cursorLine(), /Credit Charge: /);
    s = await t.keys("Escape");
    assert.match(s, /search cleared/);
    // Search in the list.
    await t.keys("Tab", "/");
    await t.type("readme");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /readme\.txt/);
    await t.keys("N");
    assert.match(t.cursorLine(), /readme\.txt/);
    await t.keys("Escape");
    // F: substring filter on the summary.
    await t.keys("F");
    await t.type("Tree Connect");
    s = await t.keys("Enter");
    assert.match(s, /filter "Tree Connect"/);
    const rows = t
      .lines()
      .slice(1, 15)
      .filter((l) => /^\s+\d+ /.test(l));
    assert.ok(rows.length >= 2);
    for (const r of rows) assert.match(r, /Tree Connect/);
    // A display filter (src/filter): only tree connects.
    await t.keys("F", "C-u");
    await t.type("smb2.cmd == 3");
    s = await t.keys("Enter");
    assert.match(s, /filter "smb2\.cmd == 3" \(display filter\): 4 rows/);
    for (const r of t
      .lines()
      .slice(1, 15)
      .filter((l) => /^\s+\d+ /.test(l)))
      assert.match(r, /Tree Connect/);
    // A misspelt field matches nothing, and the status says which field no packet had.
    await t.keys("F", "C-u");
    await t.type("smb2.filname contains tmp");
    await t.keys("Enter");
    // Every packet's tree is looked at: wait for it rather than for a still screen.
    await t.waitFor(
      /\(display filter; no packet has smb2\.filname \(did you mean smb2\.filename\?\)\): 0 rows/,
    );
    // A broken filter falls back to a substring match, and says so.
    await t.keys("F", "C-u");
    await t.type("smb2.cmd ==");
    s = await t.keys("Enter");
    assert.match(s, /not a display filter/);
    await t.keys("F", "C-u");
    s = await t.keys("Enter");
    assert.match(s, /filter cleared/);
    // b/n, PgUp/PgDn scroll the detail; C-b/C-f page, G/g end/start.
    await t.keys("e", "n", "PgDn", "b", "PgUp", "C-f", "C-b", "G");
    assert.match(t.cursorLine(), /^\s+\d+ /);
    await t.keys("g");
    assert.match(t.cursorLine(), /^\s+4 /);
    // Diff-only keys explain themselves in single mode.
    assert.match(await t.keys("a"), /ignoring fields is for diff mode/);
    assert.match(await t.keys("p"), /profiles are for diff mode/);
    assert.match(await t.keys("u"), /link\/unlink is for diff mode/);
    assert.match(await t.keys("s"), /SAME fields/);
    // ? help lists every key, with the rebinding; any key closes it.
    s = await t.keys("?");
    assert.match(s, /Keys \(rebind in ~\/\.smbcmp/);
    assert.match(s, /t {16}next packet \/ pair/);
    assert.match(s, /\] {16}next divergence/);
    s = await t.keys("q");
    assert.doesNotMatch(s, /Keys \(rebind/);
    await t.keys("C-l");
    s = await t.keys("q");
    assert.match(await t.waitFor(/EXIT=0/), /EXIT=0/);
    t.kill();
  });

  test("mouse: click selects, wheel scrolls", async () => {
    const t = await Term.start("mouse", `tui ${GOOD}`);
    await t.waitFor(/press \? for help/);
    // SGR mouse reports as the terminal would send them: left click on screen row 4 (list row 3).
    tmux("send-keys", "-t", "mouse", "-l", "\x1b[<0;10;4M\x1b[<0;10;4m");
    await t.settle();
    assert.match(t.cursorLine(), /^\s+8 .*Session Setup Request/);
    tmux("send-keys", "-t", "mouse", "-l", "\x1b[<65;10;4M");
    await t.settle();
    assert.match(t.cursorLine(), /^\s+12 /);
    t.kill();
  });

  test("diff mode: aligned lists, pair diff, divergences, ignore, profile, unlink", async () => {
    const t = await Term.start("diff", `tui ${GOOD} ${BAD}`);
    let s = await t.waitFor(/\d+ ops: \d+ same, \d+ differ/);
    assert.match(s, /A: good\.pcap \(176 pkts\) │ B: bad\.pcap \(136 pkts\) │ profile default/);
    // Opens on the first divergence, marked '!', with the pair diff below.
    assert.match(t.cursorLine(), /^!\s+\d+ .*│!\s+\d+ /);
    assert.match(s, /── pair diff/);
    assert.match(s, /DIFFER — \d+ difference/);
    assert.match(s, /── request {2}A#\d+ ↔ B#\d+/);
    // The two lists scroll together: each row shows both sides' same command.
    await t.keys("g");
    s = t.cursorLine();
    assert.match(s, /Negotiate Protocol Request.*│\s+\d+ Negotiate Protocol Request/);
    // ] / [ move between divergences; only-in-A rows are marked.
    await t.keys("]");
    assert.match(t.cursorLine(), /^[!\-+]/);
    const first = t.cursorLine();
    await t.keys("]", "[");
    assert.equal(t.cursorLine(), first);
    s = t.screen();
    assert.match(s, /NT Status: STATUS_SUCCESS \(0x00000000\) → STATUS_\w+ \(0xc0000034\)/);
    // s shows SAME fields (dim), s again hides them.
    s = await t.keys("s");
    assert.match(s, /SAME fields shown/);
    assert.match(s, /ProtocolId: 0xfe534d42/);
    s = await t.keys("s");
    assert.doesNotMatch(s, /ProtocolId/);
    // a on the status line of the diff toggles ignoring smb2.nt_status.
    await t.keys("Tab", "/");
    await t.type("NT Status");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /NT Status/);
    s = await t.keys("a");
    assert.match(s, /smb2\.nt_status ignored/);
    assert.match(s, /NT Status: .*\(ignored\)/);
    s = await t.keys("a");
    assert.match(s, /smb2\.nt_status no longer ignored/);
    await t.keys("Escape");
    // b/n scroll the diff.
    await t.keys("n", "b", "PgDn", "PgUp");
    // f/d next/previous pair.
    await t.keys("Tab", "g", "t");
    assert.match(t.cursorLine(), /Session Setup Request/);
    await t.keys("d");
    assert.match(t.cursorLine(), /Negotiate Protocol Request/);
    // p switches profile and re-aligns.
    s = await t.keys("p");
    assert.match(s, /profile: none/);
    assert.match(s, /│ profile none/);
    s = await t.keys("p");
    assert.match(s, /profile: default/);
    // u unlinks: each side has its own list; tab picks the side.
    s = await t.keys("u");
    assert.match(s, /lists unlinked/);
    assert.match(s, /pair diff \(unlinked\)/);
    assert.match(s, /A#4 ↔ B#4/);
    await t.keys("Tab", "j");
    s = t.screen();
    assert.match(s, /A#4 ↔ B#6/);
    // x: both sides' bytes of the unlinked pair.
    s = await t.keys("x");
    assert.match(s, /── bytes: A │ B/);
    assert.match(s, /^A#4\b.*│B#6\b/m);
    s = await t.keys("x");
    assert.doesNotMatch(s, /── bytes/);
    s = await t.keys("u");
    assert.match(s, /lists linked/);
    await t.keys("F");
    await t.type("readme");
    s = await t.keys("Enter");
    assert.match(s, /filter "readme" \(substring of the summary\): \d+ rows/);
    // A display filter keeps the rows where either side matches.
    await t.keys("F", "C-u");
    await t.type("smb2.nt_status == 0xc0000034");
    s = await t.keys("Enter");
    assert.match(s, /\(display filter\): [1-9]\d* rows?/);
    assert.match(t.cursorLine(), /0xc0000034/);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("diff mode: a pair that differs only in its fields is a divergence; ignoring them undoes it", async () => {
    // good/bad: the listing of incoming\batch1 has the same command, name and status on both sides
    // but not the same entries (bad has no data.tmp): only comparing fields finds it.
    const t = await Term.start("deep", `tui ${GOOD} ${BAD}`);
    let s = await t.waitFor(/88 ops: 61 same, 6 differ, 21 only in A, 0 only in B — /);
    let line = "";
    for (let k = 0; k < 12 && !/Find Request File: incoming\\batch1 /.test(line); k++) {
      await t.keys("]");
      line = t.cursorLine();
    }
    assert.match(
      line,
      /^!\s+\d+ Find Request File: incoming\\batch1 .*│!\s+\d+ Find Request File: incoming\\batch1 /,
    );
    s = t.screen();
    assert.match(s, /DIFFER — [1-9]\d* difference/);
    // The none profile compares everything: timestamps and ids make the very first pairs differ,
    // where the default profile's first divergence is the failed CREATE of data.tmp.
    await t.keys("p");
    await t.waitFor(/profile: none/);
    await sleep(500);
    await t.keys("g", "]");
    line = t.cursorLine();
    assert.match(line, /^!/);
    assert.doesNotMatch(line, /data\.tmp/);
    await t.keys("p");
    await t.waitFor(/profile: default/);
    await sleep(500);
    await t.keys("g", "]");
    assert.match(t.cursorLine(), /^!\s+\d+ Create Request File: incoming\\batch1\\data\.tmp/);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("FILE:NO opens on that packet; two of them pick that pair, unlinked", async () => {
    const t = await Term.start("startno", `tui ${GOOD}:11`);
    await t.waitFor(/press \? for help/);
    assert.match(t.cursorLine(), /^\s+11 .*Session Setup Request/);
    t.kill();
    const d = await Term.start("startpair", `${GOOD}:11 ${BAD}:11`);
    const s = await d.waitFor(/A#11 ↔ B#11/);
    assert.match(s, /pair diff \(unlinked\)/);
    d.kill();
    // Original-form options: -c config, -m mode (accepted), -Y initial filter.
    const y = await Term.start("startfilter", `-c ${CONFIG} -m pdml ${GOOD} -Y 'smb2.cmd == 3'`);
    const ys = await y.waitFor(/\(display filter\): 4 rows/);
    assert.match(ys, /filter "smb2\.cmd == 3"/);
    y.kill();
  });

  test("resize re-lays out", async () => {
    const t = await Term.start("resize", `tui ${GOOD} ${BAD}`);
    await t.waitFor(/ops:/);
    tmux("resize-window", "-t", "resize", "-x", "100", "-y", "30");
    let s = await t.settle();
    const lines = s.split("\n");
    assert.ok(lines.length <= 31);
    assert.ok(lines.every((l) => l.length <= 100));
    assert.match(lines[0]!, /smbcmp — A: good\.pcap/);
    assert.ok(lines.some((l) => l.startsWith("── pair diff")));
    tmux("resize-window", "-t", "resize", "-x", "160", "-y", "50");
    s = await t.settle();
    assert.ok(s.split("\n").some((l) => l.length > 120));
    t.kill();
  });

  test("big capture: painted before any packet, then loads and stays usable", async () => {
    const t = await Term.start("big", `tui ${BIG}`);
    // The screen comes first (the worker has not even started indexing): list and detail say so.
    const first = await t.waitFor(/smbcmp — /);
    if (!/press \? for help/.test(first)) assert.match(first, /loading/);
    const s = await t.waitFor(/press \? for help/);
    assert.match(s, /\(813 pkts\)/);
    await t.keys("G");
    assert.match(t.cursorLine(), /^\s+975 .*Session Logoff Response/);
    await t.keys("g", "Tab", "e", "G");
    assert.match(t.screen(), /── detail/);
    await t.keys("Tab", "x");
    assert.match(t.screen(), /── bytes ─/);
    assert.match(t.screen(), /^[0-9a-f]{4} {2}[0-9a-f]{2} [0-9a-f]{2} /m);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("bad input: missing file, corrupt file, bad key, not a terminal", async () => {
    const missing = spawnSync("node", [BIN, "tui", "/nonexistent.pcap"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^smbcmp: tui needs a terminal|^smbcmp: cannot open/);
    const corrupt = join(TMP, "corrupt.pcap");
    writeFileSync(corrupt, Buffer.from("this is not a capture file at all, just text\n".repeat(20)));
    const t = await Term.start("bad", `tui ${corrupt}`);
    const s = await t.waitFor(/error: .*press q to quit/);
    assert.match(s, /cannot open: /);
    await t.keys("j", "Tab", "Enter", "x", "q");
    await t.waitFor(/EXIT=0/);
    t.kill();
    const m = await Term.start("missing", "tui /nonexistent.pcap");
    assert.match(await m.waitFor(/EXIT=/), /smbcmp: cannot open \/nonexistent\.pcap: no such file\s+EXIT=2/);
    m.kill();
    const k = await Term.start("badkey", `tui ${GOOD} -k nonsense`);
    const ks = await k.waitFor(/EXIT=/);
    assert.match(ks, /^smbcmp: .+\n+EXIT=2/m);
    assert.doesNotMatch(ks, /at .*\.ts:\d+/);
    k.kill();
    // No subcommand on a terminal opens the TUI, as the original smbcmp did.
    const d = await Term.start("default", `${GOOD}`);
    await d.waitFor(/press \? for help/);
    await d.keys("q");
    await d.waitFor(/EXIT=0/);
    d.kill();
  });
  test("diff mode: hex pane of the field under the diff cursor, A and B side by side", async () => {
    const t = await Term.start("diffhex", `tui ${GOOD} ${BAD}`);
    await t.waitFor(/\d+ ops: /);
    await t.keys("Tab", "/");
    await t.type("NT Status");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /NT Status: STATUS_SUCCESS .* → STATUS_OBJECT_NAME_NOT_FOUND/);
    const s = await t.keys("x");
    assert.match(s, /── bytes: A │ B/);
    const head = t.lines().find((l) => /^A#\d+ smb2\.nt_status/.test(l));
    assert.ok(head, s);
    assert.match(head, /│B#\d+ smb2\.nt_status/);
    // The status is at offset 8 of the SMB2 header: 00000000 on A, 0xc0000034 little-endian on B.
    const row0 = t.lines().find((l) => l.startsWith("0000  fe 53 4d 42"));
    assert.match(
      row0 ?? "",
      /^0000 {2}fe 53 4d 42 40 00 01 00 {2}00 00 00 00 .*│0000 {2}fe 53 4d 42 40 00 01 00 {2}34 00 00 c0 /,
    );
    // The pane follows the diff cursor: on the part's header line, the whole message.
    await t.keys("k", "k", "k");
    assert.match(t.cursorLine(), /── response {2}A#76 ↔ B#80/);
    assert.match(t.screen(), /^A#76 *│B#80 *$/m);
    await t.keys("x", "q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("diff mode: b/n and PgUp/PgDn scroll the pair diff; mouse in both lists and the diff", async () => {
    const t = await Term.start("diffscroll", `tui ${GOOD} ${BAD}`);
    await t.waitFor(/\d+ ops: /);
    // SAME fields shown: the diff is longer than its pane.
    await t.keys("s");
    const firstDiffLine = () => {
      const l = t.lines();
      return l[l.findIndex((x) => x.startsWith("── pair diff")) + 1] ?? "";
    };
    const top = firstDiffLine();
    assert.match(top, /DIFFER — /);
    await t.keys("n");
    const down = firstDiffLine();
    assert.notEqual(down, top);
    await t.keys("b");
    assert.equal(firstDiffLine(), top);
    await t.keys("PgDn");
    assert.equal(firstDiffLine(), down);
    await t.keys("PgUp");
    assert.equal(firstDiffLine(), top);
    // Click in list B (linked: selects that row of both), then wheel down in the diff pane.
    tmux("send-keys", "-t", "diffscroll", "-l", "\x1b[<0;100;3M\x1b[<0;100;3m");
    await t.settle();
    assert.match(t.cursorLine(), /^\s+\d+ .*│\s+\d+ /);
    const picked = t.cursorLine();
    const y = t.lines().findIndex((x) => x.startsWith("── pair diff")) + 3;
    tmux("send-keys", "-t", "diffscroll", "-l", `\x1b[<65;10;${y}M`);
    await t.settle();
    assert.equal(t.cursorLine(), picked);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("alignment runs in the background: keys work meanwhile, q cancels it", async () => {
    // The align worker waits two minutes before aligning: long enough to be sure it is still running.
    const t = await Term.start("aligning", `tui ${GOOD} ${BAD}`, "SMBCMP_TEST_ALIGN_DELAY_MS=120000");
    let s = await t.waitFor(/aligning 312 packets [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \d+\.\d s/);
    assert.match(s, /aligning the two traces in the background/);
    // Unaligned lists meanwhile: j moves, the pair diff follows, ? opens the help.
    await t.keys("g", "j");
    assert.match(t.cursorLine(), /^\s+6 .*Negotiate Protocol Response/);
    s = await t.keys("?");
    assert.match(s, /Keys \(rebind/);
    await t.keys("Escape");
    s = await t.keys("q");
    assert.match(await t.waitFor(/EXIT=0/), /EXIT=0/);
    assert.doesNotMatch(s, / ops: /);
    t.kill();
  });

  test("missing key: encrypted packets say so; with -k they decrypt", async () => {
    const t = await Term.start("sealed", `tui ${SEALED}`);
    let s = await t.waitFor(/still encrypted/);
    assert.match(s, /\d+ packets are still encrypted: no key for their session \(-k SESSID,KEY/);
    await t.keys("G");
    s = t.screen();
    assert.match(s, /Encrypted SMB3/);
    assert.match(s, /\[no key for session 0x[0-9a-f]+\]/);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
    const k = await Term.start("unsealed", `tui ${SEALED} -k ${SEALED_KEY}`);
    s = await k.waitFor(/press \? for help/);
    assert.doesNotMatch(s, /still encrypted/);
    assert.match(s, /Decrypted SMB3;Ioctl Request FSCTL_VALIDATE_NEGOTIATE_INFO/);
    k.kill();
  });

  test("--nbss: NetBIOS session requests and responses are listed (port 139)", async () => {
    const cap = join(ROOT, "test/fixtures/nbss/smbclient-139.pcap");
    const plain = await Term.start("no-nbss", `tui ${cap}`);
    let s = await plain.waitFor(/Negotiate Protocol Request/);
    assert.doesNotMatch(s, /Session request, to/);
    plain.kill();
    const t = await Term.start("nbss", `tui ${cap} --nbss`);
    s = await t.waitFor(/Negotiate Protocol Request/);
    assert.match(s, /Session request, to 127\.0\.0\.1<20>/);
    assert.match(s, /Positive session response/);
    t.kill();
  });

  test("hex pane: a field of an SMB1 reply joined from several messages is in the Reassembled SMB bytes", async () => {
    const t = await Term.start("reasm", `tui ${join(ROOT, "test/fixtures/smb1/trans2-multipart.pcap")}`);
    // The status line tells of the gap the fixture was cut with, not of help.
    await t.waitFor(/trans2-multipart\.pcap \(107 pkts\)/);
    await t.settle();
    await t.keys("/");
    await t.type("FIND_FIRST2, Files: t096");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /^\s*24 .*Trans2 Response, FIND_FIRST2, Files: t096-96\.txt/);
    await t.keys("Tab", "/");
    await t.type("Search Count: 100");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /Search Count: 100/);
    const s = await t.keys("x");
    assert.match(s, /── bytes: Reassembled SMB ─/);
    assert.match(s, /4 SMB Segments \(11954 bytes\)/);
    // The joined bytes start with the parameters: the search id 0x0100, then the count 100.
    assert.match(t.screen(), /^0000 {2}00 01 64 00 /m);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("detail pane: DCE/RPC of an SMB1 pipe reply joined from two messages, its bytes in the Reassembled SMB", async () => {
    const t = await Term.start("rpc", `tui ${join(ROOT, "test/fixtures/smb1/dcerpc-transact.pcap")}`);
    await t.waitFor(/dcerpc-transact\.pcap/);
    await t.settle();
    await t.keys("/");
    await t.type("TransactNmPipe Response");
    await t.keys("Enter", "n");
    // The second such response (frame 22) is the one in two pieces.
    assert.match(t.cursorLine(), /^\s*22 .*TransactNmPipe Response, FID: 0xa9f4/);
    await t.keys("Tab", "/");
    await t.type("Frag Length: 4280");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /Frag Length: 4280/);
    const s = await t.keys("x");
    assert.match(s, /── bytes: Reassembled SMB ─/);
    assert.match(s, /Distributed Computing Environment .*Response, Fragment: First/);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("diff mode: a response's later pieces belong to their operation's row (filter by their frame)", async () => {
    const cap = join(ROOT, "test/fixtures/smb1/trans2-multipart.pcap");
    const t = await Term.start("more", `tui ${cap} ${cap}`);
    await t.waitFor(/\d+ ops: \d+ same, 0 differ, 0 only in A, 0 only in B/);
    await t.settle();
    // Frame 25 is the second piece of frame 24's FIND_FIRST2 response: no row of its own, but
    // its operation's row (request 23, response 24) is found by it.
    await t.keys("F");
    await t.type("frame.number == 25");
    const s = await t.keys("Enter");
    assert.match(s, /filter "frame\.number == 25" \(display filter\): 1 rows?/);
    assert.match(t.cursorLine(), /FIND_FIRST2/);
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("hex pane: a decrypted field's bytes are shown and marked in the Decrypted SMB3 plaintext", async () => {
    const t = await Term.start(
      "plainhex",
      `tui ${join(ROOT, "examples/encrypted.pcap")} --keys ${join(ROOT, "examples/encrypted.keys")}`,
    );
    await t.waitFor(/press \? for help/);
    await t.keys("/");
    await t.type("File: secret.txt");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /^\s*35 .*Decrypted SMB3;Create Request File: secret\.txt/);
    await t.keys("Tab", "/");
    await t.type("Filename: secret");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /Filename: secret\.txt/);
    let s = await t.keys("x");
    assert.match(s, /── bytes: Decrypted SMB3 ─/);
    const hexRows = (): [string, string][] => {
      const rev = t.reversed();
      return t
        .lines()
        .map((l, i): [string, string] => [l, rev[i] ?? ""])
        .filter(([l]) => /^[0-9a-f]{4} {2}[0-9a-f]{2} /.test(l));
    };
    // The name's UTF-16 bytes (offset 0x78, 20 bytes) are the marked ones, hex and ASCII columns,
    // in the plaintext, which starts with the SMB2 header (the wire PDU, with the transform header).
    const marked = (): string =>
      hexRows()
        .map(([, r]) => r)
        .join("")
        .replace(/\s+/g, "");
    assert.equal(marked(), "7300650063007200s.e.c.r.650074002e00740078007400e.t...t.x.t.");
    assert.match(t.screen(), /^0000 {2}fe 53 4d 42 /m);
    // A transform header field is on the wire: PDU 1, from the transform's ProtocolId.
    await t.keys("/");
    await t.type("Nonce: ");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /Nonce: 0c0000/);
    s = await t.settle();
    assert.match(s, /── bytes: PDU 1 ─/);
    assert.match(s, /^0000 {2}fd 53 4d 42 /m);
    assert.equal(marked(), "0c000000000000007f3b75f0.........;u.00000000....");
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("diff mode hex pane: each side's decrypted field in its plaintext, titled so", async () => {
    const enc = join(ROOT, "examples/encrypted.pcap");
    const t = await Term.start(
      "plainpair",
      `tui ${enc} ${enc} --keys ${join(ROOT, "examples/encrypted.keys")}`,
    );
    await t.waitFor(/\d+ ops: /);
    // The pair is all SAME: show SAME fields.
    await t.keys("s", "/");
    await t.type("Tree Connect Request");
    await t.keys("Enter", "Tab", "/");
    await t.type("Tree: ");
    await t.keys("Enter");
    assert.match(t.cursorLine(), /Tree: \\\\127\.0\.0\.1\\IPC\$/);
    const s = await t.keys("x");
    assert.match(s, /^A#13 smb2\.tree · Decrypted SMB3 +│B#13 smb2\.tree · Decrypted SMB3/m);
    // The share name (UTF-16 at 0x48) in the plaintext on both sides.
    assert.match(
      s,
      /^0040 {2}09 00 00 00 48 00 20 00 {2}5c 00 5c 00 31 00 32 00 .*│0040 {2}09 00 00 00 48 00/m,
    );
    await t.keys("q");
    await t.waitFor(/EXIT=0/);
    t.kill();
  });

  test("bad input in diff mode: a corrupt side is a message; single-mode resize with the hex pane", async () => {
    const corrupt = join(TMP, "corrupt2.pcap");
    writeFileSync(corrupt, Buffer.from("\xd4\xc3\xb2\xa1 truncated garbage", "latin1"));
    const t = await Term.start("diffbad", `tui ${GOOD} ${corrupt}`);
    const s = await t.waitFor(/error: .*press q to quit/);
    assert.match(s, /cannot open: /);
    await t.keys("j", "Tab", "x", "u", "p", "]", "q");
    await t.waitFor(/EXIT=0/);
    t.kill();
    const r = await Term.start("resize1", `tui ${GOOD}`);
    await r.waitFor(/press \? for help/);
    await r.keys("Tab", "j", "j", "x");
    tmux("resize-window", "-t", "resize1", "-x", "70", "-y", "20");
    const small = await r.settle();
    const lines = small.split("\n");
    assert.ok(lines.every((l) => l.length <= 70));
    assert.ok(lines.some((l) => l.startsWith("── bytes")));
    assert.ok(lines.some((l) => l.startsWith("0000  fe 53 4d 42")));
    r.kill();
  });
});
