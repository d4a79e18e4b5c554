/**
 * Compare smbcmp's dissection with tshark's, per capture and in total.
 *
 *   node --import tsx tools/conformance.ts                 # the whole corpus (SMB2)
 *   node --import tsx tools/conformance.ts --proto smb F   # SMB1 of one capture
 *   node --import tsx tools/conformance.ts F --frame 12    # field-level detail of one frame
 *   ... --json                                             # machine-readable report
 *   ... --summaries                                        # Info summaries only (fast, no PDML)
 *   ... --all-diffs                                        # list every summary mismatch
 *   ... --proto dcerpc                                     # DCE/RPC over pipes (smb_pipe, dcerpc)
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DECODED_PROTOS } from "../src/dcerpc/stubs.js";
import { type CaptureReport, compareCapture, pct } from "./oracle/compare.js";
import { readIndex, splitArgs } from "./oracle/pdml.js";

const CORPUS = resolve(import.meta.dirname, "../test/fixtures/corpus");

export interface CorpusEntry {
  path: string;
  args: string[];
  keys: { sesid: string; key: string }[];
  row: ReturnType<typeof readIndex>[number];
}

export function corpusEntries(): CorpusEntry[] {
  const rows = readIndex("INDEX.tsv", readFileSync(join(CORPUS, "INDEX.tsv"), "utf8"));
  const keyRows = readFileSync(join(CORPUS, "KEYS.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"));
  return rows.map((row) => ({
    path: join(CORPUS, row.path),
    args: splitArgs(row.tshark_args),
    keys: keyRows.filter((k) => k[0] === row.path).map((k) => ({ sesid: k[1]!, key: k[2]! })),
    row,
  }));
}

export const BASELINE = join(import.meta.dirname, "../test/conformance/baseline.json");

/** The tshark protocols compared for a `--proto` name (a baseline key). */
export function protosOf(proto: string): string[] {
  if (proto === "both") return ["smb2", "smb"];
  if (proto === "dcerpc") return ["smb_pipe", "dcerpc", ...DECODED_PROTOS];
  return [proto];
}

export interface BaselineEntry {
  recall: number;
  precision: number;
  summaries: number;
}

export function scores(r: CaptureReport): BaselineEntry {
  const f = (a: number, b: number) => (b ? Math.floor((10000 * a) / b) / 100 : 100);
  return {
    recall: f(r.matched, r.tsharkFields),
    precision: f(r.precise, r.ourFields),
    summaries: f(r.summariesEqual, r.summaries),
  };
}

/** Records per-capture scores; the conformance test fails on any regression below them. */
function writeBaseline(proto: string, reports: CaptureReport[]): void {
  const all: Record<string, Record<string, BaselineEntry>> = existsSync(BASELINE)
    ? JSON.parse(readFileSync(BASELINE, "utf8"))
    : {};
  const mine: Record<string, BaselineEntry> = {};
  // DCE/RPC is looked for in every capture; those without any are not recorded.
  for (const r of reports)
    if (r.frames > 0 || proto !== "dcerpc") mine[r.path.slice(CORPUS.length + 1)] = scores(r);
  all[proto] = mine;
  writeFileSync(BASELINE, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`recorded ${reports.length} captures in ${BASELINE}`);
}

async function main() {
  const argv = process.argv.slice(2);
  let proto = "smb2";
  let json = false;
  let record = false;
  let summariesOnly = false;
  let allDiffs = false;
  const frames: number[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--proto") proto = argv[++i]!;
    else if (a === "--json") json = true;
    else if (a === "--record") record = true;
    else if (a === "--frame") frames.push(Number(argv[++i]));
    else if (a === "--summaries") summariesOnly = true;
    else if (a === "--all-diffs") allDiffs = true;
    else files.push(a);
  }
  const protos = protosOf(proto);
  const entries = files.length
    ? files.map((f) => {
        const abs = resolve(f);
        const hit = corpusEntries().find((e) => e.path === abs);
        return { path: abs, args: hit?.args ?? [], keys: hit?.keys ?? [] };
      })
    : corpusEntries().filter(
        (e) => proto === "dcerpc" || (proto === "smb" ? e.row.smb1_frames : e.row.smb2_frames) > 0,
      );
  const reports: CaptureReport[] = [];
  for (const e of entries) {
    const r = await compareCapture(e.path, {
      protos,
      extraArgs: e.args,
      keys: e.keys,
      frames: frames.length ? frames : undefined,
      perFrame: frames.length > 0,
      summariesOnly,
    });
    reports.push(r);
    if (!json) {
      const name = e.path.startsWith(CORPUS) ? e.path.slice(CORPUS.length + 1) : e.path;
      console.log(
        `${name}: frames ${r.frames} recall ${pct(r.matched, r.tsharkFields)} precision ${pct(r.precise, r.ourFields)} summaries ${pct(r.summariesEqual, r.summaries)}${r.framesOnlyTshark.length ? ` only-tshark ${r.framesOnlyTshark.length}` : ""}${r.framesOnlyOurs.length ? ` only-ours ${r.framesOnlyOurs.length}` : ""}`,
      );
      for (const fr of r.perFrame ?? []) {
        console.log(`  frame ${fr.frame}: tshark ${fr.tshark} ours ${fr.ours} matched ${fr.matched}`);
        for (const m of fr.missing) console.log(`    missing ${m}`);
        for (const m of fr.extra) console.log(`    extra   ${m}`);
      }
    }
  }
  const tot = reports.reduce(
    (a, r) => ({
      t: a.t + r.tsharkFields,
      o: a.o + r.ourFields,
      m: a.m + r.matched,
      p: a.p + r.precise,
      s: a.s + r.summaries,
      se: a.se + r.summariesEqual,
    }),
    { t: 0, o: 0, m: 0, p: 0, s: 0, se: 0 },
  );
  const merge = (k: "missingByName" | "extraByName") => {
    const acc: Record<string, number> = {};
    for (const r of reports) for (const [n, c] of Object.entries(r[k])) acc[n] = (acc[n] ?? 0) + c;
    return Object.entries(acc)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25);
  };
  if (record && summariesOnly) throw new Error("--record needs the full comparison (no --summaries)");
  if (record) writeBaseline(proto, reports);
  if (json) {
    console.log(JSON.stringify({ reports, total: tot }, null, 1));
    return;
  }
  console.log(
    `\nTOTAL recall ${pct(tot.m, tot.t)} (${tot.m}/${tot.t}) precision ${pct(tot.p, tot.o)} (${tot.p}/${tot.o}) summaries ${pct(tot.se, tot.s)} (${tot.se}/${tot.s})`,
  );
  console.log(
    `top missing: ${merge("missingByName")
      .map(([n, c]) => `${n}:${c}`)
      .join(" ")}`,
  );
  console.log(
    `top extra:   ${merge("extraByName")
      .map(([n, c]) => `${n}:${c}`)
      .join(" ")}`,
  );
  const diffs = reports
    .flatMap((r) => r.summaryDiffs.map((d) => ({ ...d, path: r.path })))
    .slice(0, allDiffs ? undefined : 15);
  for (const d of diffs)
    console.log(
      `  summary ${dirname(d.path).split("/").pop()}#${d.frame}:\n    tshark: ${d.tshark}\n    ours:   ${d.ours}`,
    );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
