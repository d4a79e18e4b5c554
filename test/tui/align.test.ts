/**
 * The TUI's background alignment (load workers → align worker → Alignment on this thread) gives
 * the same rows, kinds and field differences as diffTraces run in-process on the same captures.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { diffTraces } from "../../src/diff/align.js";
import { opText } from "../../src/diff/render/common.js";
import { walkDiff } from "../../src/diff/tree-diff.js";
import { openTrace } from "../../src/trace/index.js";
import { doneMessage } from "../../src/tui/align-msg.js";
import { type Alignment, Alignment as AlignmentClass, AlignWorker } from "../../src/tui/alignment.js";
import { WorkerTrace } from "../../src/worker/trace.js";
import { guidText, leaf, type OpSpec, opTrace } from "../diff/fake.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const GOOD = join(ROOT, "examples/good.pcap");
const BAD = join(ROOT, "examples/bad.pcap");
/** Every worker started, closed at the end whatever happened (a live worker keeps the process up). */
const started: { close(): void }[] = [];
after(() => {
  for (const w of started) w.close();
});

function alignInWorkers(
  pa: string,
  pb: string,
): Promise<{ al: Alignment; a: WorkerTrace; b: WorkerTrace; close(): void }> {
  return new Promise((resolve, reject) => {
    let loaded = 0;
    let done: Alignment | undefined;
    const finish = () => {
      if (loaded === 2 && done)
        resolve({
          al: done,
          a,
          b,
          close: () => {
            for (const x of [aligner, a, b]) x.close();
          },
        });
    };
    const aligner = new AlignWorker({
      onAligning: () => {},
      onDone: (m) => {
        done = new AlignmentClass(a, b, m);
        finish();
      },
      onError: (m) => reject(new Error(m)),
    });
    const ev = {
      onProgress: () => {},
      onDone: () => {
        loaded++;
        finish();
      },
      onError: (m: string) => reject(new Error(m)),
    };
    const a = new WorkerTrace(pa, {}, ev, aligner.portA);
    const b = new WorkerTrace(pb, {}, ev, aligner.portB);
    started.push(aligner, a, b);
  });
}

test("worker alignment equals diffTraces: rows, ops, field diffs", async () => {
  const w = await alignInWorkers(GOOD, BAD);
  const ta = await openTrace(GOOD, {});
  const tb = await openTrace(BAD, {});
  const r = diffTraces(ta, tb);
  assert.equal(w.al.length, r.rows.length);
  assert.deepEqual(w.al.summary, r.summary);
  assert.equal(w.al.firstDivergence, r.firstDivergence);
  assert.ok(r.summary.differ > 0);
  for (let i = 0; i < r.rows.length; i++) {
    const x = r.rows[i]!;
    const y = w.al.row(i);
    assert.equal(y.kind, x.kind, `row ${i}`);
    for (const side of ["a", "b"] as const) {
      const ox = x[side];
      const oy = y[side];
      assert.equal(!!oy, !!ox, `row ${i} ${side}`);
      if (!ox || !oy) continue;
      assert.deepEqual(
        [oy.req, oy.resp, oy.interim, oy.status, oy.kind],
        [ox.req, ox.resp, ox.interim, ox.status, ox.kind],
      );
      const t = side === "a" ? ta : tb;
      assert.equal(opText(t, oy), opText(t, ox));
    }
    const dx = r.fieldDiff(i);
    const dy = w.al.fieldDiff(i);
    assert.equal(dy.count, dx.count, `row ${i} differences`);
    assert.equal(dy.parts.length, dx.parts.length);
  }
  // The identity map came across: a pair of mapped handles is no difference.
  assert.ok(w.al.idmap && w.al.idmap.size("session") >= 1);
  w.close();
});

test("a load error reaches the aligner as a failure, not a hang", async () => {
  await assert.rejects(alignInWorkers(GOOD, "/nonexistent.pcap"));
});

test("the TUI's Alignment binds lease keys in row order, as diffTraces does, whatever row is shown first", () => {
  // A leases foo with key 1 and bar with key 2; B with 0x11 and 0x12. B acknowledges a break with
  // bar's key where A used foo's: row 2 differs, and only row 2.
  const key = (n: number) => guidText(n.toString(16).padStart(32, "0"));
  const lease = (cmd: number, k: number, fileId: string, path?: string): OpSpec => ({
    cmd,
    path,
    fileId,
    reqBody: [leaf("smb2.lease.lease_key", key(k))],
    respBody: [leaf("smb2.lease.lease_key", key(k))],
  });
  const a = opTrace("A", [
    lease(5, 1, "0a".repeat(16), "foo.txt"),
    lease(5, 2, "0b".repeat(16), "bar.txt"),
    lease(18, 1, "0a".repeat(16)),
  ]);
  const b = opTrace("B", [
    lease(5, 0x11, "1a".repeat(16), "foo.txt"),
    lease(5, 0x12, "1b".repeat(16), "bar.txt"),
    lease(18, 0x12, "1a".repeat(16)),
  ]);
  // What the align worker sends (structured clone included), then the UI thread's view of it.
  const done = structuredClone(doneMessage(diffTraces(a, b), 0, {}));
  const al = new AlignmentClass(a, b, done);
  const leaseDiffs = (i: number) => {
    const out: string[] = [];
    for (const p of al.fieldDiff(i).parts)
      walkDiff(p.nodes, (n) => {
        if (n.kind === "modified" && n.name === "smb2.lease.lease_key" && !n.ignored)
          out.push(`${n.a} → ${n.b}`);
        return true;
      });
    return out;
  };
  assert.equal(leaseDiffs(2).length, 2, "the acknowledgment's request and response differ");
  for (const d of leaseDiffs(2)) assert.match(d, /^<lease of foo\.txt> \(.*\) → <lease of bar\.txt> \(.*\)$/);
  assert.deepEqual(leaseDiffs(0), [], "foo's create: keys 1 and 0x11 are paired");
  assert.deepEqual(leaseDiffs(1), [], "bar's create: keys 2 and 0x12 are paired");
  for (; !al.deepenStep(1000).done; );
  assert.deepEqual(al.summary, { ops: 3, same: 2, differ: 1, onlyA: 0, onlyB: 0 });
});
