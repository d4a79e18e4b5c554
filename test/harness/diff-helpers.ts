// Helpers for the diff-engine tests on fresh harness captures (diff-pairs, diff-repeat).
import { type AlignResult, diffTraces, walkDiff } from "../../src/diff/index.js";
import { openTrace } from "../../src/trace/index.js";
import { MsgFlag, type Trace } from "../../src/trace/types.js";
import type { CaptureResult } from "../../tools/harness/index.js";

/** Runs `fn` over `items` with at most `limit` at a time (each harness run has its own smbd and port). */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Opens a harness capture with the session keys the harness dumped (encrypted scenarios). */
export function openCapture(r: CaptureResult): Promise<Trace> {
  const keys = r.keys
    .filter((k) => k.sessionKey)
    .map((k) => ({ sesId: k.sesId, sessionKey: Buffer.from(k.sessionKey!, "hex"), source: "harness" }));
  return openTrace(r.pcap, { keys });
}

/**
 * Whether the harness got the session keys of a capture: as many key entries as `expected` (the
 * other run of the same job), and every encrypted message decrypts. Under heavy load the harness
 * sometimes misses smbclient's key dump (its collector concatenates stdout and stderr chunks as
 * they arrive, which can split the dump); signatures then show as unknown instead of good and
 * transforms stay opaque: a tooling flake, not a capture difference.
 */
export async function keysWork(r: CaptureResult, expected?: number): Promise<boolean> {
  if (expected !== undefined && r.keys.length < expected) return false;
  const t = await openCapture(r);
  try {
    return ![...t.packets].some((p) => p.messages.some((m) => m.flags & MsgFlag.Encrypted));
  } finally {
    t.close();
  }
}

/**
 * Whether the capture holds every byte of its TCP streams: tcpdump does not always count what it
 * lost under load, but the reassembler sees the hole ("N bytes missing from the capture").
 */
export async function gapless(r: CaptureResult): Promise<boolean> {
  const t = await openCapture(r);
  try {
    return !t.warnings.some((w) => w.includes("missing from the capture"));
  } finally {
    t.close();
  }
}

/** One row that is not 'same', with the names of its real (counted) field differences. */
export interface Divergence {
  row: number;
  kind: "differ" | "only-a" | "only-b";
  cmd: number;
  path: string;
  detail: string;
  statusA?: number;
  statusB?: number;
  /** `role:name` of each innermost counted difference (`response:smb2.nt_status`). */
  fields: string[];
}

/** Every divergence of a deep diff under the default profile, in row order. */
export function divergences(res: AlignResult): Divergence[] {
  const out: Divergence[] = [];
  res.rows.forEach((r, i) => {
    if (r.kind === "same") return;
    const o = (r.a ?? r.b)!;
    const fields: string[] = [];
    if (r.a && r.b) {
      for (const p of res.fieldDiff(i).parts) {
        walkDiff(p.nodes, (n) => {
          if (n.ignored || n.kind === "same") return false;
          // ADDED/REMOVED subtrees count once, at their root.
          if (n.kind !== "modified" || !n.children?.some((c) => c.diffs > 0)) {
            fields.push(`${p.role}:${n.name}`);
            return false;
          }
          return true;
        });
      }
    }
    out.push({
      row: i,
      kind: r.kind,
      cmd: o.cmd,
      path: r.b?.path || r.a?.path || "",
      detail: o.detail,
      statusA: r.a?.status,
      statusB: r.b?.status,
      fields,
    });
  });
  return out;
}

export function diffDeep(a: Trace, b: Trace): AlignResult {
  return diffTraces(a, b, { deep: true });
}

/** Short text of divergences for assertion messages. */
export function show(ds: readonly Divergence[], max = 12): string {
  const hex = (s?: number) => (s === undefined ? "-" : `0x${(s >>> 0).toString(16)}`);
  return ds
    .slice(0, max)
    .map(
      (d) =>
        `#${d.row} ${d.kind} cmd ${d.cmd} ${d.path || "''"} ${d.detail} ${hex(d.statusA)}/${hex(d.statusB)} ${d.fields.slice(0, 8).join(" ")}`,
    )
    .join("\n");
}
