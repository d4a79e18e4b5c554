/**
 * Benchmark: align two generated traces of N operations each (default 100k) with a few hundred
 * edits (inserts, deletes, status changes), through the public diffTraces() (op building,
 * connection matching, Myers alignment) and the identity binding that follows on first use of
 * `result.idmap`. Prints time and peak RSS.
 *
 *   node --import tsx bench/diff.ts [ops=100000] [edits=300] [seed=1]
 * Targets: < 2 s, < 1 GB.
 */
import { availableParallelism, loadavg } from "node:os";
import { diffTraces } from "../src/diff/align.js";
import type { MessageInfo, PacketInfo, Trace } from "../src/trace/types.js";

const N = Number(process.argv[2] ?? 100_000);
/** `different`: B is generated independently (worst case: nothing to align). */
const MODE = process.argv[5] ?? "edits";
const EDITS = Number(process.argv[3] ?? 300);
let seed = Number(process.argv[4] ?? 1) >>> 0;
function rand(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

interface Spec {
  cmd: number;
  path: string;
  status: number;
  detail?: string;
  conn: number;
}

const CMDS = [5, 8, 9, 6, 16, 17, 14];
function randomOp(): Spec {
  const cmd = CMDS[Math.floor(rand() * CMDS.length)]!;
  return {
    cmd,
    path: `dir${Math.floor(rand() * 50)}\\file${Math.floor(rand() * 2000)}.dat`,
    status: 0,
    conn: Math.floor(rand() * 4), // four connections, interleaved
    detail: cmd === 16 || cmd === 17 ? `0x${Math.floor(rand() * 40).toString(16)}` : undefined,
  };
}

function makeTrace(path: string, specs: Spec[], salt: number): Trace {
  const packets: PacketInfo[] = [];
  let t = 1_700_000_000 + salt;
  specs.forEach((s, i) => {
    const conn = s.conn;
    const fileId = ((salt * 1_000_003 + i) >>> 0).toString(16).padStart(32, "0");
    const base: MessageInfo = {
      proto: 2,
      cmd: s.cmd,
      isResponse: false,
      status: 0,
      msgId: String(i),
      sesId: (0x1000 + salt).toString(16).padStart(16, "0"),
      tid: 1 + salt,
      fileId,
      path: s.path,
      detail: s.detail,
      summary: `cmd ${s.cmd} ${s.path}`,
      flags: 0,
    };
    t += 0.0001;
    packets.push({
      no: packets.length + 1,
      time: t,
      src: "a",
      dst: "b",
      srcPort: 1,
      dstPort: 445,
      conn,
      summary: base.summary,
      messages: [base],
    });
    t += 0.0001;
    const resp = { ...base, isResponse: true, status: s.status };
    packets.push({
      no: packets.length + 1,
      time: t,
      src: "b",
      dst: "a",
      srcPort: 445,
      dstPort: 1,
      conn,
      summary: resp.summary,
      messages: [resp],
    });
  });
  return {
    path,
    packets,
    warnings: [],
    indexOf: (no) => (no >= 1 && no <= packets.length ? no - 1 : -1),
    tree: () => [],
    close() {},
  };
}

const a: Spec[] = Array.from({ length: N }, randomOp);
const b: Spec[] = MODE === "different" ? Array.from({ length: N }, randomOp) : a.map((s) => ({ ...s }));
let ins = 0;
let del = 0;
let mod = 0;
for (let k = 0; k < (MODE === "different" ? 0 : EDITS); k++) {
  const at = Math.floor(rand() * b.length);
  const r = rand();
  if (r < 0.34) {
    b.splice(at, 0, randomOp());
    ins++;
  } else if (r < 0.67) {
    b.splice(at, 1);
    del++;
  } else {
    b[at] = { ...b[at]!, status: 0xc0000022 };
    mod++;
  }
}
const ta = makeTrace("A", a, 1);
const tb = makeTrace("B", b, 2);
const rssBefore = process.memoryUsage().rss;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const timings: Record<string, number> = {};
const res = diffTraces(ta, tb, { timings });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
// Ids are bound on first use (field diffs, the TUI, renderers): measure that step on its own.
const t1 = performance.now();
const idmap = res.idmap;
const idMs = performance.now() - t1;
const peak = process.resourceUsage().maxRSS * 1024;
const mb = (x: number) => `${(x / 1048576).toFixed(0)} MB`;
console.log(
  `ops: A ${res.opsA.length}, B ${res.opsB.length}; edits applied: ${ins} inserts, ${del} deletes, ${mod} status changes`,
);
console.log(
  `rows ${res.summary.ops}: same ${res.summary.same}, differ ${res.summary.differ}, onlyA ${res.summary.onlyA}, onlyB ${res.summary.onlyB}; first divergence row ${res.firstDivergence}`,
);
console.log(
  `diffTraces: ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs; RSS before ${mb(rssBefore)}, peak RSS ${mb(peak)}`,
);

console.log(
  `identity binding (first use of result.idmap): ${idMs.toFixed(0)} ms wall; ${idmap?.size("fid")} handles bound; total ${(ms + idMs).toFixed(0)} ms wall`,
);
console.log(
  `phases (CPU ms): ${Object.entries(timings)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(", ")}`,
);

// Calibration: the same Map workload takes ~40 ms on an idle 2020s laptop; on a loaded shared
// machine it shows how much slower everything above ran.
{
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const m = new Map<string, number>();
  for (let i = 0; i < 100_000; i++) m.set(`0:2:${i}`, i);
  for (let i = 0; i < 100_000; i++) {
    m.get(`0:2:${i}`);
    m.delete(`0:2:${i}`);
  }
  const cc = process.cpuUsage(c1);
  console.log(
    `calibration (100k Map set/get/delete with string keys, ~40 ms on an idle machine): ${(performance.now() - t1).toFixed(0)} ms wall, ${((cc.user + cc.system) / 1000).toFixed(0)} ms CPU`,
  );
}
