/**
 * The CI fuzz pass: a fixed seed, 300 structure-aware cases (see tools/fuzz), each in a child with a
 * 256 MB heap and a time bound; every case must end in a listing or a clear one-line error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { writePcap } from "../../tools/fuzz/capfile.js";
import { defaultSeedFiles, loadSeeds, makeCase, runFuzz } from "../../tools/fuzz/driver.js";
import { collectBodies } from "../../tools/fuzz/mutators.js";
import { Rng } from "../../tools/fuzz/prng.js";

test("a case depends only on (seed, iteration)", () => {
  const seeds = loadSeeds(defaultSeedFiles().slice(0, 12), 50);
  const bodies = seeds.flatMap((s) => collectBodies(s.cap, 4));
  const a = makeCase(seeds, bodies, 7, 41);
  makeCase(seeds, bodies, 7, 40);
  const b = makeCase(seeds, bodies, 7, 41);
  assert.deepEqual(a.c.ops, b.c.ops);
  assert.ok(a.c.bytes.equals(b.c.bytes));
  assert.notDeepEqual(makeCase(seeds, bodies, 8, 41).c.bytes, a.c.bytes);
  assert.equal(new Rng(1, 2).u32(), new Rng(1, 2).u32());
  // The normalised seed round-trips through the fuzzer's own pcap writer.
  assert.ok(writePcap(seeds[0]!.cap).length > 24);
});

test("fixed-seed fuzz pass: no crash, hang or OOM", { timeout: 900_000 }, async () => {
  const r = await runFuzz({
    seed: "ci",
    iterations: 300,
    maxRecords: 100,
    maxTrees: 100,
    diffRows: 8,
    // Generous: the bound catches hangs, not slowness of a loaded machine.
    timeLimitMs: 60_000,
    heapMb: 256,
  });
  const lines = r.crashes.map(
    (c) => `#${c.iteration} [${c.kind}] ${c.error} <- ${c.seedName}: ${c.ops.join(" ")}`,
  );
  assert.deepEqual(
    lines,
    [],
    `crashes (reproduce: node --import tsx tools/fuzz.ts --seed ci --max-records 100 --from N --iterations 1)`,
  );
  assert.equal(r.iterations, 300);
  assert.equal(r.listings + r.errors, 300);
  // Most mutated captures still list: the mutators keep enough structure to reach the SMB layers.
  assert.ok(r.listings > 200, `only ${r.listings} listings`);
  console.log(
    `# fuzz: ${r.iterations} cases in ${r.ms} ms (slowest ${r.slowest} ms), ${r.errors} clear errors`,
  );
});
