/**
 * The packet list against tshark over the whole public corpus: the same SMB2 frame numbers, and per
 * message the same command, response flag and status. Disagreements must be listed, with a reason,
 * in known-exceptions.tsv.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openTrace } from "../../src/trace/index.js";
import { corpusEntries } from "../../tools/conformance.js";

const CORPUS = join(import.meta.dirname, "../fixtures/corpus");

function exceptions(): Set<string> {
  const text = readFileSync(join(import.meta.dirname, "known-exceptions.tsv"), "utf8");
  return new Set(
    text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split("\t").slice(0, 2).join("\t")),
  );
}

interface Row {
  cmd: string;
  resp: string;
  status: string;
}

const statusLists = new Map<number, string[]>();

/** Our header statuses, in order, must appear in tshark's nt_status list. */
function statusesAgree(ours: Row[], all: string[] | undefined): boolean {
  let k = 0;
  for (const r of ours) {
    if (r.resp !== "1") continue;
    while (k < (all?.length ?? 0) && all![k] !== r.status) k++;
    if (k >= (all?.length ?? 0)) return false;
    k++;
  }
  return true;
}

const strip = (rows: Row[]) => rows.map((r) => `${r.cmd}/${r.resp}`).join(",");

function tsharkRows(path: string, args: string[]): Map<number, Row[]> {
  statusLists.clear();
  const r = spawnSync(
    "tshark",
    [
      "-r",
      path,
      "-Y",
      "smb2",
      "-T",
      "fields",
      "-E",
      "occurrence=a",
      "-e",
      "frame.number",
      "-e",
      "smb2.cmd",
      "-e",
      "smb2.flags.response",
      "-e",
      "smb2.nt_status",
      ...args,
    ],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  assert.equal(r.status, 0, `tshark failed on ${path}: ${r.stderr}`);
  const m = new Map<number, Row[]>();
  for (const line of r.stdout.split("\n")) {
    if (!line) continue;
    const [no, cmds, resps, stats] = line.split("\t");
    const c = cmds ? cmds.split(",") : [];
    const rs = resps ? resps.split(",") : [];
    const st = stats ? stats.split(",") : [];
    // smb2.nt_status also names statuses inside bodies (e.g. the MxAc context's query status), so
    // the header statuses are matched as a subsequence of tshark's list.
    const rows = c.map((cmd, i) => ({ cmd, resp: rs[i] ?? "", status: "" }));
    let k = 0;
    for (const r of rows) {
      if (r.resp !== "1") continue;
      r.status = st[k] ?? "";
      k++;
    }
    m.set(Number(no), rows);
    statusLists.set(Number(no), st);
  }
  return m;
}

test("packet list matches tshark on every corpus capture", async (t) => {
  const known = exceptions();
  let agree = 0;
  let total = 0;
  const problems: string[] = [];
  for (const e of corpusEntries()) {
    const rel = e.path.slice(CORPUS.length + 1);
    await t.test(rel, async () => {
      const oracle = tsharkRows(e.path, e.args);
      const trace = await openTrace(e.path);
      try {
        const ours = new Map<number, Row[]>();
        for (const p of trace.packets) {
          const msgs = p.messages.filter((m) => m.proto === 2);
          if (!msgs.length) continue;
          ours.set(
            p.no,
            msgs
              .filter((m) => m.cmd >= 0)
              .map((m) => ({
                cmd: String(m.cmd),
                resp: m.isResponse ? "1" : "0",
                status: m.isResponse ? `0x${m.status.toString(16).padStart(8, "0")}` : "",
              })),
          );
        }
        const frames = new Set([...oracle.keys(), ...ours.keys()]);
        let capAgree = 0;
        for (const no of frames) {
          const a = oracle.get(no);
          const b = ours.get(no);
          const same =
            a !== undefined &&
            b !== undefined &&
            strip(a) === strip(b) &&
            statusesAgree(b, statusLists.get(no));
          if (same) capAgree++;
          else if (!known.has(`${rel}\t${no}`))
            problems.push(
              `${rel} frame ${no}: tshark ${a ? JSON.stringify(a) : "(not SMB2)"} ours ${b ? JSON.stringify(b) : "(not listed)"}`,
            );
        }
        agree += capAgree;
        total += frames.size;
        t.diagnostic(`${rel}: ${capAgree}/${frames.size} frames agree`);
      } finally {
        trace.close();
      }
    });
  }
  t.diagnostic(`total: ${agree}/${total} SMB2 frames agree with tshark`);
  assert.deepEqual(problems.slice(0, 30), [], `${problems.length} disagreements with tshark`);
});
