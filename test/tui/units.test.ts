/** Fast unit tests of the TUI's pieces: key bindings, input parsing, the diffing renderer. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/diff/config.js";
import { looksLikeFilter } from "../../src/tui/app.js";
import { parseInput } from "../../src/tui/input.js";
import { keyName, makeBindings } from "../../src/tui/keys.js";
import { A, Screen } from "../../src/tui/screen.js";
import { hexLines } from "../../src/tui/view.js";

test("default keys", () => {
  const b = makeBindings();
  for (const [k, a] of [
    ["d", "prev"],
    ["f", "next"],
    ["j", "down"],
    ["down", "down"],
    ["k", "up"],
    ["b", "scroll_up"],
    ["n", "scroll_down"],
    ["pgdn", "scroll_down"],
    ["a", "ignore"],
    ["q", "quit"],
    ["]", "next_div"],
    ["/", "search"],
    ["F", "filter"],
    ["p", "profile"],
    ["tab", "focus"],
    ["x", "hex"],
    ["?", "help"],
  ] as const)
    assert.equal(b.map.get(k), a, k);
});

test("the original smbcmp's sample ~/.smbcmp is understood", () => {
  const cfg = parseConfig(`[global]
vsplit_ratio = .5
key_lwin_next = d
key_lwin_prev = f
key_rwin_next = j
key_rwin_prev = k
key_top_next = KEY_DOWN
key_top_prev = KEY_UP
key_bwin_next = b
key_bwin_prev = n
key_vsplit_up = KEY_PPAGE
key_vsplit_down = KEY_NPAGE
key_toggle_ignore = a
`);
  const b = makeBindings(cfg.keys);
  assert.deepEqual(b.warnings, []);
  assert.equal(b.map.get("d"), "next");
  assert.equal(b.map.get("f"), "prev");
  assert.equal(b.map.get("j"), "down");
  assert.equal(b.map.get("down"), "down");
  assert.equal(b.map.get("up"), "up");
  assert.equal(b.map.get("b"), "scroll_down");
  assert.equal(b.map.get("n"), "scroll_up");
  assert.equal(b.map.get("pgup"), "split_up");
  assert.equal(b.map.get("pgdn"), "split_down");
  assert.equal(b.map.get("a"), "ignore");
  assert.equal(cfg.vsplitRatio, 0.5);
});

test("bad bindings are warnings", () => {
  const b = makeBindings({ frobnicate: "z", next: "KEY_NOPE" });
  assert.equal(b.warnings.length, 2);
  assert.equal(b.map.get("f"), "next");
  assert.equal(keyName("^F"), "C-f");
  assert.equal(keyName("KEY_NPAGE"), "pgdn");
});

test("input: keys, escape sequences, SGR mouse", () => {
  const keys = (s: string) =>
    parseInput(s).map((e) => (e.type === "key" ? e.key : `mouse${e.button}@${e.x},${e.y}`));
  assert.deepEqual(keys("jk\x1b[A\x1b[B\x1bOB\x1b[5~\x1b[6~\t\r \x03\x7f\x1b"), [
    "j",
    "k",
    "up",
    "down",
    "down",
    "pgup",
    "pgdn",
    "tab",
    "enter",
    "space",
    "C-c",
    "backspace",
    "esc",
  ]);
  assert.deepEqual(keys("\x1b[<0;10;4M\x1b[<65;1;1M"), ["mouse0@9,3", "mouse65@0,0"]);
  assert.deepEqual(keys("é"), ["é"]);
});

test("screen: a second frame sends only the changed cells", () => {
  let out = "";
  const s = new Screen((x) => {
    out += x;
  });
  s.resize(40, 10);
  for (let y = 0; y < 10; y++) s.text(0, y, `line ${y} ${"x".repeat(30)}`);
  s.flush();
  const full = out.length;
  out = "";
  s.clear();
  for (let y = 0; y < 10; y++) s.text(0, y, `line ${y} ${"x".repeat(30)}`);
  s.paint(0, 3, 40, A.reverse);
  assert.ok(s.flush() > 0);
  assert.ok(out.length < full / 4, `${out.length} vs ${full}`);
  assert.match(out, /\x1b\[4;1H/);
  out = "";
  assert.equal(s.flush(), 0);
  // Control characters take one cell, wide ones two; half-overwritten pairs are repaired.
  s.clear();
  assert.equal(s.text(0, 0, "a\tb中c"), 6);
  s.text(0, 1, "中文");
  s.text(1, 1, "x");
  out = "";
  s.flush();
  assert.match(out, /a·b中c/);
  assert.match(out, /\?x文/);
  out = "";
  s.clear();
  s.text(0, 0, "a\tb中c");
  s.text(0, 1, "中文");
  s.text(1, 1, "x");
  assert.equal(s.flush(), 0);
});

test("hex lines mark the field's bytes", () => {
  const l = hexLines(Buffer.from("fe534d4240000100", "hex"), 1, 3);
  assert.equal(l.length, 1);
  assert.match(l[0]!.text, /^0000 {2}fe 53 4d 42 40 00 01 00/);
  assert.equal(l[0]!.hl.length, 4);
});

test("hex lines: only the window asked for, offsets and marks where they are in the data", () => {
  const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
  const l = hexLines(data, 0x25, 0x27, 2, 3);
  assert.deepEqual(
    l.map((x) => x.text.slice(0, 4)),
    ["0020", "0030", "0040"],
  );
  assert.match(l[0]!.text, /^0020 {2}20 21 22 23 24 25 26 27 {2}28 /);
  assert.equal(l[0]!.hl.length, 4);
  assert.deepEqual(l[0]!.hl[0], [6 + 5 * 3, 2]);
  assert.equal(l[1]!.hl.length, 0);
  assert.deepEqual(
    hexLines(data, -1, -1, 6, 10).map((x) => x.text.slice(0, 4)),
    ["0060"],
  );
});

test("F: display filters vs free text", () => {
  for (const f of ["smb2.cmd == 5", "smb2", 'smb2.filename contains "a"', "not smb", "frame.number > 3"])
    assert.ok(looksLikeFilter(f), f);
  for (const f of ["Tree Connect", "readme.txt", "incoming\\batch1", "STATUS_NOT_FOUND"])
    assert.ok(!looksLikeFilter(f), f);
});
