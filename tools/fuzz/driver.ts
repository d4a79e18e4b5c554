/**
 * The fuzz loop: seeds from the corpus and examples/, one mutated case per iteration (reproducible
 * from seed and iteration alone), each run in a child process with a heap limit and a timeout.
 * A crash is an exception other than the documented one-line errors, a child that died (OOM) or a
 * case over the time limit; its input is saved to the output folder with a note to reproduce it.
 */
import { type ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { readCap, writePcap } from "./capfile.js";
import { type Case, collectBodies, mutate, type Seed } from "./mutators.js";
import { hashSeed, Rng } from "./prng.js";
import type { CaseReply, CaseRequest } from "./worker.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");

export interface FuzzOptions {
  seed: string | number;
  iterations: number;
  /** First iteration number (so `--from 1234 --iterations 1` replays one case). */
  from?: number;
  /** Per-case wall-clock bound. */
  timeLimitMs?: number;
  /** Heap limit of the child, MB. */
  heapMb?: number;
  /** Peak RSS bound of the child, MB: decompressed data lives in Buffers, outside the heap limit. */
  rssMb?: number;
  /** Where crashing inputs are written (created on first crash). */
  out?: string;
  /** Parallel child processes. */
  jobs?: number;
  /** Records kept per seed capture (smaller = faster cases). */
  maxRecords?: number;
  /** Seed files (default: the corpus and examples/). */
  seeds?: string[];
  /** Trees built per case at most, and field diffs per case (see check.ts). */
  maxTrees?: number;
  diffRows?: number;
  log?: (line: string) => void;
}

export interface Crash {
  iteration: number;
  seedName: string;
  ops: string[];
  kind: "exception" | "timeout" | "died" | "memory";
  error: string;
  stack: string;
  /** The saved input, when `out` was given. */
  file?: string;
}

export interface FuzzReport {
  iterations: number;
  listings: number;
  errors: number;
  crashes: Crash[];
  ms: number;
  /** Slowest case, ms. */
  slowest: number;
}

/** The default seed files: every capture of the corpus, of the SMB1/SMB2 fixtures and of examples/. */
export function defaultSeedFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap|pcap\.gz)$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(ROOT, "test/fixtures/corpus"));
  // Samba-made captures of paths the corpus lacks (multi-part transactions, pipes, durable handles).
  walk(path.join(ROOT, "test/fixtures/smb1"));
  walk(path.join(ROOT, "test/fixtures/smb2"));
  walk(path.join(ROOT, "examples"));
  return out.sort();
}

export function loadSeeds(files: string[], maxRecords: number): Seed[] {
  const seeds: Seed[] = [];
  for (const f of files) {
    const raw = fs.readFileSync(f);
    let cap: ReturnType<typeof readCap>;
    try {
      cap = readCap(raw);
    } catch {
      continue;
    }
    const trimmed = cap.recs.length > maxRecords;
    if (trimmed) cap.recs.length = maxRecords;
    const keysFile = f.replace(/\.pcap$/, ".keys");
    seeds.push({
      name: path.relative(ROOT, f),
      // Big files are mutated at file level in their trimmed pcap form (fast cases).
      raw: trimmed || raw.length > 300_000 ? writePcap(cap) : raw,
      cap,
      keys: keysFile !== f && fs.existsSync(keysFile) ? fs.readFileSync(keysFile, "utf8") : undefined,
    });
  }
  return seeds;
}

/** The case of one iteration, independent of every other iteration. */
export function makeCase(
  seeds: Seed[],
  bodies: { cmd: number; body: Buffer }[],
  seed: number,
  iteration: number,
): { s: Seed; c: Case } {
  const rng = new Rng(seed, iteration);
  const s = rng.pick(seeds);
  return { s, c: mutate(rng, s, bodies) };
}

class Child {
  proc: ChildProcess;
  stderr = "";
  private pending?: { resolve: (r: CaseReply | { died: string }) => void; timer: NodeJS.Timeout };
  private ready: Promise<void>;

  constructor(
    heapMb: number,
    private readonly timeLimitMs: number,
  ) {
    this.proc = fork(path.join(HERE, "worker.ts"), [], {
      cwd: ROOT,
      execArgv: ["--import", "tsx", `--max-old-space-size=${heapMb}`, "--stack-size=984"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "advanced",
    });
    this.proc.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.ready = new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error("fuzz worker did not start in 60 s")), 60_000);
      this.proc.once("message", () => {
        clearTimeout(t);
        res();
      });
      this.proc.once("exit", (code) => {
        clearTimeout(t);
        rej(new Error(`fuzz worker exited before starting (code ${code}): ${lastLines(this.stderr)}`));
      });
    });
    // Observed by run(); keeps an early exit from being an unhandled rejection.
    this.ready.catch(() => undefined);
    this.proc.on("message", (m: CaseReply | { ready: true }) => {
      if ("id" in m && this.pending) {
        clearTimeout(this.pending.timer);
        const p = this.pending;
        this.pending = undefined;
        p.resolve(m);
      }
    });
    this.proc.on("exit", (code, sig) => {
      if (this.pending) {
        clearTimeout(this.pending.timer);
        const p = this.pending;
        this.pending = undefined;
        p.resolve({ died: `worker exited (code ${code}, signal ${sig}): ${lastLines(this.stderr)}` });
      }
    });
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async run(req: CaseRequest): Promise<CaseReply | { died: string } | { timeout: true }> {
    await this.ready;
    this.stderr = "";
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        resolve({ timeout: true });
      }, this.timeLimitMs);
      this.pending = { resolve, timer };
      this.proc.send(req);
    });
  }

  kill(): void {
    if (this.alive) this.proc.kill("SIGKILL");
  }
}

function lastLines(s: string): string {
  return s.trim().split("\n").slice(-6).join(" | ");
}

/** Runs the fuzz loop and returns its report (it never throws for a crashing case). */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const seedNum = typeof o.seed === "number" ? o.seed >>> 0 : hashSeed(o.seed);
  const seeds = loadSeeds(o.seeds ?? defaultSeedFiles(), o.maxRecords ?? 300);
  if (!seeds.length) throw new Error("no seed captures found");
  const bodies = seeds.flatMap((s) => collectBodies(s.cap, 16));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "smbcmp-fuzz-"));
  const origFiles = new Map<Seed, string>();
  seeds.forEach((s, k) => {
    const p = path.join(tmp, `seed-${k}.pcap`);
    fs.writeFileSync(p, writePcap(s.cap));
    origFiles.set(s, p);
  });
  const jobs = Math.max(1, o.jobs ?? 1);
  const heapMb = o.heapMb ?? 256;
  const timeLimitMs = o.timeLimitMs ?? 20_000;
  const rssMb = o.rssMb ?? 1024;
  const children: Child[] = [];
  const report: FuzzReport = { iterations: 0, listings: 0, errors: 0, crashes: [], ms: 0, slowest: 0 };
  const from = o.from ?? 0;
  let next = from;
  const end = from + o.iterations;
  let id = 0;

  const save = (cr: Crash, bytes: Buffer) => {
    if (!o.out) return;
    fs.mkdirSync(o.out, { recursive: true });
    const base = path.join(o.out, `crash-${o.seed}-${cr.iteration}`);
    fs.writeFileSync(`${base}.pcap`, bytes);
    fs.writeFileSync(
      `${base}.txt`,
      [
        `seed ${o.seed} iteration ${cr.iteration} (from ${cr.seedName})`,
        `ops: ${cr.ops.join(" ")}`,
        `kind: ${cr.kind}`,
        `error: ${cr.error}`,
        `reproduce: node --import tsx tools/fuzz.ts --seed ${o.seed} --from ${cr.iteration} --iterations 1 --max-records ${o.maxRecords ?? 300}`,
        "",
        cr.stack,
        "",
      ].join("\n"),
    );
    cr.file = `${base}.pcap`;
  };

  const lane = async (k: number) => {
    const caseFile = path.join(tmp, `case-${k}.pcap`);
    while (next < end) {
      const it = next++;
      const { s, c } = makeCase(seeds, bodies, seedNum, it);
      fs.writeFileSync(caseFile, c.bytes);
      const started = Date.now();
      const req: CaseRequest = {
        id: id++,
        file: caseFile,
        orig: origFiles.get(s),
        keys: s.keys,
        maxTrees: o.maxTrees,
        diffRows: o.diffRows,
      };
      let r: Awaited<ReturnType<Child["run"]>>;
      try {
        if (!children[k]?.alive) children[k] = new Child(heapMb, timeLimitMs);
        r = await children[k]!.run(req);
      } catch (e) {
        // A worker that cannot start (e.g. a source file mid-edit): one retry, then give up.
        o.log?.(`${(e as Error).message}; retrying`);
        await new Promise((res) => setTimeout(res, 5000));
        children[k] = new Child(heapMb, timeLimitMs);
        r = await children[k]!.run(req);
      }
      report.slowest = Math.max(report.slowest, Date.now() - started);
      report.iterations++;
      let crash: Crash | undefined;
      const base = { iteration: it, seedName: s.name, ops: c.ops };
      if ("timeout" in r)
        crash = { ...base, kind: "timeout", error: `no result within ${timeLimitMs} ms`, stack: "" };
      else if ("died" in r) crash = { ...base, kind: "died", error: r.died, stack: "" };
      else if (!r.ok) crash = { ...base, kind: "exception", error: r.error, stack: r.stack };
      else if (r.maxRssMb > rssMb) {
        crash = { ...base, kind: "memory", error: `peak RSS ${r.maxRssMb} MB > ${rssMb} MB`, stack: "" };
        // The peak stays: a fresh child for the next case.
        children[k]?.kill();
      } else if (r.outcome === "listing") report.listings++;
      else report.errors++;
      if (crash) {
        save(crash, c.bytes);
        report.crashes.push(crash);
        o.log?.(
          `iteration ${it}: ${crash.kind}: ${crash.error}${crash.file ? ` (saved ${crash.file})` : ""}`,
        );
      }
      if (report.iterations % 100 === 0)
        o.log?.(`${report.iterations} iterations, ${report.crashes.length} crashes, ${Date.now() - t0} ms`);
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, (_, k) => lane(k)));
  } finally {
    for (const c of children) c?.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  report.ms = Date.now() - t0;
  return report;
}

/** Runs saved inputs (regression fixtures) in one child; returns one result per file. */
export async function replayFiles(
  files: string[],
  o: { timeLimitMs?: number; heapMb?: number } = {},
): Promise<{ file: string; result: CaseReply | { died: string } | { timeout: true } }[]> {
  const out: { file: string; result: CaseReply | { died: string } | { timeout: true } }[] = [];
  let child: Child | undefined;
  let id = 0;
  try {
    for (const f of files) {
      if (!child?.alive) child = new Child(o.heapMb ?? 256, o.timeLimitMs ?? 20_000);
      const keysFile = f.replace(/\.[^./]+$/, ".keys");
      const keys = fs.existsSync(keysFile) && keysFile !== f ? fs.readFileSync(keysFile, "utf8") : undefined;
      out.push({ file: f, result: await child.run({ id: id++, file: path.resolve(f), keys }) });
    }
  } finally {
    child?.kill();
  }
  return out;
}
