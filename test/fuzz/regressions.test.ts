/**
 * Every capture of test/fixtures/fuzz/ (hostile inputs and fuzz finds) ends in a listing or a
 * clear error, in a child with a 256 MB heap; the hand-made ones match their generator.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, replayFiles } from "../../tools/fuzz/driver.js";
import { hostileFixtures } from "../../tools/fuzz/fixtures.js";

const DIR = join(ROOT, "test/fixtures/fuzz");
const files = readdirSync(DIR)
  .filter((f) => /\.(pcap|pcapng|cap|gz)$/.test(f))
  .sort()
  .map((f) => join(DIR, f));

test("fixtures are small", () => {
  assert.ok(files.length >= 9);
  for (const f of files) assert.ok(statSync(f).size < 50_000, `${f} is ${statSync(f).size} bytes`);
});

test("hand-made hostile fixtures match tools/fuzz/fixtures.ts", () => {
  for (const [name, bytes] of Object.entries(hostileFixtures()))
    assert.ok(readFileSync(join(DIR, name)).equals(bytes), `${name} differs: rerun tools/fuzz/fixtures.ts`);
});

test("every fixture ends in a listing or a clear error", { timeout: 600_000 }, async () => {
  const bad: string[] = [];
  for (const { file, result } of await replayFiles(files, { timeLimitMs: 60_000, heapMb: 256 })) {
    if ("timeout" in result) bad.push(`${file}: timeout`);
    else if ("died" in result) bad.push(`${file}: ${result.died}`);
    else if (!result.ok) bad.push(`${file}: ${result.error}\n${result.stack}`);
    else {
      if (result.outcome === "error") assert.doesNotMatch(result.error ?? "", /\n/);
      // Decompressed data lives in Buffers, outside the heap limit: bombs must stay bounded too.
      assert.ok(result.maxRssMb < 1024, `${file}: peak RSS ${result.maxRssMb} MB`);
    }
  }
  assert.deepEqual(bad, []);
});

test("a case over its time bound is reported as a timeout, and the next case still runs", async () => {
  const fx = join(DIR, "compound-600.pcap");
  const notCapture = join(ROOT, "test/fuzz/regressions.test.ts");
  const [slow, after] = await replayFiles([fx, notCapture], { timeLimitMs: 1 });
  assert.ok("timeout" in slow!.result);
  // The killed child is replaced; this one gets a clear error, or the same 1 ms timeout.
  const r = after!.result;
  if (!("timeout" in r)) {
    assert.ok(!("died" in r) && r.ok && r.outcome === "error", JSON.stringify(r));
    assert.match(r.error ?? "", /^[^\n]+$/);
  }
  const [clear] = await replayFiles([notCapture], { timeLimitMs: 60_000 });
  const c = clear!.result;
  assert.ok(!("timeout" in c) && !("died" in c) && c.ok && c.outcome === "error", JSON.stringify(c));
});
