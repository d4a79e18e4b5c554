/**
 * Conformance with the tshark oracle: for every corpus capture, the frames where we yield an SMB
 * message (NBSS session message whose body starts with an SMB magic) must be exactly the frames
 * tshark shows for `-Y 'smb || smb2'`, apart from the documented exceptions.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { openCapture } from "../../src/capture/index.js";
import { isSmbMagic } from "../../src/capture/tcp.js";

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const corpus = path.join(here, "../fixtures/corpus");

interface Row {
  path: string;
  frames: number;
  tsharkArgs: string[];
}

function readIndex(): Row[] {
  const lines = fs.readFileSync(path.join(corpus, "INDEX.tsv"), "utf8").trim().split("\n");
  const head = lines[0]!.split("\t");
  const col = (n: string) => head.indexOf(n);
  return lines.slice(1).map((l) => {
    const f = l.split("\t");
    const args = f[col("tshark_args")] ?? "";
    return {
      path: f[col("path")]!,
      frames: Number(f[col("frames")]),
      tsharkArgs: args ? args.split(" ") : [],
    };
  });
}

function readExceptions(): Map<string, { extra: string; missing: string }> {
  const m = new Map<string, { extra: string; missing: string }>();
  for (const l of fs.readFileSync(path.join(here, "known-exceptions.tsv"), "utf8").split("\n")) {
    if (!l.trim() || l.startsWith("#")) continue;
    const [p, extra, missing] = l.split("\t");
    m.set(p!, { extra: extra ?? "", missing: missing ?? "" });
  }
  return m;
}

async function tsharkFrames(file: string, args: string[]): Promise<number[]> {
  const { stdout } = await run(
    "tshark",
    ["-r", file, ...args, "-Y", "smb || smb2", "-T", "fields", "-e", "frame.number"],
    {
      maxBuffer: 64 << 20,
    },
  );
  return stdout.split("\n").filter(Boolean).map(Number);
}

async function ourFrames(file: string): Promise<{ frames: number[]; count: number }> {
  const cap = await openCapture(file);
  const set = new Set<number>();
  try {
    for (const p of cap.pdus())
      if (p.nbssType === 0 && p.data.length >= 4 && isSmbMagic(p.data, 0)) set.add(p.frame);
    return { frames: [...set], count: cap.frameCount };
  } finally {
    cap.close();
  }
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

test("corpus: SMB frames match tshark -Y 'smb || smb2'", async () => {
  const rows = readIndex();
  const exceptions = readExceptions();
  assert.ok(rows.length > 40);
  const oracle = await pool(rows, Math.max(2, os.cpus().length), (r) =>
    tsharkFrames(path.join(corpus, r.path), r.tsharkArgs),
  );
  const problems: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const ours = await ourFrames(path.join(corpus, r.path));
    if (ours.count !== r.frames) problems.push(`${r.path}: ${ours.count} frames, INDEX says ${r.frames}`);
    const theirs = new Set(oracle[i]);
    const mine = new Set(ours.frames);
    const extra = ours.frames
      .filter((f) => !theirs.has(f))
      .sort((a, b) => a - b)
      .join(",");
    const missing = oracle[i]!.filter((f) => !mine.has(f))
      .sort((a, b) => a - b)
      .join(",");
    const ex = exceptions.get(r.path) ?? { extra: "", missing: "" };
    if (extra !== ex.extra || missing !== ex.missing)
      problems.push(
        `${r.path}: extra [${extra}] missing [${missing}] (known: [${ex.extra}] [${ex.missing}])`,
      );
  }
  assert.deepEqual(problems, []);
});
