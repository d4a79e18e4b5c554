/**
 * smbcmp benchmarks, each measured against tshark in the same run (ratios, not absolute targets).
 * List and stats rows take the best of 3 runs of each tool, taking turns; show and PDML rows run tshark once (20-40 s each).
 * `list` and `stats` stream; the `index` rows time the packet index that show, diff, tui and web build.
 *
 *   npm run bench                 # all benchmarks (generates big captures in bench/out/ once)
 *   npm run bench -- list show    # a subset (list, show, tui, web, pdml, diff (align, diff --deep), big: list of a 2 GB capture,
 *                                 # torture: list and stats of a real smbtorture run, ~800k packets)
 *   npm run bench -- --mb 100     # a smaller bulk capture
 *   npm run bench -- --record     # also write bench/RESULTS.md
 *   npm run bench -- --check      # exit 1 when a ratio fell by over a quarter from bench/RESULTS.md
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { basename, join } from "node:path";
import { openTrace } from "../src/trace/index.js";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "bench/out");
/** The bin users run (package.json "bin": the esbuild bundle). */
const CLI = join(ROOT, JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).bin.smbcmp as string);

interface Timed {
  secs: number;
  rssMB: number;
  ok: boolean;
}

/**
 * Best wall time of `runs` runs of a command (and the peak RSS of that run), through
 * /usr/bin/time, output discarded. The best of a few runs is what the tool costs when the shared
 * machine leaves it alone; every tool of a row gets the same number of runs.
 */
function timed(cmd: string, args: string[], runs = 3): Timed {
  let best: Timed | undefined;
  for (let i = 0; i < runs; i++) {
    const t = timedOnce(cmd, args);
    if (!best || !(t.secs >= best.secs)) best = t;
  }
  return best!;
}

/**
 * The same for commands run in turn (A, B, A, B...): this VM's speed drifts by up to 1.6x
 * within minutes, and a slow spell then slows every side of a ratio, not one.
 */
function timedTurns(cmds: [string, string[]][], runs = 3): Timed[] {
  const best: (Timed | undefined)[] = cmds.map(() => undefined);
  for (let i = 0; i < runs; i++)
    cmds.forEach((c, k) => {
      const t = timedOnce(...c);
      if (!best[k] || !(t.secs >= best[k].secs)) best[k] = t;
    });
  return best as Timed[];
}

function timedOnce(cmd: string, args: string[]): Timed {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [secs, kb] = last.split(" ").map(Number);
  return { secs: secs ?? Number.NaN, rssMB: (kb ?? 0) / 1024, ok: r.status === 0 };
}

function ensure(name: string, kind: string, size: number): string {
  const p = join(OUT, name);
  if (!existsSync(p)) {
    mkdirSync(OUT, { recursive: true });
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(ROOT, "bench/gen.ts"), kind, p, String(size)],
      { stdio: "inherit" },
    );
    if (r.status !== 0) throw new Error(`generating ${p} failed`);
  }
  return p;
}

/** Packets in a capture, in thousands (capinfos, which comes with tshark). */
function packetCount(path: string): string {
  const r = spawnSync("capinfos", ["-M", "-c", path], { encoding: "utf8" });
  const n = Number(/Number of packets:\s+(\d+)/.exec(r.stdout)?.[1]);
  return Number.isFinite(n) ? `${Math.round(n / 1000)}k` : "?";
}

const rows: string[][] = [];
function row(...cells: (string | number)[]): void {
  const r = cells.map(String);
  rows.push(r);
  console.log(r.join(" | "));
}

/** bench/floor.mjs: the least work any JS lister of these captures does (see there). */
const FLOOR = join(ROOT, "bench/floor.mjs");

/**
 * `list` streams: one pass, no index. The floor row times bench/floor.mjs on the same capture in
 * the same turns: how far a target is from what a JS program can do here at all.
 */
function listBench(label: string, path: string, withTshark = true): void {
  const mb = statSync(path).size / 1e6;
  timedOnce("cat", [path]); // warms the page cache: every tool below reads from memory
  const cat = timed("cat", [path]);
  const cmds: [string, string[]][] = [
    [process.execPath, [CLI, "list", path, "-q"]],
    [process.execPath, [FLOOR, path]],
  ];
  if (withTshark) cmds.push(["tshark", ["-r", path, "-Y", "smb2"]]);
  const [ours, floor, tshark] = timedTurns(cmds);
  const line = (what: string, t: Timed, memory: string) =>
    row(
      what,
      `${t.secs.toFixed(2)} s`,
      tshark ? `${tshark.secs.toFixed(2)} s` : "not run (its memory grows with the file)",
      tshark ? `${(tshark.secs / t.secs).toFixed(1)}x faster` : "",
      memory,
      `${(t.secs / Math.max(cat.secs, 0.01)).toFixed(1)}x cat`,
    );
  line(
    `list ${label} (${mb.toFixed(0)} MB)`,
    ours!,
    `${ours!.rssMB.toFixed(0)} MB peak${tshark ? ` (tshark ${tshark.rssMB.toFixed(0)} MB)` : ""}`,
  );
  line(`floor: bench/floor.mjs, ${label}`, floor!, `${floor!.rssMB.toFixed(0)} MB peak`);
}

/** `stats` streams like `list`; tshark's counterpart is its service response time statistics. */
function statsBench(label: string, path: string): void {
  const mb = statSync(path).size / 1e6;
  const [ours, tshark] = timedTurns([
    [process.execPath, [CLI, "stats", path, "-q"]],
    ["tshark", ["-r", path, "-q", "-z", "smb2,srt"]],
  ]) as [Timed, Timed];
  row(
    `stats ${label} (${mb.toFixed(0)} MB)`,
    `${ours.secs.toFixed(2)} s`,
    `${tshark.secs.toFixed(2)} s (-z smb2,srt)`,
    `${(tshark.secs / ours.secs).toFixed(1)}x faster`,
    `${ours.rssMB.toFixed(0)} MB peak (tshark ${tshark.rssMB.toFixed(0)} MB)`,
    "",
  );
}

async function showBench(label: string, path: string): Promise<void> {
  const t0 = performance.now();
  const t = await openTrace(path);
  // The index (what show, diff, the TUI and the web UI load first), built in this process.
  row(
    `index ${label} (${t.packets.length} packets)`,
    `${((performance.now() - t0) / 1000).toFixed(2)} s`,
    "(no tshark equivalent)",
    "",
    `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB RSS after`,
    "",
  );
  const n = t.packets.length;
  const picks = Array.from(
    { length: 200 },
    (_, i) => t.packets.at(Math.floor((((i * 7919) % 1000) / 1000) * n))!.no,
  );
  const times: number[] = [];
  for (const no of picks) {
    const t0 = performance.now();
    t.tree(no);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)]!;
  const p95 = times[Math.floor(times.length * 0.95)]!;
  // Original smbcmp's model: one tshark pass per click.
  const click = timed("tshark", ["-r", path, "-V", "-Y", `frame.number==${picks[5]}`], 1);
  row(
    `show ${label}`,
    `${p50.toFixed(2)} ms p50, ${p95.toFixed(2)} ms p95`,
    `${(click.secs * 1000).toFixed(0)} ms per tshark -V click`,
    `${((click.secs * 1000) / p95).toFixed(0)}x faster`,
    "",
    "",
  );
  t.close();
}

/** The TUI's load: a worker indexes the capture and hands the packets to this thread (src/worker/trace.ts). */
async function tuiBench(label: string, path: string): Promise<void> {
  const { WorkerTrace } = await import("../src/worker/trace.js");
  const t0 = performance.now();
  let first = 0;
  const alive = setInterval(() => {}, 1000); // the loader's worker does not hold the process
  const t = await new Promise<InstanceType<typeof WorkerTrace>>((resolve, reject) => {
    const w: InstanceType<typeof WorkerTrace> = new WorkerTrace(
      path,
      {},
      {
        onProgress: () => {
          if (!first && w.packets.length) first = performance.now() - t0;
        },
        onDone: () => resolve(w),
        onError: (m) => reject(new Error(m)),
      },
    );
  });
  clearInterval(alive);
  const secs = (performance.now() - t0) / 1000;
  row(
    `TUI load ${label} (${t.packets.length} packets)`,
    `${secs.toFixed(2)} s (first rows after ${(first / 1000).toFixed(2)} s)`,
    "(no tshark equivalent)",
    "",
    "",
    "",
  );
  t.close();
}

/**
 * `smbcmp web A B`, as a user opens it: both captures indexed by their load workers, the HTTP
 * thread and the compute worker reading those indexes, the alignment's first rows served. The
 * time is until those rows arrive; the memory is the whole process's peak (every thread).
 */
async function webBench(label: string, a: string): Promise<void> {
  // A second file with the same packets: two load workers, as when a user compares two runs.
  const b = copyOf(a);
  const t0 = performance.now();
  const p = spawn(CLI, ["web", a, b, "--no-open"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      let text = "";
      p.stdout.on("data", (d: Buffer) => {
        text += d;
        const m = /http:\/\/\S+/.exec(text);
        if (m) resolve(new URL(m[0]));
      });
      p.once("exit", () => reject(new Error("smbcmp web exited")));
    });
    const call = async (method: string, params: unknown) => {
      const r = await fetch(new URL(`/api/call/${method}`, url), {
        method: "POST",
        headers: { "content-type": "application/json", "x-smbcmp-token": url.searchParams.get("token")! },
        body: JSON.stringify(params),
      });
      if (!r.ok) throw new Error(`${method}: HTTP ${r.status}`);
      return (await r.json()) as Record<string, unknown>;
    };
    await call("info", {});
    const rows = await call("rows", { from: 0, count: 50 });
    const secs = (performance.now() - t0) / 1000;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"))?.[1];
    row(
      `web diff ${label} (${rows.total} rows)`,
      `${secs.toFixed(2)} s to the first aligned rows`,
      "(no tshark equivalent)",
      "",
      `${hwm ? Math.round(Number(hwm) / 1024) : "?"} MB peak`,
      "",
    );
  } finally {
    p.kill();
  }
}

/** A second file with the same packets as `a` (two captures to load, as when comparing two runs). */
function copyOf(a: string): string {
  const b = join(OUT, `${basename(a, ".pcap")}-copy.pcap`);
  if (!existsSync(b)) copyFileSync(a, b);
  return b;
}

/**
 * `smbcmp diff A B` of two large captures, as a user runs it: both indexed (B by a load worker
 * meanwhile), operations built and aligned, rows compared by command, name and status.
 */
function bigDiffBench(label: string, a: string): void {
  const b = copyOf(a);
  const t = timed(CLI, ["diff", a, b, "-q"], 2);
  if (!t.ok) throw new Error("diff of two equal captures did not exit 0");
  row(
    `diff ${label}`,
    `${t.secs.toFixed(2)} s`,
    "(no tshark equivalent)",
    "",
    `${t.rssMB.toFixed(0)} MB peak`,
    "",
  );
}

/**
 * `smbcmp diff --deep` of two captures of the same 100k-packet run, B with one CREATE's access mask
 * changed near its end: only comparing every pair's fields finds it (exit status 1, one row).
 */
function deepDiffBench(label: string, path: string): void {
  const b = join(OUT, "ops-100k-one-field.pcap");
  if (!existsSync(b)) {
    const bytes = readFileSync(path);
    const at = bytes.lastIndexOf(Buffer.from([0x9f, 0x01, 0x12, 0x00])); // 0x0012019f
    bytes.writeUInt32LE(0x00120089, at);
    writeFileSync(b, bytes);
  }
  const r = spawnSync(process.execPath, [CLI, "diff", "--deep", path, b], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const summary = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 1 || !/ 1 differ/.test(summary))
    throw new Error(`diff --deep: exit ${r.status}, ${summary}`);
  const deep = timed(process.execPath, [CLI, "diff", "--deep", path, b, "-q"], 2);
  const shallow = timed(process.execPath, [CLI, "diff", "--shallow", path, b, "-q"], 2);
  row(
    `diff --deep ${label} (one field differs)`,
    `${deep.secs.toFixed(2)} s (--shallow ${shallow.secs.toFixed(2)} s)`,
    "(no tshark equivalent)",
    "",
    `${deep.rssMB.toFixed(0)} MB peak`,
    "",
  );
}

/** Every packet's full tree (what a whole-file PDML export does), against tshark -T pdml. */
async function pdmlBench(label: string, path: string): Promise<void> {
  const t0 = performance.now();
  const t = await openTrace(path);
  let nodes = 0;
  for (const p of t.packets) nodes += t.tree(p.no).length;
  const secs = (performance.now() - t0) / 1000;
  t.close();
  const tshark = timed("tshark", ["-r", path, "-Y", "smb2", "-T", "pdml"], 1);
  row(
    `all trees ${label} (${t.packets.length} packets, ${nodes} top nodes)`,
    `${secs.toFixed(2)} s`,
    `${tshark.secs.toFixed(2)} s (-T pdml)`,
    `${(tshark.secs / secs).toFixed(1)}x faster`,
    `tshark ${tshark.rssMB.toFixed(0)} MB`,
    "",
  );
}

async function main() {
  const args = process.argv.slice(2);
  const record = args.includes("--record");
  const mbIdx = args.indexOf("--mb");
  const mb = mbIdx >= 0 ? Number(args[mbIdx + 1]) : 400;
  const which = args.filter((a, i) => !a.startsWith("--") && !(mbIdx >= 0 && i === mbIdx + 1));
  const want = (k: string) => !which.length || which.includes(k);
  // Bundling takes a second: always measure the current sources.
  const b = spawnSync(process.execPath, [join(ROOT, "scripts/bundle.mjs")], { cwd: ROOT, stdio: "inherit" });
  if (b.status !== 0) throw new Error("scripts/bundle.mjs failed");
  console.log("benchmark | smbcmp | tshark | ratio | memory | vs cat");
  const bulk = want("list") || want("show") ? ensure(`bulk-${mb}mb.pcap`, "bulk", mb) : "";
  const ops = want("list") || want("show") ? ensure("ops-900k.pcap", "ops", 900000) : "";
  if (want("list")) {
    listBench("bulk read/write", bulk);
    listBench("900k-packet ops", ops);
    statsBench("900k-packet ops", ops);
  }
  // Real traffic (smbd + smbtorture on loopback): many connections, leases, listings, errors.
  if (want("torture")) {
    const torture = ensure("torture.pcap", "torture", 0);
    listBench(`smbtorture run, ${packetCount(torture)} packets`, torture);
    statsBench("smbtorture run", torture);
  }
  // Memory stays bounded by packets, not bytes: a 2 GB capture (smbcmp only; tshark needs GBs).
  if (want("big")) listBench("bulk read/write, 2 GB", ensure("bulk-2000mb.pcap", "bulk", 2000), false);
  if (want("show")) {
    await showBench(`bulk ${mb} MB`, bulk);
    await showBench("900k-packet ops", ops);
  }
  if (want("tui")) await tuiBench("900k-packet ops", ensure("ops-900k.pcap", "ops", 900000));
  if (want("web")) await webBench("2x900k-packet ops", ensure("ops-900k.pcap", "ops", 900000));
  if (want("pdml")) await pdmlBench("100k-packet ops", ensure("ops-100k.pcap", "ops", 100000));
  if (want("diff")) deepDiffBench("2x100k-packet ops", ensure("ops-100k.pcap", "ops", 100000));
  if (want("diff")) bigDiffBench("2x900k-packet ops", ensure("ops-900k.pcap", "ops", 900000));
  if (want("diff") && existsSync(join(ROOT, "bench/diff.ts"))) {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/diff.ts")], {
      encoding: "utf8",
    });
    console.log(r.stdout.trim());
    const line = (re: RegExp) => r.stdout.split("\n").find((l) => re.test(l)) ?? "";
    const wall = (l: string) => Number(/(\d+) ms wall/.exec(l)?.[1] ?? Number.NaN);
    const align = line(/^diffTraces:/);
    const bind = line(/^identity binding/);
    const rss = /peak RSS (\d+ MB)/.exec(align)?.[1] ?? "?";
    row(
      "diff/align 2x100k ops",
      `${(wall(align) / 1000).toFixed(2)} s align + ${(wall(bind) / 1000).toFixed(2)} s id binding`,
      "(no tshark equivalent)",
      "",
      `${rss} peak`,
      "",
    );
  }
  const slower = args.includes("--check")
    ? regressions(readFileSync(join(ROOT, "bench/RESULTS.md"), "utf8"))
    : [];
  for (const s of slower) console.error(`bench: regression: ${s}`);
  if (slower.length) process.exitCode = 1;
  if (record) {
    const md = [
      "# Benchmark results",
      "",
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${spawnSync("tshark", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]}`,
      `Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- --record\``,
      "List and stats rows: best of 3 runs of each tool, taking turns, file in the page cache; show and PDML rows: tshark run once.",
      "",
      "| benchmark | smbcmp | tshark | ratio | memory | vs cat |",
      "|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.join(" | ")} |`),
      "",
    ].join("\n");
    writeFileSync(join(ROOT, "bench/RESULTS.md"), md);
  }
}

/**
 * Rows whose same-run ratio (against tshark, or against cat) fell by over a quarter from the
 * recorded results. Ratios, not times: this VM's speed drifts, both sides of a ratio with it.
 */
function regressions(recorded: string, now = rows): string[] {
  const ratios = (cells: readonly string[]) => ({
    tshark: Number(/([\d.]+)x faster/.exec(cells[3] ?? "")?.[1]),
    cat: Number(/([\d.]+)x cat/.exec(cells[5] ?? "")?.[1]),
  });
  const before = new Map<string, ReturnType<typeof ratios>>();
  for (const line of recorded.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length >= 7) before.set(cells[1]!, ratios(cells.slice(1)));
  }
  const out: string[] = [];
  for (const r of now) {
    const was = before.get(r[0]!);
    if (!was) continue;
    const is = ratios(r);
    if (is.tshark < was.tshark * 0.75)
      out.push(`${r[0]}: ${is.tshark}x faster than tshark, was ${was.tshark}x`);
    // Against cat, lower is better.
    if (is.cat > was.cat * 1.33) out.push(`${r[0]}: ${is.cat}x cat, was ${was.cat}x`);
  }
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
