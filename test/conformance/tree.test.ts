/**
 * Detail trees and summaries against tshark over the corpus: recall, precision and identical Info
 * summaries per capture must not fall below the recorded figures (test/conformance/baseline.json,
 * written by `node --import tsx tools/conformance.ts --record`, `--proto smb --record` and
 * `--proto dcerpc --record`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BASELINE, type BaselineEntry, corpusEntries, protosOf, scores } from "../../tools/conformance.js";
import { compareCapture, pct } from "../../tools/oracle/compare.js";

const CORPUS = join(import.meta.dirname, "../fixtures/corpus");
const baseline: Record<string, Record<string, BaselineEntry>> = JSON.parse(readFileSync(BASELINE, "utf8"));

for (const proto of Object.keys(baseline)) {
  test(`${proto} trees and summaries match tshark at least as well as recorded`, async (t) => {
    const regressions: string[] = [];
    const tot = { t: 0, o: 0, m: 0, p: 0, s: 0, se: 0 };
    for (const e of corpusEntries()) {
      const rel = e.path.slice(CORPUS.length + 1);
      const want = baseline[proto]![rel];
      if (!want) continue;
      const r = await compareCapture(e.path, { protos: protosOf(proto), extraArgs: e.args, keys: e.keys });
      const got = scores(r);
      tot.t += r.tsharkFields;
      tot.o += r.ourFields;
      tot.m += r.matched;
      tot.p += r.precise;
      tot.s += r.summaries;
      tot.se += r.summariesEqual;
      t.diagnostic(`${rel}: recall ${got.recall}% precision ${got.precision}% summaries ${got.summaries}%`);
      for (const k of ["recall", "precision", "summaries"] as const)
        if (got[k] < want[k]) regressions.push(`${rel}: ${k} ${got[k]}% < recorded ${want[k]}%`);
    }
    t.diagnostic(
      `TOTAL recall ${pct(tot.m, tot.t)} precision ${pct(tot.p, tot.o)} summaries ${pct(tot.se, tot.s)}`,
    );
    assert.deepEqual(regressions, []);
  });
}
