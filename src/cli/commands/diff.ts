/** `smbcmp diff A B` (aligned traces) and `smbcmp diff A:NO B:NO` (one packet pair, original smbcmp). */
import { writeFileSync } from "node:fs";
import {
  type AlignResult,
  alignToJson,
  configPath,
  DEEP_LIMIT,
  diffPackets,
  diffPacketsText,
  diffTraces,
  exitCodeFor,
  type IgnoreRules,
  loadConfig,
  matchesNoField,
  noFieldWarning,
  type PacketDiff,
  packetToJson,
  parseRule,
  profileRules,
  RuleSyntaxError,
  renderAlign,
  renderAlignHtml,
  renderPacketDiff,
  renderPacketHtml,
} from "../../diff/index.js";
import type { Trace } from "../../trace/types.js";
import { type OptSpec, optionHelp, parseArgs } from "../args.js";
import {
  CliError,
  COMMON_OPTS,
  colorOf,
  FILTER_OPT,
  inProcess,
  loadOpts,
  loadTrace,
  loadTracePair,
  out,
  parseFilterOpt,
  splitCapNo,
} from "../common.js";

export const DIFF_OPTS: OptSpec[] = [
  ...COMMON_OPTS,
  FILTER_OPT,
  {
    name: "ignore",
    short: "i",
    value: true,
    repeat: true,
    arg: "RULE",
    help: "ignore rule added after the profile's (NAME, GLOB, NAME=always|both-success|within:N, !NAME)",
  },
  {
    name: "profile",
    short: "p",
    value: true,
    arg: "NAME",
    help: "ignore profile: default, none or a [profile NAME] of ~/.smbcmp",
  },
  {
    name: "config",
    short: "c",
    value: true,
    arg: "FILE",
    complete: "file",
    help: "configuration file instead of ~/.smbcmp ($SMBCMP_CONFIG)",
  },
  { name: "context", short: "C", value: true, arg: "N", help: "unchanged lines/rows shown around changes" },
  { name: "first", help: "stop at the first divergence and show only it" },
  {
    name: "deep",
    help: `compare the fields of every pair (default up to ${DEEP_LIMIT} packets per side)`,
  },
  { name: "shallow", help: "compare only commands/names/statuses; fields only under differing rows" },
  {
    name: "mode",
    short: "m",
    value: true,
    arg: "MODE",
    choices: ["tree", "text", "pdml"],
    help: "packet pair mode: tree/pdml = field tree diff, text = unified diff of show texts",
  },
  {
    name: "format",
    short: "f",
    value: true,
    arg: "FMT",
    choices: ["text", "json", "html"],
    help: "output format (default text; --json = --format json)",
  },
  {
    name: "output",
    short: "o",
    value: true,
    arg: "FILE",
    complete: "file",
    help: "write the report to FILE",
  },
  { name: "all-layers", help: "packet pair: include frame/eth/ip/tcp/nbss layers" },
  { name: "bisect", help: "exit 125 instead of 2 on trouble (git bisect run: skip)" },
];

export const DIFF_HELP = `usage: smbcmp diff A.pcap B.pcap [options]
       smbcmp diff A.pcap:NO B.pcap:NO [options]
       smbcmp A.pcap B.pcap                 (stdout not a terminal)

Aligns the SMB operations of a working trace A and a failing trace B and prints the divergences
(! differ, - only in A, + only in B) with their field differences; with A:NO B:NO compares one
packet with one packet, like the original smbcmp. Ids that change from run to run (session,
tree, file ids...) compare through an identity map; timestamps and similar noise are ignored by
the 'default' profile.

Exit status, like diff(1): 0 same, 1 different, 2 trouble (125 with --bisect).

options:
${"%OPTIONS%"}

Examples:
  smbcmp diff examples/good.pcap examples/bad.pcap
  smbcmp diff good.pcap bad.pcap --first --json | jq .rows
  smbcmp diff good.pcap:75 bad.pcap:79 -m text
  smbcmp diff a.pcap b.pcap -i smb2.credits.granted -i 'smb2.nt_status=both-success' -p none
  smbcmp diff a.pcap b.pcap -Y 'smb2.cmd == 5' --format html -o report.html
  git bisect run sh -c 'make && ./capture.sh > new.pcap; smbcmp diff --bisect -q good.pcap new.pcap'`;

export const diffHelp = () => DIFF_HELP.replace("%OPTIONS%", optionHelp(DIFF_OPTS));

function rulesOf(opts: Record<string, string | boolean | string[]>): IgnoreRules {
  let rules: IgnoreRules;
  try {
    const cfg = loadConfig((opts.config as string | undefined) ?? configPath());
    if (opts.config && !cfg.path) throw new CliError(`cannot read config file ${opts.config}`);
    if (!opts.quiet) for (const w of cfg.warnings) process.stderr.write(`smbcmp: warning: ${w}\n`);
    const name = (opts.profile as string | undefined) ?? cfg.defaultProfile ?? "default";
    rules = profileRules(name, cfg.profiles);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  for (const r of (opts.ignore as string[] | undefined) ?? []) {
    try {
      const rule = parseRule(r);
      rules.add(rule);
      if (!opts.quiet && matchesNoField(rule))
        process.stderr.write(`smbcmp: warning: --ignore ${r}: ${noFieldWarning(rule)}\n`);
    } catch (e) {
      if (e instanceof RuleSyntaxError) throw new CliError(`bad --ignore rule '${r}': ${e.message}`);
      throw e;
    }
  }
  return rules;
}

function intOpt(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`bad --${name} value '${v}' (a number ≥ 0)`);
  return n;
}

function emit(text: string, file: string | undefined): void {
  if (!file || file === "-") {
    out(text);
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Keeps only the first divergence and its context rows (for --first). */
/**
 * --first: compares fields row by row only until the first divergence (a deep diff of the whole
 * trace is not needed to find it) and keeps the rows up to it; the summary counts those rows.
 */
function firstOnly(r: AlignResult, deep: boolean): AlignResult {
  if (deep)
    for (let i = 0; i < r.rows.length; i++) {
      const row = r.rows[i]!;
      if (row.kind !== "same") break;
      if (r.fieldDiff(i).count > 0) {
        row.kind = "differ";
        break;
      }
    }
  r.firstDivergence = r.rows.findIndex((x) => x.kind !== "same");
  if (r.firstDivergence >= 0) r.rows.length = r.firstDivergence + 1;
  const s = { ops: r.rows.length, same: 0, differ: 0, onlyA: 0, onlyB: 0 };
  for (const row of r.rows)
    if (row.kind === "same") s.same++;
    else if (row.kind === "differ") s.differ++;
    else if (row.kind === "only-a") s.onlyA++;
    else s.onlyB++;
  r.summary = s;
  return r;
}

export async function diffCommand(argv: string[]): Promise<number> {
  const { opts, rest } = parseArgs(argv, DIFF_OPTS);
  if (opts.help) {
    out(`${diffHelp()}\n`);
    return 0;
  }
  const bisect = !!opts.bisect;
  try {
    return await run(opts, rest, bisect);
  } catch (e) {
    // Trouble under --bisect is "skip this commit".
    if (bisect && e instanceof CliError) throw new CliError(e.message, 125);
    if (bisect && (e as Error).name && ["CaptureError", "TraceError"].includes((e as Error).name))
      throw new CliError((e as Error).message, 125);
    throw e;
  }
}

async function run(
  opts: Record<string, string | boolean | string[]>,
  rest: string[],
  bisect: boolean,
): Promise<number> {
  if (rest.length !== 2) throw new CliError("diff needs two captures: A B or A:NO B:NO (see smbcmp diff -h)");
  const format = opts.json ? "json" : ((opts.format as string | undefined) ?? "text");
  if (opts.json && opts.format && opts.format !== "json")
    throw new CliError(`--json conflicts with --format ${opts.format}`);
  if (opts.deep && opts.shallow) throw new CliError("--deep and --shallow exclude each other");
  const color = colorOf(opts);
  const context = intOpt(opts.context, "context");
  const rules = rulesOf(opts);
  const filter = parseFilterOpt(opts["display-filter"] as string | undefined);
  const [pa, na] = splitCapNo(rest[0]!);
  const [pb, nb] = splitCapNo(rest[1]!);
  if ((na === undefined) !== (nb === undefined))
    throw new CliError("give packet numbers on both sides (A:NO B:NO) or on neither");
  const lo = { ...loadOpts(opts), filter: na === undefined ? filter : undefined };
  let a: Trace;
  let b: Trace;
  if (na !== undefined && nb !== undefined) {
    // A packet pair needs only the two packets indexed (their trees still see each whole capture).
    a = await loadTrace(pa, { ...lo, only: new Set([na]) });
    b = await loadTrace(pb, { ...lo, only: new Set([nb]) });
  } else if (opts.deep) {
    // Every row's trees, built faster here than in a load worker (see inProcess).
    a = await loadTrace(pa, lo);
    b = await loadTrace(pb, lo);
  } else [a, b] = await loadTracePair(pa, pb, lo);
  const file = opts.output as string | undefined;
  if (format === "html" && !file && process.stdout.isTTY)
    throw new CliError("--format html writes a whole page: give -o FILE (or redirect stdout)");
  try {
    if (na !== undefined && nb !== undefined)
      return pair(a, na, b, nb, opts, { format, color, context, rules, file, bisect });
    for (const [t, p] of [
      [a, pa],
      [b, pb],
    ] as const)
      if (!t.packets.length)
        throw new CliError(filter ? `no packet of ${p} matches the filter` : `No SMB packet in ${p}`);
    const opsMax = Math.max(a.packets.length, b.packets.length);
    const deep = opts.deep ? true : opts.shallow ? false : opsMax <= DEEP_LIMIT;
    if (deep) b = await inProcess(b, pb, lo);
    let r = diffTraces(a, b, { rules, deep: deep && !opts.first });
    if (!deep && !opts.shallow && !opts.quiet)
      process.stderr.write(
        `smbcmp: note: large captures: rows are compared by command, name and status; add --deep to compare every field\n`,
      );
    if (opts.first) r = firstOnly(r, deep);
    if (format === "json") {
      const j = alignToJson(r, {});
      emit(`${JSON.stringify({ ...j, deep, first: !!opts.first, filter: filter?.text ?? null })}\n`, file);
    } else if (format === "html") emit(renderAlignHtml(r, {}), file);
    else
      emit(
        renderAlign(r, {
          color: file ? false : color,
          context: context ?? 2,
          rowContext: context ?? 1,
        }),
        file,
      );
    return exitCodeFor(r, { bisect });
  } finally {
    a.close();
    b.close();
  }
}

function pair(
  a: Trace,
  na: number,
  b: Trace,
  nb: number,
  opts: Record<string, string | boolean | string[]>,
  o: { format: string; color: boolean; context?: number; rules: IgnoreRules; file?: string; bisect: boolean },
): number {
  for (const [t, n] of [
    [a, na],
    [b, nb],
  ] as const)
    if (t.indexOf(n) < 0)
      throw new CliError(`${t.path}: packet ${n} is not an SMB packet (or does not exist)`);
  const allLayers = !!opts["all-layers"];
  if (opts.mode === "text") {
    const text = diffPacketsText(a, na, b, nb, { context: o.context, allLayers });
    if (o.format === "json")
      emit(
        `${JSON.stringify({ version: 1, type: "text", a: { frame: na }, b: { frame: nb }, diff: text })}\n`,
        o.file,
      );
    else emit(text, o.file);
    return text ? 1 : 0;
  }
  const d: PacketDiff = diffPackets(a, na, b, nb, { rules: o.rules, allLayers });
  if (d.error) throw new CliError(d.error);
  if (o.format === "json") emit(`${JSON.stringify(packetToJson(d))}\n`, o.file);
  else if (o.format === "html") emit(renderPacketHtml(d, { aName: a.path, bName: b.path }), o.file);
  else emit(renderPacketDiff(d, { color: o.file ? false : o.color, context: o.context ?? 2 }), o.file);
  return exitCodeFor(d, { bisect: o.bisect });
}
