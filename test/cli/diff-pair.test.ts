/**
 * `smbcmp diff` of two large captures loads B in a load worker while A loads here
 * (loadTracePair): the same rows, warnings and errors as loading one after the other, and a diff
 * that compares every field gets B's trees back in this thread (inProcess).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { inProcess, loadTrace, loadTracePair } from "../../src/cli/common.js";
import { diffTraces } from "../../src/diff/align.js";
import { buildOps } from "../../src/diff/ops.js";
import { compileFilter } from "../../src/filter/index.js";
import { openTrace } from "../../src/trace/index.js";
import { WorkerTrace } from "../../src/worker/trace.js";
import { smbcmpBin } from "./bin.js";

const ROOT = join(import.meta.dirname, "../..");
const GOOD = join(ROOT, "examples/good.pcap");
const BAD = join(ROOT, "examples/bad.pcap");
const TMP = mkdtempSync(join(tmpdir(), "smbcmp-pair-"));
const ENV = { ...process.env, SMBCMP_CONFIG: join(TMP, "none.ini"), SMBCMP_KEYS: "", NO_COLOR: "" };

/** What a diff decided, row by row (kinds and frames): the same whichever way the captures loaded. */
function rowsOf(a: Parameters<typeof diffTraces>[0], b: Parameters<typeof diffTraces>[1]) {
  const r = diffTraces(a, b, { deep: false });
  return {
    summary: r.summary,
    first: r.firstDivergence,
    rows: r.rows.map((x) => `${x.kind} ${x.a?.index ?? "-"} ${x.b?.index ?? "-"} ${x.a?.msgId ?? ""}`),
  };
}

describe("loading two captures at once", () => {
  test("B from a load worker: the rows, a row's field diff and B's trees as loaded here", async () => {
    const [a, b] = await loadTracePair(GOOD, BAD, { quiet: true }, 0);
    const a2 = await loadTrace(GOOD, { quiet: true });
    const b2 = await loadTrace(BAD, { quiet: true });
    try {
      assert.ok(b instanceof WorkerTrace, "B was loaded by a worker");
      assert.ok(!(a instanceof WorkerTrace));
      assert.deepEqual(rowsOf(a, b), rowsOf(a2, b2));
      const r = diffTraces(a, b, { deep: true });
      const r2 = diffTraces(a2, b2, { deep: true });
      assert.equal(r.firstDivergence, r2.firstDivergence);
      assert.equal(r.fieldDiff(r.firstDivergence).count, r2.fieldDiff(r2.firstDivergence).count);
      const no = b2.packets.at(0)!.no;
      assert.deepEqual(
        b.tree(no).map((n) => n.name),
        b2.tree(no).map((n) => n.name),
      );
      const here = await inProcess(b, BAD, { quiet: true });
      assert.ok(!(here instanceof WorkerTrace), "inProcess reloads B in this thread");
      assert.equal(here.packets.length, b2.packets.length);
      assert.equal(await inProcess(a, GOOD, {}), a, "a trace loaded here stays");
      here.close();
    } finally {
      for (const t of [a, b, a2, b2]) t.close();
    }
  });

  test("a display filter applies to the worker's B too", async () => {
    const filter = compileFilter("smb2.cmd == 5");
    const [a, b] = await loadTracePair(GOOD, BAD, { quiet: true, filter }, 0);
    try {
      assert.ok(a.packets.length > 0 && b.packets.length > 0);
      for (const t of [a, b]) for (const p of t.packets) assert.ok(p.messages.some((m) => m.cmd === 5));
      const b2 = await loadTrace(BAD, { quiet: true, filter });
      assert.equal(b.packets.length, b2.packets.length);
      b2.close();
    } finally {
      a.close();
      b.close();
    }
  });

  test("an error in either capture is the one loadTrace gives, and no worker is left", async () => {
    const junk = join(TMP, "junk.pcap");
    writeFileSync(junk, "hello, not a capture\n");
    // Workers of the tests before, terminated, exit asynchronously.
    const gone = async () => {
      for (let k = 0; k < 250 && WorkerTrace.live > 0; k++) await new Promise((r) => setTimeout(r, 20));
    };
    await gone();
    assert.equal(WorkerTrace.live, 0);
    const expected = await loadTrace(junk, {}).then(
      () => assert.fail("loaded junk"),
      (e: Error) => e,
    );
    for (const [pa, pb] of [
      [GOOD, junk],
      [junk, GOOD],
      [GOOD, join(TMP, "missing.pcap")],
    ] as const) {
      await assert.rejects(loadTracePair(pa, pb, { quiet: true }, 0), (e: Error) => {
        if (pb === junk || pa === junk) {
          assert.equal(e.name, expected.name);
          assert.equal(e.message, expected.message);
        } else assert.match(e.message, /missing\.pcap/);
        return true;
      });
    }
    await gone();
    assert.equal(WorkerTrace.live, 0);
  });

  test("the operation list is the same read from the index's columns or from packet objects", async () => {
    const t = await openTrace(join(ROOT, "examples/many-commands.pcap"));
    try {
      const fromStore = buildOps(t);
      const fromList = buildOps({ packets: [...t.packets] as never });
      assert.ok(fromStore.length > 10);
      const flat = (ops: typeof fromStore) =>
        ops.map((o) => ({ ...o, sig: o.sig, msgId: o.msgId, interim: [...o.interim] }));
      assert.deepEqual(flat(fromStore), flat(fromList));
    } finally {
      t.close();
    }
  });
});

describe("smbcmp diff of two large captures (B loaded by a worker)", () => {
  const A = join(TMP, "a.pcap");
  const B = join(TMP, "b.pcap");
  before(() => {
    // 19 MB and 17 MB (loadTracePair's 16 MB threshold): B is A's first 90k packets.
    const gen = (file: string, n: number) =>
      execFileSync(
        process.execPath,
        ["--import", "tsx", join(ROOT, "bench/gen.ts"), "ops", file, String(n)],
        {
          cwd: ROOT,
          stdio: "ignore",
        },
      );
    gen(A, 100000);
    gen(B, 90000);
  });

  test("the rows and exit code of an in-process diff", async () => {
    const r = spawnSync(process.execPath, [smbcmpBin(), "diff", "--json", A, B], {
      env: ENV,
      encoding: "utf8",
      maxBuffer: 1 << 30,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error/);
    const j = JSON.parse(r.stdout) as { summary: Record<string, number>; deep: boolean; rows: unknown[] };
    assert.equal(j.deep, false);
    const a = await openTrace(A);
    const b = await openTrace(B);
    try {
      const want = diffTraces(a, b, { deep: false });
      assert.deepEqual(j.summary, {
        ops: want.summary.ops,
        same: want.summary.same,
        differ: want.summary.differ,
        onlyA: want.summary.onlyA,
        onlyB: want.summary.onlyB,
      });
      assert.ok(want.summary.onlyA > 0 && want.summary.onlyB === 0);
    } finally {
      a.close();
      b.close();
    }
  });

  test("a large B that is not a capture: its one-line error, 125 under --bisect", () => {
    const junk = join(TMP, "junk-big.pcap");
    writeFileSync(junk, Buffer.alloc(17 << 20, 0x41));
    for (const [args, code] of [
      [["diff", A, junk], 2],
      [["diff", "--bisect", A, junk], 125],
    ] as const) {
      const r = spawnSync(process.execPath, [smbcmpBin(), ...args], { env: ENV, encoding: "utf8" });
      assert.equal(r.status, code, r.stderr);
      assert.match(r.stderr, /^smbcmp: .*junk-big\.pcap: not a capture file/);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});
