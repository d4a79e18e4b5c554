/**
 * WorkerTrace (the TUI's and the web server's loader): progress reaches the UI thread even before
 * the first SMB packet (a long non-SMB prefix), and every packet arrives; PeerTraces attached to
 * the same load worker (the web server's compute worker) get the same index and trees.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openTrace } from "../../src/trace/index.js";
import { filterAll } from "../../src/worker/filter.js";
import { PeerTrace, WorkerTrace } from "../../src/worker/trace.js";

const GOOD = join(import.meta.dirname, "../../examples/good.pcap");

/** ~42 MB of UDP frames, then good.pcap's records (both Ethernet). */
function padded(file: string): void {
  const good = readFileSync(GOOD);
  const frame = Buffer.alloc(1400);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame.writeUInt16BE(1386, 16);
  frame[23] = 17;
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(1_700_000_000, 0);
  rec.writeUInt32LE(1400, 8);
  rec.writeUInt32LE(1400, 12);
  const parts = [good.subarray(0, 24)];
  for (let i = 0; i < 30_000; i++) parts.push(rec, frame);
  parts.push(good.subarray(24));
  writeFileSync(file, Buffer.concat(parts));
}

test("progress before the first packet reaches the UI, then every packet", async () => {
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-loader-"));
  const alive = setInterval(() => {}, 1000); // the loader's worker does not hold the process
  try {
    const file = join(dir, "padded.pcap");
    padded(file);
    let early = 0;
    const t = await new Promise<WorkerTrace>((resolve, reject) => {
      const w: WorkerTrace = new WorkerTrace(
        file,
        {},
        {
          onProgress: (done, total) => {
            if (!w.packets.length && done < total) early++;
          },
          onDone: () => resolve(w),
          onError: (m) => reject(new Error(m)),
        },
      );
    });
    // The reader reports at the start and every 16 MB: three times before good.pcap's packets.
    assert.ok(early >= 3, `${early} progress reports before the first packet`);
    const want = await openTrace(file);
    assert.equal(t.packets.length, want.packets.length);
    for (let i = 0; i < want.packets.length; i++) assert.deepEqual(t.packets.at(i), want.packets.at(i));
    want.close();
    t.close();
  } finally {
    clearInterval(alive);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("attached PeerTraces, early or late, get the same packets and trees from the one load worker", async () => {
  const alive = setInterval(() => {}, 1000);
  try {
    for (const engine of ["native", "tshark"] as const) {
      const w = new WorkerTrace(GOOD, {}, undefined, undefined, { spec: { engine } });
      const early = new PeerTrace("early", w.attach());
      await w.ready;
      // Late: the batches so far in one, with every string of the store's table (addresses...).
      const late = new PeerTrace("late", w.attach());
      await Promise.all([early.ready, late.ready]);
      assert.ok(w.packets.length > 100, engine);
      for (const t of [early, late]) {
        assert.equal(t.packets.length, w.packets.length, `${engine} ${t.path}`);
        for (let i = 0; i < w.packets.length; i++) assert.deepEqual(t.packets.at(i), w.packets.at(i));
        const no = w.packets.at(5)!.no;
        assert.deepEqual(t.tree(no), w.tree(no));
      }
      for (const t of [w, early, late]) t.close();
    }
  } finally {
    clearInterval(alive);
  }
});

test("a PeerTrace fails, never hangs, when its load worker fails or ends", async () => {
  const alive = setInterval(() => {}, 1000);
  try {
    const bad = new WorkerTrace(join(import.meta.dirname, "nonexistent.pcap"), {});
    await assert.rejects(bad.started, /nonexistent/);
    await assert.rejects(new PeerTrace("p", bad.attach()).ready, /nonexistent/);
    bad.close();
    // Held loading by the gate, then terminated.
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const held = new WorkerTrace(GOOD, {}, undefined, undefined, { spec: {}, gate });
    await held.started;
    const p = new PeerTrace("p", held.attach());
    held.close();
    await assert.rejects(p.ready, /ended/);
    assert.equal(p.loaded, false);
  } finally {
    clearInterval(alive);
  }
});

test("a PeerTrace's filters run in the load worker, with the results of filtering in place", async () => {
  const alive = setInterval(() => {}, 1000);
  try {
    const w = new WorkerTrace(GOOD, {}, undefined, undefined, { spec: {} });
    const p = new PeerTrace("p", w.attach());
    await p.ready;
    const local = await openTrace(GOOD);
    // Tree fields, message fields, a substring, not a display filter.
    for (const f of [
      "smb2.credits.granted > 1",
      "smb2.cmd == 5",
      "Create",
      "smb2.cmd == (",
      "smb2.filname",
    ]) {
      const got = await p.filterIndex(f);
      const want = filterAll(local, f);
      assert.equal(got.note, want.note, f);
      assert.deepEqual([...got.idx], [...want.idx], f);
    }
    assert.ok((await p.filterIndex("smb2.credits.granted > 1")).idx.length > 10);
    assert.equal(
      (await p.filterIndex("smb2.filname")).note,
      "display filter; no packet has smb2.filname (did you mean smb2.filename?)",
    );
    // Several at once: each answered.
    const [x, y] = await Promise.all([p.filterIndex("Create"), p.filterIndex("Close")]);
    assert.deepEqual([x.idx.length > 0, y.idx.length > 0], [true, true]);
    local.close();
    // A filter pending when the load worker ends is answered or fails, never left waiting.
    const pending = p.filterIndex("smb2.credits.granted > 1");
    w.close();
    await pending.then(
      () => {},
      (e: Error) => assert.match(e.message, /ended/),
    );
    p.close();
  } finally {
    clearInterval(alive);
  }
});

test("several requests out at once: each answer reaches its own waiter", async () => {
  const t = new WorkerTrace(GOOD, {});
  const here = await openTrace(GOOD);
  try {
    await t.ready;
    const nos = [...here.packets].map((p) => p.no);
    const [n1, n2, n3, n4] = [nos[3]!, nos[4]!, nos[5]!, nos[nos.length - 1]!];
    const names = (ns: { name: string }[]) => ns.map((n) => n.name).join(",");
    // Skeletons asked for ahead (as a diff's RowPrefetcher does), then a tree and more skeletons
    // asked for and waited on before them: answers arrive in the order asked.
    const first = t.prefetchSkeletons([n1, n2]);
    const second = t.prefetchSkeletons([n3]);
    assert.equal(names(t.tree(n4)), names(here.tree(n4)));
    second();
    first();
    for (const no of [n1, n2, n3]) assert.equal(names(t.skeleton(no)), names(here.tree(no)));
  } finally {
    t.close();
    here.close();
  }
});
