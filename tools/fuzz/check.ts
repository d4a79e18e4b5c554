/**
 * One fuzz case through the public API: openTrace, tree() of every packet (both layer modes for a
 * few), the diff of the case against its seed (alignment, deep field diffs, text rendering), and
 * streamTrace (what `list` runs), which must list the frames the index holds.
 * Returns "listing" or a clear one-line error; anything else is thrown to the caller as a crash.
 */
import { CaptureError } from "../../src/capture/index.js";
import { diffPackets, diffTraces, renderAlign } from "../../src/diff/index.js";
import { type FieldNode, renderText, walk } from "../../src/dissect/tree.js";
import { parseKeyFile } from "../../src/keys/index.js";
import { openTrace, streamTrace, TraceError } from "../../src/trace/index.js";
import type { Trace } from "../../src/trace/types.js";

export interface CheckResult {
  outcome: "listing" | "error";
  /** The clear error, for outcome "error". */
  error?: string;
  packets: number;
  warnings: number;
  malformed: number;
}

/** Errors a user may see for bad input: documented, one line. */
export function isClearError(e: unknown): e is Error {
  return (
    (e instanceof CaptureError || e instanceof TraceError) &&
    !e.message.includes("\n") &&
    e.message.length > 0 &&
    e.message.length < 500
  );
}

export class FuzzFailure extends Error {}

export interface CheckOptions {
  keys?: string;
  /** Trees built per trace at most (spread over the trace). */
  maxTrees?: number;
  /** Field diffs computed per trace pair, from the first divergence on. */
  diffRows?: number;
}

/**
 * Invariants of every tree, malformed input or not: labels are text (no `undefined`, `NaN` or
 * `[object ...]` leaking from a missing value), offsets and lengths are sane integers.
 */
function checkNodes(nodes: readonly FieldNode[], no: number): void {
  walk(nodes, (n) => {
    if (typeof n.label !== "string" || /undefined|NaN|\[object /.test(n.label))
      throw new FuzzFailure(`packet ${no}: ${n.name} label "${n.label}"`);
    if (!Number.isInteger(n.offset) || n.offset < -1 || !Number.isInteger(n.length) || n.length < 0)
      throw new FuzzFailure(`packet ${no}: ${n.name} offset ${n.offset} length ${n.length}`);
    return true;
  });
}

export async function checkFile(
  file: string,
  orig: Trace | undefined,
  o: CheckOptions = {},
): Promise<CheckResult> {
  let t: Trace;
  try {
    t = await openTrace(file, o.keys ? { keys: parseKeyFile(o.keys) } : {});
  } catch (e) {
    if (isClearError(e)) return { outcome: "error", error: e.message, packets: 0, warnings: 0, malformed: 0 };
    throw e;
  }
  try {
    const maxTrees = o.maxTrees ?? 400;
    const ps = t.packets;
    const step = Math.max(1, Math.ceil(ps.length / maxTrees));
    let malformed = 0;
    for (let i = 0; i < ps.length; i += step) {
      const p = ps.at(i)!;
      if (typeof p.summary !== "string") throw new FuzzFailure(`packet ${p.no}: summary is not a string`);
      if (/undefined|NaN|\[object /.test(p.summary))
        throw new FuzzFailure(`packet ${p.no}: summary "${p.summary}"`);
      const nodes = t.tree(p.no);
      checkNodes(nodes, p.no);
      const text = renderText(nodes);
      if (text.includes("[Malformed")) malformed++;
      if (i % (step * 16) === 0) t.tree(p.no, { allLayers: true });
    }
    await checkStream(file, t, o);
    if (orig) {
      const r = diffTraces(orig, t);
      renderAlign(r);
      // Field diffs of the rows around the first divergence (a deep diff of every row costs
      // more than the rest of the case); a row whose diff failed is a hidden exception: a crash.
      const first = Math.max(0, r.firstDivergence);
      for (let i = Math.max(0, first - 2); i < Math.min(r.rows.length, first + (o.diffRows ?? 24)); i++) {
        const d = r.fieldDiff(i);
        if (d.error) throw new FuzzFailure(`diff row ${i}: ${d.error}`);
      }
      const a = orig.packets.at(0);
      const b = ps.at(0);
      if (a && b) {
        const d = diffPackets(orig, a.no, t, b.no, { allLayers: true });
        if (d.error) throw new FuzzFailure(`diffPackets: ${d.error}`);
      }
    }
    return { outcome: "listing", packets: ps.length, warnings: t.warnings.length, malformed };
  } finally {
    t.close();
  }
}

/**
 * The streamed listing has the index's packets, in order. Info may differ only where the one-shot
 * state forgot a request (a repeated response: see Smb2State.oneShot), so only its form is checked.
 */
async function checkStream(file: string, t: Trace, o: CheckOptions): Promise<void> {
  const nos: number[] = [];
  await streamTrace(file, o.keys ? { keys: parseKeyFile(o.keys) } : {}, (p) => {
    if (typeof p.summary !== "string" || /undefined|NaN|\[object /.test(p.summary))
      throw new FuzzFailure(`streamed packet ${p.no}: summary "${p.summary}"`);
    nos.push(p.no);
  });
  const ps = t.packets;
  if (nos.length !== ps.length) throw new FuzzFailure(`streamed ${nos.length} packets, indexed ${ps.length}`);
  for (let i = 0; i < nos.length; i++)
    if (nos[i] !== ps.at(i)!.no)
      throw new FuzzFailure(`streamed packet ${i} is frame ${nos[i]}, indexed ${ps.at(i)!.no}`);
}
