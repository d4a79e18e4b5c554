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

/** Frame number → tcp.stream of the frames tshark shows as SMB (-1 when not over TCP). */
async function tsharkFrames(file: string, args: string[]): Promise<Map<number, number>> {
  const { stdout } = await run(
    "tshark",
    ["-r", file, ...args, "-Y", "smb || smb2", "-T", "fields", "-e", "frame.number", "-e", "tcp.stream"],
    {
      maxBuffer: 64 << 20,
    },
  );
  const m = new Map<number, number>();
  for (const line of stdout.split("\n").filter(Boolean)) {
    const [n, stream] = line.split("\t");
    m.set(Number(n), stream ? Number(stream) : -1);
  }
  return m;
}

/** Frame number → connection index of the frames where we yield an SMB message. */
async function ourFrames(file: string): Promise<{ frames: Map<number, number>; count: number }> {
  const cap = await openCapture(file);
  const frames = new Map<number, number>();
  try {
    for (const p of cap.pdus())
      if (p.nbssType === 0 && p.data.length >= 4 && isSmbMagic(p.data, 0)) frames.set(p.frame, p.conn);
    return { frames, count: cap.frameCount };
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
    const theirs = oracle[i]!;
    const mine = ours.frames;
    const extra = [...mine.keys()]
      .filter((f) => !theirs.has(f))
      .sort((a, b) => a - b)
      .join(",");
    const missing = [...theirs.keys()]
      .filter((f) => !mine.has(f))
      .sort((a, b) => a - b)
      .join(",");
    const ex = exceptions.get(r.path) ?? { extra: "", missing: "" };
    if (extra !== ex.extra || missing !== ex.missing)
      problems.push(
        `${r.path}: extra [${extra}] missing [${missing}] (known: [${ex.extra}] [${ex.missing}])`,
      );
    // Connection indices are Wireshark's tcp.stream numbers.
    for (const [f, conn] of mine) {
      const stream = theirs.get(f);
      if (stream !== undefined && stream !== conn)
        problems.push(`${r.path}: frame ${f} conn ${conn}, tcp.stream ${stream}`);
    }
  }
  assert.deepEqual(problems, []);
});
