/**
 * Structure-aware fuzzer of the dissector (issue #12):
 *
 *   node --import tsx tools/fuzz.ts --seed S --iterations N [--from I] [--time-limit-ms T]
 *        [--heap-mb M] [--rss-mb R] [--max-records K] [--jobs J] [--out DIR] [--replay FILE...]
 *
 * Each iteration mutates one corpus/fixture/examples capture (records, TCP segments, SMB fields, hostile
 * compounds and decompression bombs; see tools/fuzz/mutators.ts) and runs it through openTrace,
 * tree() and the diff against its seed in a child process with a heap limit and a timeout. Exit
 * status 1 when any case crashed, hung or died; crashing inputs go to --out (default
 * test-artifacts/fuzz) with a note that reproduces them.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, replayFiles, runFuzz } from "./fuzz/driver.js";

const { values, positionals } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    iterations: { type: "string", default: "1000" },
    from: { type: "string", default: "0" },
    "time-limit-ms": { type: "string", default: "20000" },
    "heap-mb": { type: "string", default: "256" },
    "rss-mb": { type: "string", default: "1024" },
    "max-records": { type: "string", default: "300" },
    jobs: { type: "string", default: "1" },
    out: { type: "string", default: path.join(ROOT, "test-artifacts/fuzz") },
    replay: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  allowPositionals: true,
});

function int(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`fuzz: --${name} wants a non-negative integer, got "${v}"`);
    process.exit(2);
  }
  return n;
}

if (values.help) {
  console.log(
    "usage: node --import tsx tools/fuzz.ts --seed S --iterations N [--from I] [--time-limit-ms T] [--heap-mb M] [--rss-mb R] [--max-records K] [--jobs J] [--out DIR]\n" +
      "       node --import tsx tools/fuzz.ts --replay FILE...",
  );
  process.exit(0);
}

const timeLimitMs = int("time-limit-ms", values["time-limit-ms"]);
const heapMb = int("heap-mb", values["heap-mb"]);

if (values.replay) {
  let bad = 0;
  for (const { file, result } of await replayFiles(positionals, { timeLimitMs, heapMb })) {
    let line: string;
    if ("timeout" in result) line = `TIMEOUT after ${timeLimitMs} ms`;
    else if ("died" in result) line = `DIED ${result.died}`;
    else if (!result.ok) line = `CRASH ${result.error}\n${result.stack}`;
    else
      line =
        (result.outcome === "listing"
          ? `listing (${result.packets} packets, ${result.malformed} malformed trees)`
          : `error: ${result.error}`) + `, peak RSS ${result.maxRssMb} MB`;
    if ("timeout" in result || "died" in result || !result.ok) bad++;
    console.log(`${file}: ${line}`);
  }
  process.exit(bad ? 1 : 0);
}

const seed = /^\d+$/.test(values.seed!) ? Number(values.seed) : values.seed!;
const r = await runFuzz({
  seed,
  iterations: int("iterations", values.iterations),
  from: int("from", values.from),
  timeLimitMs,
  heapMb,
  rssMb: int("rss-mb", values["rss-mb"]),
  maxRecords: int("max-records", values["max-records"]),
  jobs: int("jobs", values.jobs),
  out: values.out,
  log: values.quiet ? undefined : (l) => console.error(l),
});
console.log(
  `fuzz seed ${values.seed}: ${r.iterations} iterations in ${(r.ms / 1000).toFixed(1)} s (slowest ${r.slowest} ms): ` +
    `${r.listings} listings, ${r.errors} clear errors, ${r.crashes.length} crashes`,
);
for (const c of r.crashes)
  console.log(`  #${c.iteration} [${c.kind}] ${c.error}  <- ${c.seedName}: ${c.ops.join(" ")}`);
process.exit(r.crashes.length ? 1 : 0);
