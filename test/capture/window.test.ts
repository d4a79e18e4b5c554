import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FileWindow } from "../../src/capture/window.js";

test("FileWindow reads what the file holds, in any order, across windows and at EOF", () => {
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-window-"));
  try {
    const file = Buffer.alloc(300_000);
    for (let i = 0; i < file.length; i++) file[i] = (i * 7 + (i >>> 9)) & 0xff;
    writeFileSync(join(dir, "f"), file);
    const fd = openSync(join(dir, "f"), "r");
    try {
      const w = new FileWindow(fd);
      let seed = 99;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return (seed >>> 4) % n;
      };
      const check = (offset: number, length: number) => {
        const out = Buffer.alloc(length + 3, 0xee);
        const n = w.read(out, 3, length, offset);
        const want = file.subarray(offset, offset + length);
        assert.equal(n, want.length, `length at ${offset}+${length}`);
        assert.ok(out.subarray(3, 3 + n).equals(want), `bytes at ${offset}+${length}`);
        assert.equal(out[0], 0xee);
      };
      // Forward in small steps (the diff's order), backward, random, large, and past the end.
      for (let off = 0; off < 200_000; off += 700) check(off, 300);
      for (let off = 200_000; off > 0; off -= 900) check(off, 200);
      for (let k = 0; k < 2000; k++) check(rnd(file.length), 1 + rnd(3000));
      check(10, 70_000);
      check(299_990, 100);
      check(400_000, 10);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
