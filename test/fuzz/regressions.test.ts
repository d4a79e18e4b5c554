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
