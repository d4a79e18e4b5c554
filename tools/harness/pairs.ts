// Scenario pairs: one client job run against two server configurations (A works, B differs).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CaptureResult, type RunOptions, runScenario } from "./run.js";
import { type FileSpec, loadScenario, SCENARIO_DIR, type ServerConfig, withServer } from "./scenario.js";
import { check, type Expectation, summarise } from "./verify.js";

export interface PairSide {
  server?: ServerConfig;
  /** Extra files for this side's share. */
  setup?: FileSpec[];
  /** What tshark must show for this side (checked by `verifyPair`). */
  expect?: Expectation;
}

export interface PairSpec {
  name: string;
  /** The client job: a scenario name in tools/scenarios. */
  scenario: string;
  /** The difference a user of smbcmp should find between A and B. */
  difference: string;
  a: PairSide;
  b: PairSide;
}

export interface PairResult {
  name: string;
  difference: string;
  a: CaptureResult;
  b: CaptureResult;
}

export const PAIRS_FILE = join(SCENARIO_DIR, "pairs.json");

export function loadPairs(file = PAIRS_FILE): PairSpec[] {
  if (!existsSync(file)) throw new Error(`pairs file not found: ${file}`);
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { pairs?: PairSpec[] };
  if (!Array.isArray(parsed.pairs)) throw new Error(`${file}: expected {"pairs": [...]}`);
  for (const p of parsed.pairs) {
    if (!/^[A-Za-z0-9._-]+$/.test(p.name ?? "")) throw new Error(`${file}: bad pair name ${p.name}`);
    if (typeof p.scenario !== "string" || !p.a || !p.b) throw new Error(`${file}: pair ${p.name} incomplete`);
  }
  return parsed.pairs;
}

export function getPair(name: string): PairSpec {
  const p = loadPairs().find((x) => x.name === name);
  if (!p) throw new Error(`pair not found: ${name}`);
  return p;
}

/** Run both sides (sequentially, each with its own smbd); captures are `<pair>-a.pcap` and `<pair>-b.pcap`. */
export async function runPair(
  pair: string | PairSpec,
  outDir: string,
  opts: Omit<RunOptions, "outDir"> = {},
): Promise<PairResult> {
  const spec = typeof pair === "string" ? getPair(pair) : pair;
  const job = loadScenario(spec.scenario);
  const a = await runScenario(withServer(job, `${spec.name}-a`, spec.a.server, spec.a.setup), {
    ...opts,
    outDir,
  });
  const b = await runScenario(withServer(job, `${spec.name}-b`, spec.b.server, spec.b.setup), {
    ...opts,
    outDir,
  });
  return { name: spec.name, difference: spec.difference, a, b };
}

/** Check both captures against the pair's expectations; returns the problems found. */
export function verifyPair(spec: PairSpec, res: PairResult): string[] {
  const errs: string[] = [];
  for (const side of ["a", "b"] as const) {
    const exp = spec[side].expect;
    if (!exp) continue;
    const problems = check(summarise(res[side].pcap, res[side].keys), exp);
    errs.push(...problems.map((p) => `${side}: ${p}`));
  }
  return errs;
}
